// A key → JSON value map replicated through a one-queue RocketMQ topic, as Kafka Connect's KafkaBasedLog
// does with a compacted topic: every put is appended, every worker tails the topic from its earliest
// offset, and the latest record of a key wins (an empty body deletes it). A put resolves once this
// worker has read its own record back, so a read after a write sees it.
//
// RocketMQ does not compact topics and deletes old commit-log files (fileReservedTime, 72 h by default),
// so the cluster leader re-appends the whole current map every `refreshIntervalMs` (see refresh()): the
// latest state is always within retention.

import { ConnectError, type Logger } from '../spi';
import type { RocketMQCluster } from '../transport/rocketmq/rocketmq-cluster';
import type { TopicQueue } from '../spi';

const TOMBSTONE = 'tributary.tombstone';

export interface ReplicatedMapOptions {
  cluster: RocketMQCluster;
  topic: string;
  /** Pull group (never commits offsets: the whole topic is read on every start). */
  group: string;
  producerGroup: string;
  /** RocketMQ cluster to create the topic in, if it is missing (all clusters when unset). */
  clusterName?: string;
  logger: Logger;
  /** Long-poll time of the tail loop. */
  longPollMs?: number;
}

type Listener<V> = (key: string, value: V | undefined, previous: V | undefined) => void;

export class ReplicatedMap<V> {
  private readonly values = new Map<string, V>();
  private readonly listeners: Listener<V>[] = [];
  private queue: TopicQueue | undefined;
  /** Next offset to read. */
  private next = 0;
  private running = false;
  private loop: Promise<void> | undefined;
  private readonly waiters: { offset: number; resolve: () => void }[] = [];
  private failures = 0;
  private writes: Promise<void> = Promise.resolve();

  constructor(private readonly options: ReplicatedMapOptions) {}

  get topic(): string {
    return this.options.topic;
  }

  /** Creates the topic (one queue) if needed and reads it to the end. */
  async start(): Promise<void> {
    const { cluster, topic } = this.options;
    const queues = (await cluster.readQueues(topic)) ?? (await cluster.createTopic(topic, 1, this.options.clusterName));
    if (queues.length !== 1) {
      throw new ConnectError('CONFIG_INVALID', `topic ${topic} has ${queues.length} queues; a worker store topic must have exactly one queue (order matters). Delete it or choose another topic name`);
    }
    this.queue = queues[0]!;
    this.next = await cluster.minOffset(this.queue);
    this.running = true;
    this.loop = this.tail();
    await this.readToEnd();
  }

  async stop(): Promise<void> {
    this.running = false;
    for (const w of this.waiters.splice(0)) w.resolve();
  }

  get(key: string): V | undefined {
    return this.values.get(key);
  }

  entries(prefix = ''): [string, V][] {
    return [...this.values].filter(([k]) => k.startsWith(prefix));
  }

  onChange(listener: Listener<V>): void {
    this.listeners.push(listener);
  }

  async put(key: string, value: V): Promise<void> {
    await this.append([[key, value]]);
  }

  async delete(key: string): Promise<void> {
    await this.append([[key, null]]);
  }

  /**
   * Appends several records in order, in one request, and waits until they have been read back. Appends
   * run one at a time, in call order: two concurrent requests could otherwise land in the topic swapped,
   * and a later state (UNASSIGNED after RESTARTING, say) would lose to an earlier one.
   */
  append(records: [string, V | null][]): Promise<void> {
    const run = this.writes.then(() => this.appendNow(records));
    this.writes = run.catch(() => undefined);
    return run;
  }

  private async appendNow(records: [string, V | null][]): Promise<void> {
    if (!this.queue || !this.running) throw new ConnectError('ILLEGAL_STATE', `store topic ${this.options.topic} is not started`);
    if (records.length === 0) return;
    const messages = records.map(([key, value]) => ({
      body: value === null ? Buffer.alloc(0) : Buffer.from(JSON.stringify(value), 'utf8'),
      properties: (value === null ? { KEYS: key, [TOMBSTONE]: '1' } : { KEYS: key }) as Record<string, string>,
    }));
    let first: number;
    try {
      first = await this.options.cluster.sendBatch(this.queue, this.options.producerGroup, messages);
    } catch (err) {
      throw new ConnectError('RETRIABLE', `cannot write to store topic ${this.options.topic}: ${(err as Error).message}`, { retriable: true, cause: err });
    }
    await this.readPast(first + records.length - 1);
  }

  /** Re-appends every current entry (leader duty; keeps the state inside the broker's retention). */
  async refresh(): Promise<void> {
    const all = [...this.values] as [string, V][];
    for (let i = 0; i < all.length; i += 200) await this.append(all.slice(i, i + 200));
  }

  /** Waits until everything appended before this call has been read. */
  async readToEnd(): Promise<void> {
    const end = await this.options.cluster.maxOffset(this.queue!);
    if (end > 0) await this.readPast(end - 1);
  }

  private readPast(offset: number): Promise<void> {
    if (this.next > offset || !this.running) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ offset, resolve }));
  }

  private async tail(): Promise<void> {
    const { cluster, group, logger, topic } = this.options;
    while (this.running) {
      try {
        const r = await cluster.pull(this.queue!, group, this.next, 256, this.options.longPollMs ?? 5000);
        if (this.failures > 0) logger.info({ topic, failures: this.failures }, 'store topic readable again');
        this.failures = 0;
        if (r.status === 'found') {
          for (const m of r.messages) {
            const key = m.properties['KEYS'];
            if (key !== undefined) this.apply(key, m.properties[TOMBSTONE] === '1' ? undefined : (JSON.parse(m.body.toString('utf8')) as V));
            this.next = m.queueOffset + 1;
          }
          this.next = Math.max(this.next, r.nextOffset);
        } else if (r.status === 'moved') {
          logger.warn({ topic, offset: this.next, resumeAt: r.nextOffset }, 'store topic offset out of range (retention); continuing from the earliest kept record');
          this.next = r.nextOffset;
        } else {
          this.next = r.nextOffset;
        }
        this.wakeReaders();
      } catch (err) {
        if (!this.running) break;
        this.failures++;
        if (this.failures === 1 || this.failures % 20 === 0) logger.warn({ topic, failures: this.failures, err: (err as Error).message }, 'reading store topic failed; retrying');
        cluster.invalidate(topic);
        await new Promise((r) => setTimeout(r, Math.min(5000, 200 * 2 ** Math.min(this.failures, 5))));
      }
    }
  }

  private apply(key: string, value: V | undefined): void {
    const previous = this.values.get(key);
    if (value === undefined) this.values.delete(key);
    else this.values.set(key, value);
    for (const l of this.listeners) {
      try {
        l(key, value, previous);
      } catch (err) {
        this.options.logger.error({ topic: this.options.topic, key, err: (err as Error).message }, 'store listener failed');
      }
    }
  }

  private wakeReaders(): void {
    for (let i = this.waiters.length - 1; i >= 0; i--) {
      const w = this.waiters[i]!;
      if (this.next > w.offset) {
        this.waiters.splice(i, 1);
        w.resolve();
      }
    }
  }
}
