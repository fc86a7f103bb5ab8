// Last known connector and task states of a standalone worker, in one JSON file `<dir>/status.json`
// ({"version": 1, "connectors": {name: {connector?, tasks: {id: record}}}}). Reads come from memory;
// every change is written through and durable when its promise resolves.

import { ConnectError } from '../spi';
import { JsonDocumentStore, type JsonDocumentStoreOptions } from './json-document-store';
import type { ConnectorState, StateRecord, StatusStore } from './status-store';

export const STATUS_FILE_VERSION = 1;
const STATES: readonly ConnectorState[] = ['UNASSIGNED', 'RUNNING', 'PAUSED', 'STOPPED', 'FAILED', 'RESTARTING'];

interface ConnectorStatuses {
  connector?: StateRecord;
  tasks: Map<number, StateRecord>;
}

interface StatusFileV1 {
  version: 1;
  connectors: Record<string, { connector?: StateRecord; tasks: Record<string, StateRecord> }>;
}

export interface FileStatusStoreOptions extends JsonDocumentStoreOptions {
  /** Directory of `status.json`; created if missing. */
  dir: string;
}

function copy(r: StateRecord): StateRecord {
  return r.trace === undefined ? { state: r.state, workerId: r.workerId, since: r.since } : { state: r.state, workerId: r.workerId, trace: r.trace, since: r.since };
}

function recordProblem(r: unknown): string | undefined {
  if (typeof r !== 'object' || r === null) return 'not an object';
  const { state, workerId, trace, since } = r as Record<string, unknown>;
  if (!STATES.includes(state as ConnectorState)) return `state ${JSON.stringify(state)} must be one of ${STATES.join(', ')}`;
  if (typeof workerId !== 'string') return `workerId ${JSON.stringify(workerId)} must be a string`;
  if (trace !== undefined && typeof trace !== 'string') return 'trace must be a string';
  if (typeof since !== 'number' || !Number.isFinite(since)) return `since ${JSON.stringify(since)} must be a number (ms since the epoch)`;
  return undefined;
}

export class FileStatusStore extends JsonDocumentStore<StatusFileV1> implements StatusStore {
  private statuses = new Map<string, ConnectorStatuses>();

  constructor(options: FileStatusStoreOptions) {
    super(options, { fileName: 'status.json', kind: 'status store', loadedMessage: 'statuses loaded' });
  }

  connector(name: string): StateRecord | undefined {
    this.ensureLoaded();
    const r = this.statuses.get(name)?.connector;
    return r && copy(r);
  }

  task(connector: string, task: number): StateRecord | undefined {
    this.ensureLoaded();
    const r = this.statuses.get(connector)?.tasks.get(task);
    return r && copy(r);
  }

  tasks(connector: string): Map<number, StateRecord> {
    this.ensureLoaded();
    const tasks = this.statuses.get(connector)?.tasks ?? new Map<number, StateRecord>();
    return new Map([...tasks.entries()].sort((a, b) => a[0] - b[0]).map(([id, r]) => [id, copy(r)]));
  }

  // Status is "last known": on a failed write memory keeps the newer state (it is what is live), and the
  // next successful write persists it; so unlike the config store no change is undone here.

  async putConnector(name: string, rec: StateRecord): Promise<void> {
    this.ensureLoaded();
    this.checkRecord(rec, `connector ${JSON.stringify(name)}`);
    this.entry(name).connector = copy(rec);
    await this.persist();
  }

  async putTask(connector: string, task: number, rec: StateRecord): Promise<void> {
    this.ensureLoaded();
    if (!Number.isSafeInteger(task) || task < 0) throw new ConnectError('BAD_REQUEST', `task id ${String(task)} of connector ${JSON.stringify(connector)} is invalid; give a whole number >= 0`);
    this.checkRecord(rec, `task ${connector}-${task}`);
    this.entry(connector).tasks.set(task, copy(rec));
    await this.persist();
  }

  async remove(connector: string): Promise<void> {
    this.ensureLoaded();
    if (!this.statuses.delete(connector)) return;
    await this.persist();
  }

  async removeTasksFrom(connector: string, fromTask: number): Promise<void> {
    this.ensureLoaded();
    const tasks = this.statuses.get(connector)?.tasks;
    if (!tasks) return;
    let changed = false;
    for (const id of [...tasks.keys()]) {
      if (id >= fromTask) changed = tasks.delete(id) || changed;
    }
    if (changed) await this.persist();
  }

  protected override restore(doc: unknown): number {
    this.statuses = doc === undefined ? new Map() : this.parse(doc);
    return this.statuses.size;
  }

  private entry(name: string): ConnectorStatuses {
    let e = this.statuses.get(name);
    if (!e) {
      e = { tasks: new Map() };
      this.statuses.set(name, e);
    }
    return e;
  }

  private persist(): Promise<void> {
    const connectors: StatusFileV1['connectors'] = {};
    for (const [name, e] of this.statuses) {
      const tasks: Record<string, StateRecord> = {};
      for (const [id, r] of [...e.tasks.entries()].sort((a, b) => a[0] - b[0])) tasks[String(id)] = r;
      connectors[name] = e.connector ? { connector: e.connector, tasks } : { tasks };
    }
    return this.file.write({ version: STATUS_FILE_VERSION, connectors });
  }

  private parse(doc: unknown): Map<string, ConnectorStatuses> {
    const file = this.file.path;
    if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
      throw new ConnectError('INTERNAL', `${file} is not a status file (expected an object with "version" and "connectors")`);
    }
    const { version, connectors } = doc as { version?: unknown; connectors?: unknown };
    if (version !== STATUS_FILE_VERSION) {
      throw new ConnectError(
        'INTERNAL',
        `${file} has format version ${JSON.stringify(version)}; this runtime reads version ${STATUS_FILE_VERSION} (a newer Tributary may have written it)`,
      );
    }
    if (typeof connectors !== 'object' || connectors === null || Array.isArray(connectors)) {
      throw new ConnectError('INTERNAL', `${file}: "connectors" must be an object keyed by connector name`);
    }
    const out = new Map<string, ConnectorStatuses>();
    for (const [name, raw] of Object.entries(connectors as Record<string, unknown>)) {
      const { connector, tasks } = (raw ?? {}) as { connector?: unknown; tasks?: unknown };
      const e: ConnectorStatuses = { tasks: new Map() };
      if (connector !== undefined) {
        const problem = recordProblem(connector);
        if (problem) throw new ConnectError('INTERNAL', `${file}: status of connector ${JSON.stringify(name)} is invalid: ${problem}`);
        e.connector = copy(connector as StateRecord);
      }
      if (typeof tasks !== 'object' || tasks === null || Array.isArray(tasks)) {
        throw new ConnectError('INTERNAL', `${file}: "tasks" of connector ${JSON.stringify(name)} must be an object keyed by task id`);
      }
      for (const [id, r] of Object.entries(tasks as Record<string, unknown>)) {
        const problem = /^(0|[1-9][0-9]*)$/.test(id) ? recordProblem(r) : `task id ${JSON.stringify(id)} is not a whole number`;
        if (problem) throw new ConnectError('INTERNAL', `${file}: status of task ${name}-${id} is invalid: ${problem}`);
        e.tasks.set(Number(id), copy(r as StateRecord));
      }
      out.set(name, e);
    }
    return out;
  }

  private checkRecord(rec: StateRecord, what: string): void {
    const problem = recordProblem(rec);
    if (problem) throw new ConnectError('BAD_REQUEST', `cannot store the status of ${what}: ${problem}`);
  }
}
