// Turns one message value into a Row of the table schema (column-spec.ts representation). Accepted: Avro JSON
// text or objects (the seed's format: Java's JsonEncoder output, unions wrapped, bytes as ISO-8859-1), plain
// JSON (unions unwrapped, ISO-8601 timestamps, "YYYY-MM-DD" dates, decimal text, base64 bytes), Avro binary,
// and already-typed JS values (Buffer, Date, bigint). Converters are compiled once per schema; a record is a
// loop over them. Every refusal is a DataError naming the field, the expected type and the offending value:
// `field chargeMoney: expected double, got "12,5" (string)`.

import type * as avro from 'avsc';
import { ConfigError, DataError } from '../../../runtime/spi';
import { forEachType, type Row } from '../parquet/column-spec';
import { decodedConverter, needsStructure } from './decoded-values';
import { avroTypeFor } from './logical-types';
import type { TableField, TableSchema } from './table-schema';
import { compileConverter, describeValue, isPlainObject, Mismatch, PathMismatch, type Converter, type JsonFlavor } from './value-converters';

/**
 * - `auto`: JSON text or objects, or Avro binary for a body that is not JSON. Bytes, fixed and decimal values
 *   are read as Avro JSON when the record wraps any union value ({"long": 5}), else as plain JSON: set
 *   `avro-json` or `json` when a schema has such fields and records may carry no wrapped union.
 * - `avro-json` / `json`: JSON text or objects of that flavour (a Buffer is UTF-8 JSON text).
 * - `avro-binary`: a Buffer is Avro binary written with the table schema (or `writerSchema`).
 */
export type RecordEncoding = 'auto' | 'avro-json' | 'json' | 'avro-binary';

export interface RecordCoercerOptions {
  encoding?: RecordEncoding;
  /** Fields not in the schema: refused (default, naming them) or dropped. */
  extraFields?: 'refuse' | 'ignore';
  /** A nullable field missing from the record with no schema default: refused (default; Avro requires every
   *  field without a default) or read as null (convenient for plain JSON producers that omit nulls). */
  missingNullable?: 'refuse' | 'null';
  /** Avro binary written with another (compatible) schema: resolved to the table schema as Avro readers do. */
  writerSchema?: string | object;
}

export interface RecordCoercer {
  readonly schema: TableSchema;
  /** The value as a Row of the table schema; throws DataError when it does not fit. */
  coerce(value: unknown): Row;
}

/**
 * A function returning `{"f1": values[0], "f2": values[1], …}` for the schema's field names. A row made as one
 * literal holds its fields inside the object, in one shape shared by every row; built by assigning fields to `{}`
 * one by one, most of them went to a separate property store that was reallocated as it grew (and again when the
 * writer adds Hudi's meta columns): garbage per row, measured at about twice the time. Names are embedded as JSON
 * string literals; names that are Object.prototype members never get here (fromObjectSlow).
 */
function rowLiteral(names: readonly string[]): (values: unknown[]) => Row {
  return new Function('v', `return {${names.map((name, i) => `${JSON.stringify(name)}: v[${i}]`).join(', ')}};`) as (values: unknown[]) => Row;
}

/** Raised inside the field loop for a field with no value and no default. */
const MISSING = new Mismatch('missing, and the schema gives no default');

export function createRecordCoercer(schema: TableSchema, options: RecordCoercerOptions = {}): RecordCoercer {
  return new CompiledCoercer(schema, options);
}

class CompiledCoercer implements RecordCoercer {
  private readonly names: string[];
  private readonly json: Converter[];
  private readonly avroJson: Converter[];
  /** Per field: what a missing value becomes, or MISSING. */
  private readonly absent: unknown[];
  private readonly known: Set<string>;
  /** Field names that collide with Object.prototype members: read and written the slow, exact way. */
  private readonly special: boolean[];
  private readonly hasSpecial: boolean;
  /** Nullable fields: where Avro JSON's union wrapping shows up, for `auto` flavour detection. */
  private readonly unionFields: { name: string; branches: ReadonlySet<string> | undefined }[];
  /** Per field: what turns avsc's decoded value into the column representation (nested types only). */
  private readonly decoded: (Converter | undefined)[];
  private readonly flavorMatters: boolean;
  private readonly encoding: RecordEncoding;
  private readonly refuseExtra: boolean;
  private readonly resolver: ReturnType<avro.Type['createResolver']> | undefined;
  private readonly writerType: avro.Type | undefined;
  /** The converted values of the record being coerced, in field order (reused: one record at a time). */
  private readonly values: unknown[];
  /** Builds a row from `values` as one object literal with every field (see rowLiteral). */
  private readonly makeRow: (values: unknown[]) => Row;

