// Writes batches of records into a Hudi copy-on-write table (version 6) as commits. One batch = one
// instant: REQUESTED → INFLIGHT → data files (new slices of touched file groups, new file groups for
// inserts) → COMPLETED with full commit metadata. The completed file is the commit point: until it
// exists no reader that honours the timeline sees the new files, and the next open rolls them back.
// Invariants: every key lives in one file group (per partition, or table-wide with the global index);
// ordering by the precombine field, the greatest value winning — also against rows already in the
// table — and ties going to the later arrival.
// Writers: by default one per table (Hudi's single_writer): opening rolls back every unfinished instant.
// With `concurrency` set (optimistic_concurrency_control) several writers share the table: each beats a
// heartbeat for its in-flight instant and only abandoned instants are rolled back; at its commit point,
// under the table lock, a writer checks the commits completed since its write began, and if one touched
// a file group it rewrote or holds a key of its batch, it rolls its attempt back and writes the batch
// again on a view that includes that commit (a conflict), so no update is ever lost between writers.

import { ConnectError, DataError, errorCode, RetriableError, type Logger } from '../../../runtime/spi';
import { decimalToUnscaled } from '../avro/decimal';
import { withHoodieMetaFields } from '../avro/table-schema';
import { BLOOM_FILTER_KEY, BLOOM_TYPE_KEY, BloomIndex, MAX_KEY, MIN_KEY } from '../index/bloom-index';
import type { ColumnSpec, Row } from '../parquet/column-spec';
import type { Storage } from '../storage/storage';
import { cleanFileSlices } from '../timeline/clean';
import { SCHEMA_KEY, parseCommitMetadata, renderCommitMetadata, writeStat, type CommitMetadata, type OperationType, type WriteStat } from '../timeline/commit-metadata';
import { instantFileName, nextInstantTime, parseInstantTime, type Instant } from '../timeline/instant';
import { rollbackPending } from '../timeline/rollback';
import { deserializeCleanMetadata } from '../timeline/timeline-avro';
import { METAFOLDER, Timeline } from '../timeline/timeline';
import { baseFileName, joinPath, newFileId, parseBaseFileName, writeToken, type BaseFile } from './base-file';
import type { BloomFilterFactory, KeyGenerator, ParquetCodec } from './collaborators';
import { FileSystemView, PARTITION_METAFILE, renderPartitionMetadata } from './file-system-view';
import { DEFAULT_HEARTBEAT, Heartbeats, heartbeatExpired, heartbeatExpiryMs, heartbeatPath, type HeartbeatOptions } from './heartbeat';
import { SoleWriterClaim } from './sole-writer-claim';
import { TableLock } from './table-lock';
import type { FaultPoint } from './fault-points';
import { isGlobalIndex, usesBloomFilters, type IndexType } from '../index/index-type';
import { PROPERTIES_FILE, checkIdentity, readTableProperties, renderTableProperties, type TableIdentity } from './table-properties';

/** Encoded slices a commit keeps waiting to be written (one encoding while the next file group merges). */
const MAX_SLICES_IN_FLIGHT = 2;

export type WriteOperation = 'insert' | 'upsert' | 'delete' | 'bulk_insert';

export const META_COLUMNS: ColumnSpec[] = ['_hoodie_commit_time', '_hoodie_commit_seqno', '_hoodie_record_key', '_hoodie_partition_path', '_hoodie_file_name'].map((name) => ({ name, type: { kind: 'string' as const }, nullable: true }));
const RECORD_KEY_COLUMN = META_COLUMNS[2]!;

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

/** A concurrent commit touched what this attempt rewrote; the batch is written again on a fresh view. */
export class WriteConflictError extends RetriableError {
  readonly conflict = true;
}

function isConflict(err: unknown): boolean {
  return (err as { conflict?: unknown } | undefined)?.conflict === true;
}

export interface IncomingRecord {
  /** Data columns, in the table schema's representation. */
  row: Row;
  /** A delete marker (`_hoodie_is_deleted` or the configured operation field). */
  isDelete: boolean;
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

interface Keyed {
  key: string;
  partition: string;
  rec: IncomingRecord;
  ordering: unknown;
}

/** Orders precombine values: numbers and bigints numerically, strings by UTF-16 code units, null lowest. */
export function compareOrdering(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === null || a === undefined) return -1;
  if (b === null || b === undefined) return 1;
  if ((typeof a === 'number' || typeof a === 'bigint') && (typeof b === 'number' || typeof b === 'bigint')) return a < b ? -1 : a > b ? 1 : 0;
  const sa = typeof a === 'string' ? a : String(a);
  const sb = typeof b === 'string' ? b : String(b);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
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

