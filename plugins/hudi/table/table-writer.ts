// Writes batches of records into a Hudi copy-on-write table (version 6) as commits, and coordinates them:
// one batch = one instant: REQUESTED → INFLIGHT → data files (write/copy-on-write-writer.ts: tag, plan,
// file-group handles) → COMPLETED with full commit metadata → table services (services/). Rollback of
// unfinished instants, the conflict check (commit/) and the source positions in extraMetadata live here.
// The completed file is the commit point: until it exists no reader that honours the timeline sees the new files, and the next open rolls them back.
// Invariants: every key lives in one file group (per partition, or table-wide with the global index);
// ordering by the precombine field, the greatest value winning — also against rows already in the
// table — and ties going to the later arrival.
// Writers: by default one per table (Hudi's single_writer): opening rolls back every unfinished instant.
// With `concurrency` set (optimistic_concurrency_control) several writers share the table: each beats a
// heartbeat for its in-flight instant and only abandoned instants are rolled back; at its commit point,
// under the table lock, a writer checks the commits completed since its write began, and if one touched
// a file group it rewrote or holds a key of its batch, it rolls its attempt back and writes the batch
// again on a view that includes that commit (a conflict), so no update is ever lost between writers.

import { ConnectError, errorCode, RetriableError, type Logger } from '../../../runtime/spi';
import { withHoodieMetaFields } from '../avro/table-schema';
import { slicesOf } from '../commit/commit-slices';
import { checkConflicts, isConflict, type ConcurrentCommit } from '../commit/conflict-check';
import { DEFAULT_ROW_GROUP_ROWS, type WriteContext } from '../file-group/slice-output';
import { BloomIndex } from '../index/bloom-index';
import { isGlobalIndex, type IndexType } from '../index/index-type';
import type { ColumnSpec } from '../parquet/column-spec';
import { tableServices, type TableServices } from '../services/table-services';
import type { Storage } from '../storage/storage';
import { SCHEMA_KEY, parseCommitMetadata, renderCommitMetadata, type CommitMetadata, type OperationType, type WriteStat } from '../timeline/commit-metadata';
import { instantFileName, nextInstantTime, parseInstantTime, type Instant } from '../timeline/instant';
import { rollbackPending } from '../timeline/rollback';
import { deserializeCleanMetadata } from '../timeline/timeline-avro';
import { METAFOLDER, Timeline } from '../timeline/timeline';
import { writeCopyOnWrite } from '../write/copy-on-write-writer';
import { combineBatch, orderingNormalizer, type IncomingRecord, type KeyedRecord, type WriteOperation } from '../write/keyed-record';
import { joinPath, type BaseFile } from './base-file';
import type { BloomFilterFactory, KeyGenerator, ParquetCodec } from './collaborators';
import { FileSystemView, PARTITION_METAFILE, renderPartitionMetadata } from './file-system-view';
import { DEFAULT_HEARTBEAT, Heartbeats, heartbeatExpired, heartbeatExpiryMs, heartbeatPath, type HeartbeatOptions } from './heartbeat';
import { SoleWriterClaim } from './sole-writer-claim';
import { TableLock } from './table-lock';
import type { FaultPoint } from './fault-points';
import { META_COLUMNS } from './meta-columns';
import { PROPERTIES_FILE, checkIdentity, readTableProperties, renderTableProperties, type TableIdentity } from './table-properties';

export { WriteConflictError } from '../commit/conflict-check';
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
  maxFileSize: number;
  smallFileLimit: number;
  /** Bytes per record assumed before the table has commits to measure (hoodie.copyonwrite.record.size.estimate). */
  recordSizeEstimate: number;
  cleanCommitsRetained: number;
  /** Rows per row group of written files (default DEFAULT_ROW_GROUP_ROWS): what a merge holds at once. */
  rowGroupRows?: number;
  /** Failure injection for crash tests: called at named points of a commit. */
  faultPoint?: (point: FaultPoint) => void;
  /** Several writers on this table (optimistic concurrency control); absent = the only writer. */
  concurrency?: ConcurrencyOptions;
}

export type { FaultPoint } from './fault-points';

