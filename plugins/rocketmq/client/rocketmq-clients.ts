// The one module that touches rocketmq-client-nodejs (1.0.8): it starts, uses and shuts down Producers and
// SimpleConsumers, and holds every workaround for the client's known problems, so the connectors see small,
// well-behaved interfaces (ProducerClient, ConsumerClient) that tests can replace with fakes.
// Invariants: a client that was constructed is always shut down, whatever happened (startup failed, timed out,
// proxy unreachable); close() resolves within a bounded time and leaves no timer or stream behind; nothing the
// client logs reaches ~/logs/rocketmq, and a configured secret key never reaches our log.
//
// Workarounds (reproduced in test/integration/rocketmq-broker.test.ts, checked in rocketmq-connectors.test.ts):
//  1. The constructor starts an interval (60 s idle check) that only shutdown() clears: every client we
//     construct is closed, also when startup() failed or timed out.
//  2. shutdown() with the proxy unreachable rejects at notifyClientTermination and skips the rest of its work;
//     a telemetry stream that broke just before shutdown is re-created 1 s later by a timer shutdown() does not
//     cancel, and then reconnects forever. closeClient() makes the termination notice best-effort and the
//     telemetry stream factory inert before shutting down, and bounds the whole shutdown with a timeout.
//  3. startup() waits for the proxy's first settings command with no timeout: startClient() bounds it and
//     makes a late startup reject through the client's own error path (onUnknownCommand). (Simulated in
//     rocketmq-connectors.test.ts by a client that ignores the settings command.)
//  4. shutdown() does not cancel a pending receive(), and receive() after shutdown() reaches the proxy (which
//     answers with a NullPointerException): ConsumerClient.receive() resolves [] at once when the consumer is
//     closed, and a receive on a closed consumer returns [] without asking the proxy.
//  5. awaitDuration under 5 s with the default 3 s requestTimeout fails every receive with code 40000 (the proxy
//     stretches any long poll to 5 s and refuses a deadline shorter than that): the long poll is fixed at 5 s.
//  6. MessageView has a queue offset but no queue id: both are parsed from the receipt handle.
//  7. The default logger writes to ~/logs/rocketmq: a logger that routes to ours is always passed.
//  8. The SimpleConsumer constructor writes options.topics: every client gets a fresh options object.
//  9. The telemetry stream has a one-shot 'error' listener that release() removes: an error event on a released
//     stream (e.g. a settings sync written to it in the second before it is re-created) would be an uncaught
//     exception that ends the worker. Every stream keeps a listener. (Found by reading the client; not reproduced.)

import { EventEmitter } from 'node:events';
import { format } from 'node:util';
import { Producer, SimpleConsumer, type MessageView } from 'rocketmq-client-nodejs';
import type { Logger } from '../../../runtime/spi';

/** The proxy stretches a long poll to at least this long (grpcClientConsumerMinLongPollingTimeoutMillis). */
export const LONG_POLL_MS = 5_000;

export interface Credentials {
  accessKey: string;
  secretKey: string;
}

export interface ClientSettings {
  /** Proxy gRPC endpoints as the client expects them: host:port, several separated by ';'. */
  endpoints: string;
  credentials?: Credentials;
  /** Deadline of each RPC (send, ack, route query); at least 1000 (the client refuses less). */
  requestTimeoutMs: number;
  logger: Logger;
}

export interface ProducerSettings extends ClientSettings {
  /** Topics whose routes are fetched at startup (startup fails when one does not exist). */
  topics: string[];
}

export interface ConsumerSettings extends ClientSettings {
  group: string;
  topic: string;
  /** Tag filter expression: `*` or `TagA || TagB`. */
  tagExpression: string;
}

/** Where a received message sits: the queue it was popped from and its offset there. `retry` is true for a
 *  redelivery, which RocketMQ serves from the group's retry topic: queue and offset are then that topic's. */
export interface QueuePosition {
  brokerName: string;
  queueId: number;
  offset: number;
  retry: boolean;
}

export interface ReceivedMessage {
  messageId: string;
  topic: string;
  tag?: string;
  keys: string[];
  /** User properties only. */
  properties: Record<string, string>;
  body: Buffer;
  /** Milliseconds since the epoch. */
  bornTimestamp?: number;
  deliveryAttempt?: number;
  position: QueuePosition;
}

