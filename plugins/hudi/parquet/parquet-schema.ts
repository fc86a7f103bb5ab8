// Parquet physical/logical types of the flat column model, as parquet-avro (the writer Spark Hudi uses for
// base files) lays them out: strings BYTE_ARRAY + STRING/UTF8, timestamps INT64 TIMESTAMP(isAdjustedToUTC),
// date INT32 DATE, decimal FIXED_LEN_BYTE_ARRAY(minimal bytes) + DECIMAL. The reverse mapping reads a file's
// schema (ours, or one Spark wrote) back into ColumnSpecs for the footer reader.
// Invariant: only flat files (root + primitive leaves) map to ColumnSpecs; anything else is reported, not guessed.

import type { SchemaElement } from 'hyparquet';
import type { ColumnSpec, ColumnType } from './column-spec';
import { fixedBytesForPrecision } from './decimal128';

/** The Parquet schema element parquet-avro writes for a column. */
export function parquetElement(column: ColumnSpec): SchemaElement {
  const repetition_type = column.nullable ? 'OPTIONAL' : 'REQUIRED';
  const name = column.name;
  const t = column.type;
  switch (t.kind) {
    case 'string':
    case 'uuid':
      // Avro's uuid logical type is a string in parquet-avro, not Parquet's FIXED(16) UUID.
      return { name, repetition_type, type: 'BYTE_ARRAY', converted_type: 'UTF8', logical_type: { type: 'STRING' } };
    case 'bytes':
      return { name, repetition_type, type: 'BYTE_ARRAY' };
    case 'boolean':
      return { name, repetition_type, type: 'BOOLEAN' };
    case 'int':
      return { name, repetition_type, type: 'INT32' };
    case 'long':
      return { name, repetition_type, type: 'INT64' };
    case 'float':
      return { name, repetition_type, type: 'FLOAT' };
    case 'double':
      return { name, repetition_type, type: 'DOUBLE' };
    case 'date':
      return { name, repetition_type, type: 'INT32', converted_type: 'DATE', logical_type: { type: 'DATE' } };
    case 'timestamp-millis':
      return { name, repetition_type, type: 'INT64', converted_type: 'TIMESTAMP_MILLIS', logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'MILLIS' } };
    case 'timestamp-micros':
      return { name, repetition_type, type: 'INT64', converted_type: 'TIMESTAMP_MICROS', logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'MICROS' } };
    case 'decimal':
      return {
        name,
        repetition_type,
        type: 'FIXED_LEN_BYTE_ARRAY',
        type_length: fixedBytesForPrecision(t.precision),
        converted_type: 'DECIMAL',
        precision: t.precision,
        scale: t.scale,
        logical_type: { type: 'DECIMAL', precision: t.precision, scale: t.scale },
      };
  }
}

/** Root + one leaf per column; the root name is what parquet-avro uses when no record name is known. */
export function parquetSchema(columns: readonly ColumnSpec[], rootName = 'hoodie_record'): SchemaElement[] {
  return [{ name: rootName, num_children: columns.length }, ...columns.map(parquetElement)];
}

/** A column of a file's schema that the flat column model cannot represent (nested, INT96, intervals, …). */
export interface UnsupportedColumn {
  name: string;
  parquetType: string;
}

/** ColumnSpecs of a file's flat leaves; nested groups and unmappable leaves are listed as unsupported. */
export function columnsFromParquetSchema(schema: readonly SchemaElement[]): { columns: ColumnSpec[]; unsupported: UnsupportedColumn[] } {
  const columns: ColumnSpec[] = [];
  const unsupported: UnsupportedColumn[] = [];
  const rootChildren = schema[0]?.num_children ?? 0;
  let i = 1;
  for (let c = 0; c < rootChildren && i < schema.length; c++) {
    const el = schema[i]!;
    if (el.num_children !== undefined && el.num_children > 0) {
      unsupported.push({ name: el.name, parquetType: 'group' });
      i = skipSubtree(schema, i);
      continue;
    }
    i++;
    const type = columnTypeOf(el);
    if (type === undefined || el.repetition_type === 'REPEATED') {
      unsupported.push({ name: el.name, parquetType: describeElement(el) });
    } else {
      columns.push({ name: el.name, type, nullable: el.repetition_type !== 'REQUIRED' });
    }
  }
  return { columns, unsupported };
}

function skipSubtree(schema: readonly SchemaElement[], i: number): number {
  let pending = 1;
  while (pending > 0 && i < schema.length) {
    pending += (schema[i]!.num_children ?? 0) - 1;
    i++;
  }
  return i;
}

function describeElement(el: SchemaElement): string {
  const logical = el.logical_type?.type ?? el.converted_type;
  return logical ? `${el.type} (${logical})` : String(el.type);
}

function columnTypeOf(el: SchemaElement): ColumnType | undefined {
  const lt = el.logical_type;
  const ct = el.converted_type;
  if (lt?.type === 'DECIMAL' || ct === 'DECIMAL') {
    const precision = lt?.type === 'DECIMAL' ? lt.precision : el.precision;
    const scale = lt?.type === 'DECIMAL' ? lt.scale : (el.scale ?? 0);
    if (precision === undefined || precision > 38) return undefined;
    return { kind: 'decimal', precision, scale };
  }
  switch (el.type) {
    case 'BOOLEAN':
      return { kind: 'boolean' };
    case 'INT32':
      if (lt?.type === 'DATE' || ct === 'DATE') return { kind: 'date' };
      if (lt?.type === 'INTEGER') return lt.isSigned || lt.bitWidth < 32 ? { kind: 'int' } : { kind: 'long' };
      if (ct === 'UINT_32') return { kind: 'long' };
      if (lt === undefined && (ct === undefined || ct === 'INT_8' || ct === 'INT_16' || ct === 'INT_32' || ct === 'UINT_8' || ct === 'UINT_16')) return { kind: 'int' };
      return undefined;
    case 'INT64':
      if (lt?.type === 'TIMESTAMP') return lt.unit === 'MILLIS' ? { kind: 'timestamp-millis' } : lt.unit === 'MICROS' ? { kind: 'timestamp-micros' } : undefined;
      if (ct === 'TIMESTAMP_MILLIS') return { kind: 'timestamp-millis' };
      if (ct === 'TIMESTAMP_MICROS') return { kind: 'timestamp-micros' };
      if (lt?.type === 'INTEGER') return lt.isSigned ? { kind: 'long' } : undefined;
      if (lt === undefined && (ct === undefined || ct === 'INT_64')) return { kind: 'long' };
      return undefined;
    case 'FLOAT':
      return { kind: 'float' };
    case 'DOUBLE':
      return { kind: 'double' };
    case 'BYTE_ARRAY':
      if (lt?.type === 'STRING' || ct === 'UTF8' || lt?.type === 'ENUM' || ct === 'ENUM') return { kind: 'string' };
      if (lt === undefined && ct === undefined) return { kind: 'bytes' };
      return undefined;
    case 'FIXED_LEN_BYTE_ARRAY':
      if (lt?.type === 'UUID') return { kind: 'uuid' };
      return undefined;
    default:
      return undefined;
  }
}
