// The herder: runs connectors and tasks on this worker. Configs and target states are written to the
// config store before anything is started or stopped, so a worker killed at any point comes back in the
// state the user last asked for. All state changes run through one serial queue.
// Standalone, this worker runs everything. Distributed (deps.cluster set), the stores are shared through
// RocketMQ topics and this worker runs only the connector instances and tasks the cluster allocates to
// it; reconcile() brings what runs here in line whenever the shared state or the membership changes.

import {
  ConfigDef,
  ConfigError,
  ConnectError,
  errorTrace,
  queueKey,
  type ConfigFieldError,
  type Connector,
  type ConnectorContext,
  type Logger,
  type SinkRecord,
  type SourceRecord,
  type TopicQueue,
} from '../spi';
import { frameworkConfig, frameworkDef, isFrameworkPrefixedKey, withPrefix, type FrameworkConfig, type FrameworkValues } from '../config/connector-config';
import { createConverter } from '../convert/converters';
import type { ConnectMetrics } from '../observability/metrics';
import { redactConfig } from '../observability/logger';
import type { ConfigStore, StoredConnector, TargetState } from '../stores/config-store';
import type { StatusStore } from '../stores/status-store';
import type { Transport } from '../transport/transport';
import type { Clock } from '../worker/clock';
import { Lifecycle, type ConnectorState } from '../worker/lifecycle';
import type { PathResolver } from '../worker/path-guard';
import { TransformChain, type TransformFactory } from '../worker/transform-chain';
import { WorkerSinkTask } from '../worker/worker-sink-task';
import { WorkerSourceTask } from '../worker/worker-source-task';
import type { WorkerTask } from '../worker/worker-task';
import { assignQueues } from './assignment';
import type { ConnectorCatalog } from './connector-catalog';
import type {
  ConnectorInfo,
  ConnectorOffsets,
  ConnectorStatus,
  Herder,
  PluginInfo,
  PluginLoadError,
  RestartOptions,
  TaskInfo,
  TaskStateInfo,
  ValidationResult,
  WorkerInfo,
} from './herder';
import { SerialQueue } from './serial-queue';
import { FailedTask } from './failed-task';

export interface StandaloneHerderDeps {
  workerId: string;
  version: string;
  /** Where this worker's REST API answers (filled in once the server listens). */
  url: () => string;
  configStore: ConfigStore;
  statusStore: StatusStore;
  transport: Transport;
  plugins: ConnectorCatalog;
  metrics: ConnectMetrics;
  logger: Logger;
  clock: Clock;
  resolvePath: PathResolver;
  /** Worker-wide defaults for plugins' clients (see ConnectorContext.clientDefaults). */
  clientDefaults?: Readonly<Record<string, string>>;
  transforms: ReadonlyMap<string, TransformFactory>;
  commitIntervalMs: number;
  taskShutdownTimeoutMs: number;
  /** Distributed mode: who runs what. Unset: this worker runs everything. */
  cluster?: ClusterView;
}

/** What a distributed herder needs to know of the cluster (see runtime/cluster/coordinator.ts). */
export interface ClusterView {
  ownsConnector(name: string): boolean;
  ownsTask(name: string, task: number): boolean;
  /** False while another live worker still reports the task as its own (the handoff is not finished). */
  mayStartTask(name: string, task: number): boolean;
  isLive(workerId: string): boolean;
  /** REST URL of the worker that runs the connector instance (or the task). */
  ownerUrl(name: string, task?: number): string | undefined;
  workers(): WorkerInfo[];
}

/** Shown instead of a secret value; sending it back in an update keeps the stored secret. */
const HIDDEN = '[hidden]';

interface Running {
  name: string;
  type: 'source' | 'sink';
  lifecycle: Lifecycle;
  /** The started connector instance (only on the worker that owns it). */
  instance: Connector | undefined;
  /** Creates this worker's tasks: the started instance, or an unstarted one where only tasks run. */
  factory: Connector | undefined;
  fw: FrameworkConfig | undefined;
  tasks: Map<number, WorkerTask>;
  /** The stored config, target state and task configs this worker last acted on (reconcile compares). */
  seen: { config: string; target: TargetState; tasks: string[] };
}

export class StandaloneHerder implements Herder {
  readonly workerId: string;
  private readonly running = new Map<string, Running>();
  private readonly queue = new SerialQueue();
  private readonly logger: Logger;
  private started = false;
  private startedAt = 0;

  constructor(private readonly deps: StandaloneHerderDeps) {
    this.workerId = deps.workerId;
    this.logger = deps.logger.child({ component: 'herder' });
  }

  // ---- lifecycle of the herder itself -------------------------------------------------------------

  async start(): Promise<void> {
    await this.deps.configStore.load();
    await this.deps.statusStore.load();
    this.startedAt = this.deps.clock.now();
    await this.queue.run(async () => {
      for (const stored of this.deps.configStore.list()) {
        try {
          await this.startConnector(stored);
        } catch (err) {
          this.logger.error({ connector: stored.name, err: errorTrace(err) }, 'connector could not be started');
        }
      }
    });
    this.started = true;
  }

  get isStarted(): boolean {
    return this.started;
  }

  async stop(): Promise<void> {
    await this.queue.run(async () => {
      await Promise.all([...this.running.values()].map((rc) => this.shutdownConnector(rc, 'UNASSIGNED')));
      this.running.clear();
    });
    await this.deps.configStore.close();
    await this.deps.statusStore.close();
  }

