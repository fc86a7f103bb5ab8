// The commit of one batch (Hudi's write client commit path with its transaction manager): an instant goes
// REQUESTED → INFLIGHT → the caller's data phase writes its files → conflict check → COMPLETED with full
// commit metadata (extraMetadata carries the source positions) → table services (services/). A failed
// attempt is rolled back; an unfinished instant left by an earlier run is rolled back when the table opens.
// The completed file is the commit point: until it exists no reader that honours the timeline sees the new
// files, and the next open rolls them back.
// Writers: by default one per table (Hudi's single_writer): opening claims the table and rolls back every
// unfinished instant. With `concurrency` set (optimistic_concurrency_control) several writers share the
// table: each beats a heartbeat for its in-flight instant and only abandoned instants are rolled back; at
// its commit point, under the table lock, a writer checks the commits completed since its write began, and
// if one touched a file group it rewrote or holds a key of its batch, it rolls its attempt back and runs the
// data phase again on a view that includes that commit (a conflict), so no update is ever lost between writers.
// Merge-on-read under optimistic concurrency control: deltacommits are learned like commits (their log files too);
// a writer whose log went to a slice a compaction then superseded conflicts, and a compaction that a write to one
// of its file groups completed during is rolled back instead of completed (see compact()).

import { ConnectError, errorCode, RetriableError, type Logger } from '../../../runtime/spi';
import type { BaseWriteStatus, WriteStatus } from '../file-group/slice-output';
import type { BloomIndex } from '../index/bloom-index';
import type { IndexType } from '../index/index-type';
import type { ArchivalSettings } from '../services/archival';
import { tableServices, type TableServices } from '../services/table-services';
import type { Storage } from '../storage/storage';
import { joinPath } from '../table/base-file';
import type { FaultPoint } from '../table/fault-points';
import { FileSystemView, PARTITION_METAFILE, renderPartitionMetadata } from '../table/file-system-view';
import { DEFAULT_HEARTBEAT, Heartbeats, heartbeatExpired, heartbeatExpiryMs, heartbeatPath, type HeartbeatOptions } from './heartbeat';
import { ConcurrentWriterError, SoleWriterClaim } from './sole-writer-claim';
import { TableLock } from './table-lock';
import { SCHEMA_KEY, parseCommitMetadata, renderCommitMetadata, type CommitMetadata, type OperationType, type WriteStat } from '../timeline/commit-metadata';
import { instantFileName, nextInstantTime, parseInstantTime, type Instant } from '../timeline/instant';
import { archivedCommitMetadata, readArchivedEntries } from '../timeline/archived-timeline';
import { rollbackPending } from '../timeline/rollback';
import { deserializeCleanMetadata, deserializeRollbackMetadata } from '../timeline/timeline-avro';
import { METAFOLDER, Timeline, isWriteAction } from '../timeline/timeline';
import type { KeyedRecord } from '../write/keyed-record';
import { logFilesOf, slicesOf } from './commit-slices';
import { checkCompactionConflicts, checkConflicts, isConflict, type ConcurrentCommit } from './conflict-check';

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

export interface CommitCoordinatorOptions {
  storage: Storage;
  logger: Logger;
  now: () => number;
  /** The writer's index: the conflict check tags the batch's keys against concurrent commits with it, and
   *  it forgets the files cleaning deletes. */
  index: BloomIndex;
  indexType: IndexType;
  /** The action of this table's write instants: `commit` (copy-on-write) or `deltacommit` (merge-on-read). */
  writeAction: 'commit' | 'deltacommit';
  cleanCommitsRetained: number;
  /** Timeline archival after commits (services/archival.ts); absent = never archives. */
  archival?: ArchivalSettings;
  /** Failure injection for crash tests: called at named points of a commit. */
  faultPoint?: (point: FaultPoint) => void;
  /** Several writers on this table (optimistic concurrency control); absent = the only writer. */
  concurrency?: ConcurrencyOptions;
}