export interface OutgoingMessage {
  topic: string;
  body: Buffer;
  tag?: string;
  keys?: string[];
  /** FIFO message group; mutually exclusive with deliveryTimestamp. */
  messageGroup?: string;
  properties?: Record<string, string>;
  /** Milliseconds since the epoch; makes a DELAY message. */
  deliveryTimestamp?: number;
}

export interface ProducerClient {
  /** Throws the client's error; classify it with classifyClientError. */
  send(message: OutgoingMessage): Promise<{ messageId: string }>;
  /** Bounded; never throws. */
  close(): Promise<void>;
}

export interface ConsumerClient {
  /** Long-polls up to LONG_POLL_MS. Resolves [] at once if the consumer is closed meanwhile; the messages such
   *  an abandoned receive still gets are redelivered after their invisible duration. */
  receive(maxMessages: number, invisibleDurationMs: number): Promise<ReceivedMessage[]>;
  /** Acknowledges a message this consumer received. Throws the client's error. */
  ack(message: ReceivedMessage): Promise<void>;
  /** Bounded; never throws. */
  close(): Promise<void>;
}

/** Creates started clients. The connectors take this as a parameter, so tests can pass fakes. */
export interface RocketMQClients {
  startProducer(settings: ProducerSettings): Promise<ProducerClient>;
  startSimpleConsumer(settings: ConsumerSettings): Promise<ConsumerClient>;
}

/** The real clients, talking to a RocketMQ 5 proxy. */
export function rocketmqClients(): RocketMQClients {
  return {
    startProducer: async (settings) => {
      const logger = settings.logger;
      const producer = new Producer({ ...baseOptions(settings), topics: [...settings.topics] });
      guardTelemetry(producer, logger);
      await startClient(producer, settings, `producer for topic(s) ${settings.topics.join(', ')}`);
      return new RealProducer(producer, settings);
    },
    startSimpleConsumer: async (settings) => {
      const logger = settings.logger;
      // A fresh options object and map: the constructor writes options.topics (workaround 8).
      const consumer = new SimpleConsumer({
        ...baseOptions(settings),
        consumerGroup: settings.group,
        subscriptions: new Map([[settings.topic, settings.tagExpression]]),
        awaitDuration: LONG_POLL_MS,
        // Retries are the runtime's business (backoff, errors.retry.timeout); the client's own retry would only
        // delay a stop by a second per attempt.
        maxRetryAttempts: 1,
      });
      guardTelemetry(consumer, logger);
      await startClient(consumer, settings, `consumer of topic ${settings.topic} in group ${settings.group}`);
      return new RealConsumer(consumer, settings);
    },
  };
}

type Client = Producer | SimpleConsumer;

function baseOptions(settings: ClientSettings) {
  return {
    endpoints: settings.endpoints,
    namespace: '',
    requestTimeout: settings.requestTimeoutMs,
    logger: clientLogger(settings.logger, settings.credentials ? [settings.credentials.secretKey] : []),
    ...(settings.credentials
      ? { sessionCredentials: { accessKey: settings.credentials.accessKey, accessSecret: settings.credentials.secretKey } }
      : {}),
  };
}

/** How long startup may take before it is abandoned: route lookups (three, with 1 s and 2 s pauses) plus the
 *  first settings command. */
export function startupTimeoutMs(requestTimeoutMs: number): number {
  return Math.max(10_000, 3 * requestTimeoutMs + 3_000);
}

/** How long close() waits for shutdown(): one termination notice per endpoint, each with the RPC deadline. */
function closeTimeoutMs(requestTimeoutMs: number): number {
  return requestTimeoutMs + 2_000;
}

/** INTERNAL_ERROR in the RocketMQ v2 protocol: StatusChecker turns it into an InternalErrorException. */
const STATUS_INTERNAL_ERROR = 50001;

/** startup() with a deadline (workaround 3); a client whose startup failed is closed (workaround 1). */
async function startClient(client: Client, settings: ClientSettings, what: string): Promise<void> {
  const timeoutMs = startupTimeoutMs(settings.requestTimeoutMs);
  let poke: NodeJS.Timeout | undefined;
  // Past the deadline, report an error status the way the telemetry session would: if startup is waiting for the
  // settings command it rejects; if it is still looking up routes (bounded), a later poke catches it there.
  const rejectStartup = (): void => {
    try {
      client.onUnknownCommand(client.getEndpoints(), { code: STATUS_INTERNAL_ERROR, message: `startup did not finish within ${timeoutMs} ms` } as never);
    } catch {
      // not waiting for settings yet: nothing to reject
    }
  };
  const deadline = setTimeout(() => {
    rejectStartup();
    poke = setInterval(rejectStartup, 500);
  }, timeoutMs);
  try {
    await client.startup();
  } catch (err) {
    await closeClient(client, settings);
    throw new Error(`starting the RocketMQ ${what} at ${settings.endpoints} failed: ${clientErrorText(err)}`, { cause: err });
  } finally {
    clearTimeout(deadline);
    if (poke) clearInterval(poke);
  }
}

