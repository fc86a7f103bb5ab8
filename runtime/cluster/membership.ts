// Which workers are alive: each worker appends a heartbeat to the cluster topic (`clusterStoreTopic`,
// connector-cluster-topic) every `heartbeatIntervalMs`; a worker whose last heartbeat is older than
// `workerTimeoutMs` is gone, and a worker stopping cleanly says so at once. Heartbeats carry the sender's
// clock, so worker clocks must agree to well within workerTimeoutMs (NTP).

import type { Logger } from '../spi';
import type { ReplicatedMap } from './replicated-map';

export interface Heartbeat {
  workerId: string;
  url: string;
  startedAt: number;
  version: string;
  transport: string;
  sentAt: number;
  leaving?: boolean;
}

export interface MembershipOptions {
  map: ReplicatedMap<Heartbeat>;
  self: Omit<Heartbeat, 'sentAt' | 'url'>;
  url: () => string;
  heartbeatIntervalMs: number;
  workerTimeoutMs: number;
  logger: Logger;
  now?: () => number;
}

export class Membership {
  /** Local time at which each worker's latest heartbeat was read. */
  private readonly lastSeen = new Map<string, number>();
  private readonly listeners: (() => void)[] = [];
  private timer: NodeJS.Timeout | undefined;
  private liveIds = '';
  private readonly now: () => number;

  constructor(private readonly options: MembershipOptions) {
    this.now = options.now ?? Date.now;
    options.map.onChange((workerId, hb) => {
      if (!hb || hb.leaving) this.lastSeen.delete(workerId);
      // A heartbeat replayed from history (older than the timeout when read) says nothing about now.
      else if (this.now() - hb.sentAt < options.workerTimeoutMs) this.lastSeen.set(workerId, this.now());
    });
  }

  async start(): Promise<void> {
    await this.beat();
    this.liveIds = this.ids().join(',');
    this.timer = setInterval(() => {
      this.beat().catch((err) => this.options.logger.warn({ err: (err as Error).message }, 'heartbeat failed; retrying at the next interval'));
      this.check();
    }, this.options.heartbeatIntervalMs);
    this.timer.unref();
  }

  /** Live workers, sorted by id (this worker is always among them while running). */
  live(): Heartbeat[] {
    const now = this.now();
    const out: Heartbeat[] = [];
    for (const [id, seen] of this.lastSeen) {
      if (id !== this.options.self.workerId && now - seen >= this.options.workerTimeoutMs) continue;
      const hb = this.options.map.get(id);
      if (hb && !hb.leaving) out.push(hb);
    }
    if (!out.some((h) => h.workerId === this.options.self.workerId)) out.push({ ...this.options.self, url: this.options.url(), sentAt: now });
    return out.sort((a, b) => a.workerId.localeCompare(b.workerId));
  }

  ids(): string[] {
    return this.live().map((h) => h.workerId);
  }

  isLive(workerId: string): boolean {
    return this.ids().includes(workerId);
  }

  urlOf(workerId: string): string | undefined {
    return this.live().find((h) => h.workerId === workerId)?.url;
  }

  /** The worker with the smallest id leads cluster chores (store refresh). */
  isLeader(): boolean {
    return this.ids()[0] === this.options.self.workerId;
  }

  /** Called on every heartbeat tick (whether or not the live set changed: handoffs wait on ticks). */
  onTick(listener: () => void): void {
    this.listeners.push(listener);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.options.map.put(this.options.self.workerId, { ...this.options.self, url: this.options.url(), sentAt: this.now(), leaving: true });
  }

  private async beat(): Promise<void> {
    await this.options.map.put(this.options.self.workerId, { ...this.options.self, url: this.options.url(), sentAt: this.now() });
  }

  private check(): void {
    const ids = this.ids().join(',');
    if (ids !== this.liveIds) {
      this.options.logger.info({ before: this.liveIds.split(',').filter(Boolean), now: ids.split(',') }, 'cluster membership changed');
      this.liveIds = ids;
    }
    for (const l of this.listeners) l();
  }
}
