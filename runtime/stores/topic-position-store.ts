// Source positions of a distributed cluster, in the RocketMQ topic `positionStoreTopic`
// (connector-position-topic), so a source task that moves to another worker resumes where it stopped.

import type { ReplicatedMap } from '../cluster/replicated-map';
import { canonicalJson } from '../worker/canonical-json';
import type { PositionEntry, PositionStore, PositionUpdateOrDelete } from './file-position-store';

export class TopicPositionStore implements PositionStore {
  constructor(private readonly map: ReplicatedMap<PositionEntry>) {}

  async positions(connector: string): Promise<PositionEntry[]> {
    return this.map.entries(`${connector}/`).map(([, v]) => ({ partition: { ...v.partition }, position: { ...v.position } }));
  }

  async putPositions(updates: PositionUpdateOrDelete[]): Promise<void> {
    await this.map.append(updates.map((u) => [`${u.connector}/${canonicalJson(u.partition)}`, u.position === null ? null : { partition: u.partition, position: u.position }]));
  }

  async close(): Promise<void> {
    // The cluster stops the topic reader.
  }
}
