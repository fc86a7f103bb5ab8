// A table's schema from its .avsc file: the avsc type (for Avro binary), the flat column list the Parquet
// layer writes (column-spec.ts), per-field defaults already in the column representation, and the schema
// string Hudi records in each commit's extraMetadata.schema. Invariants: every top-level field maps to
// exactly one column (nested records, arrays, maps and multi-type unions are refused with a ConfigError
// naming the field); defaults are valid for their field, as Avro Java's parser requires; the stored schema
// string is the data fields only, as Spark-written tables have it (the writer adds the _hoodie_* fields).

import { promises as fs } from 'node:fs';
import type * as avro from 'avsc';
import { ConfigError } from '../../../runtime/spi';
import type { ColumnSpec, ColumnType, Row } from '../parquet/column-spec';
import { avroTypeFor, DecimalType, UNSUPPORTED_LOGICAL_TYPES } from './logical-types';
import { avroSchemaString } from './schema-string';
import { baseConverter, describeExpected, describeValue, Mismatch, type WireType } from './value-converters';

/** The five fields Hudi's writer puts first in every record (HoodieAvroUtils.addMetadataFields). */
export const HOODIE_META_FIELDS = ['_hoodie_commit_time', '_hoodie_commit_seqno', '_hoodie_record_key', '_hoodie_partition_path', '_hoodie_file_name'] as const;

const MAX_DECIMAL_PRECISION = 38;

/** The config key every schema problem is reported under. */
export const SCHEMA_CONFIG_KEY = 'schemaPath';

export interface TableField {
  readonly name: string;
  readonly column: ColumnSpec;
  readonly wire: WireType;
  /** The expected type as error messages show it: "double", "timestamp-millis or null". */
  readonly expected: string;
  readonly hasDefault: boolean;
  /** The schema default in the column representation (only meaningful when hasDefault). */
  readonly defaultValue: unknown;
  readonly aliases: readonly string[];
  readonly doc?: string;
}

export interface TableSchema {
  /** Full name of the record, e.g. "example.avro.User". */
  readonly name: string;
  readonly fields: readonly TableField[];
  readonly columns: readonly ColumnSpec[];
  /** Defaults of the fields that have one, in the column representation. */
  readonly defaults: Readonly<Row>;
  /** The string for Hudi's commit extraMetadata.schema: Avro Java's Schema.toString() of the data fields. */
  readonly schemaJson: string;
  /** The parsed .avsc JSON. */
  readonly avsc: Readonly<Record<string, unknown>>;
  /** avsc type with this plugin's logical types: decodes Avro binary straight to the column representation. */
  readonly avroType: avro.Type;
}

export interface ParseOptions {
  /** Where the schema came from, for messages (a path or "the table's last commit"). */
  source?: string;
  /** Drop fields named like Hudi's meta fields instead of refusing them (for schemas read back from a table). */
  stripHoodieMetaFields?: boolean;
}

/** Reads and parses a .avsc file. `path` is already resolved and allowed by the caller. */
export async function loadTableSchema(path: string): Promise<TableSchema> {
  let text: string;
  try {
    text = await fs.readFile(path, 'utf8');
  } catch (e) {
    const code = (e as { code?: string }).code;
    throw configError(`cannot read ${path}${code ? ` (${code})` : ''}: give the path of a readable .avsc file`);
  }
  return parseTableSchema(text, { source: path });
}

/** Parses an Avro record schema (JSON text or an already parsed value) into a table schema. */
export function parseTableSchema(schema: string | object, options: ParseOptions = {}): TableSchema {
  const where = options.source ? ` in ${options.source}` : '';
  let raw: unknown;
  if (typeof schema === 'string') {
    try {
      raw = JSON.parse(schema);
    } catch (e) {
      throw configError(`the schema${where} is not valid JSON: ${(e as Error).message}`);
    }
  } else raw = schema;
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw) || ((raw as { type?: unknown }).type !== 'record' && (raw as { type?: unknown }).type !== 'error')) {
    throw configError(`the schema${where} must be an Avro record ({"type": "record", "name": …, "fields": […]}), got ${describeValue(raw)}`);
  }
  let record = raw as Record<string, unknown>;
  const rawFields = record['fields'];
  if (!Array.isArray(rawFields)) throw configError(`the record schema${where} has no "fields" array`);

  const meta = new Set<string>(HOODIE_META_FIELDS);
  if (rawFields.some((f) => meta.has((f as { name?: unknown })?.name as string))) {
    if (!options.stripHoodieMetaFields) {
      const names = rawFields.map((f) => (f as { name?: unknown }).name).filter((n) => meta.has(n as string));
      throw configError(`field ${names.join(', ')}${where}: Hudi meta fields are added by the writer; remove them from the schema`);
    }
    record = { ...record, fields: rawFields.filter((f) => !meta.has((f as { name?: unknown })?.name as string)) };
  }

  const type = parseAvro(record, where);
  const rec = type as unknown as { name: string; fields: avro.types.Field[] };
  const fieldsJson = record['fields'] as Record<string, unknown>[];
  const problems: string[] = [];
  const fields: TableField[] = [];
  rec.fields.forEach((f, i) => {
    const json = fieldsJson[i]!;
    try {
      fields.push(tableField(f, json));
    } catch (e) {
      if (e instanceof FieldProblem) problems.push(`field ${f.name}: ${e.message}`);
      else throw e;
    }
  });
  if (fields.length === 0 && problems.length === 0) problems.push('the record has no fields');
  if (problems.length > 0) throw new ConfigError(problems.map((message) => ({ name: SCHEMA_CONFIG_KEY, message: message + where })), 'Unsupported table schema');

  const defaults: Row = {};
  for (const f of fields) if (f.hasDefault) defaults[f.name] = f.defaultValue;
  return {
    name: rec.name,
    fields,
    columns: fields.map((f) => f.column),
    defaults,
    schemaJson: avroSchemaString(record),
    avsc: record,
    avroType: type,
  };
}

