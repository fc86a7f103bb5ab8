// BatchSinkTask: the batching every sink shares, offered to plugin authors as RocketMQ Streams offers
// AbstractSink. An author writes onStart (returning the batch policy) and batchInsert; the base implements
// SinkTask's put, flush, preCommit and close. Invariants: records are cached per queue in arrival order;
// a batch holds at most maxRecords records and maxBytes bytes (a larger single record goes alone); an
// offset is reported safe only when every record before it in its queue was in a batch that batchInsert
// (and flushInserted) completed; a batch that failed is retried as the very same batch before any other.

import type { ConfigKey, ConfigValues } from './config-def';
import { validators } from './config-def';
import type { SinkTaskContext } from './context';
import { ConnectError } from './errors';
import { queueKey, recordSize, type QueueOffset, type SinkRecord, type TopicQueue } from './record';
import type { SinkTask } from './task';

const MiB = 1024 * 1024;

/** When a batch is due: when `maxRecords` records or `maxBytes` bytes are cached, or `intervalMs` after
 *  the oldest cached record arrived, whichever comes first. Omitted fields take DEFAULT_BATCH_POLICY. */
export interface BatchPolicy {
  /** Most records in one batch; a batch is due once this many are cached. */
  maxRecords?: number;
  /** Most bytes (recordSize: as the records arrived) in one batch; a batch is due once this many are cached. */
  maxBytes?: number;
  /** A batch is due this long after its oldest record was cached; 0 = at every put. */
  intervalMs?: number;
  /** Memory bound: when the records cached and not yet safe reach this many bytes, the base pauses the
   *  task's queues (context.pause) and asks for a commit; they resume once flushes bring it under again.
   *  Default: twice maxBytes. */
  maxBufferedBytes?: number;
}

export const DEFAULT_BATCH_POLICY = { maxRecords: 10000, maxBytes: 16 * MiB, intervalMs: 1000 } as const;

/**
 * Config keys `batch.max.records`, `batch.max.bytes` and `batch.interval.ms` with a plugin's defaults, for
 * plugins that let users set their batch policy; read them back with batchPolicyOf.
 */
export function batchConfigKeys(defaults: { maxRecords: number; maxBytes: number; intervalMs: number }, group = 'Batching') {
  const whichever = 'A batch is written when batch.max.records records or batch.max.bytes bytes (as they arrived: message body, key and headers) are buffered, or batch.interval.ms after the oldest buffered record arrived, whichever comes first; offsets are committed only for written batches.';
  return [
    { name: 'batch.max.records', type: 'int', default: defaults.maxRecords, validator: validators.range(1), doc: `Most records in one batch. ${whichever}`, importance: 'medium', group },
    { name: 'batch.max.bytes', type: 'long', default: defaults.maxBytes, validator: validators.range(1), doc: 'Most bytes in one batch (see batch.max.records); a single larger record is written alone.', importance: 'medium', group },
    { name: 'batch.interval.ms', type: 'long', default: defaults.intervalMs, validator: validators.range(0), doc: 'Milliseconds after the oldest buffered record arrived that its batch is written, even when no more records arrive (see batch.max.records); 0 writes at every poll.', importance: 'medium', group },
  ] as const satisfies readonly ConfigKey[];
}

/** The values of the keys batchConfigKeys declares, as a definition that includes them parses them. */
export type BatchConfig = ConfigValues<ReturnType<typeof batchConfigKeys>>;

/** The policy of the keys batchConfigKeys declares, from a parsed config. */
export function batchPolicyOf(parsed: BatchConfig): BatchPolicy {
  return { maxRecords: parsed['batch.max.records'], maxBytes: parsed['batch.max.bytes'], intervalMs: parsed['batch.interval.ms'] };
}

export interface BatchSinkOptions {
  /** Milliseconds since the epoch; default Date.now. For tests on a fake clock. */
  now?: () => number;
}

/** A cached record's place and what prepare made of it; the record itself is not kept (the item may hold
 *  what it needs of it), so a sink that converts records keeps one form of each, not two. */
interface Entry<T> extends TopicQueue {
  offset: number;
  item: T;
  size: number;
  /** When put cached it. */
  at: number;
  /** Arrival order across queues, so batches take the oldest records first. */
  seq: number;
}

interface Batch<T> {
  entries: Entry<T>[];
  items: T[];
  bytes: number;
}

type Policy = Required<BatchPolicy>;

