// Runs a SinkTask: receive from the assigned queues → converters → transforms → put, and on the commit
// interval (or when the task asks, at once or by a deadline) preCommit/flush → commit the offsets the task
// reports safe. Offsets only ever move to what the sink says is durable, so a crash re-delivers rather than
// loses. Backpressure: records read and not yet reported safe are bounded (max.inflight.records / .bytes);
// at the bound the task's queues are paused and the task is asked to flush, until it catches up.

import type { QueueOffset, SinkRecord, SinkTask, SinkTaskContext, TopicQueue } from '../spi';
import { isRetriable, messageBytes, queueKey } from '../spi';
import type { StoredMessage, TopicConsumer } from '../transport/transport';
import { PipelineTask, type PipelineDeps } from './pipeline-task';

/** Longest a receive waits for records before the loop looks at commits, pause and stop again. */
const MAX_RECEIVE_WAIT_MS = 500;
/** Shortest time between two lag updates (each asks the transport for every queue's end offset). */
const LAG_REFRESH_MS = 1000;

export interface SinkTaskDeps extends PipelineDeps<SinkRecord> {
  /** The queues this task owns (computed by the herder from the topics and the task count). */
  assignment: TopicQueue[];
}

export class WorkerSinkTask extends PipelineTask<SinkRecord, SinkTask, SinkTaskDeps> {
  private consumer: TopicConsumer | undefined;
  /** Next offset to read per queue: advanced for every message consumed, put or skipped. */
  private readonly current = new Map<string, QueueOffset>();
  /** What was last committed per queue, to skip no-op commits. */
  private readonly committed = new Map<string, number>();
  private lastCommit = 0;
  private lastLag = -Infinity;
  private commitRequested = false;
  /** Earliest time the task asked to be committed by (requestCommit(delayMs)). */
  private commitDeadline: number | undefined;
  /** Per queue, the records handed to put whose offsets the task has not yet reported safe. */
  private readonly inflight = new Map<string, { offset: number; bytes: number }[]>();
  private inflightRecords = 0;
  private inflightBytes = 0;
  /** Queues the task paused itself, kept apart from the worker's backpressure pause of all queues. */
  private readonly taskPaused = new Set<string>();
  private heldBack = false;

  protected async initialize(): Promise<void> {
    const consumer = this.deps.transport.consumer(this.fw.groupId);
    this.consumer = consumer;
    const context: SinkTaskContext = {
      connectorName: this.connector,
      taskId: this.taskId,
      logger: this.logger,
      resolvePath: this.deps.resolvePath,
      clientDefaults: this.deps.clientDefaults,
      errantRecordReporter: async (record, error) => {
        const r = record as SinkRecord;
        this.errors.handle('task', { topic: r.topic, queue: r.queue, offset: r.offset }, error);
      },
      assignment: () => consumer.assignment(),
      committedOffsets: async () => {
        const owned = new Set(consumer.assignment().map(queueKey));
        return (await this.deps.transport.groupOffsets(this.fw.groupId, this.fw.topics)).filter((o) => owned.has(queueKey(o)));
      },
      seek: (offsets) => {
        consumer.seek(offsets);
        for (const o of offsets) {
          this.current.set(queueKey(o), { ...o });
          // What lies at or after the new position is read again and counted again then.
          this.release(o, (m) => m.offset >= o.offset);
        }
      },
      requestCommit: (delayMs) => {
        if (delayMs === undefined || delayMs <= 0) this.commitRequested = true;
        else this.commitDeadline = Math.min(this.commitDeadline ?? Infinity, this.clock.now() + delayMs);
      },
      pause: (queues) => {
        consumer.pause(queues);
        for (const q of queues) this.taskPaused.add(queueKey(q));
      },
      resume: (queues) => {
        for (const q of queues) this.taskPaused.delete(queueKey(q));
        if (!this.heldBack) consumer.resume(queues);
      },
    };
    await this.task.start(this.taskConfig, context);
    await consumer.assign(this.deps.assignment);
    const committed = new Map((await this.deps.transport.groupOffsets(this.fw.groupId, this.fw.topics)).map((o) => [queueKey(o), o.offset]));
    for (const q of this.deps.assignment) {
      const off = committed.get(queueKey(q)) ?? 0;
      this.current.set(queueKey(q), { ...q, offset: off });
      this.committed.set(queueKey(q), off);
    }
    await this.task.open?.(this.deps.assignment);
    this.lastCommit = this.clock.now();
  }