/** Adds Hudi's five meta fields in front of a record schema string, as HoodieAvroUtils.addMetadataFields
 *  does: each ["null","string"] with doc "" and default null; existing meta fields are replaced; the data
 *  fields keep name, type, doc, default and properties (Hudi drops their aliases and order, and the record's
 *  own properties and aliases, by rebuilding them). The result is for the Parquet footer's
 *  parquet.avro.schema; the commit's extraMetadata.schema holds the schema without them. */
export function withHoodieMetaFields(schemaJson: string): string {
  const record = JSON.parse(schemaJson) as Record<string, unknown>;
  const meta = new Set<string>(HOODIE_META_FIELDS);
  const metaFields = HOODIE_META_FIELDS.map((name) => ({ name, type: ['null', 'string'], doc: '', default: null }));
  const dataFields = (record['fields'] as Record<string, unknown>[])
    .filter((f) => !meta.has(f['name'] as string))
    .map((f) => {
      const { aliases: _aliases, order: _order, ...kept } = f;
      return kept;
    });
  const rebuilt: Record<string, unknown> = { type: record['type'], name: record['name'] };
  if (record['namespace'] !== undefined) rebuilt['namespace'] = record['namespace'];
  if (record['doc'] !== undefined) rebuilt['doc'] = record['doc'];
  rebuilt['fields'] = [...metaFields, ...dataFields];
  return avroSchemaString(rebuilt);
}

class FieldProblem extends Error {}

function configError(message: string): ConfigError {
  return new ConfigError([{ name: SCHEMA_CONFIG_KEY, message }], 'Invalid table schema');
}

/** avsc parse; on failure, parse growing prefixes of the field list to name the field at fault. */
function parseAvro(record: Record<string, unknown>, where: string): avro.Type {
  try {
    return avroTypeFor(record);
  } catch (e) {
    const fields = record['fields'] as Record<string, unknown>[];
    try {
      avroTypeFor({ ...record, fields: [] });
    } catch (recordLevel) {
      // The record itself (its name, say) is at fault, not a field.
      throw configError(`the schema${where} is not a valid Avro schema: ${(recordLevel as Error).message}`);
    }
    for (let i = 0; i < fields.length; i++) {
      try {
        avroTypeFor({ ...record, fields: fields.slice(0, i + 1) });
      } catch (inner) {
        throw configError(`field ${String(fields[i]?.['name'])}${where}: ${(inner as Error).message}`);
      }
    }
    throw configError(`the schema${where} is not a valid Avro schema: ${(e as Error).message}`);
  }
}

function tableField(f: avro.types.Field, json: Record<string, unknown>): TableField {
  // avsc's record constructor assigns fields as properties, and this one would set the prototype instead.
  if (f.name === '__proto__') throw new FieldProblem('this field name is not supported (rename it)');
  checkLogicalTypes(json['type']);
  let t = f.type;
  let nullable = false;
  let nullFirst = false;
  if (t.typeName.startsWith('union:')) {
    const branches = (t as unknown as { types: avro.Type[] }).types;
    const nonNull = branches.filter((b) => b.typeName !== 'null');
    nullable = nonNull.length < branches.length;
    if (nonNull.length !== 1 || branches.length !== 2) {
      throw new FieldProblem(`a union of ${branches.map(typeLabel).join(', ')} is not supported yet (only a union of null and one type)`);
    }
    nullFirst = branches[0]!.typeName === 'null';
    t = nonNull[0]!;
  }
  const { type, wire } = columnTypeOf(t);
  const column: ColumnSpec = { name: f.name, type, nullable };
  const expected = describeExpected(column, wire);
  const hasDefault = json['default'] !== undefined;
  let defaultValue: unknown;
  if (hasDefault) defaultValue = convertDefault(json['default'], column, wire, nullable && nullFirst);
  const aliases = Array.isArray(json['aliases']) ? (json['aliases'] as string[]) : [];
  const field: TableField = { name: f.name, column, wire, expected, hasDefault, defaultValue, aliases };
  if (typeof json['doc'] === 'string') return { ...field, doc: json['doc'] };
  return field;
}

