// Connector topics as RocketMQ topics. Sends go to a queue chosen like the embedded transport does (key
// hash, or one queue per keyless batch) as one ordered batch per queue; sink tasks pull their assigned
// queues from explicit offsets and commit the group's offsets on the broker only after the sink said the
// records are durable — the model of RocketMQ Connect's DefaultLitePullConsumer, over the remoting
// protocol because the proxy's gRPC API has no pull or offset calls (see README, "RocketMQ").
//
// Message mapping: key <-> KEYS, header `rocketmq.tag` <-> TAGS, other headers <-> user properties,
// timestamp <-> property `tributary.ts` (born time for messages produced elsewhere).

import { ConnectError, DataError, type Logger, type QueueOffset, type SourcePartition, type SourcePosition, type TopicQueue } from '../../spi';
import type { PositionStore } from '../../stores/file-position-store';
import { QueueConsumer, queueKeyOf, type AssignedQueue } from '../queue-consumer';
import { queueForKey } from '../queue-for-key';
import type { SendOptions, StoredMessage, TopicConsumer, Transport, TransportMessage } from '../transport';
import { SYSTEM_PROPERTIES, uniqueMessageId, type DecodedMessage, type OutgoingMessage } from './message-codec';
import { RocketMQCluster, type PullResult } from './rocketmq-cluster';
import { RemotingError } from './remoting-client';

export const TAG_HEADER = 'rocketmq.tag';
const TIMESTAMP_PROPERTY = 'tributary.ts';
/** Largest batch body sent in one request; the broker's default limit (maxMessageSize) is 4 MiB. */
const MAX_BATCH_BYTES = 1024 * 1024;
const MAX_BATCH_MESSAGES = 1000;

export interface RocketMQTransportOptions {
  namesrvAddrs: string[];
  /** Queue count of topics this transport creates; existing topics keep theirs. */
  queuesPerTopic: number;
  /** RocketMQ cluster whose master brokers get the topics this transport creates (all when unset). */
  clusterName?: string;
  /** Producer group named in sends (RocketMQ bookkeeping only). */
  producerGroup: string;
  /** Loaded; the transport owns it and closes it on close(). */
  positions: PositionStore;
  logger: Logger;
  /** How long a broker may hold a pull while the queue is empty. */
  longPollMs?: number;
  cluster?: RocketMQCluster;
}

export function toOutgoing(m: TransportMessage): OutgoingMessage {
  const properties: Record<string, string> = {};
  for (const [name, value] of Object.entries(m.headers)) {
    if (name === TAG_HEADER) {
      properties['TAGS'] = value;
      continue;
    }
    if (SYSTEM_PROPERTIES.has(name) || name === TIMESTAMP_PROPERTY) {
      throw new DataError(`header ${JSON.stringify(name)} is a RocketMQ system property name and cannot travel as a header; rename it (e.g. with a transform)`);
    }
    properties[name] = value;
  }
  if (m.key !== null) properties['KEYS'] = m.key;
  properties['UNIQ_KEY'] = uniqueMessageId();
  properties[TIMESTAMP_PROPERTY] = String(m.timestamp);
  return { body: m.body ?? Buffer.alloc(0), properties };
}

export function toStored(m: DecodedMessage, queue: string): StoredMessage {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(m.properties)) {
    if (name === 'TAGS') headers[TAG_HEADER] = value;
    else if (!SYSTEM_PROPERTIES.has(name) && name !== TIMESTAMP_PROPERTY) headers[name] = value;
  }
  const ts = Number(m.properties[TIMESTAMP_PROPERTY]);
  return {
    topic: m.topic,
    queue,
    offset: m.queueOffset,
    key: m.properties['KEYS'] ?? null,
    body: m.body,
    headers,
    timestamp: Number.isSafeInteger(ts) ? ts : m.bornTimestamp,
  };
}

export class RocketMQTransport implements Transport {
  readonly kind = 'rocketmq' as const;
  readonly cluster: RocketMQCluster;
  private readonly roundRobin = new Map<string, number>();
  private readonly consumers = new Set<RocketMQTopicConsumer>();
  private closed = false;

  constructor(private readonly options: RocketMQTransportOptions) {
    if (!Number.isSafeInteger(options.queuesPerTopic) || options.queuesPerTopic < 1) {
      throw new ConnectError('CONFIG_INVALID', `queuesPerTopic ${String(options.queuesPerTopic)} is invalid; give a whole number of at least 1`);
    }
    this.cluster = options.cluster ?? new RocketMQCluster({ namesrvAddrs: options.namesrvAddrs });
  }

