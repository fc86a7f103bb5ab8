// The Parquet layer's public API: rows (or an Arrow table) → Parquet bytes with Hudi's footer key-values,
// Parquet bytes → rows, and footer-only reads. Choices by measurement (scripts/bench-parquet.ts, 200k order
// rows): rows → Arrow with our builder (~7x tableFromArrays), Arrow IPC → parquet-wasm to encode (~570k rows/s
// end to end; hyparquet-writer ~150-200k, parquetjs-lite ~30k). Exception: a table with a decimal of
// precision <= 18 goes to hyparquet-writer, because parquet-wasm stores those as INT32/INT64 and parquet-avro
// 1.13 (Hudi 0.15's merge reader) fails on them (HUDI-2958) while it reads FIXED_LEN_BYTE_ARRAY. Decoding:
// parquet-wasm → Arrow IPC → our row builder (~700k rows/s; it also reads the gzip/zstd files Spark writes,
// which hyparquet cannot on Node 20). Footers: hyparquet, which parses only the tail.
// Invariants: decodeParquet(encodeParquet(c, rows), c) deep-equals rows in the column-spec representation;
// the Parquet schema of a written file is a pure function of the ColumnSpec[].

import { Table, tableFromIPC, tableToIPC, type DataType, type Field } from 'apache-arrow';
import * as pw from 'parquet-wasm';
import { arrowSchema, buildArrowTable, typeLabel } from './arrow-columns';
import { rowsFromArrow } from './arrow-rows';
import { forEachType, unionMemberName, type ColumnSpec, type ColumnType, type Row } from './column-spec';
import { checkEncodeOptions, type EncodeOptions } from './encode-options';
import type { BloomPart } from '../index/bloom-filter';
import { bloomPartOfKeys, bloomPartOfUtf8, type BloomPartRequest } from '../index/bloom-part';
import { uniqueValuedColumns } from './dictionary-choice';
import { encodeWithHyparquet } from './hyparquet-encoder';
import { readFooter, type ParquetFooter } from './parquet-footer';
import { encodeIpcWithWasm } from './wasm-encoder';

export { ColumnValueError } from './arrow-columns';
export type { EncodeOptions, ParquetCompression } from './encode-options';
export { footerTailLength, readFooter, type ParquetFooter } from './parquet-footer';

/** Which encoder a column list needs (see the module comment). */
export function encoderFor(columns: readonly ColumnSpec[]): 'parquet-wasm' | 'hyparquet-writer' {
  let small = false;
  for (const c of columns) forEachType(c.type, (t) => (small ||= t.kind === 'decimal' && t.precision <= 18));
  return small ? 'hyparquet-writer' : 'parquet-wasm';
}

/**
 * Encodes rows (validated against `columns`; ColumnValueError names the offending column, type, value and
 * row) or an Arrow table built by buildArrowTable for the same columns.
 */
export function encodeParquet(columns: readonly ColumnSpec[], data: readonly Row[] | Table, options: EncodeOptions = {}): Uint8Array {
  checkEncodeOptions(options);
  const table = toArrowTable(columns, data);
  if (encoderFor(columns) === 'hyparquet-writer') {
    return encodeWithHyparquet(columns, data instanceof Table ? { table } : { validatedRows: data }, options);
  }
  return encodeIpcWithWasm(tableToIPC(table, 'stream'), withDictionaryChoice(columns, data, options));
}

/** `options` with the row group's unique-valued columns written plain (dictionary-choice.ts), for rows. */
export function withDictionaryChoice(columns: readonly ColumnSpec[], data: readonly Row[] | Table, options: EncodeOptions): EncodeOptions {
  if (data instanceof Table || options.dictionary === false || options.plainColumns !== undefined) return options;
  const plainColumns = uniqueValuedColumns(columns, data);
  return plainColumns.length === 0 ? options : { ...options, plainColumns };
}

/**
 * The second half of encodeParquet, for an Arrow IPC stream of a table built for `columns`. This is what
 * the encoder pool runs on its worker threads (IPC is the form a table crosses threads in).
 */
export function encodeArrowIpc(columns: readonly ColumnSpec[], ipc: Uint8Array, options: EncodeOptions = {}): Uint8Array {
  checkEncodeOptions(options);
  if (encoderFor(columns) === 'hyparquet-writer') return encodeWithHyparquet(columns, { table: tableFromIPC(ipc) }, options);
  return encodeIpcWithWasm(ipc, options);
}

