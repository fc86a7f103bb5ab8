import { describe, expect, it } from 'vitest';
import { allocate, taskUnit } from '../../../runtime/cluster/allocation';
import type { StoredConnector } from '../../../runtime/stores/config-store';

function connector(name: string, tasks: number, target: StoredConnector['target'] = 'STARTED'): StoredConnector {
  return { name, config: { name }, target, taskConfigs: Array.from({ length: tasks }, (_, i) => ({ task: String(i) })) };
}

describe('allocate', () => {
  it('deals connector instances and tasks round robin over the workers sorted by id, whatever the input order', () => {
    const a = allocate(['w2', 'w1'], [connector('b', 1), connector('a', 2)]);
    expect([...a.connectors]).toEqual([['a', 'w1'], ['b', 'w2']]);
    expect([...a.tasks]).toEqual([[taskUnit('a', 0), 'w2'], [taskUnit('a', 1), 'w1'], [taskUnit('b', 0), 'w1']]);
    expect(allocate(['w1', 'w2'], [connector('a', 2), connector('b', 1)])).toEqual(a);
  });

  it('gives every worker a share differing by at most one unit, and a joining worker takes its share', () => {
    const connectors = [connector('x', 4), connector('y', 3), connector('z', 0)];
    for (const workers of [['w1'], ['w1', 'w2'], ['w1', 'w2', 'w3']]) {
      const a = allocate(workers, connectors);
      const counts = workers.map((w) => [...a.connectors.values(), ...a.tasks.values()].filter((o) => o === w).length);
      expect(counts.reduce((x, y) => x + y, 0)).toBe(3 + 7);
      expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
    }
  });

  it('stopped connectors run nowhere; no workers means nothing is allocated', () => {
    const a = allocate(['w1'], [connector('s', 2, 'STOPPED'), connector('p', 1, 'PAUSED')]);
    expect([...a.connectors.keys()]).toEqual(['p']);
    expect([...a.tasks.keys()]).toEqual([taskUnit('p', 0)]);
    expect(allocate([], [connector('p', 1)]).tasks.size).toBe(0);
  });
});
