// The new file slice a write handle produces: rows go out in row groups as they come (BaseFileWriter),
// each naming the file it is in, while the slice's Hudi footer — bloom filter and min/max record key over
// every row written — is gathered on the way and written last. Rows written by this commit get its meta
// values (commit time, a sequence number, key, partition); rows copied from the previous slice keep theirs,
// as Hudi's merge handle does (incremental reads filter on them). A whole row group of the previous slice
// that the commit does not change is carried over without decoding (copyRowGroup): its bytes as they are,
// but for its file-name column, encoded anew for this file.

import type { ColumnSpec, Row } from '../parquet/column-spec';
import type { FooterTree, RowGroupSpan } from '../parquet/row-group-splice';
import { HudiBloomFilter } from '../index/bloom-filter';
import { BloomPartCollector, encodingBloomParts } from '../index/bloom-part';
import { BLOOM_FILTER_FOOTER_KEY, BLOOM_FILTER_TYPE_CODE_FOOTER_KEY, FooterIndexWriter, MAX_RECORD_KEY_FOOTER_KEY, MIN_RECORD_KEY_FOOTER_KEY, STALE_KEYS_FOOTER_KEY } from '../index/footer-index';
import type { Storage } from '../storage/storage';
import { baseFileName, joinPath, writeToken, type BaseFile } from '../table/base-file';
import type { LogFile } from '../table/log-file';
import { FILE_NAME_COLUMN, RECORD_KEY_COLUMN } from '../table/meta-columns';
import type { BloomFilter, BloomFilterFactory, ParquetCodec } from '../table/collaborators';
import { writeStat, type WriteStat } from '../timeline/commit-metadata';
import type { KeyedRecord } from '../write/keyed-record';
import { BaseFileWriter, sameLayout } from './base-file-writer';

/** What every handle of one commit shares. */
export interface WriteContext {
  storage: Storage;
  codec: ParquetCodec;
  blooms: BloomFilterFactory;
  instant: string;
  /** Meta columns then data columns: the layout of every file this commit writes. */
  columns: ColumnSpec[];
  /** The Avro schema with the meta fields, for the parquet.avro.schema footer key. */
  footerSchema: string;
  rowGroupRows: number;
  /** Sequence numbers of this commit's rows (`<instant>_0_<n>`), unique across its files. */
  nextSeq(): number;
  /** Called before a file's first byte: creates the partition and the marker a rollback finds it by. */
  beforeFile(partition: string, path: string): Promise<void>;
  now(): number;
}

/** Hudi's WriteStatus: what one handle wrote, with its counts — a new base file slice, or a log file. */
export type WriteStatus = BaseWriteStatus | LogWriteStatus;

/** A log file appended to a merge-on-read slice (file-group/append-handle.ts). */
export interface LogWriteStatus {
  kind: 'log';
  log: LogFile;
  stat: WriteStat;
}

/** A new base file slice, and what the index learns from it. */
export interface BaseWriteStatus {
  kind: 'base';
  file: BaseFile;
  stat: WriteStat;
  bloom: BloomFilter;
  minKey: string;
  maxKey: string;
}

export interface SliceCounts {
  inserts: number;
  updates: number;
  deletes: number;
}

const WRITE_TOKEN = writeToken(0, 1, 0);

/** Rows per row group of the files written (parquet.row.group.rows): the unit a merge streams and encoders take, and
 *  so the longest a compaction beside the deltacommits holds the main thread at once. 50,000 measured worse on
 *  merge-on-read at 1,000,000 rows (a compaction's row group held the main thread ~0.5 s at a time: p99 to visible
 *  4.7 vs 2.8 s, peak RSS 727 vs 613 MB; README, "Benchmarks"). */
export const DEFAULT_ROW_GROUP_ROWS = 10_000;

export class SliceOutput {
  private readonly buffer: Row[] = [];
  private rows = 0;
  private readonly started: number;
  /** This file's name as a one-column part, by row count (row groups carried over are mostly of one size). */
  private readonly fileNameParts = new Map<number, Promise<Uint8Array>>();

