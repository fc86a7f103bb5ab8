// Who runs what in a distributed cluster: a pure function of the live workers and the stored connectors,
// so every worker computes the same answer from the same view. Units are each connector instance and
// each of its tasks, in name order; they are dealt round robin over the workers sorted by id, so every
// worker gets a share (at most one unit more than any other) and a joining worker takes its share at once.

import type { StoredConnector } from '../stores/config-store';

export interface Allocation {
  /** worker id of each connector instance */
  connectors: Map<string, string>;
  /** worker id of each task, keyed `<connector>/<task>` */
  tasks: Map<string, string>;
}

export function taskUnit(connector: string, task: number): string {
  return `${connector}/${task}`;
}

export function allocate(workers: string[], connectors: StoredConnector[]): Allocation {
  const out: Allocation = { connectors: new Map(), tasks: new Map() };
  const sortedWorkers = [...workers].sort();
  if (sortedWorkers.length === 0) return out;
  let k = 0;
  for (const c of [...connectors].sort((a, b) => a.name.localeCompare(b.name))) {
    if (c.target === 'STOPPED') continue;
    out.connectors.set(c.name, sortedWorkers[k++ % sortedWorkers.length]!);
    for (let t = 0; t < c.taskConfigs.length; t++) out.tasks.set(taskUnit(c.name, t), sortedWorkers[k++ % sortedWorkers.length]!);
  }
  return out;
}