/**
 * Shuts a client down, whatever state it and the proxy are in (workarounds 1 and 2): the termination notice may
 * fail, a telemetry stream re-created after shutdown is inert, and if shutdown() still has not finished after the
 * timeout its connections are closed anyway. Never throws.
 */
async function closeClient(client: Client, settings: ClientSettings): Promise<void> {
  const log = settings.logger;
  const rpc = client.getRpcClientManager();
  const notify = rpc.notifyClientTermination.bind(rpc);
  rpc.notifyClientTermination = (...args: Parameters<typeof notify>) =>
    notify(...args).catch((err: unknown) => {
      log.debug({ err: clientErrorText(err) }, 'RocketMQ client: termination notice not delivered (proxy unreachable?)');
      return undefined as never;
    });
  client.createTelemetryStream = (() => Object.assign(new EventEmitter(), { write() {}, end() {} })) as never;
  let timer: NodeJS.Timeout | undefined;
  const finished = client.shutdown().then(
    () => true,
    (err: unknown) => {
      log.warn({ err: clientErrorText(err) }, 'RocketMQ client: shutdown reported an error; its connections are closed anyway');
      return false;
    },
  );
  const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), closeTimeoutMs(settings.requestTimeoutMs))));
  const result = await Promise.race([finished, timedOut]);
  clearTimeout(timer);
  if (result !== true) {
    // Timers are cleared synchronously at the start of shutdown(); what may be left are the gRPC channels.
    try {
      rpc.close();
    } catch {
      // already closed
    }
    if (result === 'timeout') log.warn({ endpoints: settings.endpoints }, 'RocketMQ client: shutdown did not finish in time; its connections were closed');
  }
}

/** Every telemetry stream keeps an 'error' listener, also after the client's release() removed its own (workaround 9). */
function guardTelemetry(client: Client, logger: Logger): void {
  const create = client.createTelemetryStream.bind(client);
  client.createTelemetryStream = ((endpoints: Parameters<typeof create>[0]) => {
    const stream = create(endpoints);
    const sink = (err: unknown): void => logger.debug({ err: clientErrorText(err) }, 'RocketMQ client: telemetry stream error');
    stream.on('error', sink);
    const removeAll = stream.removeAllListeners.bind(stream);
    stream.removeAllListeners = ((event?: string | symbol) => {
      const r = event === undefined ? removeAll() : removeAll(event);
      if (event === undefined || event === 'error') stream.on('error', sink);
      return r;
    }) as typeof stream.removeAllListeners;
    return stream;
  }) as typeof client.createTelemetryStream;
}

class RealProducer implements ProducerClient {
  private closed: Promise<void> | undefined;

  constructor(
    private readonly producer: Producer,
    private readonly settings: ProducerSettings,
  ) {}

  async send(m: OutgoingMessage): Promise<{ messageId: string }> {
    const receipt = await this.producer.send({
      topic: m.topic,
      body: m.body,
      ...(m.tag !== undefined ? { tag: m.tag } : {}),
      ...(m.keys && m.keys.length > 0 ? { keys: [...m.keys] } : {}),
      ...(m.messageGroup !== undefined ? { messageGroup: m.messageGroup } : {}),
      ...(m.properties && Object.keys(m.properties).length > 0 ? { properties: new Map(Object.entries(m.properties)) } : {}),
      ...(m.deliveryTimestamp !== undefined ? { deliveryTimestamp: new Date(m.deliveryTimestamp) } : {}),
    });
    return { messageId: receipt.messageId };
  }

  close(): Promise<void> {
    return (this.closed ??= closeClient(this.producer, this.settings));
  }
}

