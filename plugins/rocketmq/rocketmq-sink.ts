// rocketmq-sink: sends each record to a RocketMQ topic with a Producer. Written only against the SPI.
// Invariants: put returns only when every record it was given has been sent (or reported to the errant-record
// reporter), so the offsets preCommit reports are those of records RocketMQ has accepted; a record not yet sent
// holds its queue's offset back. A send that fails for a reason that may pass (proxy unreachable, throttled,
// timeout) fails put with a RetriableError naming the topic; the runtime retries put with the same records and the
// ones already sent are not sent again. Records of one FIFO message group are sent one after another, in order.
// At-least-once: a send whose answer was lost, or a crash before the offsets are committed, sends again.

import {
  ConfigDef,
  ConfigError,
  ConnectError,
  DataError,
  RetriableError,
  queueKey,
  type ConfigFieldError,
  type ConnectorContext,
  type QueueOffset,
  type SinkConnector,
  type SinkRecord,
  type SinkTask,
  type SinkTaskContext,
} from '../../runtime/spi';
import { classifyClientError, rocketmqClients, type ClientErrorInfo, type OutgoingMessage, type ProducerClient, type RocketMQClients } from './client/rocketmq-clients';
import { ROCKETMQ_PLUGIN_VERSION, rocketmqSinkConfigDef, sinkSettings, validateSink, type SinkSettings } from './rocketmq-config';
import { toOutgoingMessage, where } from './sink-message-mapping';

export class RocketMQSinkConnector implements SinkConnector {
  readonly type = 'sink' as const;
  private settings: Record<string, string> = {};

  constructor(private readonly clients: RocketMQClients = rocketmqClients()) {}

  version(): string {
    return ROCKETMQ_PLUGIN_VERSION;
  }

  config(): ConfigDef {
    return rocketmqSinkConfigDef();
  }

  validate(config: Record<string, string>): ConfigFieldError[] {
    return validateSink(config);
  }

  start(config: Record<string, string>, context: ConnectorContext): void {
    sinkSettings(config, `connector "${context.connectorName}"`);
    this.settings = { ...config };
  }

  /** Each task sends the records of the queues the runtime assigns it, with its own producer. */
  taskConfigs(maxTasks: number): Record<string, string>[] {
    return Array.from({ length: Math.max(1, maxTasks) }, () => ({ ...this.settings }));
  }

  createTask(): SinkTask {
    return new RocketMQSinkTask(this.clients);
  }

  stop(): void {
    this.settings = {};
  }
}

interface Pending {
  record: SinkRecord;
  id: string;
  message: OutgoingMessage;
}

type Outcome = { status: 'sent' } | { status: 'failed'; info: ClientErrorInfo; error: unknown } | { status: 'not-attempted' };

export class RocketMQSinkTask implements SinkTask {
  private settings: SinkSettings | undefined;
  private context: SinkTaskContext | undefined;
  private producer: ProducerClient | undefined;
  /** Records of the put in progress already sent or reported, so a retried put does not send them again. */
  private done = new Set<string>();
  /** Per queue, the lowest offset of a record handed to put and not yet sent. */
  private unsent = new Map<string, number>();
  private readonly warnedHeaders = new Set<string>();
  private sentTotal = 0;

  constructor(private readonly clients: RocketMQClients = rocketmqClients()) {}

  version(): string {
    return ROCKETMQ_PLUGIN_VERSION;
  }

  start(config: Record<string, string>, context: SinkTaskContext): void {
    const s = sinkSettings(config, `task ${context.taskId} of connector "${context.connectorName}"`);
    this.settings = s;
    this.context = context;
    context.logger.info(
      { endpoints: s.endpoints, topic: s.topic, tag: s.tag, tagField: s.tagField?.text, keysField: s.keysField?.text, groupField: s.groupField?.text, delayMs: s.delayMs },
      'rocketmq-sink starting',
    );
  }