  protected async iterate(): Promise<void> {
    const consumer = this.consumer!;
    const messages = await consumer.receive(this.fw.maxPollRecords, this.receiveWait());
    if (messages.length > 0) {
      this.deps.metrics.recordsRead(this.connector, this.taskId, messages.length);
      const records: SinkRecord[] = [];
      const held: { m: StoredMessage; size: number }[] = [];
      for (const m of messages) {
        const size = messageBytes(m.body, m.key, m.headers);
        const r = this.toRecord(m, size);
        if (!r) continue;
        records.push(r);
        held.push({ m, size });
      }
      if (records.length > 0) {
        this.deps.metrics.batchSize(this.connector, this.taskId, records.length);
        await this.retry('put', async () => this.task.put(records));
        this.deps.metrics.recordsWritten(this.connector, this.taskId, records.length);
      }
      // Only after put accepted the batch: skipped and filtered messages count as consumed too, but only
      // what was put is the task's to hold (a sink never reports a queue it was given nothing of). Messages of a
      // queue come in offset order, so each queue's position is set once per run of its messages.
      messages.forEach((m, i) => {
        const next = messages[i + 1];
        if (!next || next.topic !== m.topic || next.queue !== m.queue) this.current.set(queueKey(m), { topic: m.topic, queue: m.queue, offset: m.offset + 1 });
      });
      let list: { offset: number; bytes: number }[] | undefined;
      held.forEach(({ m, size }, i) => {
        const prev = held[i - 1]?.m;
        if (!list || prev!.topic !== m.topic || prev!.queue !== m.queue) list = this.inflightOf(m);
        list.push({ offset: m.offset, bytes: size });
        this.inflightRecords++;
        this.inflightBytes += size;
      });
    }
    if (this.overBound()) {
      await this.relieve();
      return;
    }
    if (this.heldBack) this.readOn();
    const now = this.clock.now();
    if (this.commitRequested || (this.commitDeadline !== undefined && now >= this.commitDeadline) || now - this.lastCommit >= this.deps.commitIntervalMs) await this.commit(false);
  }

  /** How long receive may wait: never past a commit the task asked for, nor past the commit interval. */
  private receiveWait(): number {
    if (this.commitRequested) return 0;
    const until = Math.min(this.lastCommit + this.deps.commitIntervalMs, this.commitDeadline ?? Infinity);
    return Math.max(0, Math.min(MAX_RECEIVE_WAIT_MS, until - this.clock.now()));
  }

  private overBound(): boolean {
    return this.inflightRecords >= this.fw.maxInflightRecords || this.inflightBytes >= this.fw.maxInflightBytes;
  }

  /** The sink is behind: stop reading, have it write everything, and read on once it is under the bounds. */
  private async relieve(): Promise<void> {
    if (!this.heldBack) {
      this.heldBack = true;
      this.consumer!.pause(this.deps.assignment);
      this.deps.metrics.backpressure(this.connector, this.taskId, true);
      this.logger.info(
        { records: this.inflightRecords, bytes: this.inflightBytes, maxRecords: this.fw.maxInflightRecords, maxBytes: this.fw.maxInflightBytes },
        'sink task is behind: reading paused until it has written what it holds (max.inflight.records / max.inflight.bytes)',
      );
    }
    await this.commit(true);
    if (!this.overBound()) this.readOn();
  }

  private readOn(): void {
    this.heldBack = false;
    const free = this.deps.assignment.filter((q) => !this.taskPaused.has(queueKey(q)));
    if (free.length > 0) this.consumer!.resume(free);
    this.deps.metrics.backpressure(this.connector, this.taskId, false);
    this.logger.info({ records: this.inflightRecords, bytes: this.inflightBytes }, 'sink task caught up: reading resumed');
  }

  /** The in-flight list of a queue. */
  private inflightOf(q: { topic: string; queue: string }): { offset: number; bytes: number }[] {
    const k = queueKey(q);
    let list = this.inflight.get(k);
    if (!list) this.inflight.set(k, (list = []));
    return list;
  }

