// Runs a SourceTask: poll → transforms → converters → send to the topic, with the batch's source
// positions committed by the transport together with its messages (atomically on the embedded
// transport). A record that cannot be converted follows errors.tolerance; its position still advances,
// so a skipped record is not re-read forever.

import type { SourcePartition, SourcePosition, SourceRecord, SourceTask, SourceTaskContext } from '../spi';
import type { PositionUpdate, TransportMessage } from '../transport/transport';
import { canonicalJson } from './canonical-json';
import { PipelineTask, type PipelineDeps } from './pipeline-task';

export type SourceTaskDeps = PipelineDeps<SourceRecord>;

export class WorkerSourceTask extends PipelineTask<SourceRecord, SourceTask, SourceTaskDeps> {
  private readonly knownTopics = new Set<string>();
  private positions = new Map<string, SourcePosition>();
  private lastCommit = 0;
  private uncommitted = false;

  protected async initialize(): Promise<void> {
    for (const p of await this.deps.transport.positions(this.connector)) this.positions.set(canonicalJson(p.partition), p.position);
    const logger = this.logger;
    const context: SourceTaskContext = {
      connectorName: this.connector,
      taskId: this.taskId,
      logger,
      resolvePath: this.deps.resolvePath,
      clientDefaults: this.deps.clientDefaults,
      position: async (partition: SourcePartition) => this.positions.get(canonicalJson(partition)),
      errantRecordReporter: async (record, error) => {
        const r = record as SourceRecord;
        this.errors.handle('task', { topic: r.topic, sourcePartition: r.sourcePartition, sourcePosition: r.sourcePosition }, error);
      },
    };
    await this.task.start(this.taskConfig, context);
    this.lastCommit = this.clock.now();
  }

  protected async iterate(): Promise<void> {
    const records = await this.retry('poll', () => this.task.poll());
    if (records.length === 0) {
      await this.maybeCommit();
      await this.idle(50);
      return;
    }
    this.deps.metrics.recordsRead(this.connector, this.taskId, records.length);
    this.deps.metrics.batchSize(this.connector, this.taskId, records.length);

    const byTopic = new Map<string, TransportMessage[]>();
    const latest = new Map<string, PositionUpdate>();
    const sent: SourceRecord[] = [];
    for (const record of records) {
      latest.set(canonicalJson(record.sourcePartition), { connector: this.connector, partition: record.sourcePartition, position: record.sourcePosition });
      const msg = this.toMessage(record);
      if (!msg) continue;
      const topic = msg.topic;
      let list = byTopic.get(topic);
      if (!list) byTopic.set(topic, (list = []));
      list.push(msg.message);
      sent.push(record);
    }
    const positions = [...latest.values()];
    const topics = [...byTopic.keys()];
    if (topics.length === 0) topics.push(this.fw.topic ?? '');
    for (let i = 0; i < topics.length; i++) {
      const topic = topics[i]!;
      if (topic && !this.knownTopics.has(topic)) {
        await this.deps.transport.ensureTopic(topic);
        this.knownTopics.add(topic);
      }
      const last = i === topics.length - 1;
      await this.retry('send', () => this.deps.transport.send(topic, byTopic.get(topic) ?? [], last ? { positions } : {}));
    }
    for (const p of positions) this.positions.set(canonicalJson(p.partition), p.position);
    this.deps.metrics.recordsWritten(this.connector, this.taskId, sent.length);
    if (this.task.commitRecord) for (const r of sent) await this.task.commitRecord(r);
    this.uncommitted = true;
    await this.maybeCommit();
  }

  protected override async onPause(): Promise<void> {
    await this.commitTask();
  }

  protected async close(clean: boolean): Promise<void> {
    try {
      if (clean) await this.commitTask();
    } finally {
      await this.task.stop();
      this.deps.transforms.close();
    }
  }

  private toMessage(record: SourceRecord): { topic: string; message: TransportMessage } | undefined {
    const where = { topic: record.topic, sourcePartition: record.sourcePartition, sourcePosition: record.sourcePosition };
    let r: SourceRecord | null;
    try {
      r = this.deps.transforms.apply(record);
    } catch (err) {
      this.errors.handle('transform', where, err);
      return undefined;
    }
    if (r === null) return undefined;
    const topic = r.topic || this.fw.topic;
    if (!topic) {
      this.errors.handle('task', where, new Error('record has no topic and the connector has no connect.topicname'));
      return undefined;
    }
    try {
      const headers = r.headers ?? {};
      const key = r.key === undefined || r.key === null ? null : this.deps.keyConverter.fromConnectData(topic, r.keySchema, r.key, headers);
      const body = this.deps.valueConverter.fromConnectData(topic, r.schema, r.value, headers);
      return { topic, message: { key: key === null ? null : key.toString('utf8'), body, headers, timestamp: r.timestamp ?? this.clock.now() } };
    } catch (err) {
      this.errors.handle('convert', where, err);
      return undefined;
    }
  }

  private async maybeCommit(): Promise<void> {
    if (this.uncommitted && this.clock.now() - this.lastCommit >= this.deps.commitIntervalMs) await this.commitTask();
  }

  /** Positions are already durable with their messages; this tells the task so (SourceTask.commit). */
  private async commitTask(): Promise<void> {
    const started = this.clock.now();
    this.lastCommit = started;
    if (!this.uncommitted) return;
    this.uncommitted = false;
    await this.task.commit?.();
    this.deps.metrics.commitLatency(this.connector, this.taskId, (this.clock.now() - started) / 1000);
  }
}