class RealConsumer implements ConsumerClient {
  private closed: Promise<void> | undefined;
  private readonly closing: Promise<'closed'>;
  private signalClosed!: () => void;
  /** The client's views, needed to acknowledge; weak so dropped messages are not kept. */
  private readonly views = new WeakMap<ReceivedMessage, MessageView>();
  private warnedLayout = false;

  constructor(
    private readonly consumer: SimpleConsumer,
    private readonly settings: ConsumerSettings,
  ) {
    this.closing = new Promise((resolve) => (this.signalClosed = () => resolve('closed')));
  }

  async receive(maxMessages: number, invisibleDurationMs: number): Promise<ReceivedMessage[]> {
    // After shutdown the client would still send the request, and the proxy answers with an NPE (workaround 4).
    if (this.closed) return [];
    const call = this.consumer.receive(maxMessages, invisibleDurationMs);
    const outcome = await Promise.race([call.then((views) => ({ views })), this.closing]);
    if (outcome === 'closed') {
      // shutdown() does not cancel the call (workaround 4): whatever it still brings is left to redelivery.
      call.then(
        (views) => {
          if (views.length > 0) this.settings.logger.info({ count: views.length, topic: this.settings.topic }, 'RocketMQ consumer: messages received while closing were not processed; RocketMQ delivers them again after their invisible duration');
        },
        () => undefined,
      );
      return [];
    }
    return outcome.views.map((v) => this.toReceived(v));
  }

  async ack(message: ReceivedMessage): Promise<void> {
    const view = this.views.get(message);
    if (!view) throw new Error(`message ${message.messageId} was not received by this consumer (or the consumer was replaced); it is delivered again after its invisible duration`);
    if (this.closed) throw new Error(`consumer of topic ${this.settings.topic} is closed; message ${message.messageId} is delivered again after its invisible duration`);
    await this.consumer.ack(view);
  }

  close(): Promise<void> {
    this.signalClosed();
    return (this.closed ??= closeClient(this.consumer, this.settings));
  }

  private toReceived(v: MessageView): ReceivedMessage {
    let position: QueuePosition;
    try {
      position = parseReceiptHandle(v.receiptHandle);
    } catch (err) {
      if (!this.warnedLayout) {
        this.warnedLayout = true;
        this.settings.logger.warn({ err: (err as Error).message }, 'RocketMQ consumer: cannot read the queue from the receipt handle; the rocketmq.queue header and source partition say "unknown"');
      }
      position = { brokerName: 'unknown', queueId: -1, offset: v.offset ?? -1, retry: false };
    }
    const m: ReceivedMessage = {
      messageId: v.messageId,
      topic: v.topic,
      ...(v.tag ? { tag: v.tag } : {}),
      keys: [...v.keys],
      properties: Object.fromEntries(v.properties),
      body: v.body,
      ...(v.bornTimestamp ? { bornTimestamp: v.bornTimestamp.getTime() } : {}),
      ...(v.deliveryAttempt !== undefined ? { deliveryAttempt: v.deliveryAttempt } : {}),
      position,
    };
    this.views.set(m, v);
    return m;
  }
}

/**
 * Queue and offset of a received message from its receipt handle (workaround 6). The proxy issues
 * "<ckQueueOffset> <popTime> <invisibleTime> <reviveQueueId> <topicType> <brokerName> <queueId> <queueOffset>
 * <commitLogOffset>"; topicType is "0" for the topic itself and "1"/"2" for the group's retry topic (a redelivery).
 */
export function parseReceiptHandle(handle: string): QueuePosition {
  const f = handle.split(' ');
  const queueId = Number(f[6]);
  const offset = Number(f[7]);
  if (f.length < 8 || !f[5] || !Number.isSafeInteger(queueId) || queueId < 0 || !Number.isSafeInteger(offset) || offset < 0) {
    throw new Error(`unexpected receipt handle layout: ${JSON.stringify(handle)}`);
  }
  return { brokerName: f[5], queueId, offset, retry: f[4] !== '0' };
}

/**
 * A logger for the client that routes to ours (workaround 7). The client formats printf-style
 * ("...clientId=%s"); its info lines are chatty (every settings sync) and go to debug; its errors are warnings,
 * because the connectors decide what is an error and report it themselves. Secrets are masked.
 */