  /**
   * Distributed mode: brings what runs on this worker in line with the shared state and the current
   * allocation: connectors deleted, changed (config or target state) or moved elsewhere are stopped or
   * restarted; tasks allocated here start once their previous worker let go; tasks allocated elsewhere stop.
   */
  async reconcile(): Promise<void> {
    if (!this.started) return;
    await this.queue.run(async () => {
      const stored = this.deps.configStore.list();
      const names = new Set(stored.map((c) => c.name));
      for (const name of [...this.running.keys()]) if (!names.has(name)) await this.stopRunning(name, 'UNASSIGNED');
      for (const c of stored) {
        try {
          await this.reconcileConnector(c);
        } catch (err) {
          this.logger.error({ connector: c.name, err: errorTrace(err) }, 'could not apply the cluster state to this connector');
        }
      }
    });
  }

  private async reconcileConnector(c: StoredConnector): Promise<void> {
    const rc = this.running.get(c.name);
    const ownsSomething = c.target !== 'STOPPED' && (this.ownsConnector(c.name) || c.taskConfigs.some((_, i) => this.ownsTask(c.name, i)));
    if (!rc) {
      if (ownsSomething) await this.startConnector(c);
      return;
    }
    const instanceMoved = (rc.instance !== undefined) !== (c.target !== 'STOPPED' && this.ownsConnector(c.name));
    if (rc.seen.config !== JSON.stringify(c.config) || rc.seen.target !== c.target || instanceMoved) {
      await this.stopRunning(c.name, 'UNASSIGNED');
      if (ownsSomething) await this.startConnector(c);
      return;
    }
    if (!rc.factory || !rc.fw) return;
    if (c.taskConfigs.length !== rc.seen.tasks.length || !this.assignment.has(c.name)) await this.computeAssignment(rc, c.taskConfigs.length);
    for (const id of [...rc.tasks.keys()]) {
      if (id >= c.taskConfigs.length || !this.ownsTask(c.name, id) || rc.seen.tasks[id] !== JSON.stringify(c.taskConfigs[id])) {
        this.logger.info({ connector: c.name, task: id }, id < c.taskConfigs.length && !this.ownsTask(c.name, id) ? 'task allocated to another worker; stopping it here' : 'task config changed or task removed; stopping it');
        const t = rc.tasks.get(id);
        await this.stopTask(rc, id);
        // Tells the next owner this worker has let go: only once the instance has really ended, not when
        // the stop gave up waiting for it (the next owner would run the task beside it).
        if (t) void t.finished.then(() => t.lifecycle.tryTransition('UNASSIGNED'));
      }
    }
    rc.seen.tasks = c.taskConfigs.map((t) => JSON.stringify(t));
    for (let id = 0; id < c.taskConfigs.length; id++) if (!rc.tasks.has(id)) this.startTask(rc, c, id);
  }

  /** Sends a request to the worker that runs the connector (or task) and relays its error, if any. */
  private async forward(name: string, task: number | undefined, pathAndQuery: string): Promise<void> {
    const url = this.deps.cluster?.ownerUrl(name, task);
    const what = task === undefined ? `connector ${name}` : `task ${task} of connector ${name}`;
    if (!url) throw new ConnectError('ILLEGAL_STATE', `${what} is being moved between workers right now; retry in a few seconds`, { retriable: true });
    let res: Response;
    try {
      res = await fetch(`${url}${pathAndQuery}`, { method: 'POST', headers: { accept: 'application/json' } });
    } catch (err) {
      throw new ConnectError('ILLEGAL_STATE', `${what} runs on worker ${url}, which did not answer (${(err as Error).message}); retry in a few seconds`, { retriable: true, cause: err });
    }
    if (res.status >= 400) {
      const body = await res.text();
      throw new ConnectError(res.status === 404 ? 'NOT_FOUND' : res.status === 409 ? 'ILLEGAL_STATE' : 'INTERNAL', `${what} runs on worker ${url}, which answered ${res.status}: ${body.slice(0, 500)}`);
    }
  }

  // ---- reads --------------------------------------------------------------------------------------

  connectors(): string[] {
    return this.deps.configStore.list().map((c) => c.name).sort();
  }

  connectorInfo(name: string): ConnectorInfo {
    const stored = this.stored(name);
    return { name, config: this.shownConfig(stored), tasks: stored.taskConfigs.map((_, task) => ({ connector: name, task })), type: this.typeOf(stored) };
  }

  connectorConfig(name: string): Record<string, string> {
    return this.shownConfig(this.stored(name));
  }

  connectorStatus(name: string): ConnectorStatus {
    const stored = this.stored(name);
    const rc = this.running.get(name);
    const conn = rc && this.ownsConnector(name) ? { state: rc.lifecycle.state, trace: rc.lifecycle.trace, workerId: this.workerId } : this.recorded(this.deps.statusStore.connector(name));
    const tasks: TaskStateInfo[] = [];
    for (let id = 0; id < stored.taskConfigs.length; id++) tasks.push(this.taskState(name, id));
    return {
      name,
      connector: { state: conn.state, worker_id: conn.workerId, ...(conn.trace ? { trace: conn.trace } : {}) },
      tasks,
      type: this.typeOf(stored),
    };
  }