/** Rows → Arrow table (validated), or the given table after checking it has the columns' Arrow schema. */
export function toArrowTable(columns: readonly ColumnSpec[], data: readonly Row[] | Table): Table {
  if (!(data instanceof Table)) return buildArrowTable(columns, data);
  const want = arrowSchema(columns);
  const got = data.schema;
  const same =
    want.fields.length === got.fields.length &&
    want.fields.every((f, i) => {
      const g = got.fields[i]!;
      return f.name === g.name && f.nullable === g.nullable && String(f.type) === String(g.type);
    });
  if (!same) {
    const describe = (s: typeof want) => s.fields.map((f) => `${f.name}: ${String(f.type)}${f.nullable ? '?' : ''}`).join(', ');
    throw new TypeError(`Arrow table schema [${describe(got)}] does not match the columns [${describe(want)}]; build it with buildArrowTable`);
  }
  return data;
}

/**
 * Decodes a Parquet file into rows. With `columns`, only those are read (e.g. just `_hoodie_record_key` to
 * confirm index hits) and each comes back in its column's representation; a column the file lacks (written
 * before the column was added) is null in every row. Without, every column is read and typed from the file.
 */
export function decodeParquet(buf: Uint8Array, columns?: readonly ColumnSpec[]): Row[] {
  const footer = readFooter(buf);
  const present = new Set(footer.columns.map((c) => c.name));
  let names: string[] | undefined;
  if (columns !== undefined) {
    names = columns.filter((c) => present.has(c.name)).map((c) => c.name);
    const unsupported = footer.unsupportedColumns.find((u) => columns.some((c) => c.name === u.name));
    if (unsupported) throw new TypeError(`column "${unsupported.name}" is ${unsupported.parquetType} in the file, which the column model cannot read`);
    if (names.length === 0) return Array.from({ length: footer.numRows }, () => Object.fromEntries(columns.map((c) => [c.name, null])) as Row);
  } else if (footer.unsupportedColumns.length > 0) {
    // Read what the model can represent rather than failing on a column nobody asked for.
    names = footer.columns.map((c) => c.name);
  }
  if (footer.numRows === 0) return [];
  const wasmTable = pw.readParquet(buf, {
    // One Arrow batch per row group (the reader's default is 1024 rows, which multiplies per-batch overhead).
    batchSize: Math.max(1024, Math.min(footer.numRows, 1 << 20)),
    ...(names !== undefined ? { columns: names } : {}),
  });
  const table = tableFromIPC(wasmTable.intoIPCStream());
  checkDecodable(table, columns);
  return rowsFromArrow(table, columns);
}

/** Refuses a stored type that cannot become the requested column type (Avro's promotions are allowed). */
function checkDecodable(table: Table, columns: readonly ColumnSpec[] | undefined): void {
  if (columns === undefined) return;
  for (const spec of columns) {
    const field = table.schema.fields.find((f) => f.name === spec.name);
    if (field === undefined) continue;
    checkReadable(spec.name, field.type, spec.type);
  }
}

function checkReadable(name: string, stored: DataType, want: ColumnType): void {
  const family = familyOf(String(stored));
  if (!ALLOWED[want.kind].includes(family)) throw new TypeError(`column "${name}": the file stores ${String(stored)}, which cannot be read as ${typeLabel(want)}`);
  const children = stored.children as Field[];
  if (want.kind === 'record' || want.kind === 'union') {
    const fields = want.kind === 'record' ? want.fields : want.members.map((m, i) => ({ name: unionMemberName(i), type: m }));
    for (const f of fields) {
      const c = children.find((x) => x.name === f.name);
      if (c !== undefined) checkReadable(`${name}.${f.name}`, c.type, f.type);
    }
  } else if (want.kind === 'array') checkReadable(`${name}[]`, children[0]!.type, want.items);
  else if (want.kind === 'map') checkReadable(`${name}{}`, (children[0]!.type.children as Field[])[1]!.type, want.values);
}

type Family = 'string' | 'bytes' | 'bool' | 'int' | 'float' | 'date' | 'timestamp' | 'decimal' | 'fixed' | 'struct' | 'list' | 'map' | 'other';

function familyOf(arrowType: string): Family {
  if (/^(Large)?Utf8|^Utf8View/.test(arrowType)) return 'string';
  if (/^(Large)?Binary|^BinaryView/.test(arrowType)) return 'bytes';
  if (arrowType === 'Bool') return 'bool';
  if (/^U?Int/.test(arrowType)) return 'int';
  if (/^Float/.test(arrowType)) return 'float';
  if (/^Date/.test(arrowType)) return 'date';
  if (/^Timestamp/.test(arrowType)) return 'timestamp';
  if (/^Decimal/.test(arrowType)) return 'decimal';
  if (/^FixedSizeBinary/.test(arrowType)) return 'fixed';
  if (/^Struct/.test(arrowType)) return 'struct';
  if (/^List/.test(arrowType)) return 'list';
  if (/^Map/.test(arrowType)) return 'map';
  return 'other';
}

