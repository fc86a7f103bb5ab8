import { describe, expect, it } from 'vitest';
import { Membership, type Heartbeat } from '../../../runtime/cluster/membership';
import type { ReplicatedMap } from '../../../runtime/cluster/replicated-map';

/** The part of ReplicatedMap that Membership uses, in memory; `deliver` plays a record read from the topic. */
class FakeMap {
  readonly values = new Map<string, Heartbeat>();
  private readonly listeners: ((key: string, value: Heartbeat | undefined) => void)[] = [];
  get(key: string): Heartbeat | undefined {
    return this.values.get(key);
  }
  onChange(l: (key: string, value: Heartbeat | undefined) => void): void {
    this.listeners.push(l);
  }
  async put(key: string, value: Heartbeat): Promise<void> {
    this.deliver(key, value);
  }
  deliver(key: string, value: Heartbeat | undefined): void {
    if (value) this.values.set(key, value);
    else this.values.delete(key);
    for (const l of this.listeners) l(key, value);
  }
}

const silent = { info() {}, warn() {}, error() {}, debug() {}, child() { return silent; } } as never;

function setup(now: { t: number }) {
  const map = new FakeMap();
  const m = new Membership({
    map: map as unknown as ReplicatedMap<Heartbeat>,
    self: { workerId: 'w2', startedAt: 0, version: '1', transport: 'rocketmq' },
    url: () => 'http://127.0.0.1:2',
    heartbeatIntervalMs: 1000,
    workerTimeoutMs: 5000,
    logger: silent,
    now: () => now.t,
  });
  const hb = (workerId: string, sentAt: number, leaving = false): Heartbeat => ({ workerId, url: `http://${workerId}`, startedAt: 0, version: '1', transport: 'rocketmq', sentAt, ...(leaving ? { leaving } : {}) });
  return { map, m, hb };
}

describe('Membership', () => {
  it('a heartbeat read while fresh makes a worker live until workerTimeoutMs pass without another', () => {
    const now = { t: 100_000 };
    const { map, m, hb } = setup(now);
    map.deliver('w1', hb('w1', 99_500));
    expect(m.ids()).toEqual(['w1', 'w2']);
    expect(m.urlOf('w1')).toBe('http://w1');
    now.t += 4_999;
    expect(m.isLive('w1')).toBe(true);
    now.t += 1;
    expect(m.ids()).toEqual(['w2']);
    map.deliver('w1', hb('w1', now.t));
    expect(m.isLive('w1')).toBe(true);
  });

  it('heartbeats replayed from the topic\'s history say nothing about now; a leaving worker is gone at once', () => {
    const now = { t: 100_000 };
    const { map, m, hb } = setup(now);
    map.deliver('w0', hb('w0', 10_000));
    expect(m.ids()).toEqual(['w2']);
    map.deliver('w3', hb('w3', 100_000));
    expect(m.ids()).toEqual(['w2', 'w3']);
    map.deliver('w3', hb('w3', 100_100, true));
    expect(m.ids()).toEqual(['w2']);
  });

  it('this worker is always live; the smallest live id leads', () => {
    const now = { t: 100_000 };
    const { map, m, hb } = setup(now);
    expect(m.ids()).toEqual(['w2']);
    expect(m.isLeader()).toBe(true);
    map.deliver('w1', hb('w1', 100_000));
    expect(m.isLeader()).toBe(false);
    expect(m.live().map((h) => h.url)).toEqual(['http://w1', 'http://127.0.0.1:2']);
  });
});
