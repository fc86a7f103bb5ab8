// Rows (column-spec representation) → Arrow columns, filling typed arrays directly per column. This is the
// hot path of every commit: DESIGN.md measured `tableFromArrays` (per-value type inference and boxing) as
// 75% of the write cost, so each kind below writes straight into the buffer Arrow will use.
// Invariants: the Arrow schema is a pure function of the ColumnSpec[] (same columns → same types, field
// order = column order); every value is checked against its column type and nullability, and a mismatch
// throws ColumnValueError naming column, expected type, value and row — nothing is coerced or rounded.

import {
  Binary,
  List,
  Map_,
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
import { unionMemberName, type ColumnSpec, type ColumnType, type Row } from './column-spec';
import { MAX_DECIMAL128_PRECISION, writeDecimalWords } from './decimal128';

/** A value that does not fit its column. The Hudi sink turns it into a DataError (not retriable). */
export class ColumnValueError extends Error {
  override readonly name = 'ColumnValueError';
  constructor(
    /** The column, or for a nested value its path: "lines[].sku", "attrs{}", "payload.member1". */
    readonly column: string,
    readonly expected: string,
    readonly value: unknown,
    /** The (top-level) row the value belongs to. */
    readonly row: number,
    readonly reason?: string,
  ) {
    super(`column "${column}": expected ${expected}, got ${describeValue(value)} at row ${row}${reason ? ` (${reason})` : ''}`);
  }
}

/** The type as users write it in a schema ("decimal(10,2)", "timestamp-millis", "array<int>"), for messages. */
export function typeLabel(type: ColumnType): string {
  switch (type.kind) {
    case 'decimal':
      return `decimal(${type.precision},${type.scale})`;
    case 'record':
      return 'record';
    case 'array':
      return `array<${typeLabel(type.items)}>`;
    case 'map':
      return `map<${typeLabel(type.values)}>`;
    case 'union':
      return `union<${type.members.map(typeLabel).join(', ')}>`;
    default:
      return type.kind;
  }
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

/** The Arrow type of a column (see column-spec.ts for the JS representation of each kind). Lists and maps use
 *  parquet-avro's field names (element; key_value, key, value), which parquet-wasm carries into the file. */
export function arrowType(type: ColumnType): DataType {
  switch (type.kind) {
    case 'string':
    case 'uuid':
      return new Utf8();
    case 'boolean':
      return new Bool();
    case 'int':
    case 'time-millis':
      return new Int32();
    case 'long':
    case 'time-micros':
    // Plain integers, not TIMESTAMP(isAdjustedToUTC=false): Hudi 0.15's Spark reader maps local timestamps to
    // bigint and fails on a file column it reads as timestamp_ntz (see parquet-schema.ts).
    case 'local-timestamp-millis':
    case 'local-timestamp-micros':
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
    case 'record':
      return new Struct(fieldsOf(type.fields));
    case 'union':
      return new Struct(type.members.map((m, i) => new Field(unionMemberName(i), arrowType(m), true)));
    case 'array':
      return new List(new Field('element', arrowType(type.items), type.itemsNullable));
    case 'map': {
      const map = new Map_(new Field('key_value', new Struct([new Field('key', new Utf8(), false), new Field('value', arrowType(type.values), type.valuesNullable)]) as never, false), false);
      // Map_'s constructor renames the entries field to Arrow's "entries" (ARROW-8716); parquet-wasm writes the
      // name it is given, and parquet-avro's is key_value. The field is this map's own, so renaming it is safe.
      (map.children[0] as { name: string }).name = 'key_value';
      return map;
    }
  }
}

function fieldsOf(columns: readonly ColumnSpec[]): Field[] {
  const seen = new Set<string>();
  for (const c of columns) {
    if (seen.has(c.name)) throw new RangeError(`column "${c.name}" appears twice in the column list`);
    seen.add(c.name);
  }
  return columns.map((c) => new Field(c.name, arrowType(c.type), c.nullable));
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
  return new Schema(fieldsOf(columns));
}

/** One record batch holding all rows (Parquet row groups are cut by the encoder, not here). */
export function buildRecordBatch(columns: readonly ColumnSpec[], rows: readonly Row[]): RecordBatch {
  const schema = arrowSchema(columns);
  const values = columnsOf(rows, columns);
  const children = columns.map((c, i) => buildColumn(c, schema.fields[i]!.type, values[i]!));
  const struct = makeData({ type: new Struct(schema.fields), length: rows.length, nullCount: 0, children });
  return new RecordBatch(schema, struct);
}

export function buildArrowTable(columns: readonly ColumnSpec[], rows: readonly Row[]): Table {
  return new Table(buildRecordBatch(columns, rows));
}

/** Every column's values out of the rows, in one pass (the builders then read plain arrays). A required column
 *  with a default takes it where a row has none: an older row rewritten after the column was added (the merge
 *  fills absent columns with null), as Hudi's merge writes it. */
function columnsOf(rows: readonly Row[], columns: readonly ColumnSpec[]): unknown[][] {
  const out = extractorFor(columns.map((c) => c.name))(rows);
  columns.forEach((column, k) => {
    const fill = column.default;
    const values = out[k]!;
    if (fill !== undefined && fill !== null && !column.nullable) for (let i = 0; i < values.length; i++) if (values[i] === null || values[i] === undefined) values[i] = fill;
  });
  return out;
}

type Extractor = (rows: readonly Row[]) => unknown[][];
const extractors = new Map<string, Extractor>();

/** A loop reading each column by a literal property name, compiled once per column list: every read site then
 *  sees one property of rows of one shape (a fast, monomorphic load), where `row[name]` with the name varying
 *  per column was a generic keyed lookup per value (measured about twice as slow). Names are embedded as JSON
 *  string literals, so any column name is safe; `r["x"]` reads exactly what `r[name]` read before. */
function extractorFor(names: readonly string[]): Extractor {
  const id = JSON.stringify(names);
  let f = extractors.get(id);
  if (f === undefined) {
    const decl = names.map((_, k) => `const c${k} = new Array(n);`).join('\n');
    const reads = names.map((name, k) => `c${k}[i] = r[${JSON.stringify(name)}];`).join('\n');
    f = new Function('rows', `const n = rows.length;\n${decl}\nfor (let i = 0; i < n; i++) {\nconst r = rows[i];\n${reads}\n}\nreturn [${names.map((_, k) => `c${k}`).join(', ')}];`) as Extractor;
    if (extractors.size >= 64) extractors.clear(); // schemas change rarely; this only bounds a long-lived process
    extractors.set(id, f);
  }
  return f;
}

// makeData's overloads are keyed on the static Arrow type; these builders choose the type at run time.
const makePrimitive = makeData as (props: { type: DataType; length: number; data: ArrayBufferView; nullCount: number; nullBitmap: Uint8Array | undefined }) => Data;
const makeAny = makeData as unknown as (props: Record<string, unknown>) => Data;

/** The value of a nested field whose parent (record, union) is null: Arrow still needs a slot for it, null
 *  where the field is nullable, any value where it is not. */
const UNDER_NULL: unique symbol = Symbol('under a null parent');

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
      if (value === UNDER_NULL) return;
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

function buildColumn(column: ColumnSpec, type: DataType, values: ArrayLike<unknown>): Data {
  const t = column.type;
  switch (t.kind) {
    case 'string':
    case 'uuid':
      return buildUtf8(column, type as Utf8, values);
    case 'bytes':
      return buildBinary(column, type as Binary, values);
    case 'boolean':
      return buildBool(column, type as Bool, values);
    case 'int':
    case 'date':
    case 'time-millis':
      return buildInt32(column, type as Int32 | DateDay, values);
    case 'long':
    case 'timestamp-millis':
    case 'timestamp-micros':
    case 'local-timestamp-millis':
    case 'local-timestamp-micros':
    case 'time-micros':
      return buildInt64(column, type as Int64 | TimestampMillisecond | TimestampMicrosecond, values);
    case 'float':
      return buildFloat(column, type as Float32, new Float32Array(values.length), values);
    case 'double':
      return buildFloat(column, type as Float64, new Float64Array(values.length), values);
    case 'decimal':
      return buildDecimal(column, type as Decimal, t, values);
    case 'record':
      return buildStruct(column, type as Struct, t.fields, values, (v, f) => (v as Record<string, unknown>)[f.name]);
    case 'union': {
      const members = t.members.map((m, i): ColumnSpec => ({ name: unionMemberName(i), type: m, nullable: true }));
      return buildStruct(column, type as Struct, members, values, (v, f) => (v as Record<string, unknown>)[f.name], true);
    }
    case 'array':
      return buildList(column, type as List, t, values);
    case 'map':
      return buildMap(column, type as Map_, t, values);
  }
}

function isObjectValue(v: unknown): v is object {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array) && !(v instanceof Date);
}

/** A record (or union group): one child column per field, read from each value's property. */
function buildStruct(column: ColumnSpec, type: Struct, fields: readonly ColumnSpec[], values: ArrayLike<unknown>, get: (v: unknown, f: ColumnSpec) => unknown, union = false): Data {
  const n = values.length;
  const validity = new Validity(column, n);
  const childValues = fields.map(() => new Array<unknown>(n));
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (isObjectValue(v)) {
      validity.valid(i);
      let set = 0;
      for (let k = 0; k < fields.length; k++) {
        const f = fields[k]!;
        let x = get(v, f);
        // An older row rewritten after a field was added: the field's default, as Hudi's merge writes it.
        if (x === undefined && f.default !== undefined) x = f.default;
        if (x !== null && x !== undefined) set++;
        childValues[k]![i] = x;
      }
      if (union && set !== 1) throw new ColumnValueError(column.name, `${typeLabel(column.type)} with exactly one member set`, v, i, `${set} members are set`);
    } else if (v === null || v === undefined || v === UNDER_NULL) {
      validity.null(i, v);
      for (let k = 0; k < fields.length; k++) childValues[k]![i] = UNDER_NULL;
    } else {
      throw new ColumnValueError(column.name, union ? `${typeLabel(column.type)} as {member0, member1, …}` : 'a record (object)', v, i);
    }
  }
  const children = fields.map((f, k) => buildColumn({ ...f, name: `${column.name}.${f.name}` }, type.children[k]!.type, childValues[k]!));
  return makeAny({ type, length: n, children, ...validity.props() });
}