  async put(records: SinkRecord[]): Promise<void> {
    const s = this.settings!;
    const ctx = this.context!;
    const now = Date.now();
    let pending: Pending[] = [];
    for (const record of records) {
      const id = recordId(record);
      if (this.done.has(id)) continue;
      let mapped;
      try {
        mapped = toOutgoingMessage(record, s, now);
      } catch (err) {
        // Resolves once reported; rejects when the connector tolerates no errors, which fails the task.
        await ctx.errantRecordReporter(record, err as Error);
        this.done.add(id);
        continue;
      }
      for (const h of mapped.skippedHeaders) {
        if (this.warnedHeaders.has(h)) continue;
        this.warnedHeaders.add(h);
        ctx.logger.warn({ header: h, topic: s.topic }, 'rocketmq-sink: header not sent as a message property: RocketMQ reserves the name (logged once per name)');
      }
      pending.push({ record, id, message: mapped.message });
    }
    this.holdBack(pending);
    if (pending.length > 0) {
      const producer = await this.ensureProducer();
      while (pending.length > 0) pending = await this.sendRound(producer, pending);
    }
    this.done.clear();
    this.unsent.clear();
  }

  /** Every record put has been sent (put returns only then); flush has nothing left to do unless a put failed. */
  flush(_currentOffsets?: QueueOffset[]): void {
    if (this.unsent.size > 0) throw new RetriableError(`rocketmq-sink: records for RocketMQ topic ${this.settings?.topic} are not sent yet`);
  }

  /** The runtime's offsets, held back on any queue with a record not yet sent. */
  preCommit(currentOffsets: QueueOffset[]): QueueOffset[] {
    return currentOffsets.map((o) => {
      const floor = this.unsent.get(queueKey(o));
      return { topic: o.topic, queue: o.queue, offset: floor !== undefined && floor < o.offset ? floor : o.offset };
    });
  }

  async stop(): Promise<void> {
    const p = this.producer;
    this.producer = undefined;
    if (p) await p.close();
    this.context?.logger.info({ topic: this.settings?.topic, sent: this.sentTotal }, 'rocketmq-sink stopped');
  }

  private async ensureProducer(): Promise<ProducerClient> {
    if (this.producer) return this.producer;
    const s = this.settings!;
    try {
      this.producer = await this.clients.startProducer({ endpoints: s.endpoints, credentials: s.credentials, requestTimeoutMs: s.requestTimeoutMs, logger: this.context!.logger, topics: [s.topic] });
    } catch (err) {
      const info = classifyClientError(err);
      const what = `cannot start a producer for RocketMQ topic ${s.topic} at ${s.endpoints} (is the proxy reachable, and does the topic exist?)`;
      if (info.kind === 'config') throw this.configError(info, err);
      throw new RetriableError(`${what}: ${info.text}`, err);
    }
    this.context!.logger.info({ topic: s.topic }, 'rocketmq-sink: producer started');
    return this.producer;
  }

  /** Sends what is pending; returns what is left to send right away (records after a refused one in a FIFO
   *  group). Throws when a send failed for any reason but the record itself. */
  private async sendRound(producer: ProducerClient, pending: Pending[]): Promise<Pending[]> {
    const s = this.settings!;
    const ctx = this.context!;
    const outcomes = await sendInLanes(producer, pending, s.concurrency);
    let retriable: { item: Pending; info: ClientErrorInfo; error: unknown } | undefined;
    let retriableCount = 0;
    let config: { info: ClientErrorInfo; error: unknown } | undefined;
    const left: Pending[] = [];
    for (let i = 0; i < pending.length; i++) {
      const item = pending[i]!;
      const o = outcomes[i]!;
      if (o.status === 'sent') {
        this.done.add(item.id);
        this.sentTotal++;
      } else if (o.status === 'not-attempted') {
        left.push(item);
      } else if (o.info.kind === 'record') {
        await ctx.errantRecordReporter(item.record, new DataError(`RocketMQ topic ${s.topic} refused ${where(item.record)}: ${o.info.text}`, o.error));
        this.done.add(item.id);
      } else if (o.info.kind === 'config') {
        config ??= { info: o.info, error: o.error };
      } else {
        retriable ??= { item, info: o.info, error: o.error };
        retriableCount++;
      }
    }
    if (config) throw this.configError(config.info, config.error);
    if (retriable) {
      this.holdBack(pending.filter((p) => !this.done.has(p.id)));
      const sent = pending.filter((p) => this.done.has(p.id)).length;
      throw new RetriableError(
        `sending ${retriableCount} record(s) to RocketMQ topic ${s.topic} at ${s.endpoints} failed (first: ${where(retriable.item.record)}): ${retriable.info.text}; ` +
          `${sent} of ${pending.length} were sent, the rest are sent when the runtime retries`,
        retriable.error,
      );
    }
    return left;
  }

