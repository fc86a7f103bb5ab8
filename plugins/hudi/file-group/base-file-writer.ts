// Writes one base file as a stream of row groups: each batch of rows is encoded on its own (on the encoder
// pool's thread when there is one, so the next batch is merged meanwhile), appended to the file in order,
// and the footer, with key-values known only at the end (Hudi's bloom filter and key range), goes last.
// At most `maxInFlight` encoded row groups wait to be written, so memory does not grow with the file.
// The file appears whole at finish() or never (abort()).

import type { ColumnSpec, Row } from '../parquet/column-spec';
import { FooterTree, RowGroupAssembler, sameBytes } from '../parquet/row-group-splice';
import type { FileSink, Storage } from '../storage/storage';
import type { ParquetCodec } from '../table/collaborators';

/** The Parquet schema files of these columns get (a pure function of the columns), per column list. */
const layouts = new WeakMap<readonly ColumnSpec[], Promise<Uint8Array>>();

/** Whether a file with this footer lays its columns out as files of `columns` are (so its row groups can be carried into them as they are). */
export async function sameLayout(codec: ParquetCodec, columns: readonly ColumnSpec[], footer: FooterTree): Promise<boolean> {
  let layout = layouts.get(columns);
  if (!layout) {
    layout = codec.encode([...columns], [], {}).then((empty) => FooterTree.fromTail(empty).schemaBytes());
    layouts.set(columns, layout);
  }
  return sameBytes(await layout, footer.schemaBytes());
}

export class BaseFileWriter {
  private readonly assembler = new RowGroupAssembler();
  private readonly inFlight: Promise<Uint8Array>[] = [];
  private parts = 0;
  private done = false;

  private constructor(
    private readonly sink: FileSink,
    private readonly codec: ParquetCodec,
    private readonly columns: ColumnSpec[],
    private readonly maxInFlight: number,
  ) {}

  static async create(storage: Storage, codec: ParquetCodec, path: string, columns: ColumnSpec[], maxInFlight = 2): Promise<BaseFileWriter> {
    return new BaseFileWriter(await storage.openWrite(path), codec, columns, Math.max(1, maxInFlight));
  }

  /** Starts encoding `rows` as the next row group; waits only when too many are already waiting. */
  async writeRowGroup(rows: Row[]): Promise<void> {
    const encoding = this.codec.encode(this.columns, rows, {});
    encoding.catch(() => undefined); // awaited in order below; this only keeps an early failure from being "unhandled"
    await this.enqueue(encoding);
  }

  /** Appends a part already encoded (a Parquet file of this writer's schema, e.g. a row group carried over). */
  writeEncoded(part: Uint8Array): Promise<void> {
    return this.enqueue(Promise.resolve(part));
  }

  /** Writes what is still encoding, then the footer; returns the file's size. */
  async finish(keyValueMetadata: Record<string, string>): Promise<number> {
    if (this.parts === 0) await this.writeRowGroup([]); // an empty file still carries its schema
    while (this.inFlight.length > 0) await this.writeOldest();
    await this.sink.write(this.assembler.finish(keyValueMetadata));
    this.done = true;
    return this.sink.close();
  }

  async abort(): Promise<void> {
    if (this.done) return;
    this.done = true;
    await Promise.allSettled(this.inFlight);
    this.inFlight.length = 0;
    await this.sink.abort();
  }

  private async enqueue(part: Promise<Uint8Array>): Promise<void> {
    this.inFlight.push(part);
    this.parts++;
    while (this.inFlight.length > this.maxInFlight) await this.writeOldest();
  }

  private async writeOldest(): Promise<void> {
    const part = await this.inFlight.shift()!;
    for (const bytes of this.assembler.add(part)) await this.sink.write(bytes);
  }
}
