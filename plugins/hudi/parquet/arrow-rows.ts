// Arrow columns → rows in the column-spec representation (the inverse of arrow-columns.ts). Used to merge
// existing base files on upsert, so it must round-trip exactly: longs stay exact (number when safe, bigint
// beyond 2^53), decimals come back as canonical strings, timestamps as integers in the column's unit.
// Reads buffers directly; the Arrow JS per-value getters (Vector.get) box every value and were the slow part.

import { DataType, Type, makeVector, type Data, type Table } from 'apache-arrow';
import { unionMemberName, type ColumnSpec, type ColumnType, type Row } from './column-spec';
import { formatUnscaled, readDecimalWords } from './decimal128';

const TWO_32 = 4294967296;

/**
 * Rows for `columns` (default: every column of the table, typed from its Arrow schema). A requested column
 * the table lacks (an older file, written before the column was added) comes back null in every row; the
 * caller applies schema defaults.
 */
export function rowsFromArrow(table: Table, columns?: readonly ColumnSpec[]): Row[] {
  const specs = columns ?? columnsFromArrowSchema(table);
  const n = table.numRows;
  const valueArrays = specs.map((spec) => columnValues(table, spec));
  const make = rowFactory(specs.map((s) => s.name));
  const rows = new Array<Row>(n);
  for (let i = 0; i < n; i++) rows[i] = make(valueArrays, i);
  return rows;
}

// A memo of pure compiled functions keyed by the column names (not state: any entry may be dropped).
const factories = new Map<string, (values: unknown[][], i: number) => Row>();

/**
 * A function returning one row as an object literal with the columns' names. Adding properties one by one
 * walks every row through a chain of hidden-class transitions; a literal allocates the final shape at once
 * (measured 4-5x faster on 13 columns). Names are embedded with JSON.stringify, so any column name is a
 * quoted string literal, never code.
 */
function rowFactory(names: readonly string[]): (values: unknown[][], i: number) => Row {
  const key = JSON.stringify(names);
  let f = factories.get(key);
  if (f === undefined) {
    // A literal `"__proto__": x` would set the prototype; only a computed key defines such a property.
    const prop = (name: string) => (name === '__proto__' ? `[${JSON.stringify(name)}]` : JSON.stringify(name));
    const body = `return {${names.map((name, k) => `${prop(name)}: v[${k}][i]`).join(', ')}};`;
    f = new Function('v', 'i', body) as (values: unknown[][], i: number) => Row;
    if (factories.size > 256) factories.clear(); // schemas change rarely; bound the cache anyway
    factories.set(key, f);
  }
  return f;
}

/** One column's values in the column-spec representation (all null if the table lacks the column). */
export function columnValues(table: Table, spec: ColumnSpec): unknown[] {
  const n = table.numRows;
  const idx = table.schema.fields.findIndex((f) => f.name === spec.name);
  const out = new Array<unknown>(n);
  if (idx < 0) return out.fill(null);
  let base = 0;
  for (const batch of table.batches) {
    const data = batch.data.children[idx]!;
    readColumn(data, spec, out, base);
    base += data.length;
  }
  return out;
}

/** ColumnSpecs equivalent to a table's Arrow schema (types the flat model lacks throw). */
export function columnsFromArrowSchema(table: Table): ColumnSpec[] {
  return table.schema.fields.map((f) => ({ name: f.name, type: columnTypeOfArrow(f.name, f.type), nullable: f.nullable }));
}

function columnTypeOfArrow(name: string, type: DataType): ColumnType {
  if (DataType.isStruct(type)) return { kind: 'record', fields: type.children.map((f) => ({ name: f.name, type: columnTypeOfArrow(`${name}.${f.name}`, f.type), nullable: f.nullable })) };
  if (DataType.isList(type)) {
    const item = type.children[0]!;
    return { kind: 'array', items: columnTypeOfArrow(`${name}[]`, item.type), itemsNullable: item.nullable };
  }
  if (DataType.isMap(type)) {
    const value = (type.children[0]!.type as DataType).children[1]!;
    return { kind: 'map', values: columnTypeOfArrow(`${name}{}`, value.type), valuesNullable: value.nullable };
  }
  if (DataType.isTimestamp(type) && (type.timezone === null || type.timezone === undefined)) {
    if (type.unit === 1) return { kind: 'local-timestamp-millis' };
    if (type.unit === 2) return { kind: 'local-timestamp-micros' };
  }
  if (DataType.isUtf8(type) || DataType.isLargeUtf8(type) || DataType.isUtf8View(type)) return { kind: 'string' };
  if (DataType.isBinary(type) || DataType.isLargeBinary(type) || DataType.isBinaryView(type)) return { kind: 'bytes' };
  if (DataType.isBool(type)) return { kind: 'boolean' };
  if (DataType.isInt(type)) return type.bitWidth < 32 || (type.bitWidth === 32 && type.isSigned) ? { kind: 'int' } : { kind: 'long' };
  if (DataType.isFloat(type)) return type.precision === 2 ? { kind: 'double' } : { kind: 'float' };
  if (DataType.isDate(type)) return { kind: 'date' };
  if (DataType.isTimestamp(type)) {
    if (type.unit === 1) return { kind: 'timestamp-millis' };
    if (type.unit === 2) return { kind: 'timestamp-micros' };
  }
  if (DataType.isDecimal(type)) return { kind: 'decimal', precision: type.precision, scale: type.scale };
  if (DataType.isFixedSizeBinary(type) && type.byteWidth === 16) return { kind: 'uuid' };
  throw new TypeError(`column "${name}": Arrow type ${String(type)} has no equivalent in the flat column model`);
}

