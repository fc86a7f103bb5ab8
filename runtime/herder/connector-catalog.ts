// What the herder needs from plugin loading: the installed connector plugins by class or alias.

import type { Connector } from '../spi';
import type { PluginInfo, PluginLoadError } from './herder';

export interface ConnectorCatalog {
  list(): PluginInfo[];
  errors(): PluginLoadError[];
  /** Throws ConnectError NOT_FOUND naming the known classes when `classOrAlias` is unknown. */
  resolve(classOrAlias: string): { info: PluginInfo; create(): Connector };
  reload(): Promise<unknown>;
}