/**
 * Extend it and implement:
 * - `onStart(config, context)`: called once by start, before any other call; read your config, open your
 *   resources, return the batch policy. A throw fails the task (a ConfigError names the keys).
 * - `batchInsert(items)`: write one batch (records of several queues, in offset order per queue). Called from
 *   preCommit when a batch is due, from flush for everything cached, never concurrently. Resolve only when the
 *   batch is written (or written such that flushInserted makes it durable). RetriableError: the runtime
 *   retries and the base calls batchInsert again with the same array, before any other batch (make it safe to
 *   repeat); any other error fails the task.
 * - optionally `prepare(record)`: called by put for each record as it arrives; returns what the batch carries
 *   for it (default: the record), or undefined to drop it (the sink holds it already; its offset is then not
 *   held back). Report records you cannot write to context.errantRecordReporter here, once. A throw rejects
 *   put and caches none of its records (a RetriableError makes the runtime call put again with all of them).
 * - optionally `flushInserted()`: make durable what batchInsert wrote (e.g. fsync); called after the batches of
 *   a flush or preCommit were inserted, before their offsets are reported. Errors as for batchInsert.
 * - `version()` and `stop()`, as for any SinkTask. The base never writes at stop: cached records were never
 *   reported safe and are delivered again (a sink may flush in its own stop: `await this.flush([])`).
 * Call `requestFlush()` to have everything cached written at the next commit (e.g. on a marker record).
 */
export abstract class BatchSinkTask<T = SinkRecord> implements SinkTask {
  protected context!: SinkTaskContext;
  private policy: Policy = resolvePolicy({}, 'batch sink');
  private readonly caches = new Map<string, Entry<T>[]>();
  private cachedRecords = 0;
  private cachedBytes = 0;
  private seq = 0;
  /** The batch whose batchInsert failed: retried first. */
  private failed: Batch<T> | undefined;
  /** Inserted, waiting for flushInserted. */
  private unsynced: Batch<T>[] = [];
  private flushRequested = false;
  /** Queues this base paused for its memory bound. */
  private pausedForMemory: TopicQueue[] | undefined;
  private readonly now: () => number;

  constructor(options: BatchSinkOptions = {}) {
    this.now = options.now ?? Date.now;
  }

  abstract version(): string;
  abstract stop(): void | Promise<void>;
  protected abstract onStart(config: Record<string, string>, context: SinkTaskContext): BatchPolicy | void | Promise<BatchPolicy | void>;
  protected abstract batchInsert(items: T[]): void | Promise<void>;
  protected prepare?(record: SinkRecord): T | undefined | Promise<T | undefined>;
  protected flushInserted?(): void | Promise<void>;

  async start(config: Record<string, string>, context: SinkTaskContext): Promise<void> {
    this.context = context;
    this.policy = resolvePolicy((await this.onStart(config, context)) ?? {}, `task ${context.taskId} of connector "${context.connectorName}"`);
  }

  /** Caches the records; asks for a commit now when a batch is full, else for when the oldest one's interval ends. */
  async put(records: SinkRecord[]): Promise<void> {
    const prepared: Entry<T>[] = [];
    for (const record of records) {
      // Awaited only when prepare returns a promise: a microtask per record is a measurable share of a fast sink.
      const got = this.prepare ? this.prepare(record) : (record as unknown as T);
      const item = typeof (got as PromiseLike<unknown> | undefined)?.then === 'function' ? await (got as PromiseLike<T | undefined>) : (got as T | undefined);
      if (item !== undefined) prepared.push({ topic: record.topic, queue: record.queue, offset: record.offset, item, size: recordSize(record), at: 0, seq: 0 });
    }
    if (prepared.length === 0) return;
    const wasEmpty = this.cachedRecords === 0;
    const at = this.now();
    for (const e of prepared) {
      e.at = at;
      e.seq = this.seq++;
      const k = queueKey(e);
      let cache = this.caches.get(k);
      if (!cache) this.caches.set(k, (cache = []));
      cache.push(e);
      this.cachedRecords++;
      this.cachedBytes += e.size;
    }
    if (this.due()) this.context.requestCommit();
    else if (wasEmpty) this.context.requestCommit(this.policy.intervalMs);
    this.checkMemory();
  }

  /** Writes every cached record (and retries a failed batch first). */
  async flush(_currentOffsets?: QueueOffset[]): Promise<void> {
    await this.flushBatches(true);
  }

  /** Writes the batches that are due, then reports per queue the offset before the oldest record not yet written. */
  async preCommit(currentOffsets: QueueOffset[]): Promise<QueueOffset[]> {
    await this.flushBatches(false);
    return this.safeOffsets(currentOffsets);
  }

  /** Drops what is cached for these queues: never reported safe, those records come again to their next owner. */
  close(queues: TopicQueue[]): void | Promise<void> {
    for (const q of queues) {
      const cache = this.caches.get(queueKey(q));
      if (!cache) continue;
      this.caches.delete(queueKey(q));
      this.cachedRecords -= cache.length;
      for (const e of cache) this.cachedBytes -= e.size;
    }
    this.checkMemory();
  }

  /** Everything cached is written at the next commit, which is asked for now. */
  protected requestFlush(): void {
    this.flushRequested = true;
    this.context.requestCommit();
  }

  /** Records and bytes cached, not yet handed to batchInsert. */
  protected get cached(): { records: number; bytes: number } {
    return { records: this.cachedRecords, bytes: this.cachedBytes };
  }

