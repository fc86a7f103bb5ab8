// Runs a SinkTask: receive from the assigned queues → converters → transforms → put, and on the commit
// interval (or when the task asks) preCommit/flush → commit the offsets the task reports safe. Offsets
// only ever move to what the sink says is durable, so a crash re-delivers rather than loses.

import type { QueueOffset, SinkRecord, SinkTask, SinkTaskContext, TopicQueue } from '../spi';
import { isRetriable, queueKey } from '../spi';
import type { StoredMessage, TopicConsumer } from '../transport/transport';
import { PipelineTask, type PipelineDeps } from './pipeline-task';

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
  private commitRequested = false;

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
        for (const o of offsets) this.current.set(queueKey(o), { ...o });
      },
      requestCommit: () => {
        this.commitRequested = true;
      },
      pause: (queues) => consumer.pause(queues),
      resume: (queues) => consumer.resume(queues),
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
    const messages = await consumer.receive(this.fw.maxPollRecords, 500);
    if (messages.length > 0) {
      this.deps.metrics.recordsRead(this.connector, this.taskId, messages.length);
      const records: SinkRecord[] = [];
      for (const m of messages) {
        const r = this.toRecord(m);
        if (r) records.push(r);
      }
      if (records.length > 0) {
        this.deps.metrics.batchSize(this.connector, this.taskId, records.length);
        await this.retry('put', async () => this.task.put(records));
        this.deps.metrics.recordsWritten(this.connector, this.taskId, records.length);
      }
      // Only after put accepted the batch: skipped and filtered messages count as consumed too.
      for (const m of messages) this.current.set(queueKey(m), { topic: m.topic, queue: m.queue, offset: m.offset + 1 });
    }
    if (this.commitRequested || this.clock.now() - this.lastCommit >= this.deps.commitIntervalMs) await this.commit();
  }

  protected override async onPause(): Promise<void> {
    await this.commit();
  }

  protected async close(clean: boolean): Promise<void> {
    try {
      if (clean) await this.commit();
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

  private toRecord(m: StoredMessage): SinkRecord | undefined {
    const where = { topic: m.topic, queue: m.queue, offset: m.offset };
    let record: SinkRecord;
    try {
      const key = m.key === null ? { value: null } : this.deps.keyConverter.toConnectData(m.topic, Buffer.from(m.key, 'utf8'), m.headers);
      const value = this.deps.valueConverter.toConnectData(m.topic, m.body, m.headers);
      record = { topic: m.topic, queue: m.queue, offset: m.offset, key: key.value, keySchema: key.schema, value: value.value, schema: value.schema, timestamp: m.timestamp, headers: m.headers };
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

  private async commit(): Promise<void> {
    this.commitRequested = false;
    this.lastCommit = this.clock.now();
    const consumer = this.consumer;
    if (!consumer) return;
    const started = this.clock.now();
    const current = [...this.current.values()].map((o) => ({ ...o }));
    const safe = this.task.preCommit
      ? await this.retry('preCommit', async () => this.task.preCommit!(current))
      : await this.retry('flush', async () => {
          await this.task.flush?.(current);
          return current;
        });
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
