// Distributed mode: the worker's view of its cluster. Opens the four store topics (configs, statuses,
// source positions, heartbeats) as replicated maps, keeps this worker's heartbeat going, computes the
// allocation from the live workers and the stored connectors, and wakes the herder to reconcile whenever
// any of that changes. Sink offsets need no topic of their own: they are the consumer groups' offsets on
// the brokers (and, for the Hudi sink, the ranges in each commit).

import type { WorkerInfo } from '../herder/herder';
import type { ClusterView } from '../herder/standalone-herder';
import type { Logger } from '../spi';
import type { StoredConnector } from '../stores/config-store';
import type { PositionEntry } from '../stores/file-position-store';
import type { StateRecord } from '../stores/status-store';
import { TopicConfigStore } from '../stores/topic-config-store';
import { TopicPositionStore } from '../stores/topic-position-store';
import { TopicStatusStore } from '../stores/topic-status-store';
import type { RocketMQCluster } from '../transport/rocketmq/rocketmq-cluster';
import { allocate, taskUnit, type Allocation } from './allocation';
import { Membership, type Heartbeat } from './membership';
import { ReplicatedMap } from './replicated-map';

export interface StoreTopics {
  config: string;
  status: string;
  position: string;
  cluster: string;
}

export interface CoordinatorOptions {
  cluster: RocketMQCluster;
  workerId: string;
  version: string;
  url: () => string;
  topics: StoreTopics;
  /** RocketMQ cluster in which missing store topics are created. */
  clusterName?: string;
  heartbeatIntervalMs: number;
  workerTimeoutMs: number;
  refreshIntervalMs: number;
  logger: Logger;
}

export class ClusterCoordinator implements ClusterView {
  readonly configStore: TopicConfigStore;
  readonly statusStore: TopicStatusStore;
  readonly positionStore: TopicPositionStore;
  readonly membership: Membership;
  private readonly maps: ReplicatedMap<unknown>[];
  private reconcile: (() => Promise<void>) | undefined;
  private pending: NodeJS.Timeout | undefined;
  private refreshTimer: NodeJS.Timeout | undefined;
  private readonly startedAt = Date.now();

  constructor(private readonly options: CoordinatorOptions) {
    const map = <V>(topic: string): ReplicatedMap<V> =>
      new ReplicatedMap<V>({ cluster: options.cluster, topic, group: `tributary-store-${options.workerId}`, producerGroup: `tributary-${options.workerId}`, clusterName: options.clusterName, logger: options.logger.child({ store: topic }) });
    const configs = map<StoredConnector>(options.topics.config);
    const statuses = map<StateRecord>(options.topics.status);
    const positions = map<PositionEntry>(options.topics.position);
    const heartbeats = map<Heartbeat>(options.topics.cluster);
    this.maps = [configs, statuses, positions, heartbeats] as ReplicatedMap<unknown>[];
    this.configStore = new TopicConfigStore(configs);
    this.statusStore = new TopicStatusStore(statuses, options.workerId);
    this.positionStore = new TopicPositionStore(positions);
    this.membership = new Membership({
      map: heartbeats,
      self: { workerId: options.workerId, startedAt: this.startedAt, version: options.version, transport: 'rocketmq' },
      url: options.url,
      heartbeatIntervalMs: options.heartbeatIntervalMs,
      workerTimeoutMs: options.workerTimeoutMs,
      logger: options.logger.child({ component: 'membership' }),
    });
    configs.onChange(() => this.schedule());
    statuses.onChange(() => this.schedule());
    this.membership.onTick(() => this.schedule());
  }

  /** Reads all store topics to their end and announces this worker. */
  async start(): Promise<void> {
    await Promise.all(this.maps.map((m) => m.start()));
    await this.membership.start();
    this.refreshTimer = setInterval(() => {
      if (!this.membership.isLeader()) return;
      this.options.logger.info('refreshing the store topics (leader duty, keeps state within broker retention)');
      for (const m of this.maps.slice(0, 3)) m.refresh().catch((err) => this.options.logger.warn({ topic: m.topic, err: (err as Error).message }, 'store refresh failed'));
    }, this.options.refreshIntervalMs);
    this.refreshTimer.unref();
  }

  /** The herder to wake (debounced) when configs, statuses or membership change. */
  attach(reconcile: () => Promise<void>): void {
    this.reconcile = reconcile;
    this.schedule();
  }

  async stop(): Promise<void> {
    this.reconcile = undefined;
    if (this.pending) clearTimeout(this.pending);
    if (this.refreshTimer) clearInterval(this.refreshTimer);
    try {
      await this.membership.stop();
    } catch (err) {
      this.options.logger.warn({ err: (err as Error).message }, 'could not announce leaving the cluster; the others notice after workerTimeoutMs');
    }
    await Promise.all(this.maps.map((m) => m.stop()));
  }

  allocation(): Allocation {
    return allocate(this.membership.ids(), this.configStore.list());
  }

  ownsConnector(name: string): boolean {
    return this.allocation().connectors.get(name) === this.options.workerId;
  }

  ownsTask(name: string, task: number): boolean {
    return this.allocation().tasks.get(taskUnit(name, task)) === this.options.workerId;
  }

  mayStartTask(name: string, task: number): boolean {
    const rec = this.statusStore.task(name, task);
    return !rec || rec.workerId === this.options.workerId || rec.state === 'UNASSIGNED' || !this.membership.isLive(rec.workerId);
  }

  isLive(workerId: string): boolean {
    return this.membership.isLive(workerId);
  }

  ownerUrl(name: string, task?: number): string | undefined {
    const a = this.allocation();
    const owner = task === undefined ? a.connectors.get(name) : a.tasks.get(taskUnit(name, task));
    return owner === undefined ? undefined : this.membership.urlOf(owner);
  }

  workers(): WorkerInfo[] {
    return this.membership.live().map((h) => ({ workerId: h.workerId, url: h.url, startedAt: h.startedAt, version: h.version, transport: h.transport }));
  }

  private schedule(): void {
    if (!this.reconcile || this.pending) return;
    this.pending = setTimeout(() => {
      this.pending = undefined;
      this.reconcile?.().catch((err) => this.options.logger.error({ err: (err as Error).message }, 'reconcile failed'));
    }, 100);
  }
}