  private async flushBatches(all: boolean): Promise<void> {
    if (this.failed) await this.insert(this.failed);
    while (this.cachedRecords > 0 && (all || this.flushRequested || this.due())) await this.insert(this.take());
    if (this.cachedRecords === 0) this.flushRequested = false;
    if (this.unsynced.length > 0) {
      await this.flushInserted!();
      this.unsynced = [];
    }
    if (this.cachedRecords > 0) this.context.requestCommit(Math.max(0, this.oldestAt() + this.policy.intervalMs - this.now()));
    this.checkMemory();
  }

  private async insert(batch: Batch<T>): Promise<void> {
    this.failed = batch;
    await this.batchInsert(batch.items);
    this.failed = undefined;
    if (this.flushInserted) this.unsynced.push(batch);
  }

  private due(): boolean {
    const p = this.policy;
    return this.cachedRecords > 0 && (this.cachedRecords >= p.maxRecords || this.cachedBytes >= p.maxBytes || this.now() - this.oldestAt() >= p.intervalMs);
  }

  private oldestAt(): number {
    let at = Infinity;
    for (const cache of this.caches.values()) if (cache[0]!.at < at) at = cache[0]!.at;
    return at;
  }

  /** The oldest cached records, up to the policy's bounds (at least one). */
  private take(): Batch<T> {
    const { maxRecords, maxBytes } = this.policy;
    const heads = new Map<string, number>();
    const entries: Entry<T>[] = [];
    let bytes = 0;
    while (entries.length < maxRecords) {
      let best: { k: string; e: Entry<T> } | undefined;
      for (const [k, cache] of this.caches) {
        const e = cache[heads.get(k) ?? 0];
        if (e && (!best || e.seq < best.e.seq)) best = { k, e };
      }
      if (!best || (entries.length > 0 && bytes + best.e.size > maxBytes)) break;
      heads.set(best.k, (heads.get(best.k) ?? 0) + 1);
      entries.push(best.e);
      bytes += best.e.size;
    }
    for (const [k, n] of heads) {
      const cache = this.caches.get(k)!;
      cache.splice(0, n);
      if (cache.length === 0) this.caches.delete(k);
    }
    this.cachedRecords -= entries.length;
    this.cachedBytes -= bytes;
    return { entries, items: entries.map((e) => e.item), bytes };
  }

  private safeOffsets(current: QueueOffset[]): QueueOffset[] {
    const floor = new Map<string, number>();
    const hold = (r: Entry<T>): void => {
      const k = queueKey(r);
      const f = floor.get(k);
      if (f === undefined || r.offset < f) floor.set(k, r.offset);
    };
    for (const b of this.failed ? [this.failed, ...this.unsynced] : this.unsynced) for (const e of b.entries) hold(e);
    for (const cache of this.caches.values()) for (const e of cache) hold(e);
    return current.map((o) => ({ topic: o.topic, queue: o.queue, offset: Math.min(o.offset, floor.get(queueKey(o)) ?? o.offset) }));
  }

  private checkMemory(): void {
    const held = this.cachedBytes + (this.failed?.bytes ?? 0) + this.unsynced.reduce((n, b) => n + b.bytes, 0);
    if (held >= this.policy.maxBufferedBytes && !this.pausedForMemory) {
      this.pausedForMemory = this.context.assignment();
      this.context.logger.info({ bytes: held, maxBufferedBytes: this.policy.maxBufferedBytes }, 'batch sink: buffered records reached the memory bound; queues paused until a flush');
      this.context.pause(this.pausedForMemory);
      this.context.requestCommit();
    } else if (held < this.policy.maxBufferedBytes && this.pausedForMemory) {
      const assigned = new Set(this.context.assignment().map(queueKey));
      this.context.resume(this.pausedForMemory.filter((q) => assigned.has(queueKey(q))));
      this.pausedForMemory = undefined;
    }
  }
}

function resolvePolicy(p: BatchPolicy, who: string): Policy {
  const maxRecords = p.maxRecords ?? DEFAULT_BATCH_POLICY.maxRecords;
  const maxBytes = p.maxBytes ?? DEFAULT_BATCH_POLICY.maxBytes;
  const intervalMs = p.intervalMs ?? DEFAULT_BATCH_POLICY.intervalMs;
  const maxBufferedBytes = p.maxBufferedBytes ?? 2 * maxBytes;
  const check = (name: keyof BatchPolicy, v: number, min: number): void => {
    if (!Number.isSafeInteger(v) || v < min) throw new ConnectError('CONFIG_INVALID', `${who}: batch policy ${name} ${String(v)} is invalid; give a whole number >= ${min}`);
  };
  check('maxRecords', maxRecords, 1);
  check('maxBytes', maxBytes, 1);
  check('intervalMs', intervalMs, 0);
  check('maxBufferedBytes', maxBufferedBytes, maxBytes);
  return { maxRecords, maxBytes, intervalMs, maxBufferedBytes };
}
