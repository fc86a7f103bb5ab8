// rocketmq-sink: sends each record to a RocketMQ topic with a Producer. Written only against the SPI, on the
// SPI's BatchSinkTask (batch.max.records / batch.max.bytes / batch.interval.ms). Invariants: a batch is done only
// when every record in it has been sent (or reported to the errant-record reporter), and the base reports offsets
// safe only for done batches. A send that fails for a reason that may pass (proxy unreachable, throttled, timeout)
// fails the batch with a RetriableError naming the topic; the runtime retries, the same batch is sent again and
// the records of it already sent are not sent again. Records of one FIFO message group are sent one after another,
// in order. At-least-once: a send whose answer was lost, or a crash before the offsets are committed, sends again.

import {
  BatchSinkTask,
  ConfigDef,
  ConfigError,
  ConnectError,
  DataError,
  RetriableError,
  type BatchPolicy,
  type ConfigFieldError,
  type ConnectorContext,
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

export class RocketMQSinkTask extends BatchSinkTask<Pending> {
  private settings: SinkSettings | undefined;
  private producer: ProducerClient | undefined;
  /** Records of the batch in progress already sent or reported, so a retried batch does not send them again. */
  private done = new Set<string>();
  private readonly warnedHeaders = new Set<string>();
  private sentTotal = 0;

  constructor(private readonly clients: RocketMQClients = rocketmqClients()) {
    super();
  }

  version(): string {
    return ROCKETMQ_PLUGIN_VERSION;
  }

  protected onStart(config: Record<string, string>, context: SinkTaskContext): BatchPolicy {
    const s = sinkSettings(config, `task ${context.taskId} of connector "${context.connectorName}"`);
    this.settings = s;
    context.logger.info(
      { endpoints: s.endpoints, topic: s.topic, tag: s.tag, tagField: s.tagField?.text, keysField: s.keysField?.text, groupField: s.groupField?.text, delayMs: s.delayMs },
      'rocketmq-sink starting',
    );
    return s.batch;
  }

  /** The message for a record; one that cannot be mapped goes to the errant-record reporter at once. */
  protected override async prepare(record: SinkRecord): Promise<Pending | undefined> {
    const s = this.settings!;
    const ctx = this.context;
    let mapped;
    try {
      mapped = toOutgoingMessage(record, s, Date.now());
    } catch (err) {
      // Resolves once reported; rejects when the connector tolerates no errors, which fails the task.
      await ctx.errantRecordReporter(record, err as Error);
      return undefined;
    }
    for (const h of mapped.skippedHeaders) {
      if (this.warnedHeaders.has(h)) continue;
      this.warnedHeaders.add(h);
      ctx.logger.warn({ header: h, topic: s.topic }, 'rocketmq-sink: header not sent as a message property: RocketMQ reserves the name (logged once per name)');
    }
    return { record, id: recordId(record), message: mapped.message };
  }

  /** Sends the batch; resolves when every record of it was sent or reported. */
  protected async batchInsert(batch: Pending[]): Promise<void> {
    let pending = batch.filter((p) => !this.done.has(p.id));
    if (pending.length > 0) {
      const producer = await this.ensureProducer();
      while (pending.length > 0) pending = await this.sendRound(producer, pending);
    }
    this.done.clear();
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
      this.producer = await this.clients.startProducer({ endpoints: s.endpoints, credentials: s.credentials, requestTimeoutMs: s.requestTimeoutMs, logger: this.context.logger, topics: [s.topic] });
    } catch (err) {
      const info = classifyClientError(err);
      const what = `cannot start a producer for RocketMQ topic ${s.topic} at ${s.endpoints} (is the proxy reachable, and does the topic exist?)`;
      if (info.kind === 'config') throw this.configError(info, err);
      throw new RetriableError(`${what}: ${info.text}`, err);
    }
    this.context.logger.info({ topic: s.topic }, 'rocketmq-sink: producer started');
    return this.producer;
  }

  /** Sends what is pending; returns what is left to send right away (records after a refused one in a FIFO
   *  group). Throws when a send failed for any reason but the record itself. */
  private async sendRound(producer: ProducerClient, pending: Pending[]): Promise<Pending[]> {
    const s = this.settings!;
    const ctx = this.context;
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
      const sent = pending.filter((p) => this.done.has(p.id)).length;
      throw new RetriableError(
        `sending ${retriableCount} record(s) to RocketMQ topic ${s.topic} at ${s.endpoints} failed (first: ${where(retriable.item.record)}): ${retriable.info.text}; ` +
          `${sent} of ${pending.length} were sent, the rest are sent when the runtime retries`,
        retriable.error,
      );
    }
    return left;
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