  taskConfigs(name: string): TaskInfo[] {
    const stored = this.stored(name);
    const secrets = this.secretKeys(stored.config);
    return stored.taskConfigs.map((config, task) => ({ id: { connector: name, task }, config: redactConfig(config, secrets) }));
  }

  taskStatus(name: string, task: number): TaskStateInfo {
    const stored = this.stored(name);
    if (!Number.isInteger(task) || task < 0 || task >= stored.taskConfigs.length) {
      throw new ConnectError('NOT_FOUND', `connector ${name} has no task ${task}; it has ${stored.taskConfigs.length} task(s) (ids 0..${stored.taskConfigs.length - 1})`);
    }
    return this.taskState(name, task);
  }

  plugins(): PluginInfo[] {
    return this.deps.plugins.list();
  }

  pluginErrors(): PluginLoadError[] {
    return this.deps.plugins.errors();
  }

  pluginConfig(pluginClass: string): ValidationResult['configs'][number]['definition'][] {
    const { def } = this.definition(pluginClass);
    return def.keys().map((k) => ({
      name: k.name,
      type: k.type.toUpperCase(),
      required: k.default === undefined,
      default_value: k.default === undefined || k.default === null ? null : String(k.default),
      importance: (k.importance ?? 'medium').toUpperCase(),
      documentation: k.doc,
      group: k.group ?? null,
    }));
  }

  async validateConfig(pluginClass: string, config: Record<string, string>): Promise<ValidationResult> {
    const { def, instance } = this.definition(pluginClass);
    const raw: Record<string, string> = { ...config, 'connector.class': config['connector.class'] ?? config['connector-class'] ?? pluginClass, name: config['name'] ?? 'validate' };
    delete raw['connector-class'];
    const report = def.validate(raw, { allowUnknown: (k) => isFrameworkPrefixedKey(k) || instance.acceptsKey?.(k) === true });
    const extra = report.errors.length === 0 ? await this.extraErrors(instance, raw) : [];
    for (const e of extra) {
      const v = report.values.find((x) => x.name === e.name);
      if (v) v.errors.push(e.message);
      else report.values.push({ name: e.name, value: raw[e.name] ?? null, errors: [e.message], recommended_values: [], visible: true });
    }
    const defs = new Map(this.pluginConfig(pluginClass).map((d) => [d.name, d]));
    return {
      name: this.deps.plugins.resolve(pluginClass).info.class,
      error_count: report.values.reduce((n, v) => n + v.errors.length, 0),
      groups: [...new Set(def.keys().map((k) => k.group ?? 'Connector'))],
      configs: report.values.map((value) => ({
        definition: defs.get(value.name) ?? { name: value.name, type: 'STRING', required: false, default_value: null, importance: 'LOW', documentation: 'not a key of this connector', group: null },
        value,
      })),
    };
  }

  workers(): WorkerInfo[] {
    if (this.deps.cluster) return this.deps.cluster.workers();
    return [{ workerId: this.workerId, url: this.deps.url(), startedAt: this.startedAt, version: this.deps.version, transport: this.deps.transport.kind }];
  }

  allocated(): { connectors: string[]; tasks: { connector: string; task: number }[] } {
    const connectors = [...this.running.values()].filter((rc) => rc.instance !== undefined).map((rc) => rc.name).sort();
    const tasks = [...this.running.values()].flatMap((rc) => [...rc.tasks.keys()].map((task) => ({ connector: rc.name, task })));
    return { connectors, tasks };
  }

  // ---- writes -------------------------------------------------------------------------------------

  async putConnectorConfig(name: string, config: Record<string, string>, opts: { allowReplace: boolean; initialState?: TargetState }): Promise<{ created: boolean; info: ConnectorInfo }> {
    return this.queue.run(async () => {
      const existing = this.deps.configStore.get(name);
      if (existing && !opts.allowReplace) throw new ConnectError('ALREADY_EXISTS', `connector ${name} already exists; update it with PUT /connectors/${name}/config or delete it first`);
      const full = this.withSecretsKept({ ...config }, existing);
      if (full['name'] !== undefined && full['name'] !== name) {
        throw new ConfigError([{ name: 'name', message: `config name ${JSON.stringify(full['name'])} does not match the connector name ${JSON.stringify(name)} in the request` }]);
      }
      full['name'] = name;
      await this.validated(full);
      if (existing) await this.stopRunning(name, 'UNASSIGNED');
      const stored: StoredConnector = { name, config: full, target: existing?.target ?? opts.initialState ?? 'STARTED', taskConfigs: existing?.taskConfigs ?? [] };
      await this.deps.configStore.put(stored);
      this.logger.info({ connector: name, config: this.shownConfig(stored), created: !existing }, existing ? 'connector config updated' : 'connector created');
      await this.startConnector(stored);
      return { created: !existing, info: this.connectorInfo(name) };
    });
  }

  async patchConnectorConfig(name: string, patch: Record<string, string | null>): Promise<ConnectorInfo> {
    const stored = this.stored(name);
    const merged: Record<string, string> = { ...stored.config };
    for (const [k, v] of Object.entries(patch)) {
      if (v === null) delete merged[k];
      else merged[k] = v;
    }
    return (await this.putConnectorConfig(name, merged, { allowReplace: true })).info;
  }

