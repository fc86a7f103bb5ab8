// Writes batches of records into a Hudi table (version 6, copy-on-write or merge-on-read), one commit per batch, as Hudi's
// write client splits it: the commit coordinator (commit/) runs the instant — timeline, rollback, conflict
// check, offsets in extraMetadata, table services after it — and within it the data phase tags the keys
// (index/), plans the file groups (write/) and runs one handle per file group (file-group/).
// Invariants: every key lives in one file group (per partition, or table-wide with the global index);
// ordering by the precombine field, the greatest value winning — also against rows already in the
// table — and ties going to the later arrival.

import { ConnectError, type Logger } from '../../../runtime/spi';
import { withHoodieMetaFields } from '../avro/table-schema';
import { CommitCoordinator, type CommitResult, type ConcurrencyOptions, type InflightInstant } from '../commit/commit-coordinator';
import { LogRecords } from '../file-group/log-records';
import { mergeFileGroup } from '../file-group/merge-handle';
import { DEFAULT_ROW_GROUP_ROWS, type BaseWriteStatus, type WriteContext, type WriteStatus } from '../file-group/slice-output';
import { compactionDue, compactionMetadata, compactionPlan, planCompaction, type CompactionSettings, type CompactionSlice } from '../services/compaction';
import { BloomIndex, type BloomIndexLimits } from '../index/bloom-index';
import { BucketIndex, DEFAULT_NUM_BUCKETS, type BucketIndexSpec } from '../index/bucket-index';
import { isBucketIndex, isGlobalIndex, type IndexType } from '../index/index-type';
import type { ColumnSpec } from '../parquet/column-spec';
import type { Storage } from '../storage/storage';
import type { CommitMetadata, OperationType } from '../timeline/commit-metadata';
import type { Timeline } from '../timeline/timeline';
import { writeCopyOnWrite, type CopyOnWriteInputs } from '../write/copy-on-write-writer';
import { writeMergeOnRead } from '../write/merge-on-read-writer';
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
  smallFileLimit: number;
  /** Bytes per record assumed before the table has commits to measure (hoodie.copyonwrite.record.size.estimate). */
  recordSizeEstimate: number;
  cleanCommitsRetained: number;
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

export class HudiTableWriter {
  private avgRecordSize: number;

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
      ...(o.faultPoint ? { faultPoint: o.faultPoint } : {}),
      ...(o.concurrency ? { concurrency: o.concurrency } : {}),
    });
    const w = new HudiTableWriter(o, index, commits);
    const last = await commits.lastCommitMetadata();
    if (last) w.learnRecordSize(last);
    return w;
  }

  /** Stops heartbeats (an unfinished instant's beat stops, so other writers may roll it back). */
  close(): void {
    this.commits.close();
  }

  get location(): string {
    return this.o.storage.location;
  }

  /** The newest completed commit's metadata, or the newest one `accept` takes (walking back the timeline). */
  lastCommitMetadata(accept?: (m: CommitMetadata) => boolean): Promise<CommitMetadata | undefined> {
    return this.commits.lastCommitMetadata(accept);
  }

  lastCommitTime(): string | undefined {
    return this.commits.lastCommitTime();
  }

  /** Writes one commit. `columns` are the data columns (table schema) and `schemaJson` their Avro schema:
   *  the commit records it as is (as Spark does), base file footers with the Hudi meta fields added. */
  async write(records: IncomingRecord[], operation: WriteOperation, columns: ColumnSpec[], schemaJson: string, extraMetadata: Record<string, string>): Promise<CommitResult> {
    const orderingOf = orderingNormalizer(columns, this.o.identity.precombineField);
    const keyed = combineBatch(records, { keygen: this.o.keygen, precombineField: this.o.identity.precombineField, orderingOf, global: isGlobalIndex(this.o.indexType) });
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
  }

  /** Merge-on-read: compacts when a compaction is due (services/compaction.ts). The deltacommit is done: a failed
   *  compaction is rolled back and logged, and the next due one plans anew. */
  private async compactIfDue(orderingOf: (v: unknown) => unknown, columns: ColumnSpec[], schemaJson: string): Promise<void> {
    const due = (timeline: Timeline) => compactionDue(timeline, this.o.compaction, this.o.now());
    if (!due(this.commits.currentTimeline)) return;
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
    return this.compactWith(orderingNormalizer(columns, this.o.identity.precombineField), columns, schemaJson);
  }

  private async compactWith(orderingOf: (v: unknown) => unknown, columns: ColumnSpec[], schemaJson: string, due?: (timeline: Timeline) => boolean): Promise<{ instant: string; files: number } | undefined> {
    let slices: CompactionSlice[] = [];
    let timeline!: Timeline;
    const done: { status: BaseWriteStatus; slice: CompactionSlice; records: LogRecords }[] = [];
    const merge = { precombineField: this.o.identity.precombineField, orderingOf, deleteAll: false };
    const compacted = await this.commits.compact({
      plan: (view, t) => {
        if (due && !due(t)) return undefined;
        slices = planCompaction(view);
        timeline = t;
        return slices.length > 0 ? compactionPlan(slices, this.o.maxFileSize) : undefined;
      },
      write: async (inflight) => {
        const ctx = this.writeContext(inflight, columns, schemaJson);
        for (const slice of slices) {
          const records = await LogRecords.read(this.o.storage, slice.logs, { validInstant: (t) => timeline.holdsWrite(t), precombineField: this.o.identity.precombineField, orderingOf });
          const status = await mergeFileGroup(ctx, slice.base, new Map(), [], { ...merge, logs: records });
          inflight.fault('after-compaction-file');
          done.push({ status, slice, records });
        }
        return done.map((d) => d.status);
      },
      metadata: () => compactionMetadata(done, schemaJson),
    });
    if (!compacted) return undefined;
    const { instant } = compacted;
    for (const { status } of done) this.index.remember(status.file.path, status.minKey, status.maxKey, status.bloom);
    this.o.logger.info({ table: this.o.storage.location, instant, fileGroups: done.length, logFiles: slices.reduce((n, s) => n + s.logs.length, 0) }, 'compaction completed');
    return { instant, files: done.length };
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
    if (this.o.identity.tableType === 'MERGE_ON_READ') await writeMergeOnRead({ ...inputs, writerSchema: ctx.footerSchema, holdsWrite: (t) => this.commits.currentTimeline.holdsWrite(t) });
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