/** Row of element j, given list offsets: for errors inside a list. */
function rowOfElement(offsets: Int32Array, j: number): number {
  let lo = 0;
  let hi = offsets.length - 2;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (offsets[mid]! <= j) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

function inElements<T>(offsets: Int32Array, build: () => T): T {
  try {
    return build();
  } catch (e) {
    if (e instanceof ColumnValueError) throw new ColumnValueError(e.column, e.expected, e.value, rowOfElement(offsets, e.row), e.reason);
    throw e;
  }
}

function buildList(column: ColumnSpec, type: List, t: { items: ColumnType; itemsNullable: boolean }, values: ArrayLike<unknown>): Data {
  const n = values.length;
  const validity = new Validity(column, n);
  const offsets = new Int32Array(n + 1);
  const elements: unknown[] = [];
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (Array.isArray(v)) {
      validity.valid(i);
      for (let k = 0; k < v.length; k++) elements.push(v[k]);
    } else if (v === null || v === undefined || v === UNDER_NULL) {
      validity.null(i, v);
    } else {
      throw new ColumnValueError(column.name, `${typeLabel(column.type)} (array)`, v, i);
    }
    offsets[i + 1] = elements.length;
  }
  const child = inElements(offsets, () => buildColumn({ name: `${column.name}[]`, type: t.items, nullable: t.itemsNullable }, type.children[0]!.type, elements));
  return makeAny({ type, length: n, valueOffsets: offsets, child, ...validity.props() });
}

