// Writes batches of records into a Hudi table (version 6, copy-on-write or merge-on-read), one commit per batch, as Hudi's
// write client splits it: the commit coordinator (commit/) runs the instant — timeline, rollback, conflict
// check, offsets in extraMetadata, table services after it — and within it the data phase tags the keys
// (index/), plans the file groups (write/) and runs one handle per file group (file-group/).
// Invariants: every key lives in one file group (per partition, or table-wide with the global index);
// ordering by the precombine field, the greatest value winning — also against rows already in the
// table — and ties going to the later arrival.

import { ConnectError, type Logger } from '../../../runtime/spi';
import { withHoodieMetaFields } from '../avro/table-schema';
import { CommitCoordinator, type CommitResult, type ConcurrencyOptions, type InflightInstant, type PendingCompaction } from '../commit/commit-coordinator';
import { carryLogFile } from '../file-group/append-handle';
import { LogRecords } from '../file-group/log-records';
import { mergeFileGroup } from '../file-group/merge-handle';
import { DEFAULT_ROW_GROUP_ROWS, type BaseWriteStatus, type LogWriteStatus, type WriteContext, type WriteStatus } from '../file-group/slice-output';
import { DEFAULT_ARCHIVAL, type ArchivalSettings } from '../services/archival';
import { compactionDue, compactionMetadata, compactionPlan, planCompaction, type CompactionSettings, type CompactionSlice, type LogReadCounts } from '../services/compaction';
import { BloomIndex, type BloomIndexLimits } from '../index/bloom-index';
import { BucketIndex, DEFAULT_NUM_BUCKETS, type BucketIndexSpec } from '../index/bucket-index';
import { isBucketIndex, isGlobalIndex, type IndexType } from '../index/index-type';
import type { ColumnSpec } from '../parquet/column-spec';
import type { Storage } from '../storage/storage';
import type { CommitMetadata, OperationType } from '../timeline/commit-metadata';
import type { Timeline } from '../timeline/timeline';
import { writeCopyOnWrite, type CopyOnWriteInputs } from '../write/copy-on-write-writer';
import { DEFAULT_MAX_LOG_FILE_SIZE, writeMergeOnRead } from '../write/merge-on-read-writer';
import { OrderingBounds, boundable } from '../file-group/ordering-bounds';
import { RecordEncoder } from '../write/encoded-record';
import { combineBatch, orderingNormalizer, type IncomingRecord, type KeyedRecord, type WriteOperation } from '../write/keyed-record';
import type { BloomFilterFactory, KeyGenerator, ParquetCodec } from './collaborators';
import type { FaultPoint } from './fault-points';
import { META_COLUMNS } from './meta-columns';
import { PROPERTIES_FILE, checkIdentity, readTableProperties, renderTableProperties, type TableIdentity } from './table-properties';

export { WriteConflictError } from '../commit/conflict-check';
export type { CommitResult, ConcurrencyOptions } from '../commit/commit-coordinator';
export { META_COLUMNS } from './meta-columns';
export type { IncomingRecord, WriteOperation } from '../write/keyed-record';
export { compareOrdering } from '../write/keyed-record';

export interface TableWriterOptions {
  storage: Storage;
  identity: TableIdentity;
  codec: ParquetCodec;
  blooms: BloomFilterFactory;
  keygen: KeyGenerator;
  logger: Logger;
  now: () => number;
  /** BLOOM: a key is looked up in its own partition (Hudi's default). GLOBAL_BLOOM: table-wide; a key
   *  whose partition value changed moves (delete in the old partition, insert in the new). */
  indexType: IndexType;
  /** indexType BUCKET: buckets per partition and hash fields (default: Hudi's 256, the record key fields). */
  bucketIndex?: BucketIndexSpec;
  maxFileSize: number;
  /** Merge-on-read: most bytes in one log file (hoodie.logfile.max.size); default Hudi's 1 GB. */
  maxLogFileSize?: number;
  smallFileLimit: number;
  /** Bytes per record assumed before the table has commits to measure (hoodie.copyonwrite.record.size.estimate). */
  recordSizeEstimate: number;
  cleanCommitsRetained: number;
  /** Timeline archival (hoodie.keep.*); default Hudi's: on, 20..30 commits. */
  archival?: Omit<ArchivalSettings, 'compaction'>;
  /** When a merge-on-read table is compacted (ignored for copy-on-write). */
  compaction: CompactionSettings;
  /** Rows per row group of written files (default DEFAULT_ROW_GROUP_ROWS): what a merge holds at once. */
  rowGroupRows?: number;
  /** Failure injection for crash tests: called at named points of a commit. */
  faultPoint?: (point: FaultPoint) => void;
  /** The index's cache budgets (tests shrink them so that every lookup reads footers and key columns). */
  indexLimits?: BloomIndexLimits;
  /** Several writers on this table (optimistic concurrency control); absent = the only writer. */
  concurrency?: ConcurrencyOptions;
}

