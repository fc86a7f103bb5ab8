// Parquet physical/logical types of the column model, as parquet-avro (the writer Spark Hudi uses for base
// files) lays them out: strings BYTE_ARRAY + STRING/UTF8, timestamps INT64 TIMESTAMP(isAdjustedToUTC),
// date INT32 DATE, decimal FIXED_LEN_BYTE_ARRAY(minimal bytes) + DECIMAL, records as groups, LIST and MAP. The reverse mapping reads a file's
// schema (ours, or one Spark wrote) back into ColumnSpecs for the footer reader.
// Invariant: a column maps to a ColumnSpec only when every leaf of it does; anything else is reported, not guessed.

import type { SchemaElement } from 'hyparquet';
import { unionMemberName, type ColumnSpec, type ColumnType } from './column-spec';
import { fixedBytesForPrecision } from './decimal128';

/** The Parquet schema elements parquet-avro writes for a column (depth-first, a group before its children):
 *  records as groups, arrays as 3-level LIST (`list` / `element`, parquet.avro.write-old-list-structure=false,
 *  the only layout that holds null elements), maps as MAP with a repeated `key_value` group of a required
 *  string `key` and a `value`, unions of several types as a group of optional `member<i>` fields. */
export function parquetElements(column: ColumnSpec): SchemaElement[] {
  const repetition_type = column.nullable ? 'OPTIONAL' : 'REQUIRED';
  const name = column.name;
  const t = column.type;
  switch (t.kind) {
    case 'record':
      return [{ name, repetition_type, num_children: t.fields.length }, ...t.fields.flatMap(parquetElements)];
    case 'union':
      return [{ name, repetition_type, num_children: t.members.length }, ...t.members.flatMap((m, i) => parquetElements({ name: unionMemberName(i), type: m, nullable: true }))];
    case 'array':
      return [
        { name, repetition_type, num_children: 1, converted_type: 'LIST', logical_type: { type: 'LIST' } },
        { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
        ...parquetElements({ name: 'element', type: t.items, nullable: t.itemsNullable }),
      ];
    case 'map':
      return [
        { name, repetition_type, num_children: 1, converted_type: 'MAP', logical_type: { type: 'MAP' } },
        { name: 'key_value', repetition_type: 'REPEATED', num_children: 2 },
        parquetElement({ name: 'key', type: { kind: 'string' }, nullable: false }),
        ...parquetElements({ name: 'value', type: t.values, nullable: t.valuesNullable }),
      ];
    default:
      return [parquetElement(column)];
  }
}

/** The leaf element of a column of a primitive kind. */
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
    case 'time-millis':
      // parquet-avro annotates time-millis/micros TIME, which Spark 3.5 refuses ("Illegal Parquet type"); plain
      // integers read everywhere, and the footer's Avro schema still says time-millis.
      return { name, repetition_type, type: 'INT32' };
    case 'long':
    case 'time-micros':
    // parquet-avro writes TIMESTAMP(isAdjustedToUTC=false); Hudi 0.15's Spark reader maps the Avro type to bigint
    // and then fails on such a column ("Datatype not supported" converting timestamp_ntz), so plain INT64.
    case 'local-timestamp-millis':
    case 'local-timestamp-micros':
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
    case 'record':
    case 'union':
    case 'array':
    case 'map':
      throw new TypeError(`column "${name}" is a ${t.kind}, a group: use parquetElements`);
  }
}

/** Root + one leaf per column; the root name is what parquet-avro uses when no record name is known. */
export function parquetSchema(columns: readonly ColumnSpec[], rootName = 'hoodie_record'): SchemaElement[] {
  return [{ name: rootName, num_children: columns.length }, ...columns.flatMap(parquetElements)];
}

/** A column of a file's schema that the flat column model cannot represent (nested, INT96, intervals, …). */
export interface UnsupportedColumn {
  name: string;
  parquetType: string;
}

/** ColumnSpecs of a file's columns, nested ones included (records, LIST in its 3-level and legacy 2-level
 *  forms, MAP); a column with a leaf the model cannot map (INT96, intervals, …) is listed as unsupported. */
