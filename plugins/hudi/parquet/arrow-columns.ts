// Rows (column-spec representation) → Arrow columns, filling typed arrays directly per column. This is the
// hot path of every commit: DESIGN.md measured `tableFromArrays` (per-value type inference and boxing) as
// 75% of the write cost, so each kind below writes straight into the buffer Arrow will use.
// Invariants: the Arrow schema is a pure function of the ColumnSpec[] (same columns → same types, field
// order = column order); every value is checked against its column type and nullability, and a mismatch
// throws ColumnValueError naming column, expected type, value and row — nothing is coerced or rounded.

import {
  Binary,
  Bool,
  DateDay,
  Decimal,
  Field,
  Float32,
  Float64,
  Int32,
  Int64,
  RecordBatch,
  Schema,
  Struct,
  Table,
  TimestampMicrosecond,
  TimestampMillisecond,
  Utf8,
  makeData,
  type Data,
  type DataType,
} from 'apache-arrow';
import type { ColumnSpec, ColumnType, Row } from './column-spec';
import { MAX_DECIMAL128_PRECISION, writeDecimalWords } from './decimal128';

/** A value that does not fit its column. The Hudi sink turns it into a DataError (not retriable). */
export class ColumnValueError extends Error {
  override readonly name = 'ColumnValueError';
  constructor(
    readonly column: string,
    readonly expected: string,
    readonly value: unknown,
    readonly row: number,
    reason?: string,
  ) {
    super(`column "${column}": expected ${expected}, got ${describeValue(value)} at row ${row}${reason ? ` (${reason})` : ''}`);
  }
}

/** The type as users write it in a schema ("decimal(10,2)", "timestamp-millis"), for messages. */
export function typeLabel(type: ColumnType): string {
  return type.kind === 'decimal' ? `decimal(${type.precision},${type.scale})` : type.kind;
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined (missing)';
  if (typeof value === 'string') return `${JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value)} (string)`;
  if (typeof value === 'bigint') return `${value}n (bigint)`;
  if (typeof value === 'number' || typeof value === 'boolean') return `${String(value)} (${typeof value})`;
  if (value instanceof Uint8Array) return `${value.constructor.name}(${value.length})`;
  if (Array.isArray(value)) return `array(${value.length})`;
  return typeof value === 'object' ? `${(value as object).constructor?.name ?? 'object'} (object)` : typeof value;
}

/** The Arrow type of a column (see column-spec.ts for the JS representation of each kind). */
export function arrowType(type: ColumnType): DataType {
  switch (type.kind) {
    case 'string':
    case 'uuid':
      return new Utf8();
    case 'boolean':
      return new Bool();
    case 'int':
      return new Int32();
    case 'long':
      return new Int64();
    case 'float':
      return new Float32();
    case 'double':
      return new Float64();
    case 'bytes':
      return new Binary();
    case 'timestamp-millis':
      return new TimestampMillisecond('UTC');
    case 'timestamp-micros':
      return new TimestampMicrosecond('UTC');
    case 'date':
      return new DateDay();
    case 'decimal':
      checkDecimalShape(type.precision, type.scale);
      return new Decimal(type.scale, type.precision, 128);
  }
}

export function checkDecimalShape(precision: number, scale: number): void {
  if (!Number.isInteger(precision) || precision < 1 || precision > MAX_DECIMAL128_PRECISION) {
    throw new RangeError(`decimal precision must be an integer in 1..${MAX_DECIMAL128_PRECISION}, got ${precision}`);
  }
  if (!Number.isInteger(scale) || scale < 0 || scale > precision) {
    throw new RangeError(`decimal scale must be an integer in 0..precision (${precision}), got ${scale}`);
  }
}

export function arrowSchema(columns: readonly ColumnSpec[]): Schema {
  const seen = new Set<string>();
  for (const c of columns) {
    if (seen.has(c.name)) throw new RangeError(`column "${c.name}" appears twice in the column list`);
    seen.add(c.name);
  }
  return new Schema(columns.map((c) => new Field(c.name, arrowType(c.type), c.nullable)));
}

