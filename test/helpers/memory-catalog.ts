// An in-memory ConnectorCatalog for herder tests: connector classes registered directly, no plugin
// directories. The real PluginRegistry is tested on its own with plugin packages on disk.
import { ConnectError, type Connector } from '../../runtime/spi';
import type { ConnectorCatalog } from '../../runtime/herder/connector-catalog';
import type { PluginInfo } from '../../runtime/herder/herder';

export class MemoryCatalog implements ConnectorCatalog {
  private readonly entries = new Map<string, { info: PluginInfo; create: () => Connector }>();

  add(cls: string, create: () => Connector, aliases: string[] = []): this {
    const probe = create();
    const info: PluginInfo = { class: cls, type: probe.type, version: probe.version(), aliases, plugin: 'memory', location: 'memory' };
    for (const n of [cls, ...aliases]) this.entries.set(n, { info, create });
    return this;
  }

  list(): PluginInfo[] {
    return [...new Set([...this.entries.values()].map((e) => e.info))];
  }

  errors() {
    return [];
  }

  resolve(name: string) {
    const e = this.entries.get(name);
    if (!e) throw new ConnectError('NOT_FOUND', `no connector plugin ${JSON.stringify(name)}; installed: ${this.list().map((p) => p.class).join(', ')}`);
    return e;
  }

  async reload(): Promise<void> {}
}