export type { FaultPoint } from './fault-points';

/** A compaction scheduled by this writer: its instant, what it compacts and how it writes. */
interface StartedCompaction {
  pending: PendingCompaction;
  slices: CompactionSlice[];
  ctx: WriteContext;
  orderingOf: (v: unknown) => unknown;
  schemaJson: string;
  holdsWrite(instant: string): boolean;
}

/** A compacted slice: its new base file and what its logs held (counts only: a slice's records are let go as soon as
 *  its base file is written, so a compaction holds one slice's log records at a time). */
type CompactedSlice = { status: BaseWriteStatus; slice: CompactionSlice; records: LogReadCounts };

export class HudiTableWriter {
  private encoder: { schemaJson: string; encoder: RecordEncoder } | undefined;
  private avgRecordSize: number;
  /** Writes and the short steps of a compaction run one at a time, in call order (see exclusive()). */
  private tail: Promise<unknown> = Promise.resolve();
  /** The compaction running beside the deltacommits (hoodie.datasource.compaction.async.enable), if any. */
  private background: Promise<void> | undefined;
  private orderingBounds: OrderingBounds | undefined;
  /** A crash (fault point) in the background compaction: the writer is dead and says so at its next call. */
  private backgroundCrash: unknown;
  private closed = false;

  private constructor(
    private readonly o: TableWriterOptions,
    private readonly index: BloomIndex,
    private readonly commits: CommitCoordinator,
  ) {
    this.avgRecordSize = o.recordSizeEstimate;
  }

  /** Opens (or creates) the table, rolls back any unfinished instant and loads the file system view. */
  static async open(o: TableWriterOptions): Promise<HudiTableWriter> {
    const log = o.logger.child({ table: o.storage.location });
    const index = new BloomIndex(o.storage, o.codec, o.blooms, o.indexLimits);
    const props = await readTableProperties(o.storage);
    if (props === undefined) {
      await o.storage.writeFile(PROPERTIES_FILE, renderTableProperties({ ...o.identity, keyGeneratorClass: o.keygen.className }, new Date(o.now())));
      log.info({ table: o.identity.tableName, type: o.identity.tableType }, `created Hudi table (${o.identity.tableType}, version 6)`);
    } else {
      checkIdentity(props, o.identity, o.storage.location);
    }
    const commits = await CommitCoordinator.open({
      storage: o.storage,
      logger: log,
      now: o.now,
      index,
      indexType: o.indexType,
      writeAction: o.identity.tableType === 'MERGE_ON_READ' ? 'deltacommit' : 'commit',
      cleanCommitsRetained: o.cleanCommitsRetained,
      archival: { ...(o.archival ?? DEFAULT_ARCHIVAL), ...(o.identity.tableType === 'MERGE_ON_READ' && o.compaction.enabled ? { compaction: o.compaction } : {}) },
      ...(o.faultPoint ? { faultPoint: o.faultPoint } : {}),
      ...(o.concurrency ? { concurrency: o.concurrency } : {}),
    });
    const w = new HudiTableWriter(o, index, commits);
    const last = await commits.lastCommitMetadata();
    if (last) w.learnRecordSize(last);
    return w;
  }

  /** Stops heartbeats (an unfinished instant's beat stops, so other writers may roll it back). A compaction
   *  running in the background stops at its next file and is left pending: the next open rolls it back. */
  close(): void {
    this.closed = true;
    this.commits.close();
  }

  /** Resolves once no compaction runs in the background (after close(): once it stopped). */
  async drained(): Promise<void> {
    await this.background;
  }

  get location(): string {
    return this.o.storage.location;
  }

  /** The newest completed commit's metadata, or the newest one `accept` takes (walking back the timeline). */
  lastCommitMetadata(accept?: (m: CommitMetadata) => boolean): Promise<CommitMetadata | undefined> {
    return this.commits.lastCommitMetadata(accept);
  }