  async deleteConnector(name: string): Promise<void> {
    await this.queue.run(async () => {
      this.stored(name);
      await this.stopRunning(name, 'UNASSIGNED');
      await this.deps.configStore.remove(name);
      await this.deps.statusStore.remove(name);
      this.deps.metrics.forget(name);
      this.logger.info({ connector: name }, 'connector deleted (its positions and offsets are kept; DELETE /connectors/{name}/offsets before deleting to reset them)');
    });
  }

  pauseConnector(name: string): Promise<void> {
    return this.changeTarget(name, 'PAUSED');
  }

  resumeConnector(name: string): Promise<void> {
    return this.changeTarget(name, 'STARTED');
  }

  stopConnector(name: string): Promise<void> {
    return this.changeTarget(name, 'STOPPED');
  }

  async restartConnector(name: string, opts: RestartOptions): Promise<ConnectorStatus> {
    if (!this.ownsConnector(name)) {
      this.stored(name);
      await this.forward(name, undefined, `/connectors/${encodeURIComponent(name)}/restart?includeTasks=${opts.includeTasks}&onlyFailed=${opts.onlyFailed}`);
      return this.connectorStatus(name);
    }
    return this.queue.run(async () => {
      const stored = this.stored(name);
      if (stored.target === 'STOPPED') throw new ConnectError('ILLEGAL_STATE', `connector ${name} is STOPPED; resume it (PUT /connectors/${name}/resume) instead of restarting it`);
      const rc = this.running.get(name);
      const connectorFailed = !rc || rc.lifecycle.state === 'FAILED';
      if (!opts.onlyFailed || connectorFailed) {
        // A connector restart re-creates the instance and, if its task configs changed, the tasks.
        await this.restartInstance(name, opts.includeTasks ? (opts.onlyFailed ? 'failed' : 'all') : 'changed');
      } else if (opts.includeTasks) {
        await this.restartTasks(name, 'failed');
      }
      return this.connectorStatus(name);
    });
  }

  async restartTask(name: string, task: number): Promise<void> {
    if (!this.ownsTask(name, task)) {
      this.taskStatus(name, task);
      await this.forward(name, task, `/connectors/${encodeURIComponent(name)}/tasks/${task}/restart`);
      return;
    }
    await this.queue.run(async () => {
      this.taskStatus(name, task);
      const stored = this.stored(name);
      const rc = this.running.get(name);
      if (!rc || !rc.fw) throw new ConnectError('ILLEGAL_STATE', `connector ${name} is not running (state ${this.connectorStatus(name).connector.state}); restart the connector instead`);
      await this.stopTask(rc, task);
      this.startTask(rc, stored, task);
    });
  }

  async offsets(name: string): Promise<ConnectorOffsets> {
    const stored = this.stored(name);
    if (this.typeOf(stored) === 'source') {
      const positions = await this.deps.transport.positions(name);
      return { offsets: positions.map((p) => ({ partition: p.partition, offset: p.position })) };
    }
    const group = this.fwOf(stored).groupId;
    const offsets = await this.deps.transport.groupOffsets(group, this.fwOf(stored).topics);
    return { offsets: offsets.map((o) => ({ partition: { topic: o.topic, queue: o.queue }, offset: { offset: o.offset } })) };
  }

  async alterOffsets(name: string, body: ConnectorOffsets): Promise<void> {
    await this.queue.run(async () => {
      const stored = this.requireStopped(name, 'alter');
      if (!body || !Array.isArray(body.offsets)) throw new ConnectError('BAD_REQUEST', 'body must be {"offsets": [{"partition": {...}, "offset": {...} | null}, ...]}');
      if (this.typeOf(stored) === 'source') {
        const updates = body.offsets.map((o, i) => {
          if (!isPlainObject(o.partition)) throw new ConnectError('BAD_REQUEST', `offsets[${i}].partition must be an object (the source partition), got ${JSON.stringify(o.partition)}`);
          if (o.offset !== null && !isPlainObject(o.offset)) throw new ConnectError('BAD_REQUEST', `offsets[${i}].offset must be an object (the source position) or null, got ${JSON.stringify(o.offset)}`);
          return { connector: name, partition: o.partition as Record<string, string>, position: o.offset as Record<string, string> | null };
        });
        await this.deps.transport.putPositions(updates);
      } else {
        const updates = body.offsets.map((o, i) => {
          const p = o.partition as { topic?: unknown; queue?: unknown };
          if (!isPlainObject(p) || typeof p.topic !== 'string' || (typeof p.queue !== 'string' && typeof p.queue !== 'number')) {
            throw new ConnectError('BAD_REQUEST', `offsets[${i}].partition must be {"topic": "<topic>", "queue": "<queue id>"}, got ${JSON.stringify(o.partition)}`);
          }
          const off = o.offset as { offset?: unknown } | null;
          if (off !== null && (!isPlainObject(off) || !Number.isSafeInteger(off.offset) || (off.offset as number) < 0)) {
            throw new ConnectError('BAD_REQUEST', `offsets[${i}].offset must be {"offset": <non-negative integer>} or null, got ${JSON.stringify(o.offset)}`);
          }
          return { topic: p.topic, queue: String(p.queue), offset: off === null ? null : (off.offset as number) };
        });
        await this.deps.transport.putGroupOffsets(this.fwOf(stored).groupId, updates);
      }
      this.logger.info({ connector: name, count: body.offsets.length }, 'offsets altered');
    });
  }