export function columnsFromParquetSchema(schema: readonly SchemaElement[]): { columns: ColumnSpec[]; unsupported: UnsupportedColumn[] } {
  const columns: ColumnSpec[] = [];
  const unsupported: UnsupportedColumn[] = [];
  const root = parseTree(schema, 0);
  for (const node of root.children) {
    try {
      if (node.el.repetition_type === 'REPEATED') throw new Unmappable(`repeated ${describeElement(node.el)}`);
      columns.push({ name: node.el.name, type: typeOfNode(node), nullable: node.el.repetition_type !== 'REQUIRED' });
    } catch (e) {
      if (!(e instanceof Unmappable)) throw e;
      unsupported.push({ name: node.el.name, parquetType: e.message });
    }
  }
  return { columns, unsupported };
}

interface Node {
  el: SchemaElement;
  children: Node[];
}

class Unmappable extends Error {}

function parseTree(schema: readonly SchemaElement[], start: number): Node & { next: number } {
  const el = schema[start]!;
  const children: Node[] = [];
  let i = start + 1;
  for (let c = 0; c < (el.num_children ?? 0) && i < schema.length; c++) {
    const child = parseTree(schema, i);
    children.push(child);
    i = child.next;
  }
  return { el, children, next: i };
}

function isGroup(node: Node): boolean {
  return node.el.num_children !== undefined && node.el.num_children > 0;
}

function typeOfNode(node: Node): ColumnType {
  if (!isGroup(node)) {
    const t = columnTypeOf(node.el);
    if (t === undefined) throw new Unmappable(describeElement(node.el));
    return t;
  }
  const annotation = node.el.logical_type?.type ?? node.el.converted_type;
  if (annotation === 'LIST') {
    const repeated = node.children[0];
    if (node.children.length !== 1 || repeated?.el.repetition_type !== 'REPEATED') throw new Unmappable('LIST without one repeated field');
    // 3-level: repeated group with one child (the element). Legacy 2-level (parquet-avro's old structure, as
    // Hudi's Spark writer still writes it): the repeated field is the element itself, never null.
    const threeLevel = isGroup(repeated) && repeated.children.length === 1 && repeated.el.name !== 'array' && repeated.el.name !== `${node.el.name}_tuple`;
    if (threeLevel) {
      const element = repeated.children[0]!;
      return { kind: 'array', items: typeOfNode(element), itemsNullable: element.el.repetition_type !== 'REQUIRED' };
    }
    return { kind: 'array', items: typeOfNode({ el: { ...repeated.el, repetition_type: 'REQUIRED' }, children: repeated.children }), itemsNullable: false };
  }
  if (annotation === 'MAP' || annotation === 'MAP_KEY_VALUE') {
    const kv = node.children[0];
    if (node.children.length !== 1 || kv === undefined || kv.children.length !== 2) throw new Unmappable('MAP without a key_value group of key and value');
    const [key, value] = kv.children as [Node, Node];
    const keyType = typeOfNode(key);
    if (keyType.kind !== 'string') throw new Unmappable(`MAP with ${describeElement(key.el)} keys (Avro maps have string keys)`);
    return { kind: 'map', values: typeOfNode(value), valuesNullable: value.el.repetition_type !== 'REQUIRED' };
  }
  const fields: ColumnSpec[] = node.children.map((c) => {
    if (c.el.repetition_type === 'REPEATED') throw new Unmappable(`group with repeated field ${c.el.name}`);
    return { name: c.el.name, type: typeOfNode(c), nullable: c.el.repetition_type !== 'REQUIRED' };
  });
  return { kind: 'record', fields };
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
      if (lt?.type === 'TIMESTAMP') {
        if (lt.unit === 'MILLIS') return { kind: lt.isAdjustedToUTC ? 'timestamp-millis' : 'local-timestamp-millis' };
        if (lt.unit === 'MICROS') return { kind: lt.isAdjustedToUTC ? 'timestamp-micros' : 'local-timestamp-micros' };
        return undefined;
      }
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
