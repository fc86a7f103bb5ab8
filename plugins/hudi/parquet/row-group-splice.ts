// Row groups as the unit of streaming: a large Parquet file is read one row group at a time (its byte span
// fetched with a ranged read and wrapped as a one-row-group file any decoder reads), and written one row
// group at a time (each encoded on its own, possibly on another thread, its bytes appended to the output
// and its metadata, offsets shifted, gathered into one footer written last with the key-values known only
// at the end: Hudi's bloom filter and key range). Memory is a few row groups, whatever the file size.
// A row group can also be carried into a new file without decoding it: its column chunks are copied byte
// for byte and one of them (Hudi's `_hoodie_file_name`, which names the file a row is in) is swapped for a
// chunk encoded alone (withColumnReplaced).
// Invariants: spliced files hold exactly the rows of their parts, in order; page indexes and Parquet-native
// bloom filters of the parts are dropped (they live outside the row-group spans and are optional).

import { TType, cloneStruct, decodeStruct, encodeStruct, field, intField, listField, removeField, setField, structField, type TList, type TStruct } from './thrift-compact';

const MAGIC = new Uint8Array([0x50, 0x41, 0x52, 0x31]); // PAR1
const enc = new TextEncoder();

// FileMetaData, RowGroup, ColumnChunk and ColumnMetaData field ids (parquet.thrift).
const FMD = { version: 1, schema: 2, numRows: 3, rowGroups: 4, kv: 5, createdBy: 6, columnOrders: 7 } as const;
const RG = { columns: 1, totalByteSize: 2, numRows: 3, fileOffset: 5, totalCompressedSize: 6, ordinal: 7 } as const;
const CC = { filePath: 1, fileOffset: 2, metaData: 3, offsetIndexOffset: 4, offsetIndexLength: 5, columnIndexOffset: 6, columnIndexLength: 7 } as const;
const CMD = { pathInSchema: 3, totalUncompressedSize: 6, totalCompressedSize: 7, dataPageOffset: 9, indexPageOffset: 10, dictionaryPageOffset: 11, statistics: 12, bloomFilterOffset: 14, bloomFilterLength: 15 } as const;
// Statistics: min_value / max_value, in the order the file's column_orders define (the deprecated min/max are not used).
const STATS = { maxValue: 5, minValue: 6 } as const;
// ColumnOrder (a union): TYPE_ORDER, the type-defined order (unsigned bytewise for strings).
const TYPE_ORDER = 1;
const dec = new TextDecoder();

export interface RowGroupSpan {
  index: number;
  numRows: number;
  /** Byte range [start, end) of the row group's column chunks in the file. */
  start: number;
  end: number;
}

/** A decoded footer: the metadata tree plus what streaming needs to know about each row group. */
export class FooterTree {
  private constructor(readonly meta: TStruct) {}

  /** Parses the footer from the file's tail (any suffix of the file that holds the whole footer). */
  static fromTail(tail: Uint8Array): FooterTree {
    const n = tail.length;
    if (n < 12 || !MAGIC.every((b, i) => tail[n - 4 + i] === b)) throw new Error('not a Parquet file (no PAR1 magic at the end)');
    const len = new DataView(tail.buffer, tail.byteOffset + n - 8, 4).getUint32(0, true);
    if (len + 8 > n) throw new RangeError(`the footer is ${len} bytes, but only ${n - 8} bytes of the tail were given`);
    return new FooterTree(decodeStruct(tail.subarray(n - 8 - len, n - 8)).struct);
  }

  get numRows(): number {
    return intField(this.meta, FMD.numRows) ?? 0;
  }

  rowGroups(): RowGroupSpan[] {
    return (listField(this.meta, FMD.rowGroups)?.items ?? []).map((rg, index) => {
      let start = Infinity;
      let end = 0;
      for (const c of listField(rg as TStruct, RG.columns)?.items ?? []) {
        const span = chunkSpan(c as TStruct);
        start = Math.min(start, span.start);
        end = Math.max(end, span.end);
      }
      return { index, numRows: intField(rg as TStruct, RG.numRows) ?? 0, start: start === Infinity ? 4 : start, end: Math.max(end, 4) };
    });
  }