  private constructor(
    private readonly ctx: WriteContext,
    readonly partition: string,
    readonly fileId: string,
    readonly name: string,
    readonly path: string,
    private readonly prev: BaseFile | undefined,
    private readonly writer: BaseFileWriter,
    private readonly footer: FooterIndexWriter,
    /** Set when the bloom filter is hashed where row groups are encoded (bloom-part.ts); keys are then only ranged here. */
    private readonly bloomParts: BloomPartCollector | undefined,
    /** The previous slice's filter is continued: the keys of rows kept from it are in it already. */
    private readonly continued: boolean,
  ) {
    this.started = ctx.now();
  }

  /** `continued`: the previous slice's bloom filter and key range go on (a merge carrying row groups over);
   *  else the filter is built from this file's keys. */
  static async open(ctx: WriteContext, partition: string, fileId: string, prev?: BaseFile, continued?: ContinuedFooter): Promise<SliceOutput> {
    const name = baseFileName(fileId, WRITE_TOKEN, ctx.instant);
    const path = joinPath(partition, name);
    await ctx.beforeFile(partition, path);
    const filter = continued ? undefined : ctx.blooms.create();
    const parts = filter instanceof HudiBloomFilter && ctx.codec.encodeWithBloomPart !== undefined ? new BloomPartCollector(filter, RECORD_KEY_COLUMN.name) : undefined;
    const writer = await BaseFileWriter.create(ctx.storage, parts ? encodingBloomParts(ctx.codec, parts) : ctx.codec, path, ctx.columns);
    const footer = continued ? FooterIndexWriter.continuing(continued) : new FooterIndexWriter(filter!);
    return new SliceOutput(ctx, partition, fileId, name, path, prev, writer, footer, parts, continued !== undefined);
  }

  /** A row this commit writes (insert or update): it gets this commit's meta values. */
  emitNew(k: KeyedRecord): void {
    const row = k.rec.row; // the writer owns incoming rows: meta values are set in place, no copies
    row['_hoodie_commit_time'] = this.ctx.instant;
    row['_hoodie_commit_seqno'] = `${this.ctx.instant}_0_${this.ctx.nextSeq()}`;
    row['_hoodie_record_key'] = k.key;
    row['_hoodie_partition_path'] = k.partition;
    this.push(row, k.key);
  }

  /** A row written by an earlier instant that moves into this slice with its meta values (compaction folds a log
   *  record into the base file); `inFilter`: its key is in the continued filter already (the key was in the
   *  previous slice). */
  emitPreserved(row: Row, key: string, inFilter: boolean): void {
    for (const c of this.ctx.columns) if (!(c.name in row)) row[c.name] = null;
    this.push(row, this.continued && inFilter ? undefined : key);
  }

  /** A row kept from the previous slice, with its meta values; columns added since read as null. */
  emitCopy(row: Row, key: string): void {
    for (const c of this.ctx.columns) if (!(c.name in row)) row[c.name] = null;
    this.push(row, this.continued ? undefined : key);
  }

  /**
   * Row group `span` of the previous slice `from`, given its bytes, goes into this file as it is: its rows
   * keep every value, meta values included, and only their file name changes. `keys` are its record keys
   * (read from its key column) for this file's bloom filter and key range, unless the previous slice's
   * filter is continued. Call only if canCarryOver(ctx, from).
   * It may land before rows emitted earlier and still buffered: a file's rows have no required order.
   */
  async copyRowGroup(from: FooterTree, span: RowGroupSpan, bytes: Uint8Array, keys?: readonly string[]): Promise<void> {
    if (!this.continued && keys?.length !== span.numRows) throw new Error(`row group ${span.index} of ${span.numRows} rows came with ${keys?.length ?? 'no'} keys`);
    const leaf = from.leafIndex(FILE_NAME_COLUMN.name)!;
    let part = this.fileNameParts.get(span.numRows);
    if (!part) {
      const rows: Row[] = Array.from({ length: span.numRows }, () => ({ [FILE_NAME_COLUMN.name]: this.name }));
      part = this.ctx.codec.encode([FILE_NAME_COLUMN], rows, {});
      this.fileNameParts.set(span.numRows, part);
    }
    const carried = from.withColumnReplaced(span.index, bytes, leaf, await part);
    // With a continued filter these keys are in it and in its range already.
    if (!this.continued && this.bloomParts) {
      this.bloomParts.addHere(keys!);
      for (const key of keys!) this.footer.range.add(key);
    } else if (!this.continued) for (const key of keys!) this.footer.addKey(key);
    this.rows += span.numRows;
    await this.writer.writeEncoded(carried);
  }