  /** Forgets the in-flight messages of a queue that `drop` selects. */
  private release(q: { topic: string; queue: string }, drop: (m: { offset: number }) => boolean): void {
    const list = this.inflight.get(queueKey(q));
    if (!list) return;
    const kept = list.filter((m) => {
      if (!drop(m)) return true;
      this.inflightRecords--;
      this.inflightBytes -= m.bytes;
      return false;
    });
    this.inflight.set(queueKey(q), kept);
  }

  protected override async onPause(): Promise<void> {
    await this.commit(true);
  }

  protected async close(clean: boolean): Promise<void> {
    try {
      if (clean) await this.commit(true);
      await this.task.close?.(this.deps.assignment);
    } finally {
      try {
        await this.task.stop();
      } finally {
        this.deps.transforms.close();
        await this.consumer?.close();
      }
    }
  }

  private toRecord(m: StoredMessage, size: number): SinkRecord | undefined {
    const where = { topic: m.topic, queue: m.queue, offset: m.offset };
    let record: SinkRecord;
    try {
      const key = m.key === null ? { value: null } : this.deps.keyConverter.toConnectData(m.topic, Buffer.from(m.key, 'utf8'), m.headers);
      const value = this.deps.valueConverter.toConnectData(m.topic, m.body, m.headers);
      record = { topic: m.topic, queue: m.queue, offset: m.offset, size, key: key.value, keySchema: key.schema, value: value.value, schema: value.schema, timestamp: m.timestamp, headers: m.headers };
    } catch (err) {
      this.errors.handle('convert', where, err);
      return undefined;
    }
    try {
      return this.deps.transforms.apply(record) ?? undefined;
    } catch (err) {
      this.errors.handle('transform', where, err);
      return undefined;
    }
  }

  /** `flushAll`: the task is asked to write everything first (pause, stop, backpressure), not only what is due. */
  private async commit(flushAll: boolean): Promise<void> {
    this.commitRequested = false;
    this.commitDeadline = undefined;
    this.lastCommit = this.clock.now();
    const consumer = this.consumer;
    if (!consumer) return;
    const started = this.clock.now();
    const current = [...this.current.values()].map((o) => ({ ...o }));
    if (flushAll && this.task.flush && this.task.preCommit) await this.retry('flush', async () => this.task.flush!(current));
    const safe = this.task.preCommit
      ? await this.retry('preCommit', async () => this.task.preCommit!(current))
      : await this.retry('flush', async () => {
          await this.task.flush?.(current);
          return current;
        });
    // Durable in the sink, whether or not the offset commit below lands.
    for (const o of safe) this.release(o, (m) => m.offset < o.offset);
    const owned = new Set(this.deps.assignment.map(queueKey));
    const changed = safe.filter((o) => owned.has(queueKey(o)) && this.committed.get(queueKey(o)) !== o.offset);
    if (changed.length > 0) {
      try {
        await consumer.commit(changed);
      } catch (err) {
        // The sink already holds these records; a later commit carries the same offsets. Like Kafka
        // Connect, a failed offset commit (broker restarting) never fails or blocks the task.
        if (!isRetriable(err)) throw err;
        this.logger.warn({ err: (err as Error).message, queues: changed.length }, 'committing offsets failed; the next commit retries them');
        return;
      }
      for (const o of changed) this.committed.set(queueKey(o), o.offset);
      this.deps.metrics.commitLatency(this.connector, this.taskId, (this.clock.now() - started) / 1000);
    }
    // Lag needs a round trip per queue: at most once a second, however often the task commits.
    if (this.clock.now() - this.lastLag < LAG_REFRESH_MS) return;
    this.lastLag = this.clock.now();
    try {
      for (const q of this.deps.assignment) {
        const end = await this.deps.transport.endOffset(q);
        this.deps.metrics.lag(this.connector, this.taskId, q.topic, q.queue, Math.max(0, end - (this.committed.get(queueKey(q)) ?? 0)));
      }
    } catch (err) {
      if (!isRetriable(err)) throw err;
      this.logger.debug({ err: (err as Error).message }, 'lag not updated: end offsets unavailable');
    }
  }
}