/** A compaction scheduled by this writer and not completed yet. */
export interface PendingCompaction {
  readonly instant: Instant;
  readonly inflight: InflightInstant;
  /** The completed writes its plan saw: any other one completed while it ran (several writers: conflicts). */
  readonly seen: ReadonlySet<string>;
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

/** What a data phase is given for the instant it writes. */
export interface InflightInstant {
  readonly instant: string;
  /** Called before a data file's first byte: creates the partition and the marker a rollback finds the file by. */
  beforeFile(partition: string, path: string): Promise<void>;
  /** A named crash point (tests); a throw stands for the process dying there. */
  fault(point: FaultPoint): void;
}

export interface CommitRequest {
  operationType: OperationType;
  /** The Avro schema recorded in the commit's extraMetadata. */
  schemaJson: string;
  /** Further extraMetadata (source positions, writer id): committed atomically with the data. */
  extraMetadata: Record<string, string>;
  /** The batch: the conflict check looks for its keys in concurrent commits. */
  records: KeyedRecord[];
  /** Writes the instant's data files, returning their WriteStatuses in order. Run once per attempt. */
  write(instant: InflightInstant): Promise<WriteStatus[]>;
  /** Called once the commit completed, before table services run. */
  onCommitted?(metadata: CommitMetadata): void;
}

export class CommitCoordinator {
  private timeline!: Timeline;
  private fsView!: FileSystemView;
  /** This writer's instant whose write failed and could not be rolled back yet. */
  private unfinished: Instant | undefined;
  /** A fault point threw (tests): the process is "dead", nothing more is done or undone. */
  private dead = false;
  private closed = false;
  /** Completed writes whose files the view holds: any other completed write is news to this writer. */
  private applied = new Set<string>();
  private readonly heartbeats: Heartbeats | undefined;
  private readonly lock: TableLock | undefined;
  /** single_writer: this writer's claim on the table, checked at every commit point. */
  private claim: SoleWriterClaim | undefined;
  private readonly services: TableServices;
  private readonly knownPartitions = new Set<string>();
  /** Completed rollbacks whose deleted files the view has forgotten (several writers: see learnRollbacks). */
  private learnedRollbacks = new Set<string>();

  private constructor(private readonly o: CommitCoordinatorOptions) {
    this.services = tableServices({ storage: o.storage, logger: o.logger, now: o.now, cleanCommitsRetained: o.cleanCommitsRetained, ...(o.archival ? { archival: o.archival } : {}), fault: (point) => this.fault(point) });
    const c = o.concurrency;
    if (c) {
      const sleep = c.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
      this.heartbeats = new Heartbeats(o.storage, c.heartbeat, o.now, o.logger);
      this.lock = new TableLock(o.storage, { owner: c.owner, validityMs: c.lockValidityMs, waitMs: c.lockWaitMs, now: o.now, sleep, logger: o.logger });
    }
  }

  /** Loads the timeline of an existing table, rolls back unfinished instants (see the module comment) and builds the view. */
  static async open(o: CommitCoordinatorOptions): Promise<CommitCoordinator> {
    const c = new CommitCoordinator(o);
    c.timeline = await Timeline.load(o.storage);
    if (c.lock) {
      await c.reapAbandoned();
    } else {
      // Claimed before anything pending is rolled back: an earlier writer still at work (a task instance that
      // outlived its restart) then has its commit refused instead of completing it over our view.
      c.claim = await SoleWriterClaim.claim(o.storage, o.now());
      // The only writer: whatever is unfinished was left by an earlier run. An interrupted rollback or clean
      // only deleted files that are deletable anyway (the commit it rolled back is still pending and is
      // rolled back again below; a clean's slices are cleaned by the next one), so its instant is removed
      // rather than left pending forever.
      for (const stale of [...c.timeline.pending('rollback'), ...c.timeline.pending('clean')]) {
        o.logger.warn({ instant: stale.timestamp, action: stale.action }, 'removing an interrupted instant left by an earlier run');
        await Timeline.deleteInstantFiles(o.storage, stale);
      }
      c.timeline = await Timeline.load(o.storage);
      // A pending compaction is rolled back too: compaction runs inline, so no log file was written against it.
      for (const pending of c.timeline.pending().filter((i) => isWriteAction(i.action) || i.action === 'compaction')) {
        // A live heartbeat means a writer in optimistic_concurrency_control mode is working on it right now.
        if (!(await heartbeatExpired(o.storage, pending.timestamp, DEFAULT_HEARTBEAT, o.now()))) {
          throw new ConnectError('ILLEGAL_STATE', `${o.storage.location}: commit ${pending.timestamp} is in flight by another writer (its heartbeat .hoodie/.heartbeat/${pending.timestamp} is live); a single_writer would roll it back. Set hoodie.write.concurrency.mode=optimistic_concurrency_control on every writer of this table, or stop the other writer (an abandoned heartbeat expires after ${heartbeatExpiryMs(DEFAULT_HEARTBEAT) / 1000} s)`);
        }
        await rollbackPending(o.storage, c.timeline, pending, { now: o.now, logger: o.logger });
        c.timeline = await Timeline.load(o.storage);
      }
    }
    await c.rebuildView(c.timeline);
    return c;
  }