function buildMap(column: ColumnSpec, type: Map_, t: { values: ColumnType; valuesNullable: boolean }, values: ArrayLike<unknown>): Data {
  const n = values.length;
  const validity = new Validity(column, n);
  const offsets = new Int32Array(n + 1);
  const keys: string[] = [];
  const vals: unknown[] = [];
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (isObjectValue(v)) {
      validity.valid(i);
      for (const k of Object.keys(v)) {
        keys.push(k);
        vals.push((v as Record<string, unknown>)[k]);
      }
    } else if (v === null || v === undefined || v === UNDER_NULL) {
      validity.null(i, v);
    } else {
      throw new ColumnValueError(column.name, `${typeLabel(column.type)} (object of string keys)`, v, i);
    }
    offsets[i + 1] = keys.length;
  }
  const entryType = type.children[0]!.type as Struct;
  const m = keys.length;
  const entries = inElements(offsets, () =>
    makeAny({
      type: entryType,
      length: m,
      nullCount: 0,
      children: [
        buildColumn({ name: `${column.name}{}.key`, type: { kind: 'string' }, nullable: false }, entryType.children[0]!.type, keys),
        buildColumn({ name: `${column.name}{}`, type: t.values, nullable: t.valuesNullable }, entryType.children[1]!.type, vals),
      ],
    }),
  );
  return makeAny({ type, length: n, valueOffsets: offsets, child: entries, ...validity.props() });
}