  /** Remembers, per queue, the lowest offset not yet sent, which preCommit will not report past. */
  private holdBack(items: Pending[]): void {
    this.unsent.clear();
    for (const { record } of items) {
      const k = queueKey(record);
      const cur = this.unsent.get(k);
      if (cur === undefined || record.offset < cur) this.unsent.set(k, record.offset);
    }
  }

  /** A failure that waiting will not cure, naming the key to change. */
  private configError(info: ClientErrorInfo, cause: unknown): Error {
    const s = this.settings!;
    const t = info.typeMismatch;
    if (t) {
      const accepted = t.accepted.join(', ') || 'no';
      const topicIs = `RocketMQ topic ${s.topic} accepts ${accepted} messages, not ${t.messageType}`;
      const errors: ConfigFieldError[] =
        t.messageType === 'DELAY'
          ? [{ name: 'rocketmq.delay.ms', message: `${topicIs}; create it as a DELAY topic (message.type=DELAY) or set rocketmq.delay.ms=0` }]
          : t.messageType === 'FIFO'
            ? [{ name: 'rocketmq.message.group.field', message: `${topicIs}; create it as a FIFO topic (message.type=FIFO) or remove rocketmq.message.group.field` }]
            : t.accepted.includes('FIFO')
              ? [{ name: 'rocketmq.message.group.field', message: `${topicIs}; FIFO messages need a message group: set rocketmq.message.group.field` }]
              : t.accepted.includes('DELAY')
                ? [{ name: 'rocketmq.delay.ms', message: `${topicIs}; DELAY messages need a delay: set rocketmq.delay.ms` }]
                : [{ name: 'rocketmq.topic', message: `${topicIs}; send to a topic of another type` }];
      return new ConfigError(errors, 'rocketmq-sink cannot send');
    }
    const family = info.code === undefined ? undefined : Math.floor(info.code / 100);
    if (family === 401 || family === 403 || info.code === 16 || info.code === 7) {
      return new ConfigError([{ name: 'rocketmq.access.key', message: `RocketMQ refused the credentials or permission for topic ${s.topic}: ${info.text}; check rocketmq.access.key and rocketmq.secret.key` }], 'rocketmq-sink cannot send');
    }
    return new ConnectError('TASK_FAILED', `rocketmq-sink cannot send to RocketMQ topic ${s.topic}: ${info.text}`, { cause });
  }
}

function recordId(r: SinkRecord): string {
  return `${r.topic}\u0000${r.queue}\u0000${r.offset}`;
}

/**
 * Sends with at most `concurrency` sends in flight. Records with a message group form one lane per group, sent
 * in order, and a lane stops at its first failure (what follows stays 'not-attempted', to keep the order); every
 * other record is a lane of its own.
 */
export async function sendInLanes(producer: { send(m: OutgoingMessage): Promise<unknown> }, items: { message: OutgoingMessage }[], concurrency: number): Promise<Outcome[]> {
  const outcomes: Outcome[] = items.map(() => ({ status: 'not-attempted' }));
  const lanes: number[][] = [];
  const byGroup = new Map<string, number[]>();
  items.forEach((item, i) => {
    const g = item.message.messageGroup;
    if (g === undefined) {
      lanes.push([i]);
      return;
    }
    let lane = byGroup.get(g);
    if (!lane) {
      byGroup.set(g, (lane = []));
      lanes.push(lane);
    }
    lane.push(i);
  });
  let next = 0;
  const runner = async (): Promise<void> => {
    while (next < lanes.length) {
      const lane = lanes[next++]!;
      for (const i of lane) {
        try {
          await producer.send(items[i]!.message);
          outcomes[i] = { status: 'sent' };
        } catch (error) {
          outcomes[i] = { status: 'failed', info: classifyClientError(error), error };
          break;
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, concurrency), lanes.length) }, runner));
  return outcomes;
}