  private constructor(private readonly o: TableWriterOptions) {
    this.index = new BloomIndex(o.storage, o.codec, o.blooms);
    this.log = o.logger.child({ table: o.storage.location });
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
    const keyed = this.keyAll(records, orderingOf);
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
    keyed: Keyed[],
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
    const allColumns = [...META_COLUMNS, ...columns];
    const footerSchema = withHoodieMetaFields(schemaJson);
    let seq = 0;
    // Rows written by this commit get its meta values; rows copied from an older slice keep theirs, as in
    // Hudi. The incoming row objects belong to the writer, so meta values are set in place (no copies).
    const meta = (row: Row, k: Keyed): Row => {
      row['_hoodie_commit_time'] = instant;
      row['_hoodie_commit_seqno'] = `${instant}_0_${seq++}`;
      row['_hoodie_record_key'] = k.key;
      row['_hoodie_partition_path'] = k.partition;
      row['_hoodie_file_name'] = null;
      return row;
    };

    // Slices are encoded as soon as their rows are ready and written afterwards, so that with an encoder
    // pool the second core encodes one file group while this thread merges the next. At most
    // MAX_SLICES_IN_FLIGHT slices wait to be written: a commit that rewrites every file group of a large
    // table must not hold all of its rows (and their encodings) at once.
    const finishers: (() => Promise<void>)[] = [];
    const drainTo = async (limit: number): Promise<void> => {
      while (finishers.length > limit) await finishers.shift()!();
    };
    const writeSlice = (partition: string, fileId: string, prev: BaseFile | undefined, rows: Row[], counts: { inserts: number; updates: number; deletes: number }): void => {
      const name = baseFileName(fileId, writeToken(0, 1, 0), instant);
      const path = joinPath(partition, name);
      // Every row names the file it is in; rows copied from the previous slice keep their commit time and
      // sequence number (incremental reads filter on those), as Spark's merge handle does.
      for (const r of rows) r['_hoodie_file_name'] = name;
      rows.sort((a, b) => {
        const x = a['_hoodie_record_key'] as string;
        const y = b['_hoodie_record_key'] as string;
        return x < y ? -1 : x > y ? 1 : 0;
      });
      const keys = new Set<string>();
      const bloom = this.o.blooms.create();
      for (const r of rows) {
        const key = String(r['_hoodie_record_key']);
        keys.add(key);
        bloom.add(key);
      }
      const min = String(rows[0]?.['_hoodie_record_key'] ?? '');
      const max = String(rows[rows.length - 1]?.['_hoodie_record_key'] ?? '');
      const t0 = this.o.now();
      const encoding = this.o.codec.encode(allColumns, rows, {
        [BLOOM_FILTER_KEY]: bloom.serialize(),
        [BLOOM_TYPE_KEY]: bloom.typeCode,
        [MIN_KEY]: min,
        [MAX_KEY]: max,
        'parquet.avro.schema': footerSchema,
        'writer.model.name': 'avro',
      });
      encoding.catch(() => undefined); // awaited below; this only keeps an early failure from being "unhandled"
      finishers.push(async () => {
        const data = await encoding;
        await this.ensurePartition(partition, instant);
        await this.writeMarker(instant, path);
        await this.o.storage.writeFile(path, Buffer.from(data.buffer, data.byteOffset, data.byteLength));
        this.fault('after-data-file');
        const file: BaseFile = { partitionPath: partition, fileId, writeToken: writeToken(0, 1, 0), instantTime: instant, path, size: data.byteLength };
        written.push(file);
        this.index.remember(path, keys, min, max, bloom);
        stats.push(writeStat({ fileId, path, partitionPath: partition, prevCommit: prev?.instantTime, numWrites: rows.length, numDeletes: counts.deletes, numUpdateWrites: counts.updates, numInserts: counts.inserts, fileSizeInBytes: data.byteLength, createMs: this.o.now() - t0 }));
        result.filesWritten++;
        result.bytesWritten += data.byteLength;
      });
    };

    // 1. Locate existing keys (not for insert / bulk_insert, which skip the index as in Hudi).
    const located = operation === 'insert' || operation === 'bulk_insert' ? new Map<string, BaseFile>() : await this.locate(keyed);

    // 2. Group by target file group; what is not found is an insert.
    const updatesByFile = new Map<BaseFile, Map<string, Keyed>>();
    const insertsByPartition = new Map<string, Keyed[]>();
    const moves: Keyed[] = [];
    // A move needs its stored row's ordering: only the key and precombine columns of that file are read
    // here (holding whole decoded files until step 3 would hold the whole table when every key moves).
    const storedOrdering = new Map<BaseFile, Map<string, unknown>>();
    const pre = this.o.identity.precombineField;
    const preColumn = columns.find((c) => c.name === pre);
    const orderingsOf = async (file: BaseFile): Promise<Map<string, unknown>> => {
      const rows = await this.o.codec.decode(await this.o.storage.readFile(file.path), preColumn ? [RECORD_KEY_COLUMN, preColumn] : undefined);
      return new Map(rows.map((r) => [String(r['_hoodie_record_key']), orderingOf(r[pre!])]));
    };
    for (const k of keyed) {
      const file = located.get(this.identity(k.key, k.partition));
      if (file && file.partitionPath !== k.partition) {
        // Global index, partition changed. Like Hudi (HoodieIndexUtils.mergeForPartitionUpdatesIfNeeded) the
        // incoming record is first ordered against the stored one: if the stored row is newer it stays where it
        // is. Without this check an older record moved the key and replaced a newer row (greatest must win).
        if (pre !== undefined && operation !== 'delete') {
          let orderings = storedOrdering.get(file);
          if (!orderings) storedOrdering.set(file, (orderings = await orderingsOf(file)));
          if (orderings.has(k.key) && compareOrdering(k.ordering, orderings.get(k.key)) < 0) continue;
        }
        // The incoming record wins: delete from the old file group, insert into the new partition.
        moves.push(k);
        addTo(updatesByFile, file, k.key, { ...k, rec: { row: k.rec.row, isDelete: true }, ordering: undefined });
        if (!k.rec.isDelete && operation !== 'delete') push(insertsByPartition, k.partition, k);
        continue;
      }
      if (file) addTo(updatesByFile, file, k.key, k);
      else if (!k.rec.isDelete && operation !== 'delete') push(insertsByPartition, k.partition, k);
    }

    // 3. Rewrite touched file groups, also taking inserts into small files of the same partition.
    // bulk_insert opens new file groups only (no small-file packing, no rewrite of existing files), as in Hudi.
    const insertsIntoFile = operation === 'bulk_insert' ? new Map<BaseFile, Keyed[]>() : this.assignInserts(insertsByPartition, updatesByFile);
    const touched = new Set<BaseFile>([...updatesByFile.keys(), ...insertsIntoFile.keys()]);
    for (const file of touched) {
      const incoming = updatesByFile.get(file) ?? new Map<string, Keyed>();
      const existing = await this.o.codec.decode(await this.o.storage.readFile(file.path));
      const counts = { inserts: 0, updates: 0, deletes: 0 };
      const out: Row[] = [];
      for (const old of existing) {
        const key = String(old['_hoodie_record_key']);
        const inc = incoming.get(key);
        if (!inc) {
          out.push(fillMissing(old, columns));
          continue;
        }
        incoming.delete(key);
        const forcedDelete = operation === 'delete' || inc.ordering === undefined;
        if (!forcedDelete && this.o.identity.precombineField !== undefined && compareOrdering(inc.ordering, orderingOf(old[this.o.identity.precombineField])) < 0) {
          out.push(fillMissing(old, columns)); // the table already holds a newer version
          continue;
        }
        if (inc.rec.isDelete || forcedDelete) {
          counts.deletes++;
          continue;
        }
        counts.updates++;
        out.push(meta(inc.rec.row, inc));
      }
      for (const k of insertsIntoFile.get(file) ?? []) {
        counts.inserts++;
        out.push(meta(k.rec.row, k));
      }
      result.inserts += counts.inserts;
      result.updates += counts.updates;
      result.deletes += counts.deletes;
      writeSlice(file.partitionPath, file.fileId, file, out, counts);
      await drainTo(MAX_SLICES_IN_FLIGHT);
    }

    // 4. New file groups for the remaining inserts.
    for (const [partition, list] of insertsByPartition) {
      const perFile = Math.max(1, Math.floor(this.o.maxFileSize / this.avgRecordSize));
      for (let i = 0; i < list.length; i += perFile) {
        const chunk = list.slice(i, i + perFile);
        const rows = chunk.map((k) => meta(k.rec.row, k));
        result.inserts += rows.length;
        writeSlice(partition, newFileId(), undefined, rows, { inserts: rows.length, updates: 0, deletes: 0 });
        await drainTo(MAX_SLICES_IN_FLIGHT);
      }
    }

    await drainTo(0);
    this.fault('after-data-files');
    await this.o.storage.sync?.(written.map((f) => f.path));

    // 5. Complete the commit: this file is the commit point. With several writers, under the table lock and
    // only if no commit completed meanwhile conflicts with this one.
    const partitionToWriteStats: Record<string, WriteStat[]> = {};
    for (const s of stats) (partitionToWriteStats[s.partitionPath] ??= []).push(s);
    const metadata: CommitMetadata = { partitionToWriteStats, compacted: false, extraMetadata: { [SCHEMA_KEY]: schemaJson, ...extraMetadata }, operationType };
    const lease = this.lock ? await this.lock.acquire() : undefined;
    let concurrent: { instant: Instant; meta: CommitMetadata }[] = [];
    try {
      if (lease) {
        this.fault('before-commit-check');
        const seen = await this.checkConflicts(requested, stats, keyed);
        concurrent = seen.concurrent;
        this.timeline = seen.timeline;
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
      await this.o.storage.deleteTree(`${METAFOLDER}/.temp/${instant}`);
      const { removed, clean } = await cleanFileSlices(this.o.storage, this.timeline, { retained: this.o.cleanCommitsRetained, now: this.o.now, logger: this.log, view: this.view, fault: (point) => this.fault(point) });
      for (const p of removed) {
        this.view.remove(p);
        this.index.forget(p);
      }
      if (clean) this.timeline = this.timeline.withCompleted(clean);
    } catch (err) {
      if (this.crashed) throw err;
      this.log.warn({ instant, err: (err as Error).message }, 'commit completed; cleaning up after it failed and is retried after a later commit');
    }
    return result;
  }

  private keyAll(records: IncomingRecord[], orderingOf: (v: unknown) => unknown): Keyed[] {
    const pre = this.o.identity.precombineField;
    const byKey = new Map<string, Keyed>();
    for (const rec of records) {
      let key: string;
      let partition: string;
      try {
        key = this.o.keygen.recordKey(rec.row);
        partition = this.o.keygen.partitionPath(rec.row);
      } catch (err) {
        throw new DataError((err as Error).message, err);
      }
      const ordering = pre === undefined ? null : orderingOf(rec.row[pre]);
      if (pre !== undefined && !rec.isDelete && (ordering === undefined || ordering === null)) {
        throw new DataError(`record ${key}: precombine field ${pre} is null; every record needs a value to order versions (hoodie.datasource.write.precombine.field)`);
      }
      const k: Keyed = { key, partition, rec, ordering: ordering ?? null };
      // Within a batch, per identity (the key with a global index, partition and key otherwise, as Hudi's
      // deduplicateRecords): the greatest ordering value wins; ties go to the later arrival.
      const id = this.identity(key, partition);
      const prev = byKey.get(id);
      if (!prev || pre === undefined || compareOrdering(k.ordering, prev.ordering) >= 0 || (rec.isDelete && k.ordering === null)) byKey.set(id, k);
    }
    return [...byKey.values()];
  }

  /** What makes two records the same row: the key table-wide with a global index, else partition and key. */
  private identity(key: string, partition: string): string {
    return isGlobalIndex(this.o.indexType) ? key : `${partition}\u0000${key}`;
  }

  /** The file holding each record now, by identity(). */
  private locate(keyed: Keyed[]): Promise<Map<string, BaseFile>> {
    return this.locateAmong(keyed, this.view.all(), (p) => this.view.latest(p));
  }

  /** Keys held by `files`: with BLOOM a key is only looked for in its own partition's files. */
  private async locateAmong(keyed: Keyed[], all: BaseFile[], inPartition: (partition: string) => BaseFile[]): Promise<Map<string, BaseFile>> {
    const pruning = usesBloomFilters(this.o.indexType);
    if (isGlobalIndex(this.o.indexType)) return this.index.locate(keyed.map((k) => k.key), all, pruning);
    const byPartition = new Map<string, string[]>();
    for (const k of keyed) push(byPartition, k.partition, k.key);
    const found = new Map<string, BaseFile>();
    for (const [partition, keys] of byPartition) {
      for (const [k, f] of await this.index.locate(keys, inPartition(partition), pruning)) found.set(this.identity(k, partition), f);
    }
    return found;
  }

  /**
   * Under the table lock: the commits completed since this write's view was taken. One conflicts if it
   * wrote a file group this commit rewrote (the two new slices would each miss the other's rows) or wrote
   * a key of this batch (an insert that became an update, a delete of a row that now exists). Throws
   * WriteConflictError then; otherwise returns them, to be put into the view after this commit.
   */
  private async checkConflicts(mine: Instant, stats: WriteStat[], keyed: Keyed[]): Promise<{ timeline: Timeline; concurrent: { instant: Instant; meta: CommitMetadata }[] }> {
    const timeline = await Timeline.load(this.o.storage);
    const concurrent: { instant: Instant; meta: CommitMetadata }[] = [];
    for (const i of timeline.completedWrites()) {
      if (this.applied.has(i.timestamp) || i.timestamp === mine.timestamp) continue;
      concurrent.push({ instant: i, meta: await this.metadataOf(timeline, i) });
    }
    if (concurrent.length === 0) return { timeline, concurrent };
    const rewritten = new Set(stats.filter((s) => s.prevCommit !== 'null').map((s) => `${s.partitionPath}/${s.fileId}`));
    const theirs = concurrent.flatMap((c) => slicesOf(c.meta, c.instant.timestamp));
    const overlap = theirs.filter((f) => rewritten.has(`${f.partitionPath}/${f.fileId}`));
    const replaced = concurrent.some((c) => c.instant.action !== 'commit');
    const held = overlap.length > 0 || replaced ? new Map<string, BaseFile>() : await this.locateAmong(keyed, theirs, (p) => theirs.filter((f) => f.partitionPath === p));
    if (overlap.length === 0 && held.size === 0 && !replaced) return { timeline, concurrent };
    const what = replaced
      ? 'a replacecommit'
      : overlap.length > 0
        ? `file groups this commit rewrote (${overlap.slice(0, 3).map((f) => f.fileId).join(', ')}${overlap.length > 3 ? ', …' : ''})`
        : `keys of this batch (${[...held.keys()].slice(0, 3).join(', ')}${held.size > 3 ? ', …' : ''})`;
    throw new WriteConflictError(`commit ${mine.timestamp} conflicts with ${concurrent.map((c) => c.instant.timestamp).join(', ')} completed meanwhile by another writer, which wrote ${what}`);
  }

  /** Fills small file groups (below the small-file limit) with inserts up to the max file size, as
   *  Hudi's UpsertPartitioner does; what is left stays in `inserts` for new file groups. */
  private assignInserts(inserts: Map<string, Keyed[]>, updates: Map<BaseFile, Map<string, Keyed>>): Map<BaseFile, Keyed[]> {
    const out = new Map<BaseFile, Keyed[]>();
    for (const [partition, list] of inserts) {
      const small = this.view.latest(partition).filter((f) => f.size < this.o.smallFileLimit).sort((a, b) => a.size - b.size);
      let i = 0;
      for (const f of small) {
        if (i >= list.length) break;
        const room = Math.floor((this.o.maxFileSize - f.size) / this.avgRecordSize);
        if (room <= 0) continue;
        const take = list.slice(i, i + room);
        i += take.length;
        out.set(f, take);
        if (!updates.has(f)) updates.set(f, new Map());
      }
      inserts.set(partition, list.slice(i));
      if (i >= list.length) inserts.delete(partition);
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

/** The file slices a completed commit wrote, from its write stats. */
function slicesOf(meta: CommitMetadata, instant: string): BaseFile[] {
  const out: BaseFile[] = [];
  for (const [partitionPath, list] of Object.entries(meta.partitionToWriteStats)) {
    for (const s of list) {
      const name = s.path.slice(s.path.lastIndexOf('/') + 1);
      const parsed = parseBaseFileName(name);
      if (parsed && parsed.instantTime === instant) out.push({ partitionPath, ...parsed, path: s.path, size: s.fileSizeInBytes });
    }
  }
  return out;
}

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const l = m.get(k);
  if (l) l.push(v);
  else m.set(k, [v]);
}

function addTo(m: Map<BaseFile, Map<string, Keyed>>, f: BaseFile, key: string, k: Keyed): void {
  let inner = m.get(f);
  if (!inner) m.set(f, (inner = new Map()));
  inner.set(key, k);
}

/** Precombine values as compareOrdering must see them. Decimals travel as strings ("9.50"), which would
 *  compare as text ("10.00" < "9.50", "-2.00" > "-1.00"); Hudi compares them as numbers
 *  (BigDecimal.compareTo), so a decimal precombine field is compared by its unscaled integer. */
function orderingNormalizer(columns: ColumnSpec[], field: string | undefined): (v: unknown) => unknown {
  const t = columns.find((c) => c.name === field)?.type;
  if (t?.kind !== 'decimal') return (v) => v;
  const spec = { precision: t.precision, scale: t.scale };
  return (v) => (typeof v === 'string' ? decimalToUnscaled(v, spec) : v);
}

/** Rows of older file slices lack columns added by schema evolution: they read as null. */
function fillMissing(row: Row, columns: ColumnSpec[]): Row {
  for (const c of columns) if (!(c.name in row)) row[c.name] = null;
  return row;
}