  /**
   * For a merge-on-read table, an encoder that turns incoming rows into the compact form they wait in for their
   * commit (encoded-record.ts): the bytes its log blocks take, key, partition and ordering worked out. Undefined for
   * copy-on-write, whose merges need every row as an object anyway. `columns` and `schemaJson` as for write.
   */
  recordEncoder(columns: ColumnSpec[], schemaJson: string): RecordEncoder | undefined {
    if (this.o.identity.tableType !== 'MERGE_ON_READ') return undefined;
    if (this.encoder?.schemaJson !== schemaJson) {
      const orderingOf = orderingNormalizer(columns, this.o.identity.precombineField);
      this.encoder = { schemaJson, encoder: new RecordEncoder(schemaJson, { keygen: this.o.keygen, precombineField: this.o.identity.precombineField, orderingOf }) };
    }
    return this.encoder.encoder;
  }

  lastCommitTime(): string | undefined {
    return this.commits.lastCommitTime();
  }

  /** Writes one commit. `columns` are the data columns (table schema) and `schemaJson` their Avro schema:
   *  the commit records it as is (as Spark does), base file footers with the Hudi meta fields added. */
  async write(records: IncomingRecord[], operation: WriteOperation, columns: ColumnSpec[], schemaJson: string, extraMetadata: Record<string, string>): Promise<CommitResult> {
    this.throwIfCrashed();
    const orderingOf = orderingNormalizer(columns, this.o.identity.precombineField);
    const keyed = combineBatch(records, { keygen: this.o.keygen, precombineField: this.o.identity.precombineField, orderingOf, global: isGlobalIndex(this.o.indexType) });
    return this.exclusive(async () => {
      const result = await this.commits.commit({
        operationType: operation.toUpperCase() as OperationType,
        schemaJson,
        extraMetadata,
        records: keyed,
        write: (inflight) => this.writeFileGroups(inflight, keyed, orderingOf, operation, columns, schemaJson),
        onCommitted: (metadata) => this.learnRecordSize(metadata),
      });
      if (this.o.identity.tableType === 'MERGE_ON_READ') await this.compactIfDue(orderingOf, columns, schemaJson);
      return result;
    });
  }

  /** Runs `step` after every step called before it has finished (a write, or the start or end of a compaction). */
  private exclusive<T>(step: () => Promise<T>): Promise<T> {
    const run = this.tail.then(step, step);
    this.tail = run.catch(() => undefined);
    return run;
  }

  private throwIfCrashed(): void {
    if (this.backgroundCrash !== undefined) throw this.backgroundCrash;
  }

  /**
   * Merge-on-read: compacts when a compaction is due (services/compaction.ts). The deltacommit is done: a failed
   * compaction is rolled back and logged, and the next due one plans anew. With async compaction (the default with
   * one writer) the plan is made now and the new base files are written beside the next deltacommits; with several
   * writers it runs here, before the next write.
   */
  private async compactIfDue(orderingOf: (v: unknown) => unknown, columns: ColumnSpec[], schemaJson: string): Promise<void> {
    const due = (timeline: Timeline) => compactionDue(timeline, this.o.compaction, this.o.now());
    if (this.background !== undefined || !due(this.commits.currentTimeline)) return;
    if (this.o.compaction.async !== false && this.o.concurrency === undefined) {
      const started = await this.startCompaction(orderingOf, columns, schemaJson);
      if (started) this.background = this.runInBackground(started);
      return;
    }
    try {
      // Asked again on the timeline the compaction plans from: with several writers another may have compacted.
      await this.compactWith(orderingOf, columns, schemaJson, due);
    } catch (err) {
      if (this.commits.crashed) throw err;
      this.o.logger.warn({ table: this.o.storage.location, err: (err as Error).message }, 'compaction failed and was rolled back; the deltacommit stands and the next due compaction plans anew');
    }
  }

  /** Compacts every file group of this merge-on-read table whose latest slice has log files, now; returns the
   *  compaction instant and the base files written, or undefined when no slice has log files. `columns` and
   *  `schemaJson` are the table's (data columns and Avro schema). */
  async compact(columns: ColumnSpec[], schemaJson: string): Promise<{ instant: string; files: number } | undefined> {
    if (this.o.identity.tableType !== 'MERGE_ON_READ') throw new ConnectError('BAD_REQUEST', `${this.o.storage.location} is a ${this.o.identity.tableType} table: only merge-on-read tables have log files to compact`);
    await this.background; // one compaction at a time
    return this.exclusive(() => this.compactWith(orderingNormalizer(columns, this.o.identity.precombineField), columns, schemaJson));
  }

