// Reads a base file of a file group the way a copy-on-write merge needs it: the footer with one ranged
// read of the tail, then the rows one row group at a time (each row group's byte span fetched alone), so
// memory is one row group whatever the file size, on local disk and S3 alike.
// A file written by another writer in one huge row group is still read whole: the row group is the unit.

import type { ColumnSpec, Row } from '../parquet/column-spec';
import { FooterTree, type RowGroupSpan } from '../parquet/row-group-splice';
import type { Storage } from '../storage/storage';
import type { ParquetCodec } from '../table/collaborators';
import { RECORD_KEY_COLUMN } from '../table/meta-columns';
import type { KeyProbe } from './key-probe';

/** Bytes read from the end of a file first: Hudi footers carry a bloom filter of about 430 KB. */
const TAIL_GUESS = 1 << 20;

/** The end of a Parquet file that holds its whole footer, by ranged reads (one, or two for a huge footer). */
export async function readFileTail(storage: Storage, path: string, size?: number): Promise<Buffer> {
  const length = size ?? (await storage.stat(path))?.size;
  if (length === undefined) throw new Error(`base file ${path} does not exist in ${storage.location}`);
  if (length < 12) throw new Error(`base file ${path} in ${storage.location} is ${length} bytes: not a Parquet file`);
  const tail = await storage.readRange(path, Math.max(0, length - TAIL_GUESS), length);
  const footerLength = new DataView(tail.buffer, tail.byteOffset + tail.length - 8, 4).getUint32(0, true) + 8;
  return footerLength > tail.length ? storage.readRange(path, Math.max(0, length - footerLength), length) : tail;
}

export class BaseFileReader {
  private keyLeaf: number | undefined;

  private constructor(
    private readonly storage: Storage,
    private readonly codec: ParquetCodec,
    readonly path: string,
    readonly footer: FooterTree,
  ) {}

  /** Opens `path`; `size` (known from the file system view) saves a stat. */
  static async open(storage: Storage, codec: ParquetCodec, path: string, size?: number): Promise<BaseFileReader> {
    return new BaseFileReader(storage, codec, path, FooterTree.fromTail(await readFileTail(storage, path, size)));
  }

  get numRows(): number {
    return this.footer.numRows;
  }

  rowGroups(): RowGroupSpan[] {
    return this.footer.rowGroups();
  }

  /** The rows of one row group; `columns` limits what is decoded (a missing column reads as null). */
  async readRowGroup(span: RowGroupSpan, columns?: ColumnSpec[]): Promise<Row[]> {
    if (span.numRows === 0) return [];
    return this.decodeSpan(span, await this.readSpan(span), columns);
  }

  /** The bytes of one row group's span, as they are in the file. */
  readSpan(span: RowGroupSpan): Promise<Uint8Array> {
    return this.storage.readRange(this.path, span.start, span.end);
  }

  /** The rows of a row group whose span bytes were read already. */
  decodeSpan(span: RowGroupSpan, bytes: Uint8Array, columns?: ColumnSpec[]): Promise<Row[]> {
    return this.codec.decode(this.footer.singleRowGroupFile(span.index, bytes), columns);
  }

  /** Row groups in file order, each decoded when the consumer asks for it. */
  async *batches(columns?: ColumnSpec[]): AsyncGenerator<Row[]> {
    for (const span of this.rowGroups()) yield await this.readRowGroup(span, columns);
  }

  /** Like batches, but only the row groups that may hold one of `keys` (see mayHold). */
  async *batchesHolding(keys: KeyProbe, columns?: ColumnSpec[]): AsyncGenerator<Row[]> {
    for (const span of this.rowGroups()) if (this.mayHold(span, keys)) yield await this.readRowGroup(span, columns);
  }

  /** Whether row group `span` may hold one of `keys`: false only when its record-key statistics leave them all out. */
  mayHold(span: RowGroupSpan, keys: KeyProbe): boolean {
    if (span.numRows === 0 || keys.size === 0) return false;
    this.keyLeaf ??= this.footer.leafIndex(RECORD_KEY_COLUMN.name) ?? -1;
    const bounds = this.keyLeaf < 0 ? undefined : this.footer.columnBounds(span.index, this.keyLeaf);
    return bounds ? keys.anyWithin(bounds.min, bounds.max) : true;
  }
}