function buildUtf8(column: ColumnSpec, type: Utf8, values: ArrayLike<unknown>): Data<Utf8> {
  const n = values.length;
  const name = column.name;
  const validity = new Validity(column, n);
  const offsets = new Int32Array(n + 1);
  const ascii = asciiUtf8(values, offsets);
  if (ascii !== undefined) {
    if (validity.bits !== undefined || ascii.nulls > 0) {
      for (let i = 0; i < n; i++) {
        const v = values[i];
        if (typeof v === 'string') validity.valid(i);
        else validity.null(i, v);
      }
    }
    return makeData({ type, length: n, valueOffsets: offsets, data: ascii.data, ...validity.props() });
  }
  const sample = Math.min(n, 64);
  let sampled = 0;
  for (let i = 0; i < sample; i++) {
    const v = values[i];
    if (typeof v === 'string') sampled += v.length;
  }
  let cap = Math.max(1024, Math.ceil(((sampled + 1) * n) / Math.max(1, sample) * 1.25));
  // allocUnsafe: only the written prefix is ever exposed.
  let buf = Buffer.allocUnsafe(cap);
  let o = 0;
  // Hudi's meta columns repeat one string object per file (commit time, file name, often the partition):
  // when the first rows agree, a value identical to the previous one copies its bytes instead of encoding.
  const first = n > 0 ? values[0] : undefined;
  let repeats = typeof first === 'string' && n >= 8;
  for (let i = 1; repeats && i < 8; i++) repeats = values[i] === first;
  let prev: string | undefined;
  let prevStart = 0;
  for (let i = 0; i < n; i++) {
    let v = values[i];
    // bytes → string (Avro's promotion): older rows of an evolved table hold Buffers.
    if (typeof v !== 'string' && v instanceof Uint8Array) v = UTF8.decode(v);
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
    } else if (v === null || v === undefined || v === UNDER_NULL) {
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

/**
 * The common case of a string column, fast: strings (and nulls) only, all ASCII. Then byte offsets are UTF-16
 * lengths, and the values joined into one string are encoded by one native write (about twice as fast as the
 * per-character loop below, measured on keys and sequence numbers). Fills `offsets`; returns undefined, with
 * nothing else touched, for anything else (non-ASCII text, promoted bytes, a wrong type, a null under a null
 * parent), which the general loop then handles and reports.
 */
function asciiUtf8(values: ArrayLike<unknown>, offsets: Int32Array): { data: Uint8Array; nulls: number } | undefined {
  const n = values.length;
  let chars = 0;
  let nulls = 0;
  const first = values[0];
  let same = true;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (typeof v === 'string') chars += v.length;
    else if (v === null || v === undefined) nulls++;
    else return undefined;
    same &&= v === first;
    offsets[i + 1] = chars;
  }
  if (chars > 0x7fffffff) return undefined;
  if (same && typeof first === 'string' && first.length > 0) {
    // One value in every row (Hudi's commit time and file name, a file's partition path): its bytes once, then
    // doubled by native copies, instead of joining n copies of it.
    const data = Buffer.allocUnsafe(chars + 4);
    if (data.write(first, 0, 'utf8') !== first.length) return undefined;
    for (let filled = first.length; filled < chars; filled *= 2) data.copyWithin(filled, 0, Math.min(filled, chars - filled));
    return { data: data.subarray(0, chars), nulls };
  }
  // A non-ASCII unit takes two or more bytes, so a non-ASCII chunk needs more bytes than it has units; with the
  // rest of the buffer plus 4 bytes (the longest UTF-8 sequence; write() never splits one) as room, its write
  // then returns more than its unit count. Chunks keep each joined string small: it dies young, where one
  // string of the whole column would be a large object that only a full collection frees.
  const data = Buffer.allocUnsafe(chars + 4);
  const slice = Array.prototype.slice;
  for (let from = 0; from < n; from += JOIN_CHUNK) {
    const to = Math.min(n, from + JOIN_CHUNK);
    const start = offsets[from]!;
    const joined = (slice.call(values, from, to) as unknown[]).join(''); // null and undefined join as ''
    if (data.write(joined, start, 'utf8') !== offsets[to]! - start) return undefined;
  }
  return { data: data.subarray(0, chars), nulls };
}

/** Values joined per native write in asciiUtf8. */
const JOIN_CHUNK = 1024;

function buildBinary(column: ColumnSpec, type: Binary, values: ArrayLike<unknown>): Data<Binary> {
  const n = values.length;
  const name = column.name;
  const validity = new Validity(column, n);
  const offsets = new Int32Array(n + 1);
  let total = 0;
  let promoted: unknown[] | undefined;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (v instanceof Uint8Array) total += v.byteLength;
    else if (typeof v === 'string') {
      // string → bytes (Avro's promotion): older rows of an evolved table hold strings.
      promoted ??= Array.from(values);
      const b = Buffer.from(v, 'utf8');
      promoted[i] = b;
      total += b.byteLength;
    }
  }
  if (promoted !== undefined) values = promoted;
  const data = new Uint8Array(total);
  let o = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (v instanceof Uint8Array) {
      validity.valid(i);
      data.set(v, o);
      o += v.byteLength;
    } else if (v === null || v === undefined || v === UNDER_NULL) {
      validity.null(i, v);
    } else {
      throw new ColumnValueError(name, 'bytes (Buffer or Uint8Array)', v, i);
    }
    offsets[i + 1] = o;
  }
  return makeData({ type, length: n, valueOffsets: offsets, data, ...validity.props() });
}

