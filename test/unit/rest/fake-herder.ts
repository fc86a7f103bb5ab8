// An in-memory Herder for the REST tests: connectors live in a Map, and every failure is a ConnectError with
// the code a real herder uses (NOT_FOUND, ALREADY_EXISTS, ILLEGAL_STATE, CONFIG_INVALID), so the tests
// exercise the real routes and the real error mapper. `calls` records what the routes asked for.

import { ConfigError, ConnectError, type ConnectorType } from '../../../runtime/spi';
import type {
  ConnectorInfo,
  ConnectorOffsets,
  ConnectorStatus,
  Herder,
  PluginInfo,
  PluginLoadError,
  RestartOptions,
  TargetState,
  TaskInfo,
  TaskStateInfo,
  ValidationResult,
  WorkerInfo,
} from '../../../runtime/herder/herder';

interface FakeConnector {
  config: Record<string, string>;
  target: TargetState;
  taskCount: number;
  failedTasks: Set<number>;
  offsets: ConnectorOffsets;
}

const PLUGINS: PluginInfo[] = [
  { class: 'file-source', type: 'source', version: '1.0.0', aliases: ['FileSourceConnector', 'org.apache.rocketmq.connect.file.FileSourceConnector'], plugin: 'tributary-file', location: '/plugins/file' },
  { class: 'file-sink', type: 'sink', version: '1.0.0', aliases: ['FileSinkConnector', 'org.apache.rocketmq.connect.file.FileSinkConnector'], plugin: 'tributary-file', location: '/plugins/file' },
];

const DEFINITIONS = [
  { name: 'name', type: 'string', required: true, default_value: null, importance: 'high', documentation: 'Unique connector name.', group: 'Common' },
  { name: 'connector.class', type: 'class', required: true, default_value: null, importance: 'high', documentation: 'Connector plugin.', group: 'Common' },
  { name: 'tasks.max', type: 'int', required: false, default_value: '1', importance: 'high', documentation: 'Upper bound on tasks.', group: 'Common' },
  { name: 'file', type: 'string', required: true, default_value: null, importance: 'high', documentation: 'File to read or write.', group: 'File' },
];

const SECRET = /password|secret/i;

export class FakeHerder implements Herder {
  readonly workerId = 'worker-1';
  readonly connectorsByName = new Map<string, FakeConnector>();
  readonly calls: { method: string; args: unknown[] }[] = [];
  started = true;
  /** Methods that throw a plain TypeError (a "bug"), to check the 500 path. */
  readonly bugs = new Set<string>();
  loadErrors: PluginLoadError[] = [{ location: '/plugins/broken', message: 'package.json has no tributary manifest' }];

  private record(method: string, ...args: unknown[]): void {
    this.calls.push({ method, args });
    if (this.bugs.has(method)) throw new TypeError(`Cannot read properties of undefined (reading 'state') in ${method}`);
  }

  private get(name: string): FakeConnector {
    const c = this.connectorsByName.get(name);
    if (!c) throw new ConnectError('NOT_FOUND', `Connector ${name} not found; GET /connectors lists the existing ones`);
    return c;
  }

  private plugin(cls: string): PluginInfo {
    const p = PLUGINS.find((x) => x.class === cls || x.aliases.includes(cls));
    if (!p) throw new ConnectError('NOT_FOUND', `Plugin ${cls} not found; GET /connector-plugins lists the installed ones`);
    return p;
  }

  private problems(config: Record<string, string>): { name: string; message: string }[] {
    const errors: { name: string; message: string }[] = [];
    const cls = config['connector.class'] ?? config['connector-class'];
    if (cls === undefined) errors.push({ name: 'connector.class', message: 'missing required key' });
    else if (!PLUGINS.some((p) => p.class === cls || p.aliases.includes(cls))) errors.push({ name: 'connector.class', message: `plugin ${JSON.stringify(cls)} is not installed` });
    const max = config['tasks.max'];
    if (max !== undefined && !/^[1-9]\d*$/.test(max)) errors.push({ name: 'tasks.max', message: `value ${JSON.stringify(max)} is not a whole number >= 1` });
    return errors;
  }

  private hidden(config: Record<string, string>): Record<string, string> {
    return Object.fromEntries(Object.entries(config).map(([k, v]) => [k, SECRET.test(k) ? '[hidden]' : v]));
  }

