// Row groups as the unit of streaming: a large Parquet file is read one row group at a time (its byte span
// fetched with a ranged read and wrapped as a one-row-group file any decoder reads), and written one row
// group at a time (each encoded on its own, possibly on another thread, its bytes appended to the output
// and its metadata, offsets shifted, gathered into one footer written last with the key-values known only
// at the end: Hudi's bloom filter and key range). Memory is a few row groups, whatever the file size.
// Invariants: spliced files hold exactly the rows of their parts, in order; page indexes and Parquet-native
// bloom filters of the parts are dropped (they live outside the row-group spans and are optional).

import { TType, cloneStruct, decodeStruct, encodeStruct, field, intField, listField, removeField, setField, structField, type TList, type TStruct } from './thrift-compact';

const MAGIC = new Uint8Array([0x50, 0x41, 0x52, 0x31]); // PAR1
const enc = new TextEncoder();

// FileMetaData, RowGroup, ColumnChunk and ColumnMetaData field ids (parquet.thrift).
const FMD = { version: 1, schema: 2, numRows: 3, rowGroups: 4, kv: 5, createdBy: 6, columnOrders: 7 } as const;
const RG = { columns: 1, totalByteSize: 2, numRows: 3, fileOffset: 5, totalCompressedSize: 6, ordinal: 7 } as const;
const CC = { filePath: 1, fileOffset: 2, metaData: 3, offsetIndexOffset: 4, offsetIndexLength: 5, columnIndexOffset: 6, columnIndexLength: 7 } as const;
const CMD = { totalCompressedSize: 7, dataPageOffset: 9, indexPageOffset: 10, dictionaryPageOffset: 11, bloomFilterOffset: 14, bloomFilterLength: 15 } as const;

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

  /**
   * A one-row-group Parquet file holding row group `index`, given the bytes of its span (what a ranged
   * read of [span.start, span.end) returned). The schema and column orders are the file's own.
   */
  singleRowGroupFile(index: number, spanBytes: Uint8Array): Uint8Array {
    const span = this.rowGroups()[index];
    if (!span) throw new RangeError(`row group ${index} does not exist (the file has ${this.rowGroups().length})`);
    if (spanBytes.length !== span.end - span.start) throw new RangeError(`row group ${index} spans ${span.end - span.start} bytes, got ${spanBytes.length}`);
    const rg = cloneStruct(listField(this.meta, FMD.rowGroups)!.items[index] as TStruct);
    shiftRowGroup(rg, MAGIC.length - span.start, 0);
    const meta = templateWithout(this.meta);
    setField(meta, FMD.numRows, TType.I64, BigInt(span.numRows));
    setField(meta, FMD.rowGroups, TType.List, { elemType: TType.Struct, items: [rg] });
    return concat([MAGIC, spanBytes, trailer(meta)]);
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

/** Moves a row group by `delta` bytes and renumbers it; drops what points outside its span. */
function shiftRowGroup(rg: TStruct, delta: number, ordinal: number): void {
  const shift = (s: TStruct, id: number) => {
    const f = field(s, id);
    if (f && Number(f.value as bigint | number) > 0) f.value = BigInt(Number(f.value as bigint | number) + delta);
  };
  for (const item of listField(rg, RG.columns)?.items ?? []) {
    const c = item as TStruct;
    shift(c, CC.fileOffset);
    for (const id of [CC.offsetIndexOffset, CC.offsetIndexLength, CC.columnIndexOffset, CC.columnIndexLength]) removeField(c, id);
    const md = structField(c, CC.metaData)!;
    shift(md, CMD.dataPageOffset);
    shift(md, CMD.indexPageOffset);
    shift(md, CMD.dictionaryPageOffset);
    removeField(md, CMD.bloomFilterOffset);
    removeField(md, CMD.bloomFilterLength);
  }
  shift(rg, RG.fileOffset);
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
    const schema = encodeStruct({ fields: [field(footer.meta, FMD.schema)!] });
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

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