/** One record batch holding all rows (Parquet row groups are cut by the encoder, not here). */
export function buildRecordBatch(columns: readonly ColumnSpec[], rows: readonly Row[]): RecordBatch {
  const schema = arrowSchema(columns);
  const children = columns.map((c, i) => buildColumn(c, schema.fields[i]!.type, rows));
  const struct = makeData({ type: new Struct(schema.fields), length: rows.length, nullCount: 0, children });
  return new RecordBatch(schema, struct);
}

export function buildArrowTable(columns: readonly ColumnSpec[], rows: readonly Row[]): Table {
  return new Table(buildRecordBatch(columns, rows));
}

// makeData's overloads are keyed on the static Arrow type; these builders choose the type at run time.
const makePrimitive = makeData as (props: { type: DataType; length: number; data: ArrayBufferView; nullCount: number; nullBitmap: Uint8Array | undefined }) => Data;

/** Validity bitmap, allocated only for nullable columns; dropped again when no value was null. */
class Validity {
  readonly bits: Uint8Array | undefined;
  nulls = 0;
  constructor(
    private readonly column: ColumnSpec,
    length: number,
  ) {
    this.bits = column.nullable ? new Uint8Array((length + 7) >> 3) : undefined;
  }
  /** Records row i as null, or throws for a non-nullable column. */
  null(i: number, value: unknown): void {
    if (this.bits === undefined) {
      const label = typeLabel(this.column.type);
      throw new ColumnValueError(this.column.name, `${/^[aeiou]/.test(label) ? 'an' : 'a'} ${label} value (column is not nullable)`, value, i);
    }
    this.nulls++;
  }
  valid(i: number): void {
    if (this.bits !== undefined) this.bits[i >> 3]! |= 1 << (i & 7);
  }
  props(): { nullCount: number; nullBitmap: Uint8Array | undefined } {
    return { nullCount: this.nulls, nullBitmap: this.nulls === 0 ? undefined : this.bits };
  }
}

function buildColumn(column: ColumnSpec, type: DataType, rows: readonly Row[]): Data {
  const t = column.type;
  switch (t.kind) {
    case 'string':
    case 'uuid':
      return buildUtf8(column, type as Utf8, rows);
    case 'bytes':
      return buildBinary(column, type as Binary, rows);
    case 'boolean':
      return buildBool(column, type as Bool, rows);
    case 'int':
    case 'date':
      return buildInt32(column, type as Int32 | DateDay, rows);
    case 'long':
    case 'timestamp-millis':
    case 'timestamp-micros':
      return buildInt64(column, type as Int64 | TimestampMillisecond | TimestampMicrosecond, rows);
    case 'float':
      return buildFloat(column, type as Float32, new Float32Array(rows.length), rows);
    case 'double':
      return buildFloat(column, type as Float64, new Float64Array(rows.length), rows);
    case 'decimal':
      return buildDecimal(column, type as Decimal, t, rows);
  }
}

