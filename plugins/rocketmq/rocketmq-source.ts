// rocketmq-source: reads an existing RocketMQ topic with a SimpleConsumer (receive, then acknowledge) into
// connect.topicname. Written only against the SPI, as a third-party source would be.
// Invariants: a message is acknowledged only after the runtime has committed its record (commitRecord, called
// once the send that carries the batch's positions returned) or, for a record a filter dropped or errors.tolerance
// skipped, once the runtime committed what poll returned (commit); anything not acknowledged — a task that stops,
// fails or is killed — is delivered again after rocketmq.invisible.duration.ms: at-least-once, duplicates possible,
// no loss. poll() never waits more than about a second (the 5 s long poll runs in the background), and stop()
// never waits on the proxy for longer than the client's bounded shutdown.

import {
  ConfigDef,
  ConnectError,
  RetriableError,
  type ConfigFieldError,
  type ConnectorContext,
  type Logger,
  type SourceConnector,
  type SourceRecord,
  type SourceTask,
  type SourceTaskContext,
} from '../../runtime/spi';
import { classifyClientError, rocketmqClients, type ConsumerClient, type ReceivedMessage, type RocketMQClients } from './client/rocketmq-clients';
import { ROCKETMQ_PLUGIN_VERSION, rocketmqSourceConfigDef, sourceSettings, validateSource, type SourceSettings } from './rocketmq-config';
import { toSourceRecord } from './source-record-mapping';

/** Longest a poll waits for messages before returning empty-handed (the SPI asks for about a second). */
export const POLL_WAIT_MS = 1_000;

export class RocketMQSourceConnector implements SourceConnector {
  readonly type = 'source' as const;
  private settings: Record<string, string> = {};

  constructor(private readonly clients: RocketMQClients = rocketmqClients()) {}

  version(): string {
    return ROCKETMQ_PLUGIN_VERSION;
  }

  config(): ConfigDef {
    return rocketmqSourceConfigDef();
  }

  validate(config: Record<string, string>): ConfigFieldError[] {
    return validateSource(config);
  }

  start(config: Record<string, string>, context: ConnectorContext): void {
    // Parsed here so a bad value fails the connector, naming the key, rather than each task.
    sourceSettings(config, context.connectorName, `connector "${context.connectorName}"`);
    this.settings = { ...config };
  }

  /** Every task is a consumer in the same group: RocketMQ spreads the messages over them. */
  taskConfigs(maxTasks: number): Record<string, string>[] {
    return Array.from({ length: Math.max(1, maxTasks) }, () => ({ ...this.settings }));
  }

  createTask(): SourceTask {
    return new RocketMQSourceTask(this.clients);
  }

  stop(): void {
    this.settings = {};
  }
}

export class RocketMQSourceTask implements SourceTask {
  private settings: SourceSettings | undefined;
  private log: Logger | undefined;
  private topic = '';
  private consumer: ConsumerClient | undefined;
  private starting = false;
  private receiving = false;
  /** Received, not yet handed out by poll, with the time they were received. */
  private buffer: { m: ReceivedMessage; at: number }[] = [];
  /** A failure of the background startup or receive, thrown by the next poll. */
  private failure: Error | undefined;
  /** Handed out by poll, not yet acknowledged; keyed by the record object the runtime hands back. */
  private readonly unacked = new Map<SourceRecord, ReceivedMessage>();
  private readonly acking = new Set<Promise<void>>();
  private ackFailures = 0;
  private lastAckError = '';
  private wake: (() => void) | undefined;
  private stopped = false;

  constructor(private readonly clients: RocketMQClients = rocketmqClients()) {}

  version(): string {
    return ROCKETMQ_PLUGIN_VERSION;
  }

  start(config: Record<string, string>, context: SourceTaskContext): void {
    const s = sourceSettings(config, context.connectorName, `task ${context.taskId} of connector "${context.connectorName}"`);
    this.settings = s;
    this.log = context.logger;
    // '' lets the runtime apply connect.topicname (or its aliases).
    this.topic = config['connect.topicname'] ?? '';
    const converter = config['value.converter'] ?? 'json';
    if (/json/i.test(converter)) {
      context.logger.warn({ valueConverter: converter }, 'rocketmq-source hands message bodies on as bytes; with a JSON value converter they are written as base64 strings. Set value.converter=bytes to keep them byte for byte (or string for text)');
    }
    context.logger.info({ endpoints: s.endpoints, topic: s.topic, group: s.group, tagExpression: s.tagExpression, invisibleDurationMs: s.invisibleDurationMs }, 'rocketmq-source starting');
  }

  async poll(): Promise<SourceRecord[]> {
    if (this.stopped || !this.settings) return [];
    if (this.buffer.length === 0 && !this.failure) {
      this.ensureConsumer();
      this.ensureReceiving();
      if (this.buffer.length === 0 && !this.failure) await this.waitForWork(POLL_WAIT_MS);
    }
    if (this.buffer.length > 0) {
      const now = Date.now();
      const messages = this.fresh(this.buffer, now);
      this.buffer = [];
      // Receive the next batch while the runtime writes this one.
      this.ensureReceiving();
      return messages.map((m) => {
        const record = toSourceRecord(m, this.topic, now);
        this.unacked.set(record, m);
        return record;
      });
    }
    const failure = this.failure;
    if (failure) {
      this.failure = undefined;
      throw failure;
    }
    return [];
  }

