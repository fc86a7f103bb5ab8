// What file-source and file-sink connectors share: a `file` key that must lie inside the worker's allowed
// roots, checked at validate and again at start, and exactly one task, which gets the connector's config
// unchanged. Written only against the SPI; the tasks do the actual file work.

import type { ConfigDef, ConfigFieldError, ConnectorContext, ValidationContext } from '../../runtime/spi';

/** Kept equal to this plugin's package.json version (a unit test checks). */
export const FILE_PLUGIN_VERSION = '0.1.0';

export abstract class FileConnector {
  private settings: Record<string, string> = {};

  version(): string {
    return FILE_PLUGIN_VERSION;
  }

  /** The connector's own keys; must declare `file`. */
  /** The connector's keys; every file connector has `file`. */
  abstract config(): ConfigDef<{ file: string }>;

  /** Refuses a file outside the allowed roots before the connector is created. */
  validate(config: Record<string, string>, context: ValidationContext): ConfigFieldError[] {
    const file = config['file'];
    if (file !== undefined) context.resolvePath(file, 'file');
    return [];
  }

  /** Parses all of the connector's own keys, so a bad value fails the connector rather than its task. */
  start(config: Record<string, string>, context: ConnectorContext): void {
    // Unknown keys are the runtime's business: it validates the full config (framework keys included).
    const parsed = this.config().parse(config, { allowUnknown: true, context: `connector "${context.connectorName}"` });
    // Resolve now so that a path outside the allowed roots fails the connector, naming the key,
    // instead of failing its task later.
    context.resolvePath(parsed['file'], 'file');
    this.settings = { ...config };
  }

  /** Always one task: a file has one reader and one order of lines, and several writers appending to
   *  one file would interleave partial writes. */
  taskConfigs(_maxTasks: number): Record<string, string>[] {
    return [{ ...this.settings }];
  }

  stop(): void {
    this.settings = {};
  }
}