  constructor(readonly schema: TableSchema, options: RecordCoercerOptions) {
    this.encoding = options.encoding ?? 'auto';
    this.refuseExtra = (options.extraFields ?? 'refuse') === 'refuse';
    const nullForMissing = options.missingNullable === 'null';
    this.names = schema.fields.map((f) => f.name);
    const nested = { extraFields: options.extraFields ?? 'refuse', missingNullable: options.missingNullable ?? 'refuse' } as const;
    this.json = schema.fields.map((f) => compileConverter(f.column, f.wire, 'json', nested));
    this.avroJson = schema.fields.map((f) => compileConverter(f.column, f.wire, 'avro-json', nested));
    const avscFields = (schema.avroType as unknown as { fields: avro.types.Field[] }).fields;
    this.decoded = schema.fields.map((f, i) => (needsStructure(avscFields[i]!.type) ? decodedConverter({ type: f.column.type, wire: f.wire, nullable: f.column.nullable }, avscFields[i]!.type) : undefined));
    this.absent = schema.fields.map((f) => (f.hasDefault ? f.defaultValue : f.column.nullable && nullForMissing ? null : MISSING));
    this.known = new Set(this.names);
    this.special = this.names.map((n) => n in Object.prototype);
    this.hasSpecial = this.special.some((s) => s);
    this.values = new Array<unknown>(this.names.length);
    this.makeRow = this.hasSpecial ? () => ({}) : rowLiteral(this.names);
    this.unionFields = schema.fields.filter((f) => f.column.nullable || f.wire.avro === 'union').map((f) => ({ name: f.name, branches: unionBranches(f) }));
    this.flavorMatters = schema.fields.some((f) => {
      let matters = false;
      forEachType(f.column.type, (t) => (matters ||= t.kind === 'bytes' || t.kind === 'decimal'));
      return matters;
    });
    if (options.writerSchema !== undefined) {
      try {
        const writer: unknown = typeof options.writerSchema === 'string' ? JSON.parse(options.writerSchema) : options.writerSchema;
        this.writerType = avroTypeFor(writer);
        this.resolver = schema.avroType.createResolver(this.writerType);
      } catch (e) {
        throw new ConfigError([{ name: 'writerSchema', message: `cannot read Avro binary written with it as ${schema.name}: ${(e as Error).message}` }], 'Invalid writer schema');
      }
    }
  }

