// Connector and task states of a distributed cluster, in the RocketMQ topic `statusStoreTopic`
// (connector-status-topic). Each worker writes the states of what it runs; every worker reads all, so
// status is the same from any worker's REST API. A worker giving a unit up (rebalance) does not
// overwrite the record of the worker that took it over.

import type { ReplicatedMap } from '../cluster/replicated-map';
import type { StateRecord, StatusStore } from './status-store';

const connectorKey = (name: string): string => `connector/${name}`;
const taskKey = (name: string, task: number): string => `task/${name}/${task}`;

export class TopicStatusStore implements StatusStore {
  constructor(
    private readonly map: ReplicatedMap<StateRecord>,
    private readonly workerId: string,
  ) {}

  async load(): Promise<void> {
    // Loaded by the cluster before the herder starts.
  }

  connector(name: string): StateRecord | undefined {
    return this.map.get(connectorKey(name));
  }

  task(connector: string, task: number): StateRecord | undefined {
    return this.map.get(taskKey(connector, task));
  }

  tasks(connector: string): Map<number, StateRecord> {
    const prefix = `task/${connector}/`;
    return new Map(this.map.entries(prefix).map(([k, v]) => [Number(k.slice(prefix.length)), v]));
  }

  async putConnector(name: string, rec: StateRecord): Promise<void> {
    if (this.supersededBy(this.connector(name), rec)) return;
    await this.map.put(connectorKey(name), rec);
  }

  async putTask(connector: string, task: number, rec: StateRecord): Promise<void> {
    if (this.supersededBy(this.task(connector, task), rec)) return;
    await this.map.put(taskKey(connector, task), rec);
  }

  async remove(connector: string): Promise<void> {
    const keys = [connectorKey(connector), ...this.map.entries(`task/${connector}/`).map(([k]) => k)];
    await this.map.append(keys.map((k) => [k, null]));
  }

  async removeTasksFrom(connector: string, fromTask: number): Promise<void> {
    const keys = [...this.tasks(connector).keys()].filter((t) => t >= fromTask).map((t) => taskKey(connector, t));
    if (keys.length > 0) await this.map.append(keys.map((k) => [k, null]));
  }

  async close(): Promise<void> {
    // The cluster stops the topic reader.
  }

  /** This worker letting go of a unit another worker now reports on. */
  private supersededBy(current: StateRecord | undefined, rec: StateRecord): boolean {
    return rec.state === 'UNASSIGNED' && current !== undefined && current.workerId !== this.workerId;
  }
}