  /** Fails fast with a clear message when the name server cannot be reached at start. */
  async connect(): Promise<void> {
    try {
      await this.cluster.topics();
    } catch (err) {
      throw new ConnectError('CONFIG_INVALID', `cannot reach the RocketMQ name server at ${this.options.namesrvAddrs.join(';')}: ${(err as Error).message}; start it (scripts/rocketmq.sh start) or fix namesrvAddr`, { cause: err });
    }
  }

  async ensureTopic(topic: string): Promise<TopicQueue[]> {
    this.ensureOpen();
    const existing = await this.cluster.readQueues(topic);
    if (existing && existing.length > 0) return existing;
    const queues = await this.cluster.createTopic(topic, this.options.queuesPerTopic, this.options.clusterName);
    this.options.logger.info({ topic, queues: queues.length }, 'RocketMQ topic created');
    return queues;
  }

  async queues(topic: string): Promise<TopicQueue[]> {
    this.ensureOpen();
    return (await this.cluster.readQueues(topic)) ?? [];
  }

  async topics(): Promise<string[]> {
    this.ensureOpen();
    return this.cluster.topics();
  }

  async send(topic: string, messages: TransportMessage[], options: SendOptions = {}): Promise<void> {
    this.ensureOpen();
    if (messages.length > 0) {
      const queues = (await this.cluster.writeQueues(topic)) ?? (await this.ensureTopic(topic));
      if (queues.length === 0) throw new ConnectError('RETRIABLE', `topic ${topic} has no writable queue now; its broker may be restarting`, { retriable: true });
      const rr = this.roundRobin.get(topic) ?? 0;
      this.roundRobin.set(topic, rr + 1);
      const byQueue = new Map<number, OutgoingMessage[]>();
      for (const m of messages) {
        const q = m.key === null ? rr % queues.length : queueForKey(m.key, queues.length);
        let list = byQueue.get(q);
        if (!list) byQueue.set(q, (list = []));
        list.push(toOutgoing(m));
      }
      await Promise.all(
        [...byQueue].map(async ([q, list]) => {
          for (const chunk of chunks(list)) await this.sendChunk(queues[q]!, chunk);
        }),
      );
    }
    if (options.positions && options.positions.length > 0) await this.options.positions.putPositions(options.positions);
  }

  private async sendChunk(tq: TopicQueue, chunk: OutgoingMessage[]): Promise<void> {
    try {
      await this.cluster.sendBatch(tq, this.options.producerGroup, chunk);
    } catch (err) {
      if (err instanceof RemotingError && err.responseCode === -1) this.cluster.invalidate(tq.topic);
      throw err;
    }
  }

  consumer(group: string): TopicConsumer {
    this.ensureOpen();
    const c: RocketMQTopicConsumer = new RocketMQTopicConsumer(group, this.cluster, this.options.logger.child({ group }), this.options.longPollMs ?? 10_000, () => this.consumers.delete(c));
    this.consumers.add(c);
    return c;
  }

  async endOffset(queue: TopicQueue): Promise<number> {
    this.ensureOpen();
    return this.cluster.maxOffset(queue);
  }

  async positions(connector: string): Promise<{ partition: SourcePartition; position: SourcePosition }[]> {
    return this.options.positions.positions(connector);
  }

  async putPositions(updates: { connector: string; partition: SourcePartition; position: SourcePosition | null }[]): Promise<void> {
    await this.options.positions.putPositions(updates);
  }

  async groupOffsets(group: string, topics: string[]): Promise<QueueOffset[]> {
    this.ensureOpen();
    const out: QueueOffset[] = [];
    for (const topic of topics) {
      for (const q of (await this.cluster.readQueues(topic)) ?? []) {
        const offset = await this.cluster.committedOffset(q, group);
        if (offset !== undefined) out.push({ ...q, offset });
      }
    }
    return out;
  }