/** Fills out[base .. base+data.length) with the values of one Arrow column chunk. */
function readColumn(data: Data, spec: ColumnSpec, out: unknown[], base: number): void {
  const type = data.type as DataType;
  const n = data.length;
  const off = data.offset;
  const bitmap = data.nullCount > 0 ? data.nullBitmap : undefined;
  const isNull = bitmap === undefined ? undefined : (i: number) => (bitmap[(off + i) >> 3]! & (1 << ((off + i) & 7))) === 0;

  switch (type.typeId) {
    case Type.Utf8:
      readUtf8(data, out, base, isNull);
      // string → bytes (Avro's promotion): an older file read with the evolved column.
      if (spec.type.kind === 'bytes') for (let i = 0; i < n; i++) if (out[base + i] !== null) out[base + i] = Buffer.from(out[base + i] as string, 'utf8');
      return;
    case Type.Binary: {
      const offsets = data.valueOffsets as Int32Array;
      const bytes = data.values as Uint8Array;
      const asString = spec.type.kind === 'string'; // bytes → string, likewise
      for (let i = 0; i < n; i++) {
        // Copies, so a decoded row does not keep the whole file's buffer alive.
        const v = isNull?.(i) ? null : bytes.subarray(offsets[off + i]!, offsets[off + i + 1]!);
        out[base + i] = v === null ? null : asString ? utf8.decode(v) : Buffer.from(v);
      }
      return;
    }
    case Type.Struct:
      return readStruct(data, spec, out, base, isNull);
    case Type.List:
    case Type.Map:
      return readRepeated(data, spec, out, base, isNull);
    case Type.Bool: {
      const bits = data.values as Uint8Array;
      for (let i = 0; i < n; i++) out[base + i] = isNull?.(i) ? null : (bits[(off + i) >> 3]! & (1 << ((off + i) & 7))) !== 0;
      return;
    }
    case Type.Int:
    case Type.Date:
    case Type.Timestamp: {
      const values = data.values as ArrayLike<number | bigint> & { BYTES_PER_ELEMENT: number; buffer: ArrayBufferLike; byteOffset: number };
      const unitScale = timestampScale(type, spec.type);
      const dateMillis = DataType.isDate(type) && type.unit === 1; // DateMillisecond → days
      if (values.BYTES_PER_ELEMENT === 8) {
        readInt64(values as unknown as BigInt64Array, off, n, out, base, isNull, unitScale, dateMillis, spec.type.kind === 'double' || spec.type.kind === 'float');
      } else {
        for (let i = 0; i < n; i++) out[base + i] = isNull?.(i) ? null : (values[off + i] as number);
      }
      return;
    }
    case Type.Float: {
      const values = data.values as Float32Array | Float64Array;
      if ((type as unknown as { precision: number }).precision === 0) {
        // Float16 arrives as raw Uint16 bits; the flat model has no half floats.
        throw new TypeError(`column "${spec.name}": half-precision floats are not supported`);
      }
      for (let i = 0; i < n; i++) out[base + i] = isNull?.(i) ? null : values[off + i];
      return;
    }
    case Type.Decimal: {
      const t = type as unknown as { scale: number; bitWidth: number };
      const words = data.values as unknown as Uint32Array;
      if (t.bitWidth === 128) {
        for (let i = 0; i < n; i++) out[base + i] = isNull?.(i) ? null : readDecimalWords(words, off + i, t.scale);
      } else {
        const stride = t.bitWidth / 32;
        for (let i = 0; i < n; i++) out[base + i] = isNull?.(i) ? null : readWideDecimal(words, (off + i) * stride, stride, t.scale);
      }
      return;
    }
    case Type.FixedSizeBinary: {
      const width = (type as unknown as { byteWidth: number }).byteWidth;
      const bytes = data.values as Uint8Array;
      for (let i = 0; i < n; i++) {
        if (isNull?.(i)) out[base + i] = null;
        else {
          const v = bytes.subarray((off + i) * width, (off + i + 1) * width);
          out[base + i] = spec.type.kind === 'uuid' && width === 16 ? formatUuid(v) : Buffer.from(v);
        }
      }
      return;
    }
    default: {
      // LargeUtf8, views, dictionaries: rare in our files; Arrow's own getter is correct if slower.
      const vector = makeVectorGetter(data);
      for (let i = 0; i < n; i++) {
        const v = isNull?.(i) ? null : vector(i);
        out[base + i] = v instanceof Uint8Array ? Buffer.from(v) : typeof v === 'bigint' ? normalizeBigint(v) : (v ?? null);
      }
    }
  }
}