/** Avro defaults are JSON for the union's first branch, with bytes as ISO-8859-1 strings (Avro JSON). */
function convertDefault(value: unknown, column: ColumnSpec, wire: WireType, nullFirst: boolean): unknown {
  if (nullFirst) {
    if (value === null) return null;
    throw new FieldProblem(`default ${describeValue(value)} must be null, the union's first type; put the other type first to default to a value`);
  }
  try {
    return baseConverter(column, wire, 'avro-json')(value);
  } catch (e) {
    if (!(e instanceof Mismatch)) throw e;
    const hint = value === null && column.nullable ? '; a null default needs "null" first in the union' : '';
    throw new FieldProblem(`default ${describeValue(value)} is not a valid ${describeExpected({ ...column, nullable: false }, wire)}${e.reason ? ` (${e.reason})` : ''}${hint}`);
  }
}

function columnTypeOf(t: avro.Type): { type: ColumnType; wire: WireType } {
  const name = t.typeName;
  switch (name) {
    case 'string':
    case 'boolean':
    case 'int':
    case 'float':
    case 'double':
    case 'bytes':
      return { type: { kind: name }, wire: { avro: name, branch: name } };
    case 'long':
    case 'abstract:long':
      return { type: { kind: 'long' }, wire: { avro: 'long', branch: 'long' } };
    case 'enum': {
      const e = t as unknown as { name: string; symbols: string[] };
      return { type: { kind: 'string' }, wire: { avro: 'enum', branch: e.name, symbols: e.symbols } };
    }
    case 'fixed': {
      const x = t as unknown as { name: string; size: number };
      return { type: { kind: 'bytes' }, wire: { avro: 'fixed', branch: x.name, size: x.size } };
    }
    case 'logical:timestamp-millis':
      return { type: { kind: 'timestamp-millis' }, wire: { avro: 'long', branch: 'long' } };
    case 'logical:timestamp-micros':
      return { type: { kind: 'timestamp-micros' }, wire: { avro: 'long', branch: 'long' } };
    case 'logical:date':
      return { type: { kind: 'date' }, wire: { avro: 'int', branch: 'int' } };
    case 'logical:uuid':
      return { type: { kind: 'uuid' }, wire: { avro: 'string', branch: 'string' } };
    case 'logical:decimal': {
      const d = t as unknown as DecimalType;
      const under = d.underlyingType as unknown as { typeName: string; name: string; size: number };
      // Parquet readers (Spark, DuckDB) and the Arrow columns this plugin writes stop at decimal128.
      if (d.precision > MAX_DECIMAL_PRECISION) throw new FieldProblem(`decimal precision ${d.precision} is more than ${MAX_DECIMAL_PRECISION}, the most Parquet readers support`);
      const wire: WireType = under.typeName === 'fixed' ? { avro: 'fixed', branch: under.name, size: under.size } : { avro: 'bytes', branch: 'bytes' };
      return { type: { kind: 'decimal', precision: d.precision, scale: d.scale }, wire };
    }
    case 'record':
    case 'error':
      throw new FieldProblem(`nested record ${(t as unknown as { name: string }).name} is not supported yet (flatten it into top-level fields)`);
    case 'array':
      throw new FieldProblem('arrays are not supported yet');
    case 'map':
      throw new FieldProblem('maps are not supported yet');
    case 'null':
      throw new FieldProblem('a field of type null holds no data and is not supported');
    default:
      // Logical types this plugin does not register never reach here (avsc keeps the underlying type).
      throw new FieldProblem(`type ${name} is not supported yet`);
  }
}

/** Refuses Avro logical types the column model cannot hold, which avsc would silently read as their
 *  underlying type (time-millis as a plain int, …). */
function checkLogicalTypes(t: unknown): void {
  const branches = Array.isArray(t) ? t : [t];
  for (const b of branches) {
    if (b !== null && typeof b === 'object' && !Array.isArray(b)) {
      const lt = (b as { logicalType?: unknown }).logicalType;
      if (typeof lt === 'string' && UNSUPPORTED_LOGICAL_TYPES.has(lt)) throw new FieldProblem(`logicalType ${lt} is not supported yet`);
    }
  }
}

function typeLabel(t: avro.Type): string {
  const n = t.typeName;
  if (n.startsWith('logical:')) return n.slice('logical:'.length);
  if (n === 'abstract:long') return 'long';
  if (n === 'record' || n === 'enum' || n === 'fixed') return `${n} ${(t as unknown as { name: string }).name}`;
  return n;
}