  async resetOffsets(name: string): Promise<void> {
    await this.queue.run(async () => {
      const stored = this.requireStopped(name, 'reset');
      if (this.typeOf(stored) === 'source') {
        const current = await this.deps.transport.positions(name);
        await this.deps.transport.putPositions(current.map((p) => ({ connector: name, partition: p.partition, position: null })));
      } else {
        const group = this.fwOf(stored).groupId;
        const current = await this.deps.transport.groupOffsets(group, this.fwOf(stored).topics);
        await this.deps.transport.putGroupOffsets(group, current.map((o) => ({ topic: o.topic, queue: o.queue, offset: null })));
      }
      this.logger.info({ connector: name }, 'offsets reset');
    });
  }

  async reloadPlugins(): Promise<{ plugins: PluginInfo[]; errors: PluginLoadError[] }> {
    await this.deps.plugins.reload();
    return { plugins: this.deps.plugins.list(), errors: this.deps.plugins.errors() };
  }

  // ---- internals ----------------------------------------------------------------------------------

  private stored(name: string): StoredConnector {
    const s = this.deps.configStore.get(name);
    if (!s) throw new ConnectError('NOT_FOUND', `connector ${name} not found; GET /connectors lists the existing ones`);
    return s;
  }

  private requireStopped(name: string, verb: string): StoredConnector {
    const stored = this.stored(name);
    const rc = this.running.get(name);
    if (stored.target !== 'STOPPED' || (rc && rc.tasks.size > 0)) {
      throw new ConnectError('ILLEGAL_STATE', `connector ${name} must be STOPPED to ${verb} its offsets (it is ${rc?.lifecycle.state ?? 'UNASSIGNED'}); stop it with PUT /connectors/${name}/stop first`);
    }
    return stored;
  }

  private classOf(config: Record<string, string>): string {
    return config['connector.class'] ?? config['connector-class'] ?? '';
  }

  private typeOf(stored: StoredConnector): 'source' | 'sink' {
    const rc = this.running.get(stored.name);
    if (rc) return rc.type;
    try {
      return this.deps.plugins.resolve(this.classOf(stored.config)).info.type;
    } catch {
      return 'source';
    }
  }

  private fwOf(stored: StoredConnector): FrameworkConfig {
    const rc = this.running.get(stored.name);
    if (rc?.fw) return rc.fw;
    const type = this.typeOf(stored);
    return frameworkConfig(frameworkDef(type).parse(stored.config, { allowUnknown: true }));
  }

  /** Framework keys followed by the plugin's own keys (a plugin re-declaring a framework key is ignored). */
  private definition(pluginClass: string): { def: ConfigDef<FrameworkValues>; instance: Connector; info: PluginInfo } {
    const { info, create } = this.deps.plugins.resolve(pluginClass);
    const instance = create();
    const fw = frameworkDef(info.type);
    const own = instance.config().keys().filter((k) => !fw.key(k.name) && !(k.aliases ?? []).some((a) => fw.key(a)));
    // The framework's keys are all in it, so its values are at least FrameworkValues.
    return { def: new ConfigDef<FrameworkValues>([...fw.keys(), ...own]), instance, info };
  }

  private secretKeys(config: Record<string, string>): string[] {
    try {
      return this.definition(this.classOf(config)).def.keys().filter((k) => k.type === 'password').map((k) => k.name);
    } catch {
      return [];
    }
  }

  private shownConfig(stored: StoredConnector): Record<string, string> {
    return redactConfig(stored.config, this.secretKeys(stored.config));
  }

  private withSecretsKept(config: Record<string, string>, existing: StoredConnector | undefined): Record<string, string> {
    if (!existing) return config;
    for (const [k, v] of Object.entries(config)) if (v === HIDDEN && existing.config[k] !== undefined) config[k] = existing.config[k]!;
    return config;
  }

  private async extraErrors(instance: Connector, config: Record<string, string>): Promise<ConfigFieldError[]> {
    if (!instance.validate) return [];
    try {
      return await instance.validate(config, { resolvePath: this.deps.resolvePath, clientDefaults: this.deps.clientDefaults });
    } catch (err) {
      const fields = (err as { errors?: ConfigFieldError[] }).errors;
      if ((err as { code?: string }).code === 'CONFIG_INVALID' && Array.isArray(fields)) return fields;
      throw err;
    }
  }

  /** Validates a full connector config: declared keys, unknown keys, the connector's own checks, transforms. */
  private async validated(config: Record<string, string>): Promise<FrameworkConfig> {
    const cls = this.classOf(config);
    if (!cls) throw new ConfigError([{ name: 'connector.class', message: `missing; name a plugin (installed: ${this.deps.plugins.list().map((p) => p.class).join(', ')})` }]);
    let resolved: { def: ConfigDef<FrameworkValues>; instance: Connector };
    try {
      resolved = this.definition(cls);
    } catch (err) {
      if ((err as { code?: string }).code === 'NOT_FOUND') throw new ConfigError([{ name: 'connector.class', message: (err as Error).message }]);
      throw err;
    }
    const { def, instance } = resolved;
    const parsed = def.parse(config, { context: `config of connector ${JSON.stringify(config['name'])}`, allowUnknown: (k) => isFrameworkPrefixedKey(k) || instance.acceptsKey?.(k) === true });
    const extra = await this.extraErrors(instance, config);
    if (extra.length > 0) throw new ConfigError(extra, `Invalid config of connector ${JSON.stringify(config['name'])}`);
    const fw = frameworkConfig(parsed);
    TransformChain.build(fw.transforms, config, this.deps.transforms).close();
    for (const which of ['key.converter', 'value.converter'] as const) {
      createConverter(which === 'key.converter' ? fw.keyConverter : fw.valueConverter, which).configure(withPrefix(config, `${which}.`), which === 'key.converter');
    }
    return fw;
  }