/** The fields to read of a struct column: the spec's (record or union members), or the file's. */
function structFields(spec: ColumnSpec, type: DataType): ColumnSpec[] {
  const t = spec.type;
  if (t.kind === 'record') return t.fields;
  if (t.kind === 'union') return t.members.map((m, i) => ({ name: unionMemberName(i), type: m, nullable: true }));
  const inferred = columnTypeOfArrow(spec.name, type);
  return inferred.kind === 'record' ? inferred.fields : [];
}

/** Records and unions: one object per value; a field the file lacks (added later) reads as null. */
function readStruct(data: Data, spec: ColumnSpec, out: unknown[], base: number, isNull: ((i: number) => boolean) | undefined): void {
  const n = data.length;
  const type = data.type as DataType;
  const children = type.children as { name: string }[];
  const fields = structFields(spec, type);
  const values = fields.map((f) => {
    const k = children.findIndex((c) => c.name === f.name);
    if (k < 0) return undefined;
    // Struct children are sliced with their parent: child index i is value i.
    const child = data.children[k]!;
    const arr = new Array<unknown>(child.length);
    readColumn(child, { ...f, name: `${spec.name}.${f.name}` }, arr, 0);
    return arr;
  });
  const make = rowFactory(fields.map((f) => f.name));
  const filled = values.map((v) => v ?? new Array<unknown>(n).fill(null));
  for (let i = 0; i < n; i++) out[base + i] = isNull?.(i) ? null : make(filled, i);
}

/** Lists and maps: element values read once for the whole chunk, then cut by the offsets. */
function readRepeated(data: Data, spec: ColumnSpec, out: unknown[], base: number, isNull: ((i: number) => boolean) | undefined): void {
  const n = data.length;
  const off = data.offset;
  const offsets = data.valueOffsets as Int32Array;
  const type = data.type as DataType;
  const inferred = spec.type.kind === 'array' || spec.type.kind === 'map' ? spec.type : columnTypeOfArrow(spec.name, type);
  if (DataType.isList(type)) {
    const child = data.children[0]!;
    const items = inferred.kind === 'array' ? inferred : { items: columnTypeOfArrow(`${spec.name}[]`, child.type as DataType), itemsNullable: true };
    const elements = new Array<unknown>(child.length);
    readColumn(child, { name: `${spec.name}[]`, type: items.items, nullable: items.itemsNullable }, elements, 0);
    for (let i = 0; i < n; i++) out[base + i] = isNull?.(i) ? null : elements.slice(offsets[off + i]!, offsets[off + i + 1]!);
    return;
  }
  const entries = data.children[0]!;
  const keys = new Array<unknown>(entries.length);
  const vals = new Array<unknown>(entries.length);
  readColumn(entries.children[0]!, { name: `${spec.name}{}.key`, type: { kind: 'string' }, nullable: false }, keys, 0);
  const valueType = inferred.kind === 'map' ? inferred : { values: columnTypeOfArrow(`${spec.name}{}`, entries.children[1]!.type as DataType), valuesNullable: true };
  readColumn(entries.children[1]!, { name: `${spec.name}{}`, type: valueType.values, nullable: valueType.valuesNullable }, vals, 0);
  for (let i = 0; i < n; i++) {
    if (isNull?.(i)) {
      out[base + i] = null;
      continue;
    }
    const m: Record<string, unknown> = {};
    for (let j = offsets[off + i]!; j < offsets[off + i + 1]!; j++) {
      const k = keys[j] as string;
      // A key "__proto__" must stay an own data property.
      if (k === '__proto__') Object.defineProperty(m, k, { value: vals[j], enumerable: true, writable: true, configurable: true });
      else m[k] = vals[j];
    }
    out[base + i] = m;
  }
}