export interface ConcurrencyOptions {
  /** Names this writer in lock files and messages (connector and task). */
  owner: string;
  heartbeat: HeartbeatOptions;
  lockValidityMs: number;
  lockWaitMs: number;
  /** Attempts after the first when a concurrent commit conflicts (hoodie.write.num.retries.on.conflict.failures). */
  conflictRetries: number;
  sleep?: (ms: number) => Promise<void>;
}

export interface CommitResult {
  instant: string;
  operation: OperationType;
  inserts: number;
  updates: number;
  deletes: number;
  filesWritten: number;
  bytesWritten: number;
}

export class HudiTableWriter {
  private timeline!: Timeline;
  private view!: FileSystemView;
  private readonly index: BloomIndex;
  private readonly log: Logger;
  private avgRecordSize: number;
  /** This writer's instant whose write failed and could not be rolled back yet. */
  private unfinished: Instant | undefined;
  private crashed = false;
  /** Completed writes whose files the view holds: any other completed write is news to this writer. */
  private applied = new Set<string>();
  private readonly heartbeats: Heartbeats | undefined;
  private readonly lock: TableLock | undefined;
  /** single_writer: this writer's claim on the table, checked at every commit point. */
  private claim: SoleWriterClaim | undefined;
  private readonly services: TableServices;

  private constructor(private readonly o: TableWriterOptions) {
    this.index = new BloomIndex(o.storage, o.codec, o.blooms);
    this.log = o.logger.child({ table: o.storage.location });
    this.services = tableServices({ storage: o.storage, logger: this.log, now: o.now, cleanCommitsRetained: o.cleanCommitsRetained, fault: (point) => this.fault(point) });
    this.avgRecordSize = o.recordSizeEstimate;
    const c = o.concurrency;
    if (c) {
      const sleep = c.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
      this.heartbeats = new Heartbeats(o.storage, c.heartbeat, o.now, this.log);
      this.lock = new TableLock(o.storage, { owner: c.owner, validityMs: c.lockValidityMs, waitMs: c.lockWaitMs, now: o.now, sleep, logger: this.log });
    }
  }

  /** Opens (or creates) the table, rolls back any unfinished instant and loads the file system view. */
  static async open(o: TableWriterOptions): Promise<HudiTableWriter> {
    const w = new HudiTableWriter(o);
    const props = await readTableProperties(o.storage);
    if (props === undefined) {
      await o.storage.writeFile(PROPERTIES_FILE, renderTableProperties({ ...o.identity, keyGeneratorClass: o.keygen.className }, new Date(o.now())));
      w.log.info({ table: o.identity.tableName }, 'created Hudi table (COPY_ON_WRITE, version 6)');
    } else {
      checkIdentity(props, o.identity, o.storage.location);
    }
    w.timeline = await Timeline.load(o.storage);
    if (w.lock) {
      await w.reapAbandoned();
    } else {
      // Claimed before anything pending is rolled back: an earlier writer still at work (a task instance that
      // outlived its restart) then has its commit refused instead of completing it over our view.
      w.claim = await SoleWriterClaim.claim(o.storage, o.now());
      // The only writer: whatever is unfinished was left by an earlier run. An interrupted rollback or clean
      // only deleted files that are deletable anyway (the commit it rolled back is still pending and is
      // rolled back again below; a clean's slices are cleaned by the next one), so its instant is removed
      // rather than left pending forever.
      for (const stale of [...w.timeline.pending('rollback'), ...w.timeline.pending('clean')]) {
        w.log.warn({ instant: stale.timestamp, action: stale.action }, 'removing an interrupted instant left by an earlier run');
        await Timeline.deleteInstantFiles(o.storage, stale);
      }
      w.timeline = await Timeline.load(o.storage);
      for (const pending of w.timeline.pending('commit')) {
        // A live heartbeat means a writer in optimistic_concurrency_control mode is working on it right now.
        if (!(await heartbeatExpired(o.storage, pending.timestamp, DEFAULT_HEARTBEAT, o.now()))) {
          throw new ConnectError('ILLEGAL_STATE', `${o.storage.location}: commit ${pending.timestamp} is in flight by another writer (its heartbeat .hoodie/.heartbeat/${pending.timestamp} is live); a single_writer would roll it back. Set hoodie.write.concurrency.mode=optimistic_concurrency_control on every writer of this table, or stop the other writer (an abandoned heartbeat expires after ${heartbeatExpiryMs(DEFAULT_HEARTBEAT) / 1000} s)`);
        }
        await rollbackPending(o.storage, w.timeline, pending, { now: o.now, logger: w.log });
        w.timeline = await Timeline.load(o.storage);
      }
    }
    await w.rebuildView(w.timeline);
    const last = await w.lastCommitMetadata();
    if (last) w.learnRecordSize(last);
    return w;
  }

