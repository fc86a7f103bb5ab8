// A fake of plugins/rocketmq/client (RocketMQClients): consumers hand out messages the test pushes and record
// acknowledgements; producers record sends and fail them on demand. Receives that find nothing stay pending until
// a message is pushed or the consumer is closed, like a long poll.

import type {
  ConsumerClient,
  ConsumerSettings,
  OutgoingMessage,
  ProducerClient,
  ProducerSettings,
  ReceivedMessage,
  RocketMQClients,
} from '../../../../plugins/rocketmq/client/rocketmq-clients';

export function message(n: number, over: Partial<ReceivedMessage> = {}): ReceivedMessage {
  return {
    messageId: `MSG${n}`,
    topic: 'orders',
    tag: 'created',
    keys: [`order-${n}`],
    properties: { seq: String(n) },
    body: Buffer.from(`{"n":${n}}`),
    bornTimestamp: 1_700_000_000_000 + n,
    deliveryAttempt: 1,
    position: { brokerName: 'broker-a', queueId: n % 2, offset: Math.floor(n / 2), retry: false },
    ...over,
  };
}

export class FakeConsumer implements ConsumerClient {
  readonly acked: ReceivedMessage[] = [];
  closed = false;
  receives = 0;
  private queue: ReceivedMessage[] = [];
  private waiting: { resolve: (m: ReceivedMessage[]) => void; reject: (e: unknown) => void; max: number } | undefined;
  /** Set to make the next receive fail. */
  failNextReceive: Error | undefined;
  failAcks: Error | undefined;

  constructor(readonly settings: ConsumerSettings) {}

  push(...ms: ReceivedMessage[]): void {
    this.queue.push(...ms);
    const w = this.waiting;
    if (w && this.queue.length > 0) {
      this.waiting = undefined;
      w.resolve(this.queue.splice(0, w.max));
    }
  }

  /** Ends a pending long poll with nothing. */
  expire(): void {
    const w = this.waiting;
    this.waiting = undefined;
    w?.resolve([]);
  }

  get pending(): boolean {
    return this.waiting !== undefined;
  }

  receive(maxMessages: number): Promise<ReceivedMessage[]> {
    this.receives++;
    if (this.closed) return Promise.resolve([]);
    if (this.failNextReceive) {
      const e = this.failNextReceive;
      this.failNextReceive = undefined;
      return Promise.reject(e);
    }
    if (this.queue.length > 0) return Promise.resolve(this.queue.splice(0, maxMessages));
    return new Promise((resolve, reject) => (this.waiting = { resolve, reject, max: maxMessages }));
  }

  async ack(m: ReceivedMessage): Promise<void> {
    if (this.failAcks) throw this.failAcks;
    this.acked.push(m);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.expire();
  }
}

export class FakeProducer implements ProducerClient {
  readonly sent: OutgoingMessage[] = [];
  closed = false;
  /** Decides per message: return an error to fail that send. */
  failWith: ((m: OutgoingMessage, attempt: number) => Error | undefined) | undefined;
  attempts = 0;
  inFlight = 0;
  maxInFlight = 0;

  constructor(readonly settings: ProducerSettings) {}

  async send(m: OutgoingMessage): Promise<{ messageId: string }> {
    this.attempts++;
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      await new Promise((r) => setImmediate(r));
      const err = this.failWith?.(m, this.attempts);
      if (err) throw err;
      this.sent.push(m);
      return { messageId: `ID${this.sent.length}` };
    } finally {
      this.inFlight--;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

export class FakeRocketMQ implements RocketMQClients {
  readonly consumers: FakeConsumer[] = [];
  readonly producers: FakeProducer[] = [];
  /** Set to make the next start fail. */
  failNextStart: Error | undefined;
  /** When set, consumer startup waits for this promise. */
  startGate: Promise<void> | undefined;

  async startProducer(settings: ProducerSettings): Promise<ProducerClient> {
    this.takeFailure();
    const p = new FakeProducer(settings);
    this.producers.push(p);
    return p;
  }

  async startSimpleConsumer(settings: ConsumerSettings): Promise<ConsumerClient> {
    if (this.startGate) await this.startGate;
    this.takeFailure();
    const c = new FakeConsumer(settings);
    this.consumers.push(c);
    return c;
  }

  private takeFailure(): void {
    const e = this.failNextStart;
    this.failNextStart = undefined;
    if (e) throw e;
  }
}

/** An error shaped like the client's ClientException subclasses. */
export function clientException(code: number, message: string): Error {
  return Object.assign(new Error(`[request-id=undefined, response-code=${code}] ${message}`), { code });
}

/** An error shaped like a gRPC status error. */
export function grpcError(code: number, details: string): Error {
  return Object.assign(new Error(`${code} ${details}`), { code, details });
}