  private type(c: FakeConnector): ConnectorType {
    return this.plugin(c.config['connector.class'] ?? c.config['connector-class'] ?? '').type;
  }

  private state(c: FakeConnector): string {
    return c.target === 'STARTED' ? 'RUNNING' : c.target;
  }

  /** Adds a connector directly (test setup). */
  seed(name: string, config: Record<string, string> = {}, target: TargetState = 'STARTED'): void {
    const full = { name, 'connector.class': 'file-source', file: '/tmp/in.jsonl', 'tasks.max': '2', ...config };
    this.connectorsByName.set(name, { config: full, target, taskCount: Number(full['tasks.max']), failedTasks: new Set(), offsets: { offsets: [{ partition: { file: '/tmp/in.jsonl' }, offset: { position: 42 } }] } });
  }

  async start(): Promise<void> {
    this.started = true;
  }
  async stop(): Promise<void> {
    this.started = false;
  }

  connectors(): string[] {
    this.record('connectors');
    if (!this.started) throw new ConnectError('ILLEGAL_STATE', 'herder is not started');
    return [...this.connectorsByName.keys()];
  }
  connectorInfo(name: string): ConnectorInfo {
    this.record('connectorInfo', name);
    const c = this.get(name);
    return { name, config: this.hidden(c.config), tasks: Array.from({ length: c.taskCount }, (_, task) => ({ connector: name, task })), type: this.type(c) };
  }
  connectorConfig(name: string): Record<string, string> {
    this.record('connectorConfig', name);
    return this.hidden(this.get(name).config);
  }
  async putConnectorConfig(name: string, config: Record<string, string>, opts: { allowReplace: boolean; initialState?: TargetState }): Promise<{ created: boolean; info: ConnectorInfo }> {
    this.record('putConnectorConfig', name, config, opts);
    const existing = this.connectorsByName.get(name);
    if (existing && !opts.allowReplace) throw new ConnectError('ALREADY_EXISTS', `Connector ${name} already exists; use PUT /connectors/${name}/config to change it`);
    const errors = this.problems(config);
    if (errors.length > 0) throw new ConfigError(errors, `Invalid configuration of connector ${JSON.stringify(name)}`);
    this.connectorsByName.set(name, {
      config: { ...config },
      target: existing?.target ?? opts.initialState ?? 'STARTED',
      taskCount: Number(config['tasks.max'] ?? '1'),
      failedTasks: existing?.failedTasks ?? new Set(),
      offsets: existing?.offsets ?? { offsets: [] },
    });
    return { created: !existing, info: this.connectorInfo(name) };
  }
  async patchConnectorConfig(name: string, patch: Record<string, string | null>): Promise<ConnectorInfo> {
    this.record('patchConnectorConfig', name, patch);
    const c = this.get(name);
    const next = { ...c.config };
    for (const [k, v] of Object.entries(patch)) {
      if (v === null) delete next[k];
      else next[k] = v;
    }
    const errors = this.problems(next);
    if (errors.length > 0) throw new ConfigError(errors);
    c.config = next;
    return this.connectorInfo(name);
  }
  async deleteConnector(name: string): Promise<void> {
    this.record('deleteConnector', name);
    this.get(name);
    this.connectorsByName.delete(name);
  }
  connectorStatus(name: string): ConnectorStatus {
    this.record('connectorStatus', name);
    const c = this.get(name);
    return {
      name,
      connector: { state: this.state(c), worker_id: this.workerId },
      tasks: Array.from({ length: c.taskCount }, (_, id) => (c.failedTasks.has(id) ? { id, state: 'FAILED', worker_id: this.workerId, trace: 'Error: disk full' } : { id, state: this.state(c), worker_id: this.workerId })),
      type: this.type(c),
    };
  }
  taskConfigs(name: string): TaskInfo[] {
    this.record('taskConfigs', name);
    const c = this.get(name);
    return Array.from({ length: c.taskCount }, (_, task) => ({ id: { connector: name, task }, config: { ...this.hidden(c.config), 'task.id': String(task) } }));
  }
  taskStatus(name: string, task: number): TaskStateInfo {
    this.record('taskStatus', name, task);
    const s = this.connectorStatus(name).tasks.find((t) => t.id === task);
    if (!s) throw new ConnectError('NOT_FOUND', `Task ${task} of connector ${name} not found`);
    return s;
  }
  async pauseConnector(name: string): Promise<void> {
    this.record('pauseConnector', name);
    const c = this.get(name);
    if (c.target === 'STOPPED') throw new ConnectError('ILLEGAL_STATE', `Connector ${name} is STOPPED; resume it before pausing`);
    c.target = 'PAUSED';
  }
  async resumeConnector(name: string): Promise<void> {
    this.record('resumeConnector', name);
    this.get(name).target = 'STARTED';
  }
  async stopConnector(name: string): Promise<void> {
    this.record('stopConnector', name);
    this.get(name).target = 'STOPPED';
  }
  async restartConnector(name: string, opts: RestartOptions): Promise<ConnectorStatus> {
    this.record('restartConnector', name, opts);
    const c = this.get(name);
    if (c.target === 'STOPPED') throw new ConnectError('ILLEGAL_STATE', `Connector ${name} is STOPPED; resume it to restart`);
    const status = this.connectorStatus(name);
    if (opts.includeTasks) for (const t of status.tasks) if (!opts.onlyFailed || t.state === 'FAILED') t.state = 'RESTARTING';
    return status;
  }
  async restartTask(name: string, task: number): Promise<void> {
    this.record('restartTask', name, task);
    this.taskStatus(name, task);
    this.get(name).failedTasks.delete(task);
  }
  async offsets(name: string): Promise<ConnectorOffsets> {
    this.record('offsets', name);
    return this.get(name).offsets;
  }
  async alterOffsets(name: string, offsets: ConnectorOffsets): Promise<void> {
    this.record('alterOffsets', name, offsets);
    const c = this.get(name);
    if (c.target !== 'STOPPED') throw new ConnectError('ILLEGAL_STATE', `Connector ${name} must be STOPPED to alter offsets; PUT /connectors/${name}/stop first`);
    c.offsets = offsets;
  }
  async resetOffsets(name: string): Promise<void> {
    this.record('resetOffsets', name);
    const c = this.get(name);
    if (c.target !== 'STOPPED') throw new ConnectError('ILLEGAL_STATE', `Connector ${name} must be STOPPED to reset offsets`);
    c.offsets = { offsets: [] };
  }
  plugins(): PluginInfo[] {
    this.record('plugins');
    return PLUGINS.map((p) => ({ ...p, aliases: [...p.aliases] }));
  }
  pluginErrors(): PluginLoadError[] {
    this.record('pluginErrors');
    return this.loadErrors;
  }
  pluginConfig(pluginClass: string): ValidationResult['configs'][number]['definition'][] {
    this.record('pluginConfig', pluginClass);
    this.plugin(pluginClass);
    return DEFINITIONS;
  }
  async validateConfig(pluginClass: string, config: Record<string, string>): Promise<ValidationResult> {
    this.record('validateConfig', pluginClass, config);
    const p = this.plugin(pluginClass);
    const errors = this.problems(config);
    if (config.file === undefined) errors.push({ name: 'file', message: 'missing required key' });
    return {
      name: p.class,
      error_count: errors.length,
      groups: ['Common', 'File'],
      configs: DEFINITIONS.map((definition) => ({
        definition,
        value: { name: definition.name, value: config[definition.name] ?? definition.default_value, errors: errors.filter((e) => e.name === definition.name).map((e) => e.message), recommended_values: [], visible: true },
      })),
    };
  }
  async reloadPlugins(): Promise<{ plugins: PluginInfo[]; errors: PluginLoadError[] }> {
    this.record('reloadPlugins');
    return { plugins: this.plugins(), errors: this.loadErrors };
  }
  workers(): WorkerInfo[] {
    this.record('workers');
    return [{ workerId: this.workerId, url: 'http://127.0.0.1:8082', startedAt: 1700000000000, version: '0.1.0', transport: 'embedded' }];
  }
  allocated(): { connectors: string[]; tasks: { connector: string; task: number }[] } {
    this.record('allocated');
    const names = [...this.connectorsByName.keys()];
    return { connectors: names, tasks: names.flatMap((connector) => Array.from({ length: this.get(connector).taskCount }, (_, task) => ({ connector, task }))) };
  }
}