  private async compactWith(orderingOf: (v: unknown) => unknown, columns: ColumnSpec[], schemaJson: string, due?: (timeline: Timeline) => boolean): Promise<{ instant: string; files: number } | undefined> {
    const started = await this.startCompaction(orderingOf, columns, schemaJson, due);
    if (!started) return undefined;
    try {
      return await this.finishCompaction(started, await this.writeCompactedFiles(started));
    } catch (err) {
      await this.commits.abortCompaction(started.pending);
      throw err;
    }
  }

  /** Plans a compaction of every slice with log files and schedules its instant; undefined when nothing has logs
   *  (or, with `due`, when the timeline it plans from says none is due: with several writers another may have
   *  compacted). */
  private async startCompaction(orderingOf: (v: unknown) => unknown, columns: ColumnSpec[], schemaJson: string, due?: (timeline: Timeline) => boolean): Promise<StartedCompaction | undefined> {
    let slices: CompactionSlice[] = [];
    let timeline!: Timeline;
    const pending = await this.commits.beginCompaction((view, t) => {
      if (due && !due(t)) return undefined;
      slices = planCompaction(view);
      timeline = t;
      return slices.length > 0 ? compactionPlan(slices, this.o.maxFileSize) : undefined;
    });
    if (!pending) return undefined;
    return { pending, slices, ctx: this.writeContext(pending.inflight, columns, schemaJson), orderingOf, schemaJson, holdsWrite: (t) => timeline.holdsWrite(t) };
  }

  /** The new base files: each planned slice's base rows with its planned log records merged in. Reads only what
   *  the plan names (files no writer changes), so deltacommits may run meanwhile. */
  private async writeCompactedFiles(c: StartedCompaction): Promise<CompactedSlice[]> {
    const done: CompactedSlice[] = [];
    const merge = { precombineField: this.o.identity.precombineField, orderingOf: c.orderingOf, deleteAll: false };
    for (const slice of c.slices) {
      const records = await LogRecords.read(this.o.storage, slice.logs, { validInstant: c.holdsWrite, precombineField: this.o.identity.precombineField, orderingOf: c.orderingOf });
      const status = await mergeFileGroup(c.ctx, slice.base, new Map(), [], { ...merge, logs: records });
      c.pending.inflight.fault('after-compaction-file');
      const { logRecords, blocks, corruptBlocks, rollbackBlocks } = records;
      done.push({ status, slice, records: { logRecords, blocks, corruptBlocks, rollbackBlocks } });
    }
    return done;
  }

  /**
   * Completes a compaction whose base files are written. Log files deltacommits appended to a planned slice
   * meanwhile are carried into the new slice (their records are newer than the new base file); a slice a
   * deltacommit rewrote meanwhile (a delete) already has a newer slice holding its logs, so nothing is carried.
   */
  private async finishCompaction(c: StartedCompaction, done: CompactedSlice[]): Promise<{ instant: string; files: number }> {
    const view = this.commits.view;
    const carried: LogWriteStatus[] = [];
    for (const { slice, status } of done) {
      if (view.latestOf(slice.base.partitionPath, slice.base.fileId)?.path !== slice.base.path) continue;
      const planned = new Set(slice.logs.map((l) => l.path));
      let version = 0;
      for (const log of view.logsOf(slice.base)) if (!planned.has(log.path)) carried.push(await carryLogFile(c.ctx, log, status.file, ++version));
    }
    const instant = c.pending.instant.timestamp;
    await this.commits.completeCompaction(c.pending, [...done.map((d) => d.status), ...carried], compactionMetadata(done, c.schemaJson, carried));
    for (const { status } of done) this.index.remember(status.file.path, status.minKey, status.maxKey, status.bloom);
    this.o.logger.info({ table: this.o.storage.location, instant, fileGroups: done.length, logFiles: c.slices.reduce((n, s) => n + s.logs.length, 0), carriedLogFiles: carried.length }, 'compaction completed');
    return { instant, files: done.length };
  }

  /** Writes the compaction's files beside the next deltacommits, then completes it between two of them. A crash
   *  (fault point) is reported by the next write; any other failure, or a close meanwhile, rolls it back. */
  private async runInBackground(c: StartedCompaction): Promise<void> {
    try {
      const done = await this.writeCompactedFiles(c);
      await this.exclusive(async () => {
        if (this.closed) throw new ConnectError('ILLEGAL_STATE', `the writer of ${this.o.storage.location} was closed before compaction ${c.pending.instant.timestamp} completed`);
        await this.finishCompaction(c, done);
      });
    } catch (err) {
      if (this.commits.crashed) {
        this.backgroundCrash = err;
        return;
      }
      if (!this.closed) this.o.logger.warn({ table: this.o.storage.location, instant: c.pending.instant.timestamp, err: (err as Error).message }, 'compaction failed and is rolled back; the next due compaction plans anew');
      await this.exclusive(() => this.commits.abortCompaction(c.pending)).catch((e: Error) => this.o.logger.warn({ table: this.o.storage.location, err: e.message }, 'could not roll back the compaction now; the next open rolls it back'));
    } finally {
      this.background = undefined;
    }
  }

