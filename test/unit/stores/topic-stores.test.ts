// The RocketMQ-topic stores of distributed mode over an in-memory stand-in for their replicated map.
import { describe, expect, it } from 'vitest';
import type { ReplicatedMap } from '../../../runtime/cluster/replicated-map';
import { TopicConfigStore } from '../../../runtime/stores/topic-config-store';
import { TopicPositionStore } from '../../../runtime/stores/topic-position-store';
import { TopicStatusStore } from '../../../runtime/stores/topic-status-store';

class MemoryMap<V> {
  readonly values = new Map<string, V>();
  appends = 0;
  get(k: string): V | undefined {
    return this.values.get(k);
  }
  entries(prefix = ''): [string, V][] {
    return [...this.values].filter(([k]) => k.startsWith(prefix));
  }
  async put(k: string, v: V): Promise<void> {
    await this.append([[k, v]]);
  }
  async delete(k: string): Promise<void> {
    await this.append([[k, null]]);
  }
  async append(records: [string, V | null][]): Promise<void> {
    this.appends++;
    for (const [k, v] of records) (v === null ? this.values.delete(k) : this.values.set(k, v));
  }
  onChange(): void {}
}

const as = <V>(m: MemoryMap<V>) => m as unknown as ReplicatedMap<V>;

describe('topic stores', () => {
  it('status: a worker letting go of a task does not overwrite the record of the worker that took it', async () => {
    const map = new MemoryMap<never>();
    const a = new TopicStatusStore(as(map), 'worker-a');
    const b = new TopicStatusStore(as(map), 'worker-b');
    await a.putTask('c', 0, { state: 'RUNNING', workerId: 'worker-a', since: 1 });
    await b.putTask('c', 0, { state: 'RUNNING', workerId: 'worker-b', since: 2 });
    await a.putTask('c', 0, { state: 'UNASSIGNED', workerId: 'worker-a', since: 3 });
    expect(b.task('c', 0)).toMatchObject({ state: 'RUNNING', workerId: 'worker-b' });
    await b.putTask('c', 0, { state: 'UNASSIGNED', workerId: 'worker-b', since: 4 });
    expect(a.task('c', 0)).toMatchObject({ state: 'UNASSIGNED', workerId: 'worker-b' });
  });

  it('status: tasks are listed per connector, removed from an id on, and with the connector', async () => {
    const map = new MemoryMap<never>();
    const s = new TopicStatusStore(as(map), 'w');
    await s.putConnector('c', { state: 'RUNNING', workerId: 'w', since: 1 });
    for (const t of [0, 1, 2]) await s.putTask('c', t, { state: 'RUNNING', workerId: 'w', since: 1 });
    await s.putTask('cc', 0, { state: 'RUNNING', workerId: 'w', since: 1 });
    expect([...s.tasks('c').keys()].sort()).toEqual([0, 1, 2]);
    await s.removeTasksFrom('c', 1);
    expect([...s.tasks('c').keys()]).toEqual([0]);
    await s.remove('c');
    expect(s.connector('c')).toBeUndefined();
    expect(s.tasks('c').size).toBe(0);
    expect(s.tasks('cc').size).toBe(1);
  });

  it('configs are listed by name; positions are per connector and partition, null deletes', async () => {
    const configs = new TopicConfigStore(as(new MemoryMap()));
    await configs.put({ name: 'b', config: {}, target: 'STARTED', taskConfigs: [] });
    await configs.put({ name: 'a', config: {}, target: 'PAUSED', taskConfigs: [] });
    expect(configs.list().map((c) => c.name)).toEqual(['a', 'b']);
    await configs.remove('b');
    expect(configs.get('b')).toBeUndefined();

    const map = new MemoryMap<never>();
    const positions = new TopicPositionStore(as(map));
    await positions.putPositions([
      { connector: 'src', partition: { file: 'x', n: 1 }, position: { line: 3 } },
      { connector: 'src', partition: { n: 1, file: 'x' }, position: { line: 4 } },
      { connector: 'other', partition: { file: 'x' }, position: { line: 9 } },
    ]);
    expect(map.appends).toBe(1);
    expect(await positions.positions('src')).toEqual([{ partition: { n: 1, file: 'x' }, position: { line: 4 } }]);
    await positions.putPositions([{ connector: 'src', partition: { file: 'x', n: 1 }, position: null }]);
    expect(await positions.positions('src')).toEqual([]);
    expect(await positions.positions('other')).toHaveLength(1);
  });
});