  coerce(value: unknown): Row {
    if (typeof value === 'string') return this.fromObject(this.parseJson(value), this.textFlavor());
    if (value instanceof Uint8Array) return this.fromBytes(Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength));
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) return this.fromObject(value as Record<string, unknown>, this.textFlavor());
    throw new DataError(`record ${this.schema.name}: expected a JSON object, JSON text or Avro binary, got ${describeValue(value)}`);
  }

  private textFlavor(): JsonFlavor | undefined {
    return this.encoding === 'avro-json' ? 'avro-json' : this.encoding === 'json' ? 'json' : undefined;
  }

  private fromBytes(buf: Buffer): Row {
    if (this.encoding === 'avro-binary') return this.fromBinary(buf);
    if (this.encoding !== 'auto') return this.fromObject(this.parseJson(buf.toString('utf8')), this.textFlavor());
    if (!startsLikeJsonObject(buf)) return this.fromBinary(buf);
    let parsed: unknown;
    try {
      parsed = JSON.parse(buf.toString('utf8'));
    } catch (jsonError) {
      // An Avro binary record can start with the byte "{" too.
      try {
        return this.fromBinary(buf);
      } catch (binaryError) {
        throw new DataError(`record ${this.schema.name}: expected JSON text or Avro binary, got ${describeValue(buf)}: not JSON (${(jsonError as Error).message}) and not Avro binary (${(binaryError as Error).message})`, binaryError);
      }
    }
    return this.fromObject(this.asObject(parsed), undefined);
  }

  private parseJson(text: string): Record<string, unknown> {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (e) {
      throw new DataError(`record ${this.schema.name}: expected JSON text, got ${describeValue(text)}: ${(e as Error).message}`, e);
    }
    return this.asObject(parsed);
  }

  private asObject(parsed: unknown): Record<string, unknown> {
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new DataError(`record ${this.schema.name}: expected a JSON object, got ${describeValue(parsed)}`);
    }
    return parsed as Record<string, unknown>;
  }

  /** `flavor` undefined = decide per record (encoding auto). */
  private fromObject(obj: Record<string, unknown>, flavor: JsonFlavor | undefined): Row {
    const convs = (flavor ?? (this.flavorMatters && this.wrapsAnyUnion(obj) ? 'avro-json' : 'json')) === 'avro-json' ? this.avroJson : this.json;
    const names = this.names;
    const n = names.length;
    const values = this.values;
    let present = 0;
    let i = 0;
    let v: unknown;
    if (this.hasSpecial) return this.fromObjectSlow(obj, convs);
    try {
      for (; i < n; i++) {
        v = obj[names[i]!];
        if (v === undefined) {
          const d = this.absent[i];
          if (d === MISSING) throw MISSING;
          values[i] = d;
        } else {
          present++;
          values[i] = convs[i]!(v);
        }
      }
    } catch (e) {
      values.fill(undefined);
      throw this.fieldError(i, v, e);
    }
    if (this.refuseExtra) this.checkExtra(obj, present);
    return this.makeRow(values);
  }

  /** Same as the loop above, for schemas with a field named like an Object.prototype member ("constructor",
   *  "__proto__", …): own properties only, and rows written with defineProperty. */
  private fromObjectSlow(obj: Record<string, unknown>, convs: Converter[]): Row {
    const row: Row = {};
    let present = 0;
    for (let i = 0; i < this.names.length; i++) {
      const name = this.names[i]!;
      const v = Object.hasOwn(obj, name) ? Object.getOwnPropertyDescriptor(obj, name)?.value : undefined;
      let out: unknown;
      try {
        if (v === undefined) {
          if (this.absent[i] === MISSING) throw MISSING;
          out = this.absent[i];
        } else {
          present++;
          out = convs[i]!(v);
        }
      } catch (e) {
        throw this.fieldError(i, v, e);
      }
      if (this.special[i]) Object.defineProperty(row, name, { value: out, enumerable: true, writable: true, configurable: true });
      else row[name] = out;
    }
    if (this.refuseExtra) this.checkExtra(obj, present);
    return row;
  }

  private checkExtra(obj: Record<string, unknown>, present: number): void {
    // Counting keys is cheaper than a set lookup per key; only a mismatch pays for finding the names.
    let count = 0;
    const plain = isPlainObject(obj);
    if (plain) for (const _k in obj) count++;
    else count = Object.keys(obj).length;
    if (count === present) return;
    const extra = Object.keys(obj).filter((k) => !this.known.has(k));
    if (extra.length === 0) return; // Known fields holding undefined: counted as missing above.
    const shown = extra.length > 10 ? `${extra.slice(0, 10).join(', ')}, … ${extra.length - 10} more` : extra.join(', ');
    throw new DataError(`record ${this.schema.name}: field${extra.length > 1 ? 's' : ''} ${shown} not in the table schema (remove ${extra.length > 1 ? 'them' : 'it'}, add ${extra.length > 1 ? 'them' : 'it'} to the schema, or set extra fields to ignore)`);
  }

  private wrapsAnyUnion(obj: Record<string, unknown>): boolean {
    for (const { name, branches } of this.unionFields) {
      const v = obj[name];
      if (v !== null && typeof v === 'object' && !(v instanceof Uint8Array) && !(v instanceof Date) && !Array.isArray(v)) {
        // A record or map value is an object anyway: only a single key naming a branch is a wrapper.
        if (branches === undefined) return true;
        const keys = Object.keys(v);
        if (keys.length === 1 && branches.has(keys[0]!)) return true;
      }
    }
    return false;
  }

  private fieldError(i: number, v: unknown, e: unknown): unknown {
    if (!(e instanceof Mismatch)) return e;
    const f = this.schema.fields[i]!;
    if (e === MISSING) return new DataError(`field ${f.name}: expected ${f.expected}, got no value (${MISSING.reason})`);
    if (e instanceof PathMismatch) {
      const got = e.value === undefined ? 'no value' : describeValue(e.value);
      return new DataError(`field ${f.name}${e.path}: expected ${e.expected}, got ${got}${e.reason ? (e.value === undefined ? ` (${e.reason})` : `: ${e.reason}`) : ''}`);
    }
    return new DataError(`field ${f.name}: expected ${f.expected}, got ${describeValue(v)}${e.reason ? `: ${e.reason}` : ''}`);
  }

  private fromBinary(buf: Buffer): Row {
    let rec: Record<string, unknown>;
    try {
      rec = this.schema.avroType.fromBuffer(buf, this.resolver) as Record<string, unknown>;
    } catch (e) {
      throw this.binaryError(buf, e);
    }
    const row: Row = {};
    for (let i = 0; i < this.names.length; i++) {
      const name = this.names[i]!;
      const v = rec[name];
      const structure = this.decoded[i];
      // Decoded bytes are views of the message body; copy so a row never aliases a buffer the transport reuses.
      const out = structure !== undefined ? structure(v) : v instanceof Uint8Array ? Buffer.from(v) : v;
      if (this.special[i]) Object.defineProperty(row, name, { value: out, enumerable: true, writable: true, configurable: true });
      else row[name] = out;
    }
    return row;
  }

  /** Locates a binary decoding failure by decoding the writer's fields one by one. */
  private binaryError(buf: Buffer, cause: unknown): DataError {
    const writer = (this.writerType ?? this.schema.avroType) as unknown as { fields: avro.types.Field[] };
    const byName = new Map(this.schema.fields.map((f) => [f.name, f.expected]));
    let pos = 0;
    for (const f of writer.fields) {
      const expected = byName.get(f.name) ?? f.type.typeName;
      let offset: number;
      try {
        offset = f.type.decode(buf, pos).offset;
      } catch (e) {
        return new DataError(`field ${f.name}: expected ${expected}, got Avro binary that does not decode as it at byte ${pos}: ${(e as Error).message}`, cause);
      }
      if (offset < 0) return new DataError(`field ${f.name}: expected ${expected}, got no value (the Avro binary body ends at byte ${buf.length}, inside or before this field)`, cause);
      pos = offset;
    }
    if (pos < buf.length) {
      return new DataError(`record ${this.schema.name}: expected Avro binary of this schema, got ${buf.length - pos} bytes after the last field (${buf.length} in all): the body was written with another schema or is not Avro binary`, cause);
    }
    return new DataError(`record ${this.schema.name}: Avro binary does not decode: ${(cause as Error).message}`, cause);
  }
}

function startsLikeJsonObject(buf: Buffer): boolean {
  for (let i = 0; i < buf.length; i++) {
    const c = buf[i]!;
    if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) continue;
    return c === 0x7b; // "{"
  }
  return false;
}

/** The branch names that show a field's value is a wrapped union, where an unwrapped value may be an object too
 *  (records, maps, unions of several types); undefined where any object value is a wrapper. */
function unionBranches(f: TableField): ReadonlySet<string> | undefined {
  const names = (branch: string) => (branch.includes('.') ? [branch, branch.slice(branch.lastIndexOf('.') + 1)] : [branch]);
  if (f.wire.avro === 'union') return new Set((f.wire.members ?? []).flatMap((m) => names(m.wire.branch)));
  if (f.wire.avro === 'record' || f.wire.avro === 'map') return new Set(names(f.wire.branch));
  return undefined;
}
