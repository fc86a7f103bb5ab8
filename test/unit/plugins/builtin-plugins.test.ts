import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { builtinPluginsPath } from '../../../runtime/plugins/dist-layout';
import { PluginRegistry } from '../../../runtime/plugins/plugin-registry';
import { FILE_PLUGIN_VERSION } from '../../../plugins/file/file-source';
import { GENERATOR_PLUGIN_VERSION } from '../../../plugins/generator/order-generator';
import { ensureBuilt, repoRoot } from '../../helpers/build';
import { fakeLogger } from '../../helpers/fake-contexts';

function packageVersion(plugin: string): string {
  return (JSON.parse(fs.readFileSync(path.join(repoRoot, 'plugins', plugin, 'package.json'), 'utf8')) as { version: string }).version;
}

describe('built-in plugins', () => {
  beforeAll(async () => {
    await ensureBuilt();
  });

  it('built-in plugins from dist/plugins load with their classes and seed aliases', async () => {
    const registry = new PluginRegistry({ paths: [builtinPluginsPath()], logger: fakeLogger() });
    const { plugins, errors } = await registry.load();
    expect(errors).toEqual([]);
    const byClass = new Map(plugins.map((p) => [p.class, p]));
    expect(byClass.get('file-source')).toMatchObject({ type: 'source', plugin: '@tributary/plugin-file', version: FILE_PLUGIN_VERSION });
    expect(byClass.get('file-sink')).toMatchObject({ type: 'sink', plugin: '@tributary/plugin-file', version: FILE_PLUGIN_VERSION });
    expect(byClass.get('order-generator')).toMatchObject({ type: 'source', plugin: '@tributary/plugin-generator', version: GENERATOR_PLUGIN_VERSION });
    for (const [alias, cls] of [
      ['FileSourceConnector', 'file-source'],
      ['org.apache.rocketmq.connect.file.FileSourceConnector', 'file-source'],
      ['FileSinkConnector', 'file-sink'],
      ['org.apache.rocketmq.connect.file.FileSinkConnector', 'file-sink'],
      ['OrderGeneratorConnector', 'order-generator'],
    ] as const) {
      expect(registry.resolve(alias).info.class).toBe(cls);
    }
  });

  it('built-in plugin version constants match their package.json', () => {
    expect(FILE_PLUGIN_VERSION).toBe(packageVersion('file'));
    expect(GENERATOR_PLUGIN_VERSION).toBe(packageVersion('generator'));
  });

  it('copy-plugin-manifests copies every plugins/*/package.json into dist/plugins', () => {
    for (const name of fs.readdirSync(path.join(repoRoot, 'plugins'))) {
      const src = path.join(repoRoot, 'plugins', name, 'package.json');
      if (!fs.existsSync(src)) continue;
      expect(fs.readFileSync(path.join(repoRoot, 'dist', 'plugins', name, 'package.json'), 'utf8')).toBe(fs.readFileSync(src, 'utf8'));
    }
  });
});