  /** The byte spans of row group `index`'s column chunks, in column order. */
  chunkSpans(index: number): { start: number; end: number }[] {
    const rg = listField(this.meta, FMD.rowGroups)?.items[index] as TStruct | undefined;
    if (!rg) throw new RangeError(`row group ${index} does not exist (the file has ${this.rowGroups().length})`);
    return (listField(rg, RG.columns)?.items ?? []).map((c) => chunkSpan(c as TStruct));
  }

  /** The footer's key-value metadata (a key without a value reads as ''). */
  keyValues(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const item of listField(this.meta, FMD.kv)?.items ?? []) {
      const k = field(item as TStruct, 1)?.value;
      const v = field(item as TStruct, 2)?.value;
      if (k instanceof Uint8Array) out[dec.decode(k)] = v instanceof Uint8Array ? dec.decode(v) : '';
    }
    return out;
  }

  /** The schema's Thrift bytes: files whose schemas are equal byte for byte lay out their column chunks alike. */
  schemaBytes(): Uint8Array {
    return encodeStruct({ fields: [field(this.meta, FMD.schema)!] });
  }

  /** The position among the column chunks of the top-level primitive column `name`, if the file has one. */
  leafIndex(name: string): number | undefined {
    const first = listField(this.meta, FMD.rowGroups)?.items[0] as TStruct | undefined;
    const chunks = first ? (listField(first, RG.columns)?.items ?? []) : [];
    const at = chunks.findIndex((c) => {
      const path = listField(structField(c as TStruct, CC.metaData) ?? { fields: [] }, CMD.pathInSchema)?.items ?? [];
      return path.length === 1 && dec.decode(path[0] as Uint8Array) === name;
    });
    return at < 0 ? undefined : at;
  }

  /**
   * Bounds of leaf `leaf`'s values in row group `index` (raw bytes: UTF-8 for strings, compared bytewise
   * unsigned), when the file states them in the type-defined order; undefined when it does not (old
   * writers, statistics turned off), so a caller cannot tell what the row group holds without reading it.
   */
  columnBounds(index: number, leaf: number): { min: Uint8Array; max: Uint8Array } | undefined {
    const order = listField(this.meta, FMD.columnOrders)?.items[leaf] as TStruct | undefined;
    if (!order || !field(order, TYPE_ORDER)) return undefined;
    const rg = listField(this.meta, FMD.rowGroups)?.items[index] as TStruct | undefined;
    const chunk = rg ? (listField(rg, RG.columns)?.items[leaf] as TStruct | undefined) : undefined;
    const stats = chunk ? structField(structField(chunk, CC.metaData) ?? { fields: [] }, CMD.statistics) : undefined;
    const min = stats ? field(stats, STATS.minValue)?.value : undefined;
    const max = stats ? field(stats, STATS.maxValue)?.value : undefined;
    return min instanceof Uint8Array && max instanceof Uint8Array ? { min, max } : undefined;
  }

  /**
   * A one-row-group Parquet file holding row group `index`, given the bytes of its span (what a ranged
   * read of [span.start, span.end) returned). The schema and column orders are the file's own.
   */
  singleRowGroupFile(index: number, spanBytes: Uint8Array): Uint8Array {
    const span = this.span(index, spanBytes);
    const rg = cloneStruct(listField(this.meta, FMD.rowGroups)!.items[index] as TStruct);
    shiftRowGroup(rg, MAGIC.length - span.start, 0);
    return this.wrap(rg, span.numRows, [spanBytes]);
  }

  /**
   * Like singleRowGroupFile, with the column chunk of leaf `leaf` taken from `replacement` instead: a
   * one-row-group file of that column alone (same name and type) with as many rows. The other chunks are
   * copied byte for byte, so the row group is carried over without being decoded.
   */
  withColumnReplaced(index: number, spanBytes: Uint8Array, leaf: number, replacement: Uint8Array): Uint8Array {
    const span = this.span(index, spanBytes);
    const other = FooterTree.fromTail(replacement);
    const [otherSpan, ...more] = other.rowGroups();
    if (!otherSpan || more.length > 0 || otherSpan.numRows !== span.numRows) {
      throw new RangeError(`the replacement column must be one row group of ${span.numRows} rows (got ${other.rowGroups().map((g) => g.numRows).join(', ') || 'none'})`);
    }
    const rg = cloneStruct(listField(this.meta, FMD.rowGroups)!.items[index] as TStruct);
    const chunks = listField(rg, RG.columns)!.items as TStruct[];
    if (leaf < 0 || leaf >= chunks.length) throw new RangeError(`leaf ${leaf} does not exist (the row group has ${chunks.length} column chunks)`);
    const otherChunks = listField(listField(other.meta, FMD.rowGroups)!.items[0] as TStruct, RG.columns)!.items;
    if (otherChunks.length !== 1) throw new RangeError(`the replacement must hold one column, it holds ${otherChunks.length}`);
    const parts: Uint8Array[] = [];
    let at = MAGIC.length;
    let compressed = 0;
    let uncompressed = 0;
    for (let i = 0; i < chunks.length; i++) {
      const replaced = i === leaf;
      const chunk = replaced ? cloneStruct(otherChunks[0] as TStruct) : chunks[i]!;
      const { start, end } = chunkSpan(chunk);
      parts.push(replaced ? replacement.subarray(start, end) : spanBytes.subarray(start - span.start, end - span.start));
      shiftChunk(chunk, at - start);
      chunks[i] = chunk;
      at += end - start;
      const md = structField(chunk, CC.metaData)!;
      compressed += intField(md, CMD.totalCompressedSize) ?? 0;
      uncompressed += intField(md, CMD.totalUncompressedSize) ?? 0;
    }
    setField(rg, RG.totalByteSize, TType.I64, BigInt(uncompressed));
    if (field(rg, RG.totalCompressedSize)) setField(rg, RG.totalCompressedSize, TType.I64, BigInt(compressed));
    if (field(rg, RG.fileOffset)) setField(rg, RG.fileOffset, TType.I64, BigInt(MAGIC.length));
    if (field(rg, RG.ordinal)) setField(rg, RG.ordinal, TType.I16, 0);
    return this.wrap(rg, span.numRows, parts);
  }

  private span(index: number, spanBytes: Uint8Array): RowGroupSpan {
    const span = this.rowGroups()[index];
    if (!span) throw new RangeError(`row group ${index} does not exist (the file has ${this.rowGroups().length})`);
    if (spanBytes.length !== span.end - span.start) throw new RangeError(`row group ${index} spans ${span.end - span.start} bytes, got ${spanBytes.length}`);
    return span;
  }

  /** A file of this one row group (offsets already relative to the file), its body given as parts. */
  private wrap(rg: TStruct, numRows: number, body: Uint8Array[]): Uint8Array {
    const meta = templateWithout(this.meta);
    setField(meta, FMD.numRows, TType.I64, BigInt(numRows));
    setField(meta, FMD.rowGroups, TType.List, { elemType: TType.Struct, items: [rg] });
    return concat([MAGIC, ...body, trailer(meta)]);
  }
}