function buildBool(column: ColumnSpec, type: Bool, values: ArrayLike<unknown>): Data<Bool> {
  const n = values.length;
  const name = column.name;
  const validity = new Validity(column, n);
  const bits = new Uint8Array((n + 7) >> 3);
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (v === true) {
      validity.valid(i);
      bits[i >> 3]! |= 1 << (i & 7);
    } else if (v === false) {
      validity.valid(i);
    } else if (v === null || v === undefined || v === UNDER_NULL) {
      validity.null(i, v);
    } else {
      throw new ColumnValueError(name, 'a boolean', v, i);
    }
  }
  return makeData({ type, length: n, data: bits, ...validity.props() });
}

function buildInt32(column: ColumnSpec, type: Int32 | DateDay, values: ArrayLike<unknown>): Data {
  const n = values.length;
  const name = column.name;
  const validity = new Validity(column, n);
  const data = new Int32Array(n);
  const kind = column.type.kind;
  const expected = kind === 'date' ? 'a date (integer days since 1970-01-01, 32-bit)' : kind === 'time-millis' ? 'time-millis (integer ms after midnight)' : 'an int (32-bit integer)';
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (typeof v === 'number' && (v | 0) === v) {
      validity.valid(i);
      data[i] = v;
    } else if (v === null || v === undefined || v === UNDER_NULL) {
      validity.null(i, v);
    } else {
      throw new ColumnValueError(name, expected, v, i);
    }
  }
  return makePrimitive({ type, length: n, data, ...validity.props() });
}