function buildUtf8(column: ColumnSpec, type: Utf8, rows: readonly Row[]): Data<Utf8> {
  const n = rows.length;
  const name = column.name;
  const validity = new Validity(column, n);
  const offsets = new Int32Array(n + 1);
  const sample = Math.min(n, 64);
  let sampled = 0;
  for (let i = 0; i < sample; i++) {
    const v = rows[i]![name];
    if (typeof v === 'string') sampled += v.length;
  }
  let cap = Math.max(1024, Math.ceil(((sampled + 1) * n) / Math.max(1, sample) * 1.25));
  // allocUnsafe: only the written prefix is ever exposed.
  let buf = Buffer.allocUnsafe(cap);
  let o = 0;
  // Hudi's meta columns repeat one string object per file (commit time, file name, often the partition):
  // when the first rows agree, a value identical to the previous one copies its bytes instead of encoding.
  const first = n > 0 ? rows[0]![name] : undefined;
  let repeats = typeof first === 'string' && n >= 8;
  for (let i = 1; repeats && i < 8; i++) repeats = rows[i]![name] === first;
  let prev: string | undefined;
  let prevStart = 0;
  for (let i = 0; i < n; i++) {
    const v = rows[i]![name];
    if (typeof v === 'string') {
      validity.valid(i);
      const len = v.length;
      if (o + len * 3 > cap) {
        // Worst case 3 bytes per UTF-16 unit; grow geometrically so total copying stays linear.
        while (o + len * 3 > cap) cap *= 2;
        const next = Buffer.allocUnsafe(cap);
        buf.copy(next, 0, 0, o);
        buf = next;
      }
      if (repeats && v === prev) {
        const bytes = offsets[i]! - prevStart;
        buf.copyWithin(o, prevStart, prevStart + bytes);
        prevStart = o;
        o += bytes;
      } else if (len > 32) {
        // Long strings: one native UTF-8 write beats the per-unit loop (measured; the loop wins below ~32).
        prevStart = o;
        o += buf.write(v, o);
      } else {
        // ASCII byte by byte (faster than a native call for short strings, measured); the first non-ASCII
        // unit hands the rest of the string to the native encoder.
        prevStart = o;
        let j = 0;
        for (; j < len; j++) {
          const c = v.charCodeAt(j);
          if (c >= 0x80) break;
          buf[o + j] = c;
        }
        o += j;
        if (j < len) o += buf.write(j === 0 ? v : v.slice(j), o);
      }
      prev = v;
    } else if (v === null || v === undefined) {
      validity.null(i, v);
      prev = undefined;
    } else {
      throw new ColumnValueError(name, column.type.kind === 'uuid' ? 'a uuid string' : 'a string', v, i);
    }
    offsets[i + 1] = o;
  }
  if (o > 0x7fffffff) throw new RangeError(`column "${name}": more than 2 GiB of string data in one batch; write smaller batches`);
  return makeData({ type, length: n, valueOffsets: offsets, data: buf.subarray(0, o), ...validity.props() });
}

function buildBinary(column: ColumnSpec, type: Binary, rows: readonly Row[]): Data<Binary> {
  const n = rows.length;
  const name = column.name;
  const validity = new Validity(column, n);
  const offsets = new Int32Array(n + 1);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const v = rows[i]![name];
    if (v instanceof Uint8Array) total += v.byteLength;
  }
  const data = new Uint8Array(total);
  let o = 0;
  for (let i = 0; i < n; i++) {
    const v = rows[i]![name];
    if (v instanceof Uint8Array) {
      validity.valid(i);
      data.set(v, o);
      o += v.byteLength;
    } else if (v === null || v === undefined) {
      validity.null(i, v);
    } else {
      throw new ColumnValueError(name, 'bytes (Buffer or Uint8Array)', v, i);
    }
    offsets[i + 1] = o;
  }
  return makeData({ type, length: n, valueOffsets: offsets, data, ...validity.props() });
}

function buildBool(column: ColumnSpec, type: Bool, rows: readonly Row[]): Data<Bool> {
  const n = rows.length;
  const name = column.name;
  const validity = new Validity(column, n);
  const bits = new Uint8Array((n + 7) >> 3);
  for (let i = 0; i < n; i++) {
    const v = rows[i]![name];
    if (v === true) {
      validity.valid(i);
      bits[i >> 3]! |= 1 << (i & 7);
    } else if (v === false) {
      validity.valid(i);
    } else if (v === null || v === undefined) {
      validity.null(i, v);
    } else {
      throw new ColumnValueError(name, 'a boolean', v, i);
    }
  }
  return makeData({ type, length: n, data: bits, ...validity.props() });
}