/** The bytes [start, end) of one column chunk: its dictionary page (if any) through its last data page. */
function chunkSpan(chunk: TStruct): { start: number; end: number } {
  const md = structField(chunk, CC.metaData);
  if (!md) throw new Error('a column chunk without inline metadata (encrypted or external file_path) cannot be streamed');
  const data = intField(md, CMD.dataPageOffset) ?? 0;
  const dict = intField(md, CMD.dictionaryPageOffset);
  // Some writers store dictionary_page_offset 0 for "none"; a real one always precedes the data pages.
  const start = dict !== undefined && dict > 0 && dict < data ? dict : data;
  return { start, end: start + (intField(md, CMD.totalCompressedSize) ?? 0) };
}

/** Adds `delta` to an offset field that is set (0 means unset for some writers). */
function shift(s: TStruct, id: number, delta: number): void {
  const f = field(s, id);
  if (f && Number(f.value as bigint | number) > 0) f.value = BigInt(Number(f.value as bigint | number) + delta);
}

/** Moves a column chunk by `delta` bytes; drops what points outside its pages (page indexes, bloom filter). */
function shiftChunk(c: TStruct, delta: number): void {
  shift(c, CC.fileOffset, delta);
  for (const id of [CC.offsetIndexOffset, CC.offsetIndexLength, CC.columnIndexOffset, CC.columnIndexLength]) removeField(c, id);
  const md = structField(c, CC.metaData)!;
  shift(md, CMD.dataPageOffset, delta);
  shift(md, CMD.indexPageOffset, delta);
  shift(md, CMD.dictionaryPageOffset, delta);
  removeField(md, CMD.bloomFilterOffset);
  removeField(md, CMD.bloomFilterLength);
}