  /** Stops heartbeats (an unfinished instant's beat stops, so other writers may roll it back). */
  close(): void {
    this.heartbeats?.close();
  }

  private async rebuildView(timeline: Timeline): Promise<void> {
    this.view = await FileSystemView.build(this.o.storage, timeline);
    this.applied = new Set(timeline.completedWrites().map((i) => i.timestamp));
  }

  /**
   * Several writers: learns the commits others completed since this writer last looked (their write
   * stats go into the view, no listing of data directories) and rolls back instants whose writer died.
   */
  private async catchUp(): Promise<void> {
    const timeline = await Timeline.load(this.o.storage);
    const news = timeline.completedWrites().filter((i) => !this.applied.has(i.timestamp));
    if (news.some((i) => i.action !== 'commit')) {
      await this.rebuildView(timeline); // a replacecommit retires file groups: rebuilt from storage
    } else {
      for (const i of news) this.apply(i, await this.metadataOf(timeline, i));
      // Slices other writers' cleans deleted leave the view (this writer's own cleans removed theirs already).
      const known = new Set(this.timeline.completed('clean').map((i) => i.timestamp));
      for (const c of timeline.completed('clean')) {
        if (known.has(c.timestamp)) continue;
        for (const [partition, m] of Object.entries(deserializeCleanMetadata(await timeline.readDetails(c)).partitionMetadata)) {
          for (const name of m.successDeleteFiles) {
            this.view.remove(joinPath(partition, name));
            this.index.forget(joinPath(partition, name));
          }
        }
      }
    }
    this.timeline = timeline;
    if (timeline.pending().some((i) => !this.heartbeats!.owns(i.timestamp))) await this.reapAbandoned();
  }

  /** Puts a completed commit's slices into the view. */
  private apply(i: Instant, meta: CommitMetadata): void {
    for (const f of slicesOf(meta, i.timestamp)) this.view.put(f);
    this.applied.add(i.timestamp);
  }

  private async metadataOf(timeline: Timeline, i: Instant): Promise<CommitMetadata> {
    return parseCommitMetadata((await timeline.readDetails(i)).toString('utf8'), `${i.timestamp}.${i.action}`);
  }

  /**
   * Several writers: rolls back instants whose heartbeat expired (their writer died), under the table
   * lock and re-checked there, so a live writer's instant is never touched. Interrupted rollbacks and
   * cleans are removed once they are older than the heartbeat expiry.
   */
  private async reapAbandoned(): Promise<void> {
    const c = this.o.concurrency!;
    const expiry = heartbeatExpiryMs(c.heartbeat);
    const abandoned = async (t: Timeline): Promise<Instant[]> => {
      const out: Instant[] = [];
      for (const i of t.pending()) {
        if (this.heartbeats!.owns(i.timestamp)) continue;
        if (i.action === 'commit' && (await heartbeatExpired(this.o.storage, i.timestamp, c.heartbeat, this.o.now()))) out.push(i);
        else if ((i.action === 'rollback' || i.action === 'clean') && this.o.now() - parseInstantTime(i.timestamp.slice(0, 17).padEnd(17, '0')) > expiry) out.push(i);
      }
      return out;
    };
    if ((await abandoned(this.timeline)).length === 0) return;
    const lease = await this.lock!.acquire();
    try {
      this.timeline = await Timeline.load(this.o.storage);
      for (const i of await abandoned(this.timeline)) {
        if (i.action === 'commit') {
          await rollbackPending(this.o.storage, this.timeline, i, { now: this.o.now, logger: this.log });
          await this.o.storage.delete(heartbeatPath(i.timestamp));
        } else {
          this.log.warn({ instant: i.timestamp, action: i.action }, 'removing an interrupted instant whose writer stopped');
          await Timeline.deleteInstantFiles(this.o.storage, i);
        }
        this.timeline = await Timeline.load(this.o.storage);
      }
    } finally {
      await this.release(lease);
    }
  }