  /** Merge-on-read: the slices' ordering bounds (file-group/ordering-bounds.ts), kept across commits while the
   *  precombine column keeps its type; undefined when that type cannot be bounded. */
  private orderingBoundsFor(columns: ColumnSpec[], orderingOf: (v: unknown) => unknown): OrderingBounds | undefined {
    const column = columns.find((c) => c.name === this.o.identity.precombineField);
    if (!boundable(column)) return (this.orderingBounds = undefined);
    if (this.orderingBounds?.column.type.kind !== column.type.kind) this.orderingBounds = new OrderingBounds({ storage: this.o.storage, codec: this.o.codec, column, orderingOf });
    return this.orderingBounds;
  }

  /** The data phase of one instant: tag, plan and write the file groups (write/copy-on-write-writer.ts). */
  private async writeFileGroups(inflight: InflightInstant, keyed: KeyedRecord[], orderingOf: (v: unknown) => unknown, operation: WriteOperation, columns: ColumnSpec[], schemaJson: string): Promise<WriteStatus[]> {
    const statuses: WriteStatus[] = [];
    const ctx = this.writeContext(inflight, columns, schemaJson);
    const inputs: CopyOnWriteInputs = {
      ctx,
      records: keyed,
      operation,
      columns,
      view: this.commits.view,
      index: this.index,
      indexType: this.o.indexType,
      ...(isBucketIndex(this.o.indexType) ? { bucketIndex: new BucketIndex(this.o.bucketIndex ?? { numBuckets: DEFAULT_NUM_BUCKETS, hashFields: this.o.identity.recordKeyFields }) } : {}),
      precombineField: this.o.identity.precombineField,
      orderingOf,
      maxFileSize: this.o.maxFileSize,
      smallFileLimit: this.o.smallFileLimit,
      avgRecordSize: this.avgRecordSize,
      onFile: (status) => {
        inflight.fault('after-data-file');
        statuses.push(status);
        if (status.kind === 'base') this.index.remember(status.file.path, status.minKey, status.maxKey, status.bloom);
      },
    };
    if (this.o.identity.tableType === 'MERGE_ON_READ') await writeMergeOnRead({ ...inputs, writerSchema: ctx.footerSchema, maxLogFileSize: this.o.maxLogFileSize ?? DEFAULT_MAX_LOG_FILE_SIZE, holdsWrite: (t) => this.commits.currentTimeline.holdsWrite(t), orderingBounds: this.orderingBoundsFor(columns, orderingOf) });
    else await writeCopyOnWrite(inputs);
    return statuses;
  }

  /** What every handle of one instant shares. */
  private writeContext(inflight: InflightInstant, columns: ColumnSpec[], schemaJson: string): WriteContext {
    let seq = 0;
    return {
      storage: this.o.storage,
      codec: this.o.codec,
      blooms: this.o.blooms,
      instant: inflight.instant,
      columns: [...META_COLUMNS, ...columns],
      footerSchema: withHoodieMetaFields(schemaJson),
      rowGroupRows: this.o.rowGroupRows ?? DEFAULT_ROW_GROUP_ROWS,
      nextSeq: () => seq++,
      beforeFile: (partition, path) => inflight.beforeFile(partition, path),
      now: this.o.now,
    };
  }

  private learnRecordSize(m: CommitMetadata): void {
    let bytes = 0;
    let records = 0;
    for (const list of Object.values(m.partitionToWriteStats)) for (const s of list) {
      bytes += s.totalWriteBytes;
      records += s.numWrites;
    }
    // Only a commit that wrote more than the small-file limit is measured, as Hudi's AverageRecordSizeUtils
    // does (hoodie.record.size.estimation.threshold 1.0 × small-file limit): every base file carries a bloom
    // filter of fixed size (~430 KB with the defaults), so a small commit would give a bytes-per-record figure
    // hundreds of times too large and scatter the next large insert over many tiny file groups.
    if (records > 0 && bytes > 0 && bytes > this.o.smallFileLimit) this.avgRecordSize = Math.max(1, Math.ceil(bytes / records));
  }
}
