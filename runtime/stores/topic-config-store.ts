// Connector configs and target states of a distributed cluster, in the RocketMQ topic
// `configStoreTopic` (connector-config-topic): one record per connector, latest wins, empty = deleted.
// Every worker holds the whole map; changes made through any worker reach all of them.

import type { ReplicatedMap } from '../cluster/replicated-map';
import type { ConfigStore, StoredConnector } from './config-store';

export class TopicConfigStore implements ConfigStore {
  constructor(private readonly map: ReplicatedMap<StoredConnector>) {}

  async load(): Promise<void> {
    // Loaded by the cluster before the herder starts (ReplicatedMap.start).
  }

  list(): StoredConnector[] {
    return this.map.entries().map(([, v]) => v).sort((a, b) => a.name.localeCompare(b.name));
  }

  get(name: string): StoredConnector | undefined {
    return this.map.get(name);
  }

  async put(connector: StoredConnector): Promise<void> {
    await this.map.put(connector.name, connector);
  }

  async remove(name: string): Promise<void> {
    await this.map.delete(name);
  }

  /** Called with the connector's name whenever any worker changed it. */
  onChange(listener: (name: string) => void): void {
    this.map.onChange((key) => listener(key));
  }

  async close(): Promise<void> {
    // The cluster stops the topic reader after the herder has stopped.
  }
}
