// A table's schema from its .avsc file: the avsc type (for Avro binary), the column list the Parquet layer
// writes (column-spec.ts; nested records, arrays, maps and unions at any depth), per-field defaults already in
// the column representation, and the schema string Hudi records in each commit's extraMetadata.schema.
// Invariants: every top-level field maps to exactly one column; a type the model cannot hold is refused with a
// ConfigError naming the field path; defaults are valid for their field, as Avro Java's parser requires; the
// stored schema string is the data fields only, as Spark-written tables have it (the writer adds _hoodie_*).

import { promises as fs } from 'node:fs';
import type * as avro from 'avsc';
import { ConfigError } from '../../../runtime/spi';
import { unionMemberName, type ColumnSpec, type ColumnType, type Row } from '../parquet/column-spec';
import { avroTypeFor, DecimalType, UNSUPPORTED_LOGICAL_TYPES } from './logical-types';
import { avroSchemaString } from './schema-string';
import { decodedConverter } from './decoded-values';
import { baseConverter, describeExpected, describeValue, Mismatch, PathMismatch, type WireField, type WireSlot, type WireType } from './value-converters';

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
      if (e instanceof FieldProblem) problems.push(`field ${e.path ?? f.name}: ${e.message}`);
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
    // A default travels with its column: the merge fills it into older rows that lack the column (Hudi does).
    columns: fields.map((f) => (f.hasDefault && f.defaultValue !== null ? { ...f.column, default: f.defaultValue } : f.column)),
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

/** A schema problem; `path` names the nested field at fault ("address.zip", "tags[]"), else the top-level field. */
class FieldProblem extends Error {
  constructor(
    message: string,
    readonly path?: string,
  ) {
    super(message);
  }
}

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
  checkLogicalTypes(json['type'], f.name);
  const { slot, nullFirst } = slotOf(f.type, f.name);
  const column: ColumnSpec = { name: f.name, type: slot.type, nullable: slot.nullable };
  const wire = slot.wire;
  const expected = describeExpected(column, wire);
  const hasDefault = json['default'] !== undefined;
  let defaultValue: unknown;
  if (hasDefault) defaultValue = convertDefault(json['default'], column, wire, slot.nullable && nullFirst);
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
    if (wire.avro === 'union') {
      // A union's default is a value of its first branch, unwrapped.
      const first = wire.members![0]!;
      const v = baseConverter({ name: '', type: first.type, nullable: false }, first.wire, 'avro-json')(value);
      return Object.fromEntries(wire.members!.map((_, i) => [unionMemberName(i), i === 0 ? v : null]));
    }
    return baseConverter(column, wire, 'avro-json')(value);
  } catch (e) {
    if (!(e instanceof Mismatch)) throw e;
    const hint = value === null && column.nullable ? '; a null default needs "null" first in the union' : '';
    const where = e instanceof PathMismatch && e.path !== '' ? ` at ${e.path}` : '';
    throw new FieldProblem(`default ${describeValue(value)} is not a valid ${describeExpected({ ...column, nullable: false }, wire)}${where}${e.reason ? ` (${e.reason})` : ''}${hint}`);
  }
}

/** A place holding a value of avsc type `t` (a union with null makes it nullable); `path` names it in problems. */
function slotOf(t: avro.Type, path: string): { slot: WireSlot; nullFirst: boolean } {
  if (t.typeName.startsWith('union:')) {
    const branches = (t as unknown as { types: avro.Type[] }).types;
    const nonNull = branches.filter((b) => b.typeName !== 'null');
    const nullable = nonNull.length < branches.length;
    const nullFirst = branches[0]!.typeName === 'null';
    if (nonNull.length === 0) throw new FieldProblem(`a union of only null holds no data and is not supported`, path);
    if (nonNull.length === 1 && nullable) {
      const { type, wire } = columnTypeOf(nonNull[0]!, path);
      return { slot: { type, wire, nullable }, nullFirst };
    }
    // Several types (or one type without null): parquet-avro's group of member0, member1, … (one per non-null branch).
    const members = nonNull.map((b, i) => {
      const { type, wire } = columnTypeOf(b, `${path}.${unionMemberName(i)}`);
      // Each member holds a value of its type (the union's null is the union's own).
      return { type, wire, nullable: false };
    });
    const type: ColumnType = { kind: 'union', members: members.map((m) => m.type) };
    return { slot: { type, wire: { avro: 'union', branch: 'union', members }, nullable }, nullFirst };
  }
  const { type, wire } = columnTypeOf(t, path);
  return { slot: { type, wire, nullable: false }, nullFirst: false };
}