  private taskState(name: string, id: number): TaskStateInfo {
    const t = this.running.get(name)?.tasks.get(id);
    const rec = t ? { state: t.lifecycle.state, trace: t.lifecycle.trace, workerId: this.workerId } : this.recorded(this.deps.statusStore.task(name, id));
    return { id, state: rec.state, worker_id: rec.workerId, ...(rec.trace ? { trace: rec.trace } : {}) };
  }

  /** A stored state as shown: a record of a worker that is gone is UNASSIGNED until its new owner reports. */
  private recorded(rec: { state: ConnectorState; trace?: string; workerId: string } | undefined): { state: ConnectorState; trace?: string; workerId: string } {
    if (!rec) return { state: 'UNASSIGNED', workerId: this.workerId };
    if (this.deps.cluster && !this.deps.cluster.isLive(rec.workerId)) return { state: 'UNASSIGNED', workerId: rec.workerId };
    return rec;
  }

  private ownsConnector(name: string): boolean {
    return this.deps.cluster?.ownsConnector(name) ?? true;
  }

  private ownsTask(name: string, task: number): boolean {
    return this.deps.cluster?.ownsTask(name, task) ?? true;
  }

  private connectorContext(rc: Running): ConnectorContext {
    return {
      connectorName: rc.name,
      logger: this.deps.logger.child({ connector: rc.name }),
      resolvePath: this.deps.resolvePath,
      clientDefaults: this.deps.clientDefaults,
      requestTaskReconfiguration: () => {
        void this.queue.run(() => this.restartInstanceTasksIfChanged(rc.name)).catch((err) => this.logger.error({ connector: rc.name, err: errorTrace(err) }, 'task reconfiguration failed'));
      },
      raiseError: (error: Error) => {
        this.logger.error({ connector: rc.name, err: errorTrace(error) }, 'connector raised an error');
        rc.lifecycle.tryTransition('FAILED', errorTrace(error));
      },
    };
  }

  private newRunning(stored: StoredConnector): Running {
    const name = stored.name;
    const rc: Running = {
      name,
      type: this.typeOf(stored),
      lifecycle: new Lifecycle(`connector ${name}`, (state, trace) => {
        if (!this.ownsConnector(name) && state !== 'UNASSIGNED') return; // the owner reports this connector
        void this.deps.statusStore.putConnector(name, { state, trace, workerId: this.workerId, since: this.deps.clock.now() }).catch((err) => this.logger.error({ err: errorTrace(err) }, 'status store write failed'));
      }),
      instance: undefined,
      factory: undefined,
      fw: undefined,
      tasks: new Map(),
      seen: { config: JSON.stringify(stored.config), target: stored.target, tasks: stored.taskConfigs.map((c) => JSON.stringify(c)) },
    };
    this.running.set(name, rc);
    return rc;
  }

  /** Starts a connector per its stored target state. Failures make it FAILED; they never throw. */
  private async startConnector(stored: StoredConnector): Promise<void> {
    const rc = this.running.get(stored.name) ?? this.newRunning(stored);
    rc.seen = { config: JSON.stringify(stored.config), target: stored.target, tasks: stored.taskConfigs.map((c) => JSON.stringify(c)) };
    if (stored.target === 'STOPPED') {
      rc.lifecycle.tryTransition('STOPPED');
      return;
    }
    try {
      const fw = await this.validated(stored.config);
      rc.fw = fw;
      const { create, info } = this.deps.plugins.resolve(fw.connectorClass);
      rc.type = info.type;
      let updated = stored;
      if (this.ownsConnector(stored.name)) {
        const instance = create();
        rc.instance = instance;
        rc.factory = instance;
        await instance.start({ ...stored.config }, this.connectorContext(rc));
        const taskConfigs = await this.generateTaskConfigs(rc, fw);
        updated = { ...stored, taskConfigs };
        // Unchanged task configs are not written again: in a cluster every write wakes every worker.
        if (JSON.stringify(taskConfigs) !== JSON.stringify(stored.taskConfigs) || !this.deps.cluster) await this.deps.configStore.put(updated);
        await this.deps.statusStore.removeTasksFrom(stored.name, taskConfigs.length);
        rc.seen.tasks = taskConfigs.map((c) => JSON.stringify(c));
        rc.lifecycle.transition(stored.target === 'PAUSED' ? 'PAUSED' : 'RUNNING');
      } else {
        rc.factory = create(); // never started: only creates this worker's tasks
      }
      await this.computeAssignment(rc, updated.taskConfigs.length);
      for (let i = 0; i < updated.taskConfigs.length; i++) this.startTask(rc, updated, i);
    } catch (err) {
      this.logger.error({ connector: stored.name, err: errorTrace(err) }, 'connector failed');
      rc.lifecycle.tryTransition('FAILED', errorTrace(err));
    }
  }

