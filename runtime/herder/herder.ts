// The one API behind the REST resources (both dialects) and the CLI. Standalone and distributed
// implementations differ in where state lives and who runs what; REST stays a thin wrapper.
// Every method throws ConnectError with a stable code (NOT_FOUND, ALREADY_EXISTS, ILLEGAL_STATE,
// CONFIG_INVALID, ...), which the REST error mapper turns into an HTTP status.

import type { ConfigValueReport, ConnectorType, SourcePartition, SourcePosition } from '../spi';
import type { TargetState } from '../stores/config-store';
import type { ConnectorState } from '../stores/status-store';

export type { ConnectorState, TargetState };

export interface TaskId {
  connector: string;
  task: number;
}

export interface ConnectorInfo {
  name: string;
  config: Record<string, string>;
  tasks: TaskId[];
  type: ConnectorType;
}

export interface StateInfo {
  state: ConnectorState | string;
  worker_id: string;
  trace?: string;
}

export interface TaskStateInfo extends StateInfo {
  id: number;
}

export interface ConnectorStatus {
  name: string;
  connector: StateInfo;
  tasks: TaskStateInfo[];
  type: ConnectorType;
}

export interface TaskInfo {
  id: TaskId;
  config: Record<string, string>;
}

export interface PluginInfo {
  /** Canonical short name, e.g. file-sink. */
  class: string;
  type: ConnectorType;
  version: string;
  aliases: string[];
  /** Plugin package (manifest `name`) and the directory it was loaded from. */
  plugin: string;
  location: string;
}

export interface PluginLoadError {
  location: string;
  message: string;
}

export interface ValidationResult {
  name: string;
  error_count: number;
  groups: string[];
  configs: { definition: { name: string; type: string; required: boolean; default_value: string | null; importance: string; documentation: string; group: string | null }; value: ConfigValueReport }[];
}

/** Kafka Connect's offsets API shape: source partitions/positions, or sink queues/offsets. */
export type ConnectorOffset =
  | { partition: SourcePartition; offset: SourcePosition | null }
  | { partition: { topic: string; queue: string }; offset: { offset: number } | null };

export interface ConnectorOffsets {
  offsets: ConnectorOffset[];
}

export interface RestartOptions {
  includeTasks: boolean;
  onlyFailed: boolean;
}

export interface WorkerInfo {
  workerId: string;
  url: string;
  startedAt: number;
  version: string;
  transport: string;
}

export interface Herder {
  readonly workerId: string;
  start(): Promise<void>;
  /** Stops all connectors and tasks (flushing sinks, committing positions) and closes stores. */
  stop(): Promise<void>;

  connectors(): string[];
  connectorInfo(name: string): ConnectorInfo;
  connectorConfig(name: string): Record<string, string>;
  /** Creates or (if allowReplace) replaces a connector's config; validates first (CONFIG_INVALID names keys). */
  putConnectorConfig(name: string, config: Record<string, string>, opts: { allowReplace: boolean; initialState?: TargetState }): Promise<{ created: boolean; info: ConnectorInfo }>;
  patchConnectorConfig(name: string, patch: Record<string, string | null>): Promise<ConnectorInfo>;
  deleteConnector(name: string): Promise<void>;
  connectorStatus(name: string): ConnectorStatus;
  taskConfigs(name: string): TaskInfo[];
  taskStatus(name: string, task: number): TaskStateInfo;

  pauseConnector(name: string): Promise<void>;
  resumeConnector(name: string): Promise<void>;
  stopConnector(name: string): Promise<void>;
  restartConnector(name: string, opts: RestartOptions): Promise<ConnectorStatus>;
  restartTask(name: string, task: number): Promise<void>;

  offsets(name: string): Promise<ConnectorOffsets>;
  /** Only while the connector is STOPPED (ILLEGAL_STATE otherwise). */
  alterOffsets(name: string, offsets: ConnectorOffsets): Promise<void>;
  resetOffsets(name: string): Promise<void>;

  plugins(): PluginInfo[];
  pluginErrors(): PluginLoadError[];
  /** Declared keys of a plugin (framework keys included), by name or alias. NOT_FOUND if unknown. */
  pluginConfig(pluginClass: string): ValidationResult['configs'][number]['definition'][];
  validateConfig(pluginClass: string, config: Record<string, string>): Promise<ValidationResult>;
  reloadPlugins(): Promise<{ plugins: PluginInfo[]; errors: PluginLoadError[] }>;

  workers(): WorkerInfo[];
  /** Connectors and tasks this worker runs. */
  allocated(): { connectors: string[]; tasks: TaskId[] };
}