const ALLOWED: Record<ColumnSpec['type']['kind'], Family[]> = {
  // string ↔ bytes, int → long, int/long → float/double: Avro's promotions (older files of an evolved table).
  string: ['string', 'bytes'],
  uuid: ['string', 'fixed'],
  bytes: ['bytes', 'fixed', 'string'],
  boolean: ['bool'],
  int: ['int'],
  long: ['int'],
  float: ['float', 'int'],
  double: ['float', 'int'],
  date: ['date', 'int'],
  'timestamp-millis': ['timestamp', 'int'],
  'timestamp-micros': ['timestamp', 'int'],
  'local-timestamp-millis': ['timestamp', 'int'],
  'local-timestamp-micros': ['timestamp', 'int'],
  'time-millis': ['int'],
  'time-micros': ['int'],
  decimal: ['decimal'],
  record: ['struct'],
  union: ['struct'],
  array: ['list'],
  map: ['map'],
};

/** The record keys' bloom filter part of a table's rows (bloom-part.ts): from the key column's UTF-8 bytes. */
export function bloomPartOfTable(table: Table, request: BloomPartRequest): BloomPart {
  if (request.keys !== undefined) return bloomPartOfKeys(request.spec, request.keys);
  const column = table.getChild(request.keyColumn);
  if (column === null) throw new Error(`no column ${request.keyColumn} to hash into the bloom filter`);
  const chunks = column.data.map((d) => {
    const offsets = d.valueOffsets as Int32Array;
    return { offsets: d.offset === 0 ? offsets : offsets.subarray(d.offset), data: d.values as Uint8Array, length: d.length };
  });
  return bloomPartOfUtf8(request.spec, chunks);
}

/** Encodes and hashes the rows' keys in this thread (the keys as strings: no Arrow bytes to reuse here). */
export function encodeWithBloomPart(columns: readonly ColumnSpec[], rows: readonly Row[], options: EncodeOptions, request: BloomPartRequest): { data: Uint8Array; bloom: BloomPart } {
  const data = encodeParquet(columns, rows, options);
  return { data, bloom: bloomPartOfKeys(request.spec, request.keys ?? rows.map((r) => r[request.keyColumn] as string)) };
}

/** Options of a ParquetCodec: the defaults for every file the table writer encodes. */
export interface ParquetCodecOptions extends Omit<EncodeOptions, 'keyValueMetadata'> {
  /** Encodes off the main thread when given (see encoder-pool.ts); in-thread otherwise. */
  encoder?: {
    encode(columns: readonly ColumnSpec[], data: readonly Row[] | Table, options: EncodeOptions): Promise<Uint8Array>;
    encodeWithBloomPart?(columns: readonly ColumnSpec[], rows: readonly Row[], options: EncodeOptions, bloom: BloomPartRequest): Promise<{ data: Uint8Array; bloom: BloomPart }>;
  };
}

/**
 * The codec the Hudi table writer is given (structurally its ParquetCodec collaborator). Encoding may run
 * on a worker thread; decoding and footers run in-thread (they feed the merge that happens there anyway).
 */
export function parquetCodec(options: ParquetCodecOptions = {}): {
  encode(columns: readonly ColumnSpec[], rows: readonly Row[], keyValueMetadata: Record<string, string>): Promise<Uint8Array>;
  encodeWithBloomPart(columns: readonly ColumnSpec[], rows: readonly Row[], keyValueMetadata: Record<string, string>, bloom: BloomPartRequest): Promise<{ data: Uint8Array; bloom: BloomPart }>;
  decode(data: Uint8Array, columns?: readonly ColumnSpec[]): Promise<Row[]>;
  footer(data: Uint8Array): Promise<ParquetFooter>;
} {
  const { encoder, ...defaults } = options;
  checkEncodeOptions(defaults);
  return {
    encode: async (columns, rows, keyValueMetadata) =>
      encoder ? encoder.encode(columns, rows, { ...defaults, keyValueMetadata }) : encodeParquet(columns, rows, { ...defaults, keyValueMetadata }),
    encodeWithBloomPart: async (columns, rows, keyValueMetadata, bloom) =>
      encoder?.encodeWithBloomPart
        ? encoder.encodeWithBloomPart(columns, rows, { ...defaults, keyValueMetadata }, bloom)
        : encodeWithBloomPart(columns, rows, { ...defaults, keyValueMetadata }, bloom),
    decode: async (data, columns) => decodeParquet(data, columns),
    footer: async (data) => readFooter(data),
  };
}