  private async generateTaskConfigs(rc: Running, fw: FrameworkConfig): Promise<Record<string, string>[]> {
    const configs = await rc.instance!.taskConfigs(fw.tasksMax);
    if (configs.length > fw.tasksMax) {
      throw new ConnectError('TASK_FAILED', `connector ${rc.name} returned ${configs.length} task configs but tasks.max is ${fw.tasksMax}; this is a bug in the connector plugin`);
    }
    // Tasks see the connector's config overlaid with their own (as Kafka Connect does), so framework keys are always present.
    const base = this.deps.configStore.get(rc.name)!.config;
    return configs.map((c) => ({ ...base, ...c }));
  }

  /** Starts the task if it is this worker's (always, standalone) and its previous owner has let go. */
  private startTask(rc: Running, stored: StoredConnector, id: number): void {
    if (!this.ownsTask(rc.name, id)) return;
    if (this.deps.cluster && !this.deps.cluster.mayStartTask(rc.name, id)) {
      this.logger.info({ connector: rc.name, task: id }, 'task allocated here waits until its previous worker has stopped it');
      return;
    }
    const taskConfig = stored.taskConfigs[id]!;
    const name = rc.name;
    const fw = rc.fw!;
    const common = {
      logger: this.deps.logger,
      clock: this.deps.clock,
      retryPolicy: { timeoutMs: fw.retryTimeoutMs, maxDelayMs: fw.retryDelayMaxMs },
      onState: (state: ConnectorState, trace: string | undefined) => {
        this.deps.metrics.state(name, id, state);
        void this.deps.statusStore.putTask(name, id, { state, trace, workerId: this.workerId, since: this.deps.clock.now() }).catch((err) => this.logger.error({ err: errorTrace(err) }, 'status store write failed'));
      },
    };
    let task: WorkerTask;
    try {
      const keyConverter = createConverter(fw.keyConverter, 'key.converter');
      keyConverter.configure(withPrefix(taskConfig, 'key.converter.'), true);
      const valueConverter = createConverter(fw.valueConverter, 'value.converter');
      valueConverter.configure(withPrefix(taskConfig, 'value.converter.'), false);
      const shared = { ...common, transport: this.deps.transport, metrics: this.deps.metrics, commitIntervalMs: this.deps.commitIntervalMs, resolvePath: this.deps.resolvePath, clientDefaults: this.deps.clientDefaults, keyConverter, valueConverter };
      if (rc.factory!.type === 'source') {
        const transforms = TransformChain.build<SourceRecord>(fw.transforms, taskConfig, this.deps.transforms);
        task = new WorkerSourceTask(name, id, rc.factory!.createTask(), taskConfig, fw, { ...shared, transforms });
      } else {
        const transforms = TransformChain.build<SinkRecord>(fw.transforms, taskConfig, this.deps.transforms);
        const assignment = this.assignment.get(name)?.[id] ?? [];
        task = new WorkerSinkTask(name, id, rc.factory!.createTask(), taskConfig, fw, { ...shared, transforms, assignment });
      }
    } catch (err) {
      task = new FailedTask(name, id, err, common);
    }
    rc.tasks.set(id, task);
    rc.seen.tasks[id] = JSON.stringify(taskConfig);
    task.start(stored.target === 'PAUSED' ? 'PAUSED' : 'STARTED', this.ending.get(taskKey(name, id)));
  }

  /** Task instances that did not stop within taskShutdownTimeoutMs and are still running, by taskKey: the
   *  next instance of the same task waits for them (never two instances of one task at once). */
  private readonly ending = new Map<string, Promise<void>>();

  private async stopInstance(name: string, id: number, t: WorkerTask): Promise<void> {
    await t.stop(this.deps.taskShutdownTimeoutMs);
    if (t.ended) return;
    // Its loop began only after any earlier instance's had ended, so waiting for it covers those too.
    const key = taskKey(name, id);
    const ended: Promise<void> = t.finished.then(() => {
      if (this.ending.get(key) === ended) this.ending.delete(key);
    });
    this.ending.set(key, ended);
  }

  /** Queue assignment per sink connector, computed before its tasks start. */
  private readonly assignment = new Map<string, TopicQueue[][]>();

  private async computeAssignment(rc: Running, taskCount: number): Promise<void> {
    if (rc.type !== 'sink' || !rc.fw) return;
    const queues: TopicQueue[] = [];
    for (const topic of rc.fw.topics) queues.push(...(await this.deps.transport.ensureTopic(topic)));
    this.assignment.set(rc.name, assignQueues(queues, taskCount));
    this.logger.info({ connector: rc.name, assignment: this.assignment.get(rc.name)!.map((qs) => qs.map(queueKey)) }, 'queues assigned to tasks');
  }

  private async stopTask(rc: Running, id: number): Promise<void> {
    const t = rc.tasks.get(id);
    if (!t) return;
    t.lifecycle.tryTransition('RESTARTING');
    await this.stopInstance(rc.name, id, t);
    rc.tasks.delete(id);
  }

