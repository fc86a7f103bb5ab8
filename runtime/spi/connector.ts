// Connectors are the unit users create over REST. A connector validates its config, splits the work
// into task configs and creates tasks; it does not move data itself. The runtime calls, in order:
// config() / validate() (any time, also without start), start(), taskConfigs() (after start and after
// requestTaskReconfiguration), createTask() once per task, and stop(). Throwing from start, taskConfigs
// or stop marks the connector FAILED with the error trace; a ConfigError there names the bad keys.

import type { ConfigDef, ConfigValueReport } from './config-def';
import type { ConnectorContext, PathOptions } from './context';
import type { SinkTask, SourceTask } from './task';

export type ConnectorType = 'source' | 'sink';

export interface ValidationContext {
  /** Same contract as ConnectorContext.resolvePath: throws ConfigError naming the key when outside the roots. */
  resolvePath(path: string, key: string, options?: PathOptions): string;
  /** Same as ConnectorContext.clientDefaults. */
  readonly clientDefaults?: Readonly<Record<string, string>>;
}

export interface ConnectorBase {
  readonly type: ConnectorType;
  version(): string;
  /** The connector's own keys. Framework keys (name, connector.class, tasks.max, topics, converters,
   *  transforms, errors.*) are declared by the runtime and need not be repeated. */
  config(): ConfigDef;
  /** Extra validation on top of config().validate() (cross-field rules, paths); optional. Called before
   *  the config is stored, so a bad value is refused with 400 instead of failing later. Returns field-level
   *  errors; a thrown ConfigError counts as its field errors. */
  validate?(config: Record<string, string>, context: ValidationContext): { name: string; message: string }[] | Promise<{ name: string; message: string }[]>;
  /** Keys not declared in config() (nor by the runtime) are rejected as typos unless this returns true,
   *  for open-ended families such as `hoodie.*`. Optional; the default accepts none. */
  acceptsKey?(key: string): boolean;
  start(config: Record<string, string>, context: ConnectorContext): void | Promise<void>;
  /** At most maxTasks configs; each becomes one task. */
  taskConfigs(maxTasks: number): Record<string, string>[] | Promise<Record<string, string>[]>;
  stop(): void | Promise<void>;
}

export interface SourceConnector extends ConnectorBase {
  readonly type: 'source';
  createTask(): SourceTask;
}

export interface SinkConnector extends ConnectorBase {
  readonly type: 'sink';
  createTask(): SinkTask;
}

export type Connector = SourceConnector | SinkConnector;

/** How a plugin module exposes a connector: the manifest names an export that is either a class with a
 *  no-argument constructor or a factory function returning a Connector. */
export type ConnectorFactory = (new () => Connector) | (() => Connector);

export type { ConfigValueReport };