  /** `key` undefined: the row's key is in the continued filter and range already. */
  private push(row: Row, key: string | undefined): void {
    row['_hoodie_file_name'] = this.name;
    if (key === undefined) {
      // kept from the previous slice, whose filter goes on
    } else if (this.bloomParts) this.footer.range.add(key);
    else this.footer.addKey(key);
    this.buffer.push(row);
    this.rows++;
  }

  /** A full row group is waiting: call flushFull() (checked per row without an await). */
  get due(): boolean {
    return this.buffer.length >= this.ctx.rowGroupRows;
  }

  /** Sends every full row group on its way (waits only when too many are still encoding). */
  async flushFull(): Promise<void> {
    while (this.buffer.length >= this.ctx.rowGroupRows) await this.writer.writeRowGroup(this.buffer.splice(0, this.ctx.rowGroupRows));
  }

  /** Writes the rest and the footer; the slice is then complete in storage (not yet committed). */
  async close(counts: SliceCounts): Promise<BaseWriteStatus> {
    if (this.buffer.length > 0) await this.writer.writeRowGroup(this.buffer.splice(0));
    await this.bloomParts?.settled();
    if (this.continued) this.footer.stale += counts.deletes; // rows gone from the file whose keys stay in the filter
    const size = await this.writer.finish({ ...this.footer.footer(), 'parquet.avro.schema': this.ctx.footerSchema, 'writer.model.name': 'avro' });
    const file: BaseFile = { partitionPath: this.partition, fileId: this.fileId, writeToken: WRITE_TOKEN, instantTime: this.ctx.instant, path: this.path, size };
    const stat = writeStat({
      fileId: this.fileId,
      path: this.path,
      partitionPath: this.partition,
      prevCommit: this.prev?.instantTime,
      numWrites: this.rows,
      numDeletes: counts.deletes,
      numUpdateWrites: counts.updates,
      numInserts: counts.inserts,
      fileSizeInBytes: size,
      createMs: this.ctx.now() - this.started,
    });
    return { kind: 'base', file, stat, bloom: this.footer.filter, minKey: this.footer.range.min ?? '', maxKey: this.footer.range.max ?? '' };
  }

  abort(): Promise<void> {
    return this.writer.abort();
  }
}

/** A previous slice's bloom filter, key range and stale key count (STALE_KEYS_FOOTER_KEY), to continue. */
export interface ContinuedFooter {
  filter: BloomFilter;
  min: string;
  max: string;
  stale: number;
}

/** Whether row groups of `from` can be carried into this commit's files by copyRowGroup (same columns, laid out alike). */
export async function canCarryOver(ctx: WriteContext, from: FooterTree): Promise<boolean> {
  return from.leafIndex(FILE_NAME_COLUMN.name) !== undefined && (await sameLayout(ctx.codec, ctx.columns, from));
}

/**
 * The previous slice's footer to continue in a merge that brings `incoming` keys (changes and inserts), or
 * undefined to build the filter anew: when the footer lacks Tributary's stale count (another writer's file,
 * or an older one), when stale keys would exceed half the file's rows, or when the filter is too small for
 * the keys it would then hold. Bounds what stale keys cost readers: false positives they confirm.
 */
export function continuedFooter(ctx: WriteContext, from: FooterTree, incoming: number): ContinuedFooter | undefined {
  const kv = from.keyValues();
  const stale = Number(kv[STALE_KEYS_FOOTER_KEY] ?? Number.NaN);
  const serialized = kv[BLOOM_FILTER_FOOTER_KEY];
  const min = kv[MIN_RECORD_KEY_FOOTER_KEY];
  const max = kv[MAX_RECORD_KEY_FOOTER_KEY];
  if (!Number.isSafeInteger(stale) || stale < 0 || serialized === undefined || min === undefined || max === undefined || !ctx.blooms.canContinue) return undefined;
  if (stale + incoming > from.numRows / 2) return undefined;
  const filter = ctx.blooms.deserialize(serialized, kv[BLOOM_FILTER_TYPE_CODE_FOOTER_KEY] ?? 'SIMPLE');
  return ctx.blooms.canContinue(filter, from.numRows + stale + incoming) ? { filter, min, max, stale } : undefined;
}

/** Record keys in ascending order (UTF-16 code units, as Hudi's string compare). */
export function byKey(a: KeyedRecord, b: KeyedRecord): number {
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}