  /** RocketMQ cannot forget a group's offset; deleting (null) resets it to the queue's earliest offset. */
  async putGroupOffsets(group: string, updates: (TopicQueue & { offset: number | null })[]): Promise<void> {
    this.ensureOpen();
    for (const u of updates) {
      if (u.offset !== null && (!Number.isSafeInteger(u.offset) || u.offset < 0)) {
        throw new ConnectError('BAD_REQUEST', `offset ${String(u.offset)} for ${u.topic}/${u.queue} of group ${group} is invalid; give a whole number >= 0`);
      }
      const offset = u.offset ?? (await this.cluster.minOffset(u));
      await this.cluster.commitOffset(u, group, offset);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const c of [...this.consumers]) await c.close();
    this.cluster.close();
    await this.options.positions.close();
  }

  private ensureOpen(): void {
    if (this.closed) throw new ConnectError('ILLEGAL_STATE', 'the RocketMQ transport is closed');
  }
}

function* chunks(list: OutgoingMessage[]): Generator<OutgoingMessage[]> {
  let chunk: OutgoingMessage[] = [];
  let bytes = 0;
  for (const m of list) {
    const size = m.body.length + 64 + Object.entries(m.properties).reduce((n, [k, v]) => n + k.length + v.length + 2, 0);
    if (chunk.length > 0 && (bytes + size > MAX_BATCH_BYTES || chunk.length >= MAX_BATCH_MESSAGES)) {
      yield chunk;
      chunk = [];
      bytes = 0;
    }
    chunk.push(m);
    bytes += size;
  }
  if (chunk.length > 0) yield chunk;
}

interface QueueState extends AssignedQueue {
  queue: string;
  /** Next offset handed to the caller. */
  next: number;
  /** Next offset to fetch (past what is buffered). */
  fetchAt: number;
  buffer: StoredMessage[];
  fetching: boolean;
  /** Bumped by seek, unassign and close: a fetch started before it is discarded. */
  epoch: number;
  /** No fetch before this time (backoff after an error, or the pause after a pull that caught up). */
  retryAt: number;
  failures: number;
}

const PREFETCH_MESSAGES = 2000;
const PULL_BATCH = 256;
/**
 * After a pull that returned messages and reached the queue's end, the queue's next pull waits this long (Kafka's
 * fetch.max.wait.ms in spirit). A broker answers a held pull as soon as one message arrives, so a queue receiving
 * a steady stream was pulled again for every few messages: at 10,000 msg/s over 4 queues the pull round trips
 * (a socket write each) were ~5% of a sink worker's CPU. The pause adds at most this much to a message's latency;
 * a queue with a backlog is pulled again at once, whatever the broker's largest pull.
 */
const CAUGHT_UP_PAUSE_MS = 20;

/**
 * A group's consumer of explicitly assigned queues. One pull per queue is in flight at a time (long
 * polling on empty queues); fetched messages wait in per-queue buffers until receive() hands them out,
 * so nothing fetched is lost when receive's wait ends first. Broker errors back off per queue and are
 * retried for ever: a restarting broker only delays delivery.
 */
class RocketMQTopicConsumer extends QueueConsumer<QueueState> {
  constructor(
    group: string,
    private readonly cluster: RocketMQCluster,
    private readonly logger: Logger,
    private readonly longPollMs: number,
    private readonly forget: () => void,
  ) {
    super(group);
  }

  async assign(queues: TopicQueue[]): Promise<void> {
    this.ensureOpen();
    const next = new Map<string, QueueState>();
    for (const tq of queues) {
      const k = queueKeyOf(tq.topic, tq.queue);
      if (next.has(k)) continue;
      const kept = this.assigned.get(k);
      if (kept) {
        next.set(k, kept);
        continue;
      }
      // Kafka Connect's sink default: a group with no committed offset starts at the earliest message.
      const start = (await this.cluster.committedOffset(tq, this.group)) ?? (await this.cluster.minOffset(tq));
      next.set(k, { topic: tq.topic, queue: tq.queue, next: start, fetchAt: start, buffer: [], paused: false, fetching: false, epoch: 0, retryAt: 0, failures: 0 });
    }
    for (const [k, s] of this.assigned) if (!next.has(k)) s.epoch++;
    this.setAssignment(next);
  }

  seek(offsets: QueueOffset[]): void {
    this.ensureOpen();
    const targets = offsets.map((o) => {
      if (!Number.isSafeInteger(o.offset) || o.offset < 0) throw new ConnectError('BAD_REQUEST', `cannot seek ${o.topic}/${o.queue} of group ${this.group} to ${String(o.offset)}; give a whole number >= 0`);
      return { s: this.find(o, 'seek'), offset: o.offset };
    });
    for (const { s, offset } of targets) {
      s.next = offset;
      s.fetchAt = offset;
      s.buffer = [];
      s.epoch++;
      s.fetching = false;
    }
    this.notify();
  }