  /** The latest file slices of the completed commits this writer knows: what a data phase plans against. */
  get view(): FileSystemView {
    return this.fsView;
  }

  /** Stops heartbeats (an unfinished instant's beat stops, so other writers may roll it back). */
  close(): void {
    this.closed = true;
    this.heartbeats?.close();
  }

  /** The newest completed commit's metadata, or the newest one `accept` takes (walking back the timeline, then
   *  the archived timeline: a writer of a shared table may not have committed for longer than archival keeps). */
  async lastCommitMetadata(accept: (m: CommitMetadata) => boolean = () => true): Promise<CommitMetadata | undefined> {
    const writes = this.timeline.completedWrites();
    for (let i = writes.length - 1; i >= 0; i--) {
      const meta = await this.metadataOf(this.timeline, writes[i]!);
      if (accept(meta)) return meta;
    }
    const archived = await readArchivedEntries(this.o.storage);
    for (let i = archived.length - 1; i >= 0; i--) {
      const meta = archivedCommitMetadata(archived[i]!);
      if (meta && accept(meta)) return meta;
    }
    return undefined;
  }

  lastCommitTime(): string | undefined {
    return this.timeline.lastCompletedWrite()?.timestamp;
  }

  /** Commits one batch: its data phase runs within an instant, again after a conflict (see the module comment). */
  async commit(req: CommitRequest): Promise<CommitResult> {
    // An earlier attempt that failed before completing (storage unreachable, say) is rolled back first, so its
    // files never linger beside the retry.
    if (this.unfinished) {
      await this.settle(this.unfinished);
      this.unfinished = undefined;
    }
    const started = this.o.now();
    for (let attempt = 0; ; attempt++) {
      if (this.lock) await this.catchUp();
      const requested = await this.requestInstant(started);
      let completed = false;
      try {
        return await this.commitInstant(requested, req, started, () => (completed = true));
      } catch (caught) {
        let err = caught;
        // A writer another one superseded (it opened the table meanwhile, and may have rolled this attempt back
        // under us, partial files included) says so, whatever broke first.
        if (!completed && !this.dead && this.claim && !(err instanceof ConcurrentWriterError)) {
          try {
            await this.claim.check(requested.timestamp);
          } catch (claimErr) {
            if (claimErr instanceof ConcurrentWriterError) err = claimErr;
          }
        }
        if (!completed && !this.dead) {
          this.unfinished = requested;
          let landed = false;
          try {
            landed = await this.settle(requested);
            this.unfinished = undefined;
          } catch (settleErr) {
            this.o.logger.warn({ instant: requested.timestamp, err: (settleErr as Error).message }, 'could not roll back the failed commit now; the next write rolls it back');
          }
          // The completed file was stored although its request reported a failure: the commit happened.
          if (landed) return this.landedResult(requested.timestamp, req.operationType);
          if (isConflict(err) && this.unfinished === undefined && attempt < this.o.concurrency!.conflictRetries) {
            this.o.logger.warn({ instant: requested.timestamp, attempt: attempt + 1, err: (err as Error).message }, 'write conflict: writing the batch again on the new commits');
            continue;
          }
        }
        throw err;
      } finally {
        // A crash leaves its heartbeat to expire; otherwise the instant is done with (completed, or rolled
        // back, or left to be rolled back by this writer's next write or, once the beat is old, by another).
        if (!this.dead) await this.heartbeats?.stop(requested.timestamp).catch((err: Error) => this.o.logger.warn({ instant: requested.timestamp, err: err.message }, 'could not remove the heartbeat file; it expires by itself'));
      }
    }
  }