function readInt64(
  values: BigInt64Array,
  off: number,
  n: number,
  out: unknown[],
  base: number,
  isNull: ((i: number) => boolean) | undefined,
  unitScale: number,
  dateMillis: boolean,
  toNumber: boolean,
): void {
  const words = new Int32Array(values.buffer, values.byteOffset, values.length * 2);
  for (let i = 0; i < n; i++) {
    if (isNull?.(i)) {
      out[base + i] = null;
      continue;
    }
    const lo = words[2 * (off + i)]! >>> 0;
    const hi = words[2 * (off + i) + 1]!;
    let v: number | bigint;
    // |hi| < 2^21 means the value fits 53 bits: exact as a double, no bigint needed.
    if (hi >= -0x200000 && hi < 0x200000) v = hi * TWO_32 + lo;
    else v = values[off + i]!;
    if (dateMillis) v = Math.floor(Number(v) / 86400000);
    else if (unitScale !== 1) v = rescale(v, unitScale);
    // long → float/double (Avro's promotion): an older file read with the evolved column.
    out[base + i] = toNumber && typeof v === 'bigint' ? Number(v) : v;
  }
}

/** >1: multiply (file unit coarser than the column's); <-1: floor-divide by its magnitude. */
function timestampScale(type: DataType, target: ColumnType): number {
  if (!DataType.isTimestamp(type)) return 1;
  const fileUnit = type.unit; // 0 s, 1 ms, 2 µs, 3 ns
  const k = target.kind;
  const want = k === 'timestamp-millis' || k === 'local-timestamp-millis' ? 1 : k === 'timestamp-micros' || k === 'local-timestamp-micros' ? 2 : fileUnit;
  if (want === fileUnit) return 1;
  const factor = 1000 ** Math.abs(want - fileUnit);
  return want > fileUnit ? factor : -factor;
}

function rescale(v: number | bigint, scale: number): number | bigint {
  const big = BigInt(v);
  const r = scale > 0 ? big * BigInt(scale) : (big - ((big % BigInt(-scale)) + BigInt(-scale)) % BigInt(-scale)) / BigInt(-scale);
  return normalizeBigint(r);
}

function normalizeBigint(v: bigint): number | bigint {
  return v >= -9007199254740991n && v <= 9007199254740991n ? Number(v) : v;
}

function readWideDecimal(words: Uint32Array, start: number, stride: number, scale: number): string {
  let u = 0n;
  for (let k = stride - 1; k >= 0; k--) u = (u << 32n) | BigInt(words[start + k]!);
  const v = BigInt.asIntN(stride * 32, u);
  return formatUnscaled((v < 0n ? -v : v).toString(), v < 0n, scale);
}

function formatUuid(b: Uint8Array): string {
  const hex = Buffer.from(b).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const latin1 = new TextDecoder('latin1');
const utf8 = new TextDecoder('utf-8');

/**
 * Decodes a whole Utf8 chunk as one JS string and slices it per value: one native decode instead of one per
 * value (measured several times faster for short strings). Byte offsets become UTF-16 offsets by counting
 * non-continuation bytes; if the data is not valid UTF-8 the counts disagree and each value is decoded alone.
 */
function readUtf8(data: Data, out: unknown[], base: number, isNull: ((i: number) => boolean) | undefined): void {
  const n = data.length;
  const off = data.offset;
  const offsets = data.valueOffsets as Int32Array;
  const bytes = data.values as Uint8Array;
  const start = offsets[off]!;
  const end = offsets[off + n]!;
  const chunk = bytes.subarray(start, end);
  let ascii = true;
  for (let k = 0; k < chunk.length; k++) {
    if (chunk[k]! >= 0x80) {
      ascii = false;
      break;
    }
  }
  if (ascii) {
    // 'latin1' is byte = code unit, exactly UTF-8 for ASCII, and the fastest decoder in V8.
    const s = latin1.decode(chunk);
    for (let i = 0; i < n; i++) out[base + i] = isNull?.(i) ? null : s.slice(offsets[off + i]! - start, offsets[off + i + 1]! - start);
    return;
  }
  const s = utf8.decode(chunk);
  // UTF-16 position of each byte boundary: +1 per lead byte, +2 for 4-byte sequences (surrogate pairs).
  const pos = new Int32Array(chunk.length + 1);
  let units = 0;
  for (let k = 0; k < chunk.length; k++) {
    pos[k] = units;
    const b = chunk[k]!;
    if ((b & 0xc0) !== 0x80) units += b >= 0xf0 ? 2 : 1;
  }
  pos[chunk.length] = units;
  if (units !== s.length) {
    for (let i = 0; i < n; i++) out[base + i] = isNull?.(i) ? null : utf8.decode(bytes.subarray(offsets[off + i]!, offsets[off + i + 1]!));
    return;
  }
  for (let i = 0; i < n; i++) out[base + i] = isNull?.(i) ? null : s.slice(pos[offsets[off + i]! - start]!, pos[offsets[off + i + 1]! - start]!);
}

function makeVectorGetter(data: Data): (i: number) => unknown {
  const v = makeVector(data);
  return (i) => v.get(i);
}