  /**
   * One queue after another, never in parallel: the broker (5.3.3) creates a group's offset table for a
   * topic with a check-then-put, so two concurrent first commits of one group and topic can lose one of
   * them (seen in the tests under load: queue 1's offset missing after both commits had succeeded).
   */
  async commit(offsets: QueueOffset[]): Promise<void> {
    this.ensureOpen();
    for (const o of offsets) await this.cluster.commitOffset(o, this.group, o.offset);
  }

  protected onClose(): void {
    for (const s of this.assigned.values()) s.epoch++;
    this.forget();
  }

  /** Hands out buffered messages fairly, and keeps one pull in flight per queue that has room. */
  protected poll(max: number): StoredMessage[] {
    this.startFetches();
    const got = this.shareOut(
      this.rotation().filter((s) => !s.paused && s.buffer.length > 0),
      max,
      (s, n) => {
        const taken = s.buffer.splice(0, n);
        if (taken.length > 0) s.next = taken[taken.length - 1]!.offset + 1;
        return taken;
      },
      (s) => s.buffer.length > 0,
    );
    if (got.length > 0) this.startFetches();
    return got;
  }

  /** Until a pull returns (or a backoff ends, at most a second later, to start the next pull). */
  protected waitForData(ms: number): Promise<void> {
    const now = Date.now();
    let next = 1000;
    for (const s of this.assigned.values()) if (s.retryAt > now) next = Math.min(next, s.retryAt - now);
    return this.sleep(Math.min(ms, Math.max(10, next)));
  }

  private startFetches(): void {
    const now = Date.now();
    for (const s of this.assigned.values()) {
      if (s.fetching || s.paused || s.buffer.length >= PREFETCH_MESSAGES || now < s.retryAt || this.closed) continue;
      void this.fetch(s);
    }
  }

  private async fetch(s: QueueState): Promise<void> {
    s.fetching = true;
    const epoch = s.epoch;
    const offset = s.fetchAt;
    let result: PullResult;
    try {
      result = await this.cluster.pull(s, this.group, offset, PULL_BATCH, this.longPollMs);
    } catch (err) {
      if (epoch !== s.epoch) return;
      s.fetching = false;
      s.failures++;
      s.retryAt = Date.now() + Math.min(10_000, 250 * 2 ** Math.min(s.failures, 6));
      if (err instanceof RemotingError && err.responseCode === -1) this.cluster.invalidate(s.topic);
      // One warning when a queue starts failing, then every 20th attempt: a broker restart is not a flood.
      if (s.failures === 1 || s.failures % 20 === 0) this.logger.warn({ topic: s.topic, queue: s.queue, failures: s.failures, err: (err as Error).message }, 'pull from RocketMQ failed; retrying');
      this.notify();
      return;
    }
    if (epoch !== s.epoch || this.closed) return;
    s.fetching = false;
    if (s.failures > 0) this.logger.info({ topic: s.topic, queue: s.queue, failures: s.failures }, 'pull from RocketMQ works again');
    s.failures = 0;
    s.retryAt = 0;
    if (result.status === 'found') {
      for (const m of result.messages) s.buffer.push(toStored(m, s.queue));
      // Caught up with the queue: the next pull would be held for the next few messages only.
      if (result.nextOffset >= result.maxOffset) s.retryAt = Date.now() + CAUGHT_UP_PAUSE_MS;
      s.fetchAt = Math.max(result.nextOffset, offset + result.messages.length);
    } else if (result.status === 'moved') {
      // Out of the queue's range: messages deleted by retention before this group read them, or a
      // recreated topic. Nothing can bring them back; say so loudly and continue where the broker says.
      this.logger.error(
        { topic: s.topic, queue: s.queue, group: this.group, offset, minOffset: result.minOffset, maxOffset: result.maxOffset, resumeAt: result.nextOffset, lost: offset < result.minOffset ? result.minOffset - offset : 0 },
        "offset out of the queue's range on the broker; continuing from the offset it suggests",
      );
      s.fetchAt = result.nextOffset;
      if (s.buffer.length === 0) s.next = result.nextOffset;
    } else {
      s.fetchAt = result.nextOffset;
    }
    this.notify();
    if (this.isReceiving) this.startFetches();
  }
}