export function clientLogger(logger: Logger, secrets: string[] = []) {
  const hide = secrets.filter((s) => s.length > 0);
  const line = (args: unknown[]): string => {
    // Errors as their messages (with the innermost cause), not their stacks: one line per client log entry.
    let text = format(...args.map((a) => (a instanceof Error ? `${a.name}: ${clientErrorText(a)}` : a)));
    for (const s of hide) text = text.split(s).join('[hidden]');
    return text;
  };
  return {
    debug: (...args: unknown[]) => logger.debug({ component: 'rocketmq-client' }, line(args)),
    info: (...args: unknown[]) => logger.debug({ component: 'rocketmq-client' }, line(args)),
    warn: (...args: unknown[]) => logger.warn({ component: 'rocketmq-client' }, line(args)),
    error: (...args: unknown[]) => logger.warn({ component: 'rocketmq-client' }, line(args)),
    close: () => undefined,
  };
}

export type ClientErrorKind =
  /** Try again later: network, proxy or broker unavailable, throttled, timeout, topic route missing. */
  | 'retriable'
  /** This message was refused (illegal tag or property, too large, empty body): other messages may pass. */
  | 'record'
  /** Nothing will pass until the configuration changes (credentials, message type of the topic). */
  | 'config';

export interface ClientErrorInfo {
  kind: ClientErrorKind;
  /** Message of the error and, if different, of its innermost cause. */
  text: string;
  /** RocketMQ status code (e.g. 40004) or gRPC status code, when there is one. */
  code?: number;
  /** Set when the topic does not accept the message's type (NORMAL, FIFO, DELAY, TRANSACTION). */
  typeMismatch?: { messageType: string; accepted: string[] };
}

const MESSAGE_TYPES = ['UNSPECIFIED', 'NORMAL', 'FIFO', 'DELAY', 'TRANSACTION', 'LITE', 'PRIORITY'];

/** Sorts the client's errors, which come as ClientException subclasses (RocketMQ status codes), gRPC errors,
 *  and plain Errors/TypeErrors identified only by their text. */
export function classifyClientError(err: unknown): ClientErrorInfo {
  const text = clientErrorText(err);
  const root = innermost(err);
  const message = root instanceof Error ? root.message : String(root);
  const mismatch = /message type not match.*actualMessageType=(\d+), acceptMessageTypes=\[([\d,\s]*)\]/i.exec(message);
  if (mismatch) {
    const name = (n: string) => MESSAGE_TYPES[Number(n)] ?? `type ${n}`;
    return { kind: 'config', text, typeMismatch: { messageType: name(mismatch[1]!), accepted: mismatch[2]!.split(',').map((s) => s.trim()).filter(Boolean).map(name) } };
  }
  if (/body size exceeds the threshold/i.test(message)) return { kind: 'record', text };
  if (/mutually exclusive/i.test(message)) return { kind: 'config', text };
  const code = typeof (root as { code?: unknown })?.code === 'number' ? ((root as { code: number }).code) : undefined;
  if (code !== undefined && code >= 10000) {
    const family = Math.floor(code / 100);
    // 40011/40012: invisible time or polling time refused; 401, 402, 403: credentials and permissions.
    if (code === 40011 || code === 40012 || family === 401 || family === 402 || family === 403) return { kind: 'config', text, code };
    if (family === 400 || family === 413 || family === 431) return { kind: 'record', text, code };
    if (family === 501) return { kind: 'config', text, code };
    return { kind: 'retriable', text, code };
  }
  if (code !== undefined && code >= 0 && code <= 16 && (root as { details?: unknown })?.details !== undefined) {
    // gRPC: UNAUTHENTICATED (16) and PERMISSION_DENIED (7) will not pass by waiting.
    return { kind: code === 16 || code === 7 ? 'config' : 'retriable', text, code };
  }
  return { kind: 'retriable', text, ...(code !== undefined ? { code } : {}) };
}

function innermost(err: unknown): unknown {
  let cur = err;
  for (let i = 0; i < 8 && cur instanceof Error && (cur as { cause?: unknown }).cause !== undefined; i++) cur = (cur as { cause?: unknown }).cause;
  return cur;
}

/** The client wraps errors two or three deep ("Startup ... failed" <- "Failed to fetch topic routes" <- the gRPC
 *  error); the innermost says what is wrong. First lines only (gRPC messages carry stack-like detail). */
export function clientErrorText(err: unknown): string {
  const text = (x: unknown) => String(x instanceof Error ? x.message : x).split('\n')[0]!;
  const root = innermost(err);
  return root === err ? text(err) : `${text(err)} (cause: ${text(root)})`;
}