function buildInt32(column: ColumnSpec, type: Int32 | DateDay, rows: readonly Row[]): Data {
  const n = rows.length;
  const name = column.name;
  const validity = new Validity(column, n);
  const data = new Int32Array(n);
  const expected = column.type.kind === 'date' ? 'a date (integer days since 1970-01-01, 32-bit)' : 'an int (32-bit integer)';
  for (let i = 0; i < n; i++) {
    const v = rows[i]![name];
    if (typeof v === 'number' && (v | 0) === v) {
      validity.valid(i);
      data[i] = v;
    } else if (v === null || v === undefined) {
      validity.null(i, v);
    } else {
      throw new ColumnValueError(name, expected, v, i);
    }
  }
  return makePrimitive({ type, length: n, data, ...validity.props() });
}

const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;
const TWO_32 = 4294967296;

function buildInt64(column: ColumnSpec, type: Int64 | TimestampMillisecond | TimestampMicrosecond, rows: readonly Row[]): Data {
  const n = rows.length;
  const name = column.name;
  const validity = new Validity(column, n);
  const data = new BigInt64Array(n);
  // Numbers are split into two 32-bit words instead of going through BigInt(v): same bits, no allocation.
  const words = new Uint32Array(data.buffer);
  const kind = column.type.kind;
  const expected =
    kind === 'long' ? 'a long (safe integer number or 64-bit bigint)' : kind === 'timestamp-millis' ? 'timestamp-millis (integer ms since the epoch)' : 'timestamp-micros (integer µs since the epoch, number or bigint)';
  for (let i = 0; i < n; i++) {
    const v = rows[i]![name];
    if (typeof v === 'number' && Number.isSafeInteger(v)) {
      validity.valid(i);
      words[2 * i] = v >>> 0; // ToUint32 is modulo 2^32: the low word also for negatives
      words[2 * i + 1] = Math.floor(v / TWO_32) >>> 0;
    } else if (typeof v === 'bigint' && v >= INT64_MIN && v <= INT64_MAX) {
      validity.valid(i);
      data[i] = v;
    } else if (v === null || v === undefined) {
      validity.null(i, v);
    } else {
      throw new ColumnValueError(name, expected, v, i, typeof v === 'number' ? 'not a safe integer; pass a bigint for values beyond 2^53' : undefined);
    }
  }
  return makePrimitive({ type, length: n, data, ...validity.props() });
}

function buildFloat(column: ColumnSpec, type: Float32 | Float64, data: Float32Array | Float64Array, rows: readonly Row[]): Data {
  const n = rows.length;
  const name = column.name;
  const validity = new Validity(column, n);
  for (let i = 0; i < n; i++) {
    const v = rows[i]![name];
    if (typeof v === 'number') {
      validity.valid(i);
      data[i] = v;
    } else if (v === null || v === undefined) {
      validity.null(i, v);
    } else {
      throw new ColumnValueError(name, `a ${column.type.kind} (number)`, v, i);
    }
  }
  return makePrimitive({ type, length: n, data, ...validity.props() });
}

function buildDecimal(column: ColumnSpec, type: Decimal, shape: { precision: number; scale: number }, rows: readonly Row[]): Data<Decimal> {
  const n = rows.length;
  const name = column.name;
  const validity = new Validity(column, n);
  const words = new Uint32Array(n * 4);
  const expected = `decimal(${shape.precision},${shape.scale}) as a string such as "12.30"`;
  for (let i = 0; i < n; i++) {
    const v = rows[i]![name];
    if (typeof v === 'string') {
      try {
        writeDecimalWords(v, shape, words, i);
      } catch (err) {
        throw new ColumnValueError(name, expected, v, i, (err as Error).message);
      }
      validity.valid(i);
    } else if (v === null || v === undefined) {
      validity.null(i, v);
    } else {
      throw new ColumnValueError(name, expected, v, i);
    }
  }
  return makeData({ type, length: n, data: words, ...validity.props() });
}