/** Moves a row group by `delta` bytes and renumbers it; drops what points outside its span. */
function shiftRowGroup(rg: TStruct, delta: number, ordinal: number): void {
  for (const item of listField(rg, RG.columns)?.items ?? []) shiftChunk(item as TStruct, delta);
  shift(rg, RG.fileOffset, delta);
  if (field(rg, RG.ordinal)) setField(rg, RG.ordinal, TType.I16, ordinal);
}

/** The file's metadata less its row groups and key-values: schema, version, created_by, column orders. */
function templateWithout(meta: TStruct): TStruct {
  const t: TStruct = { fields: meta.fields.filter((f) => f.id !== FMD.rowGroups && f.id !== FMD.kv) };
  return cloneStruct(t);
}

function trailer(meta: TStruct): Uint8Array {
  const footer = encodeStruct(meta);
  const len = new Uint8Array(4);
  new DataView(len.buffer).setUint32(0, footer.length, true);
  return concat([footer, len, MAGIC]);
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * Builds one Parquet file out of separately encoded parts (each a complete Parquet file of the same
 * schema): `add` returns the bytes to append to the output now; `finish` the footer bytes, with the
 * key-values given then. The caller writes the returned bytes in order.
 */
export class RowGroupAssembler {
  private position = 0;
  private template: TStruct | undefined;
  private schemaBytes: Uint8Array | undefined;
  private readonly rowGroups: TStruct[] = [];
  private rows = 0;

  get numRows(): number {
    return this.rows;
  }

  /** Bytes written so far (the size of the file without its footer). */
  get size(): number {
    return this.position;
  }

  add(part: Uint8Array): Uint8Array[] {
    const footer = FooterTree.fromTail(part);
    const schema = footer.schemaBytes();
    if (this.template === undefined) {
      this.template = templateWithout(footer.meta);
      this.schemaBytes = schema;
    } else if (!sameBytes(schema, this.schemaBytes!)) {
      throw new Error('row groups of different schemas cannot be spliced into one file');
    }
    const out: Uint8Array[] = [];
    if (this.position === 0) {
      out.push(MAGIC);
      this.position = MAGIC.length;
    }
    const spans = footer.rowGroups();
    const groups = listField(footer.meta, FMD.rowGroups)?.items ?? [];
    for (let i = 0; i < spans.length; i++) {
      const span = spans[i]!;
      const rg = cloneStruct(groups[i] as TStruct);
      shiftRowGroup(rg, this.position - span.start, this.rowGroups.length);
      this.rowGroups.push(rg);
      this.rows += span.numRows;
      out.push(part.subarray(span.start, span.end));
      this.position += span.end - span.start;
    }
    return out;
  }

  /** The footer (call once, after the last part). A file of no parts is refused: encode an empty part. */
  finish(keyValueMetadata: Record<string, string>): Uint8Array {
    if (!this.template) throw new Error('no row groups were added; a Parquet file needs at least its schema');
    const meta = cloneStruct(this.template);
    setField(meta, FMD.numRows, TType.I64, BigInt(this.rows));
    setField(meta, FMD.rowGroups, TType.List, { elemType: TType.Struct, items: this.rowGroups } satisfies TList);
    const kv = Object.entries(keyValueMetadata).map(([k, v]): TStruct => ({ fields: [{ id: 1, type: TType.Binary, value: enc.encode(k) }, { id: 2, type: TType.Binary, value: enc.encode(v) }] }));
    if (kv.length > 0) setField(meta, FMD.kv, TType.List, { elemType: TType.Struct, items: kv });
    const bytes = trailer(meta);
    this.position += bytes.length;
    return bytes;
  }
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