  private async shutdownConnector(rc: Running, final: ConnectorState): Promise<void> {
    await Promise.all([...rc.tasks.keys()].map(async (id) => {
      const t = rc.tasks.get(id)!;
      await this.stopInstance(rc.name, id, t);
      // UNASSIGNED lets another worker start the task: only once this instance has really ended.
      void t.finished.then(() => t.lifecycle.tryTransition(final === 'STOPPED' ? 'UNASSIGNED' : final));
    }));
    rc.tasks.clear();
    if (rc.instance) {
      try {
        await rc.instance.stop();
      } catch (err) {
        this.logger.error({ connector: rc.name, err: errorTrace(err) }, 'connector failed while stopping');
      }
      rc.instance = undefined;
    }
    rc.factory = undefined;
    rc.lifecycle.tryTransition(final);
  }

  private async stopRunning(name: string, final: ConnectorState): Promise<void> {
    const rc = this.running.get(name);
    if (!rc) return;
    await this.shutdownConnector(rc, final);
    if (final === 'UNASSIGNED') {
      this.running.delete(name);
      this.assignment.delete(name);
    }
  }

  private async changeTarget(name: string, target: TargetState): Promise<void> {
    await this.queue.run(async () => {
      const stored = this.stored(name);
      if (stored.target === target) return;
      const previous = stored.target;
      const updated: StoredConnector = { ...stored, target, taskConfigs: target === 'STOPPED' ? [] : stored.taskConfigs };
      await this.deps.configStore.put(updated);
      this.logger.info({ connector: name, from: previous, to: target }, 'connector target state changed');
      const rc = this.running.get(name);
      if (target === 'STOPPED') {
        if (rc) await this.shutdownConnector(rc, 'STOPPED');
        await this.deps.statusStore.removeTasksFrom(name, 0);
        return;
      }
      if (previous === 'STOPPED' || !rc || !rc.factory) {
        await this.stopRunning(name, 'UNASSIGNED');
        await this.startConnector(updated);
        return;
      }
      if (rc.lifecycle.state !== 'FAILED') rc.lifecycle.tryTransition(target === 'PAUSED' ? 'PAUSED' : 'RUNNING');
      for (const t of rc.tasks.values()) (target === 'PAUSED' ? t.pause() : t.resume());
    });
  }

  /** Re-creates the connector instance; then restarts the tasks selected by `which`, plus any whose config changed. */
  private async restartInstance(name: string, which: 'all' | 'failed' | 'changed'): Promise<void> {
    const rc = this.running.get(name);
    const before = this.stored(name).taskConfigs;
    if (rc?.instance) {
      rc.lifecycle.tryTransition('RESTARTING');
      try {
        await rc.instance.stop();
      } catch (err) {
        this.logger.warn({ connector: name, err: errorTrace(err) }, 'connector failed while stopping for restart');
      }
      rc.instance = undefined;
    } else rc?.lifecycle.tryTransition('RESTARTING');
    const target = rc ?? this.newRunning(this.stored(name));
    try {
      const fw = await this.validated(this.stored(name).config);
      target.fw = fw;
      const instance = this.deps.plugins.resolve(fw.connectorClass).create();
      target.instance = instance;
      target.factory = instance;
      await instance.start({ ...this.stored(name).config }, this.connectorContext(target));
      const taskConfigs = await this.generateTaskConfigs(target, fw);
      await this.deps.configStore.put({ ...this.stored(name), taskConfigs });
      target.lifecycle.transition(this.stored(name).target === 'PAUSED' ? 'PAUSED' : 'RUNNING');
    } catch (err) {
      target.lifecycle.tryTransition('FAILED', errorTrace(err));
      return;
    }
    await this.restartTasks(name, which, before);
  }

  private async restartInstanceTasksIfChanged(name: string): Promise<void> {
    const rc = this.running.get(name);
    if (!rc?.instance || !rc.fw) return;
    const before = this.stored(name).taskConfigs;
    const taskConfigs = await this.generateTaskConfigs(rc, rc.fw);
    await this.deps.configStore.put({ ...this.stored(name), taskConfigs });
    await this.restartTasks(name, 'changed', before);
  }

  /** Brings the running tasks in line with the stored task configs: restarts the selected ones and
   *  those whose config changed, starts missing ones, stops surplus ones. */
  private async restartTasks(name: string, which: 'all' | 'failed' | 'changed', before?: Record<string, string>[]): Promise<void> {
    const rc = this.running.get(name);
    const stored = this.stored(name);
    if (!rc || !rc.instance) return;
    const count = stored.taskConfigs.length;
    const countChanged = before !== undefined && before.length !== count;
    if (countChanged || !this.assignment.has(name)) await this.computeAssignment(rc, count);
    for (const id of [...rc.tasks.keys()].filter((id) => id >= count)) await this.stopTask(rc, id);
    await this.deps.statusStore.removeTasksFrom(name, count);
    for (let id = 0; id < count; id++) {
      const t = rc.tasks.get(id);
      const changed = before === undefined || JSON.stringify(before[id]) !== JSON.stringify(stored.taskConfigs[id]) || countChanged;
      const selected = which === 'all' || (which === 'failed' && t?.lifecycle.state === 'FAILED');
      if (t && !changed && !selected) continue;
      if (t) await this.stopTask(rc, id);
      this.startTask(rc, stored, id);
    }
  }
}

/** Identifies one task of one connector across its instances. */
function taskKey(connector: string, id: number): string {
  return `${connector}\u0000${id}`;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