const UTF8 = new TextDecoder('utf-8');

const INT64_EXPECTED = {
  long: 'a long (safe integer number or 64-bit bigint)',
  'timestamp-millis': 'timestamp-millis (integer ms since the epoch)',
  'timestamp-micros': 'timestamp-micros (integer µs since the epoch, number or bigint)',
  'local-timestamp-millis': 'local-timestamp-millis (integer ms since the epoch, wall clock)',
  'local-timestamp-micros': 'local-timestamp-micros (integer µs since the epoch, wall clock, number or bigint)',
  'time-micros': 'time-micros (integer µs after midnight, number or bigint)',
} as const;

const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;
const TWO_32 = 4294967296;

function buildInt64(column: ColumnSpec, type: Int64 | TimestampMillisecond | TimestampMicrosecond, values: ArrayLike<unknown>): Data {
  const n = values.length;
  const name = column.name;
  const validity = new Validity(column, n);
  const data = new BigInt64Array(n);
  // Numbers are split into two 32-bit words instead of going through BigInt(v): same bits, no allocation.
  const words = new Uint32Array(data.buffer);
  const kind = column.type.kind;
  const expected = INT64_EXPECTED[kind as keyof typeof INT64_EXPECTED];
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (typeof v === 'number' && Number.isSafeInteger(v)) {
      validity.valid(i);
      words[2 * i] = v >>> 0; // ToUint32 is modulo 2^32: the low word also for negatives
      words[2 * i + 1] = Math.floor(v / TWO_32) >>> 0;
    } else if (typeof v === 'bigint' && v >= INT64_MIN && v <= INT64_MAX) {
      validity.valid(i);
      data[i] = v;
    } else if (v === null || v === undefined || v === UNDER_NULL) {
      validity.null(i, v);
    } else {
      throw new ColumnValueError(name, expected, v, i, typeof v === 'number' ? 'not a safe integer; pass a bigint for values beyond 2^53' : undefined);
    }
  }
  return makePrimitive({ type, length: n, data, ...validity.props() });
}

function buildFloat(column: ColumnSpec, type: Float32 | Float64, data: Float32Array | Float64Array, values: ArrayLike<unknown>): Data {
  const n = values.length;
  const name = column.name;
  const validity = new Validity(column, n);
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (typeof v === 'number') {
      validity.valid(i);
      data[i] = v;
    } else if (typeof v === 'bigint') {
      // A long promoted to float/double (Avro's promotion, rounding as Java's does): older rows of an evolved table.
      validity.valid(i);
      data[i] = Number(v);
    } else if (v === null || v === undefined || v === UNDER_NULL) {
      validity.null(i, v);
    } else {
      throw new ColumnValueError(name, `a ${column.type.kind} (number)`, v, i);
    }
  }
  return makePrimitive({ type, length: n, data, ...validity.props() });
}

function buildDecimal(column: ColumnSpec, type: Decimal, shape: { precision: number; scale: number }, values: ArrayLike<unknown>): Data<Decimal> {
  const n = values.length;
  const name = column.name;
  const validity = new Validity(column, n);
  const words = new Uint32Array(n * 4);
  const expected = `decimal(${shape.precision},${shape.scale}) as a string such as "12.30"`;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (typeof v === 'string') {
      try {
        writeDecimalWords(v, shape, words, i);
      } catch (err) {
        throw new ColumnValueError(name, expected, v, i, (err as Error).message);
      }
      validity.valid(i);
    } else if (v === null || v === undefined || v === UNDER_NULL) {
      validity.null(i, v);
    } else {
      throw new ColumnValueError(name, expected, v, i);
    }
  }
  return makeData({ type, length: n, data: words, ...validity.props() });
}
