// Connector configs and target states of a standalone worker, in one JSON file `<dir>/connectors.json`
// ({"version": 1, "connectors": [...]}, in creation order). Reads come from memory; every change is
// written through and durable when its promise resolves. A change whose write fails is undone in memory.

import { ConnectError } from '../spi';
import type { ConfigStore, StoredConnector, TargetState } from './config-store';
import { JsonDocumentStore, type JsonDocumentStoreOptions } from './json-document-store';

export const CONFIG_FILE_VERSION = 1;
const TARGET_STATES: readonly TargetState[] = ['STARTED', 'PAUSED', 'STOPPED'];

interface ConfigFileV1 {
  version: 1;
  connectors: StoredConnector[];
}

export interface FileConfigStoreOptions extends JsonDocumentStoreOptions {
  /** Directory of `connectors.json`; created if missing. */
  dir: string;
}

function isStringMap(v: unknown): v is Record<string, string> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && Object.values(v).every((x) => typeof x === 'string');
}

function copy(c: StoredConnector): StoredConnector {
  return { name: c.name, config: { ...c.config }, target: c.target, taskConfigs: c.taskConfigs.map((t) => ({ ...t })) };
}

export class FileConfigStore extends JsonDocumentStore<ConfigFileV1> implements ConfigStore {
  private connectors = new Map<string, StoredConnector>();

  constructor(options: FileConfigStoreOptions) {
    super(options, { fileName: 'connectors.json', kind: 'config store', loadedMessage: 'connector configs loaded' });
  }

  list(): StoredConnector[] {
    this.ensureLoaded();
    return [...this.connectors.values()].map(copy);
  }

  get(name: string): StoredConnector | undefined {
    this.ensureLoaded();
    const c = this.connectors.get(name);
    return c && copy(c);
  }

  async put(connector: StoredConnector): Promise<void> {
    this.ensureLoaded();
    this.check(connector, 'put');
    const next = copy(connector);
    const before = this.connectors.get(next.name);
    this.connectors.set(next.name, next);
    try {
      await this.persist();
    } catch (err) {
      // Undo only our own change: a later put of the same name may already have replaced it.
      if (this.connectors.get(next.name) === next) {
        if (before) this.connectors.set(next.name, before);
        else this.connectors.delete(next.name);
      }
      throw err;
    }
  }

  async remove(name: string): Promise<void> {
    this.ensureLoaded();
    const before = this.connectors.get(name);
    if (!before) return;
    this.connectors.delete(name);
    try {
      await this.persist();
    } catch (err) {
      if (!this.connectors.has(name)) this.connectors.set(name, before);
      throw err;
    }
  }

  protected override restore(doc: unknown): number {
    this.connectors = doc === undefined ? new Map() : this.parse(doc);
    return this.connectors.size;
  }

  private persist(): Promise<void> {
    return this.file.write({ version: CONFIG_FILE_VERSION, connectors: [...this.connectors.values()] });
  }

  private parse(doc: unknown): Map<string, StoredConnector> {
    const file = this.file.path;
    if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
      throw new ConnectError('INTERNAL', `${file} is not a connector config file (expected an object with "version" and "connectors")`);
    }
    const { version, connectors } = doc as { version?: unknown; connectors?: unknown };
    if (version !== CONFIG_FILE_VERSION) {
      throw new ConnectError(
        'INTERNAL',
        `${file} has format version ${JSON.stringify(version)}; this runtime reads version ${CONFIG_FILE_VERSION} (a newer Tributary may have written it)`,
      );
    }
    if (!Array.isArray(connectors)) throw new ConnectError('INTERNAL', `${file}: "connectors" must be an array`);
    const out = new Map<string, StoredConnector>();
    connectors.forEach((c: unknown, i) => {
      const problem = this.problem(c);
      if (problem) throw new ConnectError('INTERNAL', `${file}: connector entry ${i} is invalid: ${problem}`);
      const sc = c as StoredConnector;
      if (out.has(sc.name)) throw new ConnectError('INTERNAL', `${file}: connector ${JSON.stringify(sc.name)} appears twice`);
      out.set(sc.name, copy(sc));
    });
    return out;
  }

  private check(c: StoredConnector, op: string): void {
    const problem = this.problem(c);
    if (problem) throw new ConnectError('BAD_REQUEST', `cannot ${op} connector ${JSON.stringify((c as { name?: unknown })?.name)}: ${problem}`);
  }

  private problem(c: unknown): string | undefined {
    if (typeof c !== 'object' || c === null) return 'not an object';
    const { name, config, target, taskConfigs } = c as Record<string, unknown>;
    if (typeof name !== 'string' || name.length === 0) return `name ${JSON.stringify(name)} must be a non-empty string`;
    if (!isStringMap(config)) return 'config must be an object of string values';
    if (!TARGET_STATES.includes(target as TargetState)) return `target ${JSON.stringify(target)} must be one of ${TARGET_STATES.join(', ')}`;
    if (!Array.isArray(taskConfigs) || !taskConfigs.every(isStringMap)) return 'taskConfigs must be an array of objects of string values';
    return undefined;
  }
}
