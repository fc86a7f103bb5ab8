// Source positions of a standalone worker whose transport cannot store them with the records (RocketMQ):
// one JSON file `<dir>/positions.json` ({"version": 1, "connectors": {name: [{partition, position}]}}).
// Written after the records they cover were acknowledged by the broker, so a crash in between re-sends
// those records (at-least-once), never skips them.

import { ConnectError, type SourcePartition, type SourcePosition } from '../spi';
import { canonicalJson } from '../worker/canonical-json';
import { JsonDocumentStore, type JsonDocumentStoreOptions } from './json-document-store';

export interface PositionEntry {
  partition: SourcePartition;
  position: SourcePosition;
}

export interface PositionUpdateOrDelete {
  connector: string;
  partition: SourcePartition;
  /** null deletes the partition's position. */
  position: SourcePosition | null;
}

/** Where source positions live when the transport does not keep them. */
export interface PositionStore {
  positions(connector: string): Promise<PositionEntry[]>;
  putPositions(updates: PositionUpdateOrDelete[]): Promise<void>;
  close(): Promise<void>;
}

interface PositionsFileV1 {
  version: 1;
  connectors: Record<string, PositionEntry[]>;
}

export class FilePositionStore extends JsonDocumentStore<PositionsFileV1> implements PositionStore {
  private readonly byConnector = new Map<string, Map<string, PositionEntry>>();

  constructor(options: JsonDocumentStoreOptions) {
    super(options, { fileName: 'positions.json', kind: 'position store', loadedMessage: 'source positions loaded' });
  }

  protected restore(doc: unknown): number {
    this.byConnector.clear();
    if (doc === undefined) return 0;
    const d = doc as Partial<PositionsFileV1>;
    if (d.version !== 1 || typeof d.connectors !== 'object' || d.connectors === null) {
      throw new ConnectError('INTERNAL', `${this.path} is not a positions file of version 1; move it away to start with no positions`);
    }
    for (const [name, entries] of Object.entries(d.connectors)) {
      if (!Array.isArray(entries)) throw new ConnectError('INTERNAL', `${this.path}: positions of connector ${name} must be a list`);
      this.byConnector.set(name, new Map(entries.map((e) => [canonicalJson(e.partition), { partition: e.partition, position: e.position }])));
    }
    return this.byConnector.size;
  }

  async positions(connector: string): Promise<PositionEntry[]> {
    this.ensureLoaded();
    return [...(this.byConnector.get(connector)?.values() ?? [])].map((e) => ({ partition: { ...e.partition }, position: { ...e.position } }));
  }

  async putPositions(updates: PositionUpdateOrDelete[]): Promise<void> {
    this.ensureLoaded();
    if (updates.length === 0) return;
    for (const u of updates) {
      const key = canonicalJson(u.partition);
      let m = this.byConnector.get(u.connector);
      if (u.position === null) {
        m?.delete(key);
        if (m?.size === 0) this.byConnector.delete(u.connector);
        continue;
      }
      if (!m) this.byConnector.set(u.connector, (m = new Map()));
      m.set(key, { partition: { ...u.partition }, position: { ...u.position } });
    }
    const connectors: Record<string, PositionEntry[]> = {};
    for (const [name, m] of [...this.byConnector].sort(([a], [b]) => a.localeCompare(b))) connectors[name] = [...m.values()];
    await this.file.write({ version: 1, connectors });
  }
}