  private async commitInstant(requestedInstant: Instant, req: CommitRequest, started: number, onCompleted: () => void): Promise<CommitResult> {
    const instant = requestedInstant.timestamp;
    const { operationType } = req;
    this.fault('after-requested');
    const requested = await Timeline.transition(this.o.storage, requestedInstant, renderCommitMetadata({ partitionToWriteStats: {}, compacted: false, extraMetadata: {}, operationType }));
    this.fault('after-inflight');

    const statuses = await req.write(this.inflight(instant));
    // Every data file is durable already: a stream is fsynced (or its upload completed) before it is published.
    this.fault('after-data-files');

    const stats: WriteStat[] = statuses.map((s) => s.stat);
    const result: CommitResult = {
      instant,
      operation: operationType,
      inserts: sum(stats, (s) => s.numInserts),
      updates: sum(stats, (s) => s.numUpdateWrites),
      deletes: sum(stats, (s) => s.numDeletes),
      filesWritten: statuses.length,
      bytesWritten: sum(statuses, (s) => s.stat.fileSizeInBytes),
    };

    // Complete the commit: this file is the commit point. With several writers, under the table lock and
    // only if no commit completed meanwhile conflicts with this one.
    const partitionToWriteStats: Record<string, WriteStat[]> = {};
    for (const s of stats) (partitionToWriteStats[s.partitionPath] ??= []).push(s);
    const metadata: CommitMetadata = { partitionToWriteStats, compacted: false, extraMetadata: { [SCHEMA_KEY]: req.schemaJson, ...req.extraMetadata }, operationType };
    const lease = this.lock ? await this.lock.acquire() : undefined;
    let concurrent: ConcurrentCommit[] = [];
    try {
      if (lease) {
        this.fault('before-commit-check');
        this.timeline = await Timeline.load(this.o.storage);
        concurrent = await this.completedSince(this.timeline, requested);
        await checkConflicts(requested, stats, req.records, concurrent, this.o.index, this.o.indexType);
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
    // The commit is done: from here on nothing may make the commit fail (a retry would write the batch again).
    // The view and timeline learn the commit first; housekeeping failures are only logged.
    for (const c of concurrent) this.apply(c.instant, c.meta);
    for (const s of statuses) this.fsView.add(s);
    this.applied.add(instant);
    this.timeline = this.timeline.withCompleted({ timestamp: instant, action: this.o.writeAction, state: 'COMPLETED' });
    req.onCommitted?.(metadata);
    this.o.logger.info({ instant, operation: operationType, inserts: result.inserts, updates: result.updates, deletes: result.deletes, files: result.filesWritten, bytes: result.bytesWritten, ms: this.o.now() - started }, 'commit completed');
    // Nothing here lists the table: the timeline and the view already know this commit.
    try {
      const { removed, completed, archived } = await this.services.afterCommit(instant, this.timeline, this.fsView);
      for (const p of removed) {
        this.fsView.remove(p);
        this.o.index.forget(p);
      }
      for (const c of completed) this.timeline = this.timeline.withCompleted(c);
      if (archived.length > 0) this.timeline = this.timeline.without(new Set(archived));
    } catch (err) {
      if (this.dead) throw err;
      this.o.logger.warn({ instant, err: (err as Error).message }, 'commit completed; cleaning up after it failed and is retried after a later commit');
    }
    return result;
  }

  /**
   * Runs a compaction (merge-on-read) start to end: see beginCompaction and completeCompaction. `plan` decides on
   * the view and timeline the compaction starts from (undefined: nothing to compact).
   */
  async compact(req: { plan(view: FileSystemView, timeline: Timeline): Buffer | undefined; write(instant: InflightInstant): Promise<BaseWriteStatus[]>; metadata(instant: string, statuses: BaseWriteStatus[]): CommitMetadata }): Promise<{ instant: string; statuses: BaseWriteStatus[] } | undefined> {
    const pending = await this.beginCompaction(req.plan);
    if (!pending) return undefined;
    try {
      const statuses = await req.write(pending.inflight);
      await this.completeCompaction(pending, statuses, req.metadata(pending.instant.timestamp, statuses));
      return { instant: pending.instant.timestamp, statuses };
    } catch (err) {
      await this.abortCompaction(pending);
      throw err;
    }
  }

  /**
   * Schedules a compaction: `<instant>.compaction.requested` holds the plan `plan` makes from the view and timeline
   * (undefined: nothing to compact), then an empty inflight file. The timeline this writer plans from holds it as
   * pending, so later instants are newer, cleaning waits (the plan's slices must stay readable) and archival stops
   * before it. A crash leaves it pending, and the next open rolls it back. With several writers it is planned and
   * requested under the table lock, on every deltacommit completed by then, and beats a heartbeat while it runs (so
   * others can tell a dead one).
   */
  async beginCompaction(plan: (view: FileSystemView, timeline: Timeline) => Buffer | undefined): Promise<PendingCompaction | undefined> {
    if (this.lock) await this.catchUp();
    const lease = this.lock ? await this.lock.acquire() : undefined;
    let inst: Instant;
    let seen: ReadonlySet<string>;
    try {
      if (lease) await this.learn(await Timeline.load(this.o.storage));
      seen = new Set(this.applied);
      const bytes = plan(this.fsView, this.timeline);
      if (!bytes) return undefined;
      const instant = nextInstantTime(this.o.now(), this.timeline.lastTimestamp());
      await this.heartbeats?.start(instant);
      try {
        inst = await Timeline.request(this.o.storage, instant, 'compaction', bytes);
      } catch (err) {
        this.heartbeats?.abandon(instant); // the file may be the beat of another writer's instant of that time
        throw err;
      }
    } finally {
      if (lease) await this.release(lease);
    }
    const pending: PendingCompaction = { instant: inst, inflight: this.inflight(inst.timestamp), seen };
    try {
      this.fault('after-compaction-requested');
      const inflight = await Timeline.transition(this.o.storage, inst, '');
      this.timeline = this.timeline.withInstant(inflight);
      return { ...pending, instant: inflight };
    } catch (err) {
      await this.abortCompaction(pending);
      throw err;
    }
  }

  /**
   * Completes a compaction: the completed instant is the commit `<instant>.commit` (compacted: true). `statuses`
   * are its files — the new base files, and log files it carried into the new slices — which the view and the
   * timeline learn. With several writers, under the table lock and only if no write completed meanwhile to a file
   * group it compacted (that write's log or slice would be lost under it): else it fails, and is rolled back.
   */
  async completeCompaction(pending: PendingCompaction, statuses: WriteStatus[], metadata: CommitMetadata): Promise<void> {
    const instant = pending.instant.timestamp;
    const lease = this.lock ? await this.lock.acquire() : undefined;
    let done: Instant;
    try {
      if (lease) {
        const timeline = await Timeline.load(this.o.storage);
        const concurrent: ConcurrentCommit[] = [];
        for (const i of timeline.completedWrites()) if (!pending.seen.has(i.timestamp)) concurrent.push({ instant: i, meta: await this.metadataOf(timeline, i) });
        checkCompactionConflicts(instant, statuses.map((st) => st.stat), concurrent);
        if (!this.heartbeats!.alive(instant) || !lease.valid()) {
          throw new RetriableError(`compaction ${instant} took longer than its heartbeat or table lock allows (hoodie.client.heartbeat.*, hoodie.write.lock.storage.validity.timeout.secs); it is rolled back and the next due compaction plans anew`);
        }
      } else {
        await this.claim!.check(instant);
      }
      done = await Timeline.transition(this.o.storage, pending.instant, renderCommitMetadata(metadata));
    } finally {
      if (lease) await this.release(lease);
    }
    this.fault('after-compaction');
    for (const st of statuses) this.fsView.add(st);
    this.applied.add(instant);
    this.timeline = this.timeline.withInstant(done);
    await this.o.storage.deleteTree(`${METAFOLDER}/.temp/${instant}`);
    await this.stopBeat(instant);
  }

  /** Undoes a compaction that failed (not a crash): its files deleted, its instant removed; the next one plans anew. */
  async abortCompaction(pending: PendingCompaction): Promise<void> {
    if (this.dead) return; // a crash leaves its heartbeat to expire (see commit())
    const instant = pending.instant.timestamp;
    await rollbackPending(this.o.storage, await Timeline.load(this.o.storage), pending.instant, { now: this.o.now, logger: this.o.logger }).catch((e: Error) => this.o.logger.warn({ instant, err: e.message }, 'could not roll back the failed compaction now; it is rolled back later (the next open, or another writer once its heartbeat expired)'));
    this.timeline = await Timeline.load(this.o.storage);
    await this.stopBeat(instant);
  }

  private async stopBeat(instant: string): Promise<void> {
    await this.heartbeats?.stop(instant).catch((err: Error) => this.o.logger.warn({ instant, err: err.message }, 'could not remove the heartbeat file; it expires by itself'));
  }

  /** What a data phase gets for `instant`: partitions and markers are made before each file's first byte. */
  private inflight(instant: string): InflightInstant {
    return {
      instant,
      beforeFile: async (partition, path) => {
        // A compaction writing in the background stops once its writer was closed or crashed.
        if (this.dead || this.closed) throw new ConnectError('ILLEGAL_STATE', `the writer of ${this.o.storage.location} was ${this.dead ? 'stopped by a crash' : 'closed'}; instant ${instant} writes no more files`);
        await this.ensurePartition(partition, instant);
        await this.writeMarker(instant, path);
      },
      fault: (point) => this.fault(point),
    };
  }

  /** Whether a fault point threw (crash tests): the writer must do nothing more. */
  get crashed(): boolean {
    return this.dead;
  }

  /** The completed timeline as this writer knows it (what table services plan from). */
  get currentTimeline(): Timeline {
    return this.timeline;
  }

  private async rebuildView(timeline: Timeline): Promise<void> {
    this.fsView = await FileSystemView.build(this.o.storage, timeline);
    this.applied = new Set(timeline.completedWrites().map((i) => i.timestamp));
    // The listing saw no file these rollbacks deleted.
    this.learnedRollbacks = new Set(timeline.completed('rollback').map((i) => i.timestamp));
  }

  /**
   * Several writers: learns the commits others completed since this writer last looked (their write
   * stats go into the view, no listing of data directories) and rolls back instants whose writer died.
   */
  private async catchUp(): Promise<void> {
    await this.learn(await Timeline.load(this.o.storage));
    if (this.timeline.pending().some((i) => !this.heartbeats!.owns(i.timestamp))) {
      await this.reapAbandoned();
      await this.learnRollbacks(this.timeline); // what it rolled back may be in the view (an in-flight log listed)
    }
  }

  /** Several writers: makes `timeline` this writer's, applying what completed in it that the view lacks. */
  private async learn(timeline: Timeline): Promise<void> {
    const news = timeline.completedWrites().filter((i) => !this.applied.has(i.timestamp));
    if (news.some((i) => i.action === 'replacecommit') || this.mayHaveMissedArchived(timeline)) {
      // A replacecommit retires file groups, and commits archived before this writer saw them left no metadata
      // to apply: rebuilt from storage.
      await this.rebuildView(timeline);
    } else {
      for (const i of news) this.apply(i, await this.metadataOf(timeline, i));
      // Slices other writers' cleans deleted leave the view (this writer's own cleans removed theirs already).
      const known = new Set(this.timeline.completed('clean').map((i) => i.timestamp));
      for (const c of timeline.completed('clean')) {
        if (known.has(c.timestamp)) continue;
        for (const [partition, m] of Object.entries(deserializeCleanMetadata(await timeline.readDetails(c)).partitionMetadata)) {
          for (const name of m.successDeleteFiles) {
            this.fsView.remove(joinPath(partition, name));
            this.o.index.forget(joinPath(partition, name));
          }
        }
      }
      await this.learnRollbacks(timeline);
    }
    this.timeline = timeline;
  }

  /**
   * Whether another writer's archival may have moved out commits this writer never applied: a write it saw pending
   * is gone from the active timeline unapplied (archived, or rolled back), or the active writes now start after
   * everything this writer saw (instants made since may have come and gone).
   */
  private mayHaveMissedArchived(timeline: Timeline): boolean {
    const first = timeline.completedWrites()[0]?.timestamp;
    if (first === undefined) return false;
    const active = new Set(timeline.instants.map((i) => i.timestamp));
    if (this.timeline.pending().some((i) => isWriteAction(i.action) && !active.has(i.timestamp) && !this.applied.has(i.timestamp))) return true;
    const lastSeen = this.timeline.lastTimestamp();
    return lastSeen !== undefined && first > lastSeen;
  }

  /**
   * Forgets the files rollbacks deleted. A view built from a listing holds the log files of deltacommits that were
   * in flight then (a log file's name does not say which instant wrote it; their blocks are skipped while the
   * instant is pending); when such an instant is rolled back, by any writer, its files must leave the view.
   */
  private async learnRollbacks(timeline: Timeline): Promise<void> {
    for (const r of timeline.completed('rollback')) {
      if (this.learnedRollbacks.has(r.timestamp)) continue;
      this.learnedRollbacks.add(r.timestamp);
      for (const [partition, m] of Object.entries(deserializeRollbackMetadata(await timeline.readDetails(r)).partitionMetadata)) {
        // Rollback metadata names files by absolute path (base path + relative path): a file lies in its partition.
        for (const name of m.successDeleteFiles) {
          const file = joinPath(partition, name.slice(name.lastIndexOf('/') + 1));
          this.fsView.remove(file);
          this.o.index.forget(file);
        }
      }
    }
  }

  /** Puts a completed commit's slices and log files into the view. */
  private apply(i: Instant, meta: CommitMetadata): void {
    for (const f of slicesOf(meta, i.timestamp)) this.fsView.put(f);
    for (const l of logFilesOf(meta)) this.fsView.putLog(l);
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
        if ((isWriteAction(i.action) || i.action === 'compaction') && (await heartbeatExpired(this.o.storage, i.timestamp, c.heartbeat, this.o.now()))) out.push(i);
        else if ((i.action === 'rollback' || i.action === 'clean') && this.o.now() - parseInstantTime(i.timestamp.slice(0, 17).padEnd(17, '0')) > expiry) out.push(i);
      }
      return out;
    };
    if ((await abandoned(this.timeline)).length === 0) return;
    const lease = await this.lock!.acquire();
    try {
      this.timeline = await Timeline.load(this.o.storage);
      for (const i of await abandoned(this.timeline)) {
        if (i.action !== 'rollback' && i.action !== 'clean') {
          await rollbackPending(this.o.storage, this.timeline, i, { now: this.o.now, logger: this.o.logger });
          await this.o.storage.delete(heartbeatPath(i.timestamp));
        } else {
          this.o.logger.warn({ instant: i.timestamp, action: i.action }, 'removing an interrupted instant whose writer stopped');
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
      this.o.logger.warn({ err: (err as Error).message }, 'could not release the table lock; it expires by itself (hoodie.write.lock.storage.validity.timeout.secs)');
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
      this.o.logger.warn({ instant: i.timestamp }, 'a commit reported as failed had completed: its answer was lost; keeping it');
      return true;
    }
    await rollbackPending(this.o.storage, timeline, i, { now: this.o.now, logger: this.o.logger });
    this.timeline = await Timeline.load(this.o.storage);
    return false;
  }

  /** The result of a commit found completed after its write reported a failure (counts read back from it). */
  private async landedResult(instant: string, operation: OperationType): Promise<CommitResult> {
    const i = this.timeline.completedWrites().find((c) => c.timestamp === instant)!;
    const meta = parseCommitMetadata((await this.timeline.readDetails(i)).toString('utf8'), `${instant}.${i.action}`);
    const stats = Object.values(meta.partitionToWriteStats).flat();
    return {
      instant,
      operation,
      inserts: sum(stats, (s) => s.numInserts ?? 0),
      updates: sum(stats, (s) => s.numUpdateWrites ?? 0),
      deletes: sum(stats, (s) => s.numDeletes ?? 0),
      filesWritten: stats.length,
      bytesWritten: sum(stats, (s) => s.fileSizeInBytes ?? 0),
    };
  }

  /** Crash injection (tests): a fault point that throws stands for the process dying there, so the failed
   *  attempt is left exactly as a crash leaves it (not rolled back by this writer). */
  private fault(point: FaultPoint): void {
    try {
      this.o.faultPoint?.(point);
    } catch (err) {
      this.dead = true;
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
        return await Timeline.request(this.o.storage, instant, this.o.writeAction);
      } catch (err) {
        this.heartbeats?.abandon(instant); // its file may be the winner's: left in place
        if (errorCode(err) !== 'ALREADY_EXISTS' || attempt >= 10) throw err;
        this.o.logger.warn({ instant }, 'another writer took this instant; trying the next one');
        this.timeline = await Timeline.load(this.o.storage);
      }
    }
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

function sum<T>(items: T[], of: (item: T) => number): number {
  return items.reduce((n, item) => n + of(item), 0);
}