  /** The record is in connect.topicname with its position: acknowledge its message (not awaited, so the
   *  runtime's loop does not wait a round trip per record; commit() and stop() wait for these). */
  commitRecord(record: SourceRecord): void {
    const m = this.unacked.get(record);
    if (!m) return;
    this.unacked.delete(record);
    this.ack(m);
  }

  /** Everything poll returned has been committed (Kafka's SourceTask.commit contract): acknowledge what is left
   *  (records a filter dropped or errors.tolerance skipped) and wait for the acknowledgements in flight. */
  async commit(): Promise<void> {
    for (const [record, m] of this.unacked) {
      this.unacked.delete(record);
      this.ack(m);
    }
    await Promise.allSettled([...this.acking]);
    this.reportAckFailures();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    // Acknowledgements already sent are bounded by the request timeout; let them land.
    await Promise.allSettled([...this.acking]);
    this.reportAckFailures();
    const dropped = this.buffer.length + this.unacked.size;
    this.buffer = [];
    this.unacked.clear();
    if (dropped > 0) this.log?.info({ count: dropped }, 'rocketmq-source: messages received but not committed are delivered again after rocketmq.invisible.duration.ms');
    const c = this.consumer;
    this.consumer = undefined;
    // A startup still under way closes its client itself when it sees `stopped`.
    if (c) await c.close();
    this.log?.info({ topic: this.settings?.topic }, 'rocketmq-source stopped');
  }

  private ensureConsumer(): void {
    const s = this.settings;
    if (this.consumer || this.starting || this.stopped || !s) return;
    this.starting = true;
    this.clients
      .startSimpleConsumer({ endpoints: s.endpoints, credentials: s.credentials, requestTimeoutMs: s.requestTimeoutMs, logger: this.log!, group: s.group, topic: s.topic, tagExpression: s.tagExpression })
      .then(
        async (c) => {
          this.starting = false;
          if (this.stopped) {
            await c.close();
            return;
          }
          this.consumer = c;
          this.log?.info({ topic: s.topic, group: s.group }, 'rocketmq-source: consumer started');
          this.ensureReceiving();
        },
        (err: unknown) => {
          this.starting = false;
          this.failure = this.wrap(err, `cannot start a consumer of RocketMQ topic ${s.topic} (group ${s.group}) at ${s.endpoints}`);
          this.signal();
        },
      );
  }

  private ensureReceiving(): void {
    const c = this.consumer;
    const s = this.settings!;
    if (!c || this.receiving || this.stopped || this.failure || this.buffer.length > 0) return;
    this.receiving = true;
    c.receive(s.maxMessages, s.invisibleDurationMs).then(
      (messages) => {
        this.receiving = false;
        if (this.stopped) return;
        // An empty result (the long poll ran out) wakes the waiting poll, which returns empty-handed; the next
        // poll starts the next receive, so a proxy that answers at once cannot make this spin.
        const at = Date.now();
        for (const m of messages) this.buffer.push({ m, at });
        this.signal();
      },
      (err: unknown) => {
        this.receiving = false;
        if (this.stopped) return;
        this.failure = this.wrap(err, `receiving from RocketMQ topic ${s.topic} (group ${s.group}) at ${s.endpoints} failed`);
        this.signal();
      },
    );
  }

  /**
   * Drops messages that waited in the buffer for half their invisible duration (the task was paused, which the SPI
   * does not tell a source): RocketMQ is about to deliver them again, so handing them on too would only duplicate
   * them, and their receipt handles would no longer acknowledge them.
   */
  private fresh(buffered: { m: ReceivedMessage; at: number }[], now: number): ReceivedMessage[] {
    const limit = this.settings!.invisibleDurationMs / 2;
    const fresh = buffered.filter((b) => now - b.at < limit).map((b) => b.m);
    if (fresh.length < buffered.length) this.log?.info({ count: buffered.length - fresh.length }, 'rocketmq-source: messages that waited too long (task paused) are left to RocketMQ\'s redelivery');
    return fresh;
  }

  private ack(m: ReceivedMessage): void {
    const c = this.consumer;
    if (!c) {
      this.ackFailures++;
      this.lastAckError = 'consumer not running';
      return;
    }
    const p: Promise<void> = c.ack(m).then(
      () => undefined,
      (err: unknown) => {
        this.ackFailures++;
        this.lastAckError = classifyClientError(err).text;
      },
    );
    this.acking.add(p);
    void p.finally(() => this.acking.delete(p));
  }

  private reportAckFailures(): void {
    if (this.ackFailures === 0) return;
    this.log?.warn({ count: this.ackFailures, lastError: this.lastAckError }, 'rocketmq-source: acknowledgements failed; those messages are delivered again after rocketmq.invisible.duration.ms (at-least-once)');
    this.ackFailures = 0;
  }

  /** A client error as the runtime should see it: retriable unless waiting cannot help. */
  private wrap(err: unknown, what: string): Error {
    const info = classifyClientError(err);
    if (info.kind === 'retriable') return new RetriableError(`${what}: ${info.text}`, err);
    const family = info.code === undefined ? undefined : Math.floor(info.code / 100);
    const auth = family === 401 || family === 403 || info.code === 16 || info.code === 7;
    const hint = auth ? '; check rocketmq.access.key and rocketmq.secret.key' : '';
    return new ConnectError('TASK_FAILED', `${what}: ${info.text}${hint}`, { cause: err });
  }

  private waitForWork(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      const self = this;
      function done(): void {
        clearTimeout(timer);
        if (self.wake === done) self.wake = undefined;
        resolve();
      }
      this.wake = done;
    });
  }

  private signal(): void {
    this.wake?.();
  }
}