function columnTypeOf(t: avro.Type, path: string): { type: ColumnType; wire: WireType } {
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
    case 'logical:timestamp-micros':
    case 'logical:local-timestamp-millis':
    case 'logical:local-timestamp-micros':
    case 'logical:time-micros':
      return { type: { kind: name.slice('logical:'.length) as 'timestamp-millis' }, wire: { avro: 'long', branch: 'long' } };
    case 'logical:date':
    case 'logical:time-millis':
      return { type: { kind: name.slice('logical:'.length) as 'date' }, wire: { avro: 'int', branch: 'int' } };
    case 'logical:uuid':
      return { type: { kind: 'uuid' }, wire: { avro: 'string', branch: 'string' } };
    case 'logical:decimal': {
      const d = t as unknown as DecimalType;
      const under = d.underlyingType as unknown as { typeName: string; name: string; size: number };
      // Parquet readers (Spark, DuckDB) and the Arrow columns this plugin writes stop at decimal128.
      if (d.precision > MAX_DECIMAL_PRECISION) throw new FieldProblem(`decimal precision ${d.precision} is more than ${MAX_DECIMAL_PRECISION}, the most Parquet readers support`, path);
      const wire: WireType = under.typeName === 'fixed' ? { avro: 'fixed', branch: under.name, size: under.size } : { avro: 'bytes', branch: 'bytes' };
      return { type: { kind: 'decimal', precision: d.precision, scale: d.scale }, wire };
    }
    case 'record':
    case 'error': {
      const r = t as unknown as { name: string; fields: avro.types.Field[] };
      if (r.fields.length === 0) throw new FieldProblem(`record ${r.name} has no fields (Parquet has no empty groups)`, path);
      const fields: WireField[] = r.fields.map((f) => nestedField(f, `${path}.${f.name}`));
      return { type: { kind: 'record', fields: fields.map(specOf) }, wire: { avro: 'record', branch: r.name, fields } };
    }
    case 'array': {
      const { slot } = slotOf((t as unknown as { itemsType: avro.Type }).itemsType, `${path}[]`);
      return { type: { kind: 'array', items: slot.type, itemsNullable: slot.nullable }, wire: { avro: 'array', branch: 'array', element: slot } };
    }
    case 'map': {
      const { slot } = slotOf((t as unknown as { valuesType: avro.Type }).valuesType, `${path}{}`);
      return { type: { kind: 'map', values: slot.type, valuesNullable: slot.nullable }, wire: { avro: 'map', branch: 'map', element: slot } };
    }
    case 'null':
      throw new FieldProblem(`a field of type null holds no data and is not supported`, path);
    default:
      // Logical types this plugin does not register never reach here (avsc keeps the underlying type).
      throw new FieldProblem(`type ${name} is not supported yet`, path);
  }
}

/** A field of a nested record, its default converted from avsc's parsed value (avsc checked it is valid). */
function nestedField(f: avro.types.Field, path: string): WireField {
  if (f.name === '__proto__') throw new FieldProblem(`this field name is not supported (rename it)`, path);
  const { slot } = slotOf(f.type, path);
  const parsed = (f as unknown as { defaultValue(): unknown }).defaultValue();
  const hasDefault = parsed !== undefined;
  return { name: f.name, ...slot, hasDefault, defaultValue: hasDefault ? decodedConverter(slot, f.type)(parsed) : undefined, aliases: f.aliases };
}


function specOf(f: WireField): ColumnSpec {
  return f.hasDefault && f.defaultValue !== null ? { name: f.name, type: f.type, nullable: f.nullable, default: f.defaultValue } : { name: f.name, type: f.type, nullable: f.nullable };
}

/** Refuses Avro logical types the column model cannot hold, which avsc would silently read as their
 *  underlying type (time-millis as a plain int, …). */
function checkLogicalTypes(t: unknown, path: string): void {
  if (Array.isArray(t)) {
    for (const b of t) checkLogicalTypes(b, path);
    return;
  }
  if (t === null || typeof t !== 'object') return;
  const o = t as { logicalType?: unknown; type?: unknown; fields?: unknown; items?: unknown; values?: unknown };
  const lt = o.logicalType;
  if (typeof lt === 'string' && UNSUPPORTED_LOGICAL_TYPES.has(lt)) throw new FieldProblem(`logicalType ${lt} is not supported yet`, path);
  if (Array.isArray(o.fields)) for (const f of o.fields as { name?: unknown; type?: unknown }[]) checkLogicalTypes(f?.type, `${path}.${String(f?.name)}`);
  if (o.items !== undefined) checkLogicalTypes(o.items, `${path}[]`);
  if (o.values !== undefined) checkLogicalTypes(o.values, `${path}{}`);
  if (typeof o.type === 'object') checkLogicalTypes(o.type, path);
}