  private async release(lease: { release(): Promise<void> }): Promise<void> {
    try {
      await lease.release();
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'could not release the table lock; it expires by itself (hoodie.write.lock.storage.validity.timeout.secs)');
    }
  }

  get location(): string {
    return this.o.storage.location;
  }

  /** The newest completed commit's metadata, or the newest one `accept` takes (walking back the timeline). */
  async lastCommitMetadata(accept: (m: CommitMetadata) => boolean = () => true): Promise<CommitMetadata | undefined> {
    const writes = this.timeline.completedWrites();
    for (let i = writes.length - 1; i >= 0; i--) {
      const meta = await this.metadataOf(this.timeline, writes[i]!);
      if (accept(meta)) return meta;
    }
    return undefined;
  }

  lastCommitTime(): string | undefined {
    return this.timeline.lastCompletedWrite()?.timestamp;
  }

  /** Writes one commit. `columns` are the data columns (table schema) and `schemaJson` their Avro schema:
   *  the commit records it as is (as Spark does), base file footers with the Hudi meta fields added. */
  async write(records: IncomingRecord[], operation: WriteOperation, columns: ColumnSpec[], schemaJson: string, extraMetadata: Record<string, string>): Promise<CommitResult> {
    // An earlier attempt that failed before completing (storage unreachable, say) is rolled back first, so its
    // files never linger beside the retry.
    if (this.unfinished) {
      await this.settle(this.unfinished);
      this.unfinished = undefined;
    }
    const started = this.o.now();
    const orderingOf = orderingNormalizer(columns, this.o.identity.precombineField);
    const keyed = combineBatch(records, { keygen: this.o.keygen, precombineField: this.o.identity.precombineField, orderingOf, global: isGlobalIndex(this.o.indexType) });
    const operationType = operation.toUpperCase() as OperationType;
    for (let attempt = 0; ; attempt++) {
      if (this.lock) await this.catchUp();
      const requested = await this.requestInstant(started);
      let completed = false;
      try {
        return await this.writeInstant(requested, keyed, orderingOf, operation, operationType, columns, schemaJson, extraMetadata, started, () => (completed = true));
      } catch (err) {
        if (!completed && !this.crashed) {
          this.unfinished = requested;
          let landed = false;
          try {
            landed = await this.settle(requested);
            this.unfinished = undefined;
          } catch (settleErr) {
            this.log.warn({ instant: requested.timestamp, err: (settleErr as Error).message }, 'could not roll back the failed commit now; the next write rolls it back');
          }
          // The completed file was stored although its request reported a failure: the commit happened.
          if (landed) return this.landedResult(requested.timestamp, operationType);
          if (isConflict(err) && this.unfinished === undefined && attempt < this.o.concurrency!.conflictRetries) {
            this.log.warn({ instant: requested.timestamp, attempt: attempt + 1, err: (err as Error).message }, 'write conflict: writing the batch again on the new commits');
            continue;
          }
        }
        throw err;
      } finally {
        // A crash leaves its heartbeat to expire; otherwise the instant is done with (completed, or rolled
        // back, or left to be rolled back by this writer's next write or, once the beat is old, by another).
        if (!this.crashed) await this.heartbeats?.stop(requested.timestamp).catch((err: Error) => this.log.warn({ instant: requested.timestamp, err: err.message }, 'could not remove the heartbeat file; it expires by itself'));
      }
    }
  }

  /**
   * Decides what became of an instant whose write failed: if its completed file exists after all (the
   * request landed but its answer was lost), the commit happened and the view is rebuilt from storage
   * (returns true); otherwise the attempt is rolled back (returns false). Throws if storage cannot say.
   */
  private async settle(i: Instant): Promise<boolean> {
    const timeline = await Timeline.load(this.o.storage);
    if (timeline.isCompletedWrite(i.timestamp)) {
      this.timeline = timeline;
      await this.rebuildView(timeline);
      this.log.warn({ instant: i.timestamp }, 'a commit reported as failed had completed: its answer was lost; keeping it');
      return true;
    }
    await rollbackPending(this.o.storage, timeline, i, { now: this.o.now, logger: this.log });
    this.timeline = await Timeline.load(this.o.storage);
    return false;
  }

  /** The result of a commit found completed after its write reported a failure (counts read back from it). */
  private async landedResult(instant: string, operation: OperationType): Promise<CommitResult> {
    const i = this.timeline.completedWrites().find((c) => c.timestamp === instant)!;
    const meta = parseCommitMetadata((await this.timeline.readDetails(i)).toString('utf8'), `${instant}.commit`);
    const stats = Object.values(meta.partitionToWriteStats).flat();
    return {
      instant,
      operation,
      inserts: stats.reduce((n, s) => n + (s.numInserts ?? 0), 0),
      updates: stats.reduce((n, s) => n + (s.numUpdateWrites ?? 0), 0),
      deletes: stats.reduce((n, s) => n + (s.numDeletes ?? 0), 0),
      filesWritten: stats.length,
      bytesWritten: stats.reduce((n, s) => n + (s.fileSizeInBytes ?? 0), 0),
    };
  }

  /** Crash injection (tests): a fault point that throws stands for the process dying there, so the failed
   *  attempt is left exactly as a crash leaves it (not rolled back by this writer). */
  private fault(point: FaultPoint): void {
    try {
      this.o.faultPoint?.(point);
    } catch (err) {
      this.crashed = true;
      throw err;
    }
  }

  /** Creates the next instant's requested file; if another writer took that instant first, the next one. */
  private async requestInstant(started: number): Promise<Instant> {
    for (let attempt = 1; ; attempt++) {
      const instant = nextInstantTime(Math.max(started, this.o.now()), this.timeline.lastTimestamp());
      // The beat starts first: no other writer may ever see this instant pending without one.
      await this.heartbeats?.start(instant);
      try {
        return await Timeline.request(this.o.storage, instant, 'commit');
      } catch (err) {
        this.heartbeats?.abandon(instant); // its file may be the winner's: left in place
        if (errorCode(err) !== 'ALREADY_EXISTS' || attempt >= 10) throw err;
        this.log.warn({ instant }, 'another writer took this instant; trying the next one');
        this.timeline = await Timeline.load(this.o.storage);
      }
    }
  }

  private async writeInstant(
    requestedInstant: Instant,
    keyed: KeyedRecord[],
    orderingOf: (v: unknown) => unknown,
    operation: WriteOperation,
    operationType: OperationType,
    columns: ColumnSpec[],
    schemaJson: string,
    extraMetadata: Record<string, string>,
    started: number,
    onCompleted: () => void,
  ): Promise<CommitResult> {
    const instant = requestedInstant.timestamp;
    this.fault('after-requested');
    const requested = await Timeline.transition(this.o.storage, requestedInstant, renderCommitMetadata({ partitionToWriteStats: {}, compacted: false, extraMetadata: {}, operationType }));
    this.fault('after-inflight');

    const result: CommitResult = { instant, operation: operationType, inserts: 0, updates: 0, deletes: 0, filesWritten: 0, bytesWritten: 0 };
    const stats: WriteStat[] = [];
    const written: BaseFile[] = [];
    let seq = 0;
    const ctx: WriteContext = {
      storage: this.o.storage,
      codec: this.o.codec,
      blooms: this.o.blooms,
      instant,
      columns: [...META_COLUMNS, ...columns],
      footerSchema: withHoodieMetaFields(schemaJson),
      rowGroupRows: this.o.rowGroupRows ?? DEFAULT_ROW_GROUP_ROWS,
      nextSeq: () => seq++,
      beforeFile: async (partition, path) => {
        await this.ensurePartition(partition, instant);
        await this.writeMarker(instant, path);
      },
      now: this.o.now,
    };

    // 1-3. Tag, plan and write the file groups (the copy-on-write data phase).
    await writeCopyOnWrite({
      ctx,
      records: keyed,
      operation,
      columns,
      view: this.view,
      index: this.index,
      indexType: this.o.indexType,
      precombineField: this.o.identity.precombineField,
      orderingOf,
      maxFileSize: this.o.maxFileSize,
      smallFileLimit: this.o.smallFileLimit,
      avgRecordSize: this.avgRecordSize,
      onFile: (status) => {
        this.fault('after-data-file');
        written.push(status.file);
        stats.push(status.stat);
        this.index.remember(status.file.path, status.minKey, status.maxKey, status.bloom);
        result.inserts += status.stat.numInserts;
        result.updates += status.stat.numUpdateWrites;
        result.deletes += status.stat.numDeletes;
        result.filesWritten++;
        result.bytesWritten += status.file.size;
      },
    });

    // Every data file is durable already: a stream is fsynced (or its upload completed) before it is published.
    this.fault('after-data-files');

    // 4. Complete the commit: this file is the commit point. With several writers, under the table lock and
    // only if no commit completed meanwhile conflicts with this one.
    const partitionToWriteStats: Record<string, WriteStat[]> = {};
    for (const s of stats) (partitionToWriteStats[s.partitionPath] ??= []).push(s);
    const metadata: CommitMetadata = { partitionToWriteStats, compacted: false, extraMetadata: { [SCHEMA_KEY]: schemaJson, ...extraMetadata }, operationType };
    const lease = this.lock ? await this.lock.acquire() : undefined;
    let concurrent: { instant: Instant; meta: CommitMetadata }[] = [];
    try {
      if (lease) {
        this.fault('before-commit-check');
        this.timeline = await Timeline.load(this.o.storage);
        concurrent = await this.completedSince(this.timeline, requested);
        await checkConflicts(requested, stats, keyed, concurrent, this.index, this.o.indexType);
        // Past its heartbeat or lock validity another writer may already treat this attempt as abandoned.
        if (!this.heartbeats!.alive(instant) || !lease.valid() || !(await this.o.storage.exists(`${METAFOLDER}/${instantFileName(requested)}`))) {
          throw new RetriableError(`commit ${instant} took longer than its heartbeat or table lock allows (hoodie.client.heartbeat.*, hoodie.write.lock.storage.validity.timeout.secs); it is rolled back and the batch retried`);
        }
      } else {
        await this.claim!.check(instant);
      }
      await Timeline.transition(this.o.storage, requested, renderCommitMetadata(metadata));
      onCompleted();
      this.fault('after-commit');
    } finally {
      if (lease) await this.release(lease);
    }
    // The commit is done: from here on nothing may make write() fail (a retry would write the batch again).
    // The view and timeline learn the commit first; housekeeping failures are only logged.
    for (const c of concurrent) this.apply(c.instant, c.meta);
    for (const f of written) this.view.put(f);
    this.applied.add(instant);
    this.timeline = this.timeline.withCompleted({ timestamp: instant, action: 'commit', state: 'COMPLETED' });
    this.learnRecordSize(metadata);
    this.log.info({ instant, operation: operationType, inserts: result.inserts, updates: result.updates, deletes: result.deletes, files: result.filesWritten, bytes: result.bytesWritten, ms: this.o.now() - started }, 'commit completed');
    // Nothing here lists the table: the timeline and the view already know this commit.
    try {
      const { removed, completed } = await this.services.afterCommit(instant, this.timeline, this.view);
      for (const p of removed) {
        this.view.remove(p);
        this.index.forget(p);
      }
      for (const c of completed) this.timeline = this.timeline.withCompleted(c);
    } catch (err) {
      if (this.crashed) throw err;
      this.log.warn({ instant, err: (err as Error).message }, 'commit completed; cleaning up after it failed and is retried after a later commit');
    }
    return result;
  }

  /** Completed writes this writer has not applied to its view, other than `mine`. */
  private async completedSince(timeline: Timeline, mine: Instant): Promise<ConcurrentCommit[]> {
    const out: ConcurrentCommit[] = [];
    for (const i of timeline.completedWrites()) {
      if (this.applied.has(i.timestamp) || i.timestamp === mine.timestamp) continue;
      out.push({ instant: i, meta: await this.metadataOf(timeline, i) });
    }
    return out;
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

  private readonly knownPartitions = new Set<string>();

  private async ensurePartition(partition: string, instant: string): Promise<void> {
    if (this.knownPartitions.has(partition)) return;
    const file = joinPath(partition, PARTITION_METAFILE);
    if (!(await this.o.storage.exists(file))) await this.o.storage.writeFile(file, renderPartitionMetadata(instant, partition, new Date(this.o.now())));
    this.knownPartitions.add(partition);
  }

  /** Hudi's direct markers: which files an instant created, so a rollback deletes exactly those. */
  private async writeMarker(instant: string, path: string): Promise<void> {
    await this.o.storage.writeFile(`${METAFOLDER}/.temp/${instant}/${path}.marker.CREATE`, '');
  }
}
