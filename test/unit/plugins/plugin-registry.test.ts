import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { PluginRegistry } from '../../../runtime/plugins/plugin-registry';
import { spiModulePath } from '../../../runtime/plugins/dist-layout';
import { ConfigDef, type Connector } from '../../../runtime/spi';
import { ensureBuilt } from '../../helpers/build';
import { fakeLogger } from '../../helpers/fake-contexts';

const fixtures = path.resolve(__dirname, '../../fixtures/plugins');

function registry(paths: string[]): { registry: PluginRegistry; logger: ReturnType<typeof fakeLogger> } {
  const logger = fakeLogger();
  return { registry: new PluginRegistry({ paths, logger }), logger };
}

function errorFor(errors: { location: string; message: string }[], dir: string): string[] {
  return errors.filter((e) => e.location === path.join(fixtures, dir)).map((e) => e.message);
}

function copyDir(from: string, to: string): void {
  fs.cpSync(from, to, { recursive: true });
}

function inMemoryConnector(version = '9.9.9'): Connector {
  return {
    type: 'sink',
    version: () => version,
    config: () => new ConfigDef([]),
    start: () => undefined,
    taskConfigs: () => [{}],
    createTask: () => ({ version: () => version, start: () => undefined, put: () => undefined, stop: () => undefined }),
    stop: () => undefined,
  };
}

describe('PluginRegistry', () => {
  beforeAll(async () => {
    await ensureBuilt();
  });

  it('PluginRegistry fixture path loads the good plugins and reports each broken one', async () => {
    const { registry: r, logger } = registry([fixtures]);
    const result = await r.load();

    expect(result.plugins.map((p) => p.class)).toEqual(['good-sink', 'good-source', 'shadow-ok']);
    const good = result.plugins.find((p) => p.class === 'good-sink')!;
    expect(good).toEqual({
      class: 'good-sink',
      type: 'sink',
      version: '1.0.0',
      aliases: ['GoodSink', 'com.example.GoodSinkConnector', 'GoodSinkConnector'],
      plugin: 'fixture-good',
      location: path.join(fixtures, 'good'),
    });
    expect(result.plugins.find((p) => p.class === 'good-source')).toMatchObject({ type: 'source', version: '2.0.0', aliases: ['createGoodSource'] });

    const errors = r.errors();
    expect(errors).toEqual(result.errors);
    const broken = errorFor(errors, 'broken-manifest');
    expect(broken).toHaveLength(1);
    expect(broken[0]).toContain(path.join(fixtures, 'broken-manifest', 'package.json'));
    expect(broken[0]).toContain('tributary.sinks: unknown key');
    expect(broken[0]).toContain('tributary.connectors[0].module');

    expect(errorFor(errors, 'invalid-json')[0]).toContain('not valid JSON');
    expect(errorFor(errors, 'throws-on-load')[0]).toMatch(/Loading .*throws-on-load\/index\.js .*threw: boom while loading the exploding plugin/);
    expect(errorFor(errors, 'missing-export')[0]).toContain('has no export "AbsentSinkConnector"');
    expect(errorFor(errors, 'missing-export')[0]).toContain('its exports are SomethingElse, helper');

    const notConnector = errorFor(errors, 'not-a-connector');
    expect(notConnector).toHaveLength(2);
    expect(notConnector[0]).toContain('is an object, not a connector class or factory');
    expect(notConnector[1]).toContain('"type" is "sideways" but must be "source" or "sink"');
    expect(notConnector[1]).toContain('config(), start(), taskConfigs(), createTask(), stop()');

    const shadow = errorFor(errors, 'shadow-duplicate');
    expect(shadow).toHaveLength(1);
    expect(shadow[0]).toContain('"shadow-sink"');
    expect(shadow[0]).toContain('the name "GoodSink" already denotes connector "good-sink"');

    expect(errorFor(errors, 'not-a-plugin')).toEqual([]);
    expect(errors).toHaveLength(7);
    // Each problem is logged too.
    expect(logger.entries.filter((e) => e.level === 'error')).toHaveLength(7);
  });

  it('PluginRegistry resolve accepts class, manifest alias and export name', async () => {
    const { registry: r } = registry([fixtures]);
    await r.load();
    for (const name of ['good-sink', 'GoodSink', 'com.example.GoodSinkConnector', 'GoodSinkConnector']) {
      expect(r.resolve(name).info.class).toBe('good-sink');
    }
    const resolved = r.resolve('good-source');
    const a = resolved.create();
    const b = resolved.create();
    expect(a).not.toBe(b);
    expect(a.type).toBe('source');
    expect(r.has('GoodSink')).toBe(true);
    expect(r.has('nope')).toBe(false);
  });

  it('PluginRegistry resolve unknown class throws NOT_FOUND listing the known classes', async () => {
    const { registry: r } = registry([fixtures]);
    await r.load();
    let error: { code?: string; message?: string } = {};
    try {
      r.resolve('exploding-sink');
    } catch (err) {
      error = err as typeof error;
    }
    expect(error.code).toBe('NOT_FOUND');
    expect(error.message).toContain('Unknown connector class "exploding-sink"');
    expect(error.message).toContain('good-sink, good-source, shadow-ok');
  });

  it('PluginRegistry plugins require the one runtime SPI module', async () => {
    const { registry: r } = registry([fixtures]);
    await r.load();
    const goodModule = createRequire(path.join(fixtures, 'good', 'package.json'))('./good-sink') as { spi: unknown };
    expect(goodModule.spi).toBe(createRequire(__filename)(spiModulePath()));
  });

  it('PluginRegistry path that is itself a plugin package loads that one plugin', async () => {
    const { registry: r } = registry([path.join(fixtures, 'good')]);
    const result = await r.load();
    expect(result.plugins.map((p) => p.class)).toEqual(['good-sink', 'good-source']);
    expect(result.errors).toEqual([]);
  });

  it('PluginRegistry missing plugin path is reported and other paths still load', async () => {
    const missing = path.join(os.tmpdir(), 'tributary-no-such-plugin-dir');
    const { registry: r } = registry([missing, path.join(fixtures, 'good')]);
    const result = await r.load();
    expect(result.plugins.map((p) => p.class)).toEqual(['good-sink', 'good-source']);
    expect(result.errors).toEqual([{ location: missing, message: `Plugin path ${missing} does not exist; create it or remove it from pluginPaths` }]);
  });

  it('PluginRegistry reload picks up a changed module, a new plugin and a removed one', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tributary-plugins-'));
    copyDir(path.join(fixtures, 'good'), path.join(dir, 'good'));
    const { registry: r } = registry([dir]);
    await r.load();
    expect(r.resolve('good-sink').info.version).toBe('1.0.0');

    const file = path.join(dir, 'good', 'good-sink.js');
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace("const VERSION = '1.0.0'", "const VERSION = '1.0.1'"));
    copyDir(path.join(fixtures, 'shadow-duplicate'), path.join(dir, 'zz-extra'));

    const result = await r.reload();
    expect(r.resolve('good-sink').info.version).toBe('1.0.1');
    expect(r.resolve('good-sink').create().version()).toBe('1.0.1');
    expect(result.plugins.map((p) => p.class)).toEqual(['good-sink', 'good-source', 'shadow-ok']);

    fs.rmSync(path.join(dir, 'zz-extra'), { recursive: true });
    await r.reload();
    expect(r.list().map((p) => p.class)).toEqual(['good-sink', 'good-source']);
    expect(r.errors()).toEqual([]);
  });

  it('PluginRegistry reload fixes a plugin whose module threw before', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tributary-plugins-'));
    copyDir(path.join(fixtures, 'throws-on-load'), path.join(dir, 'p'));
    const { registry: r } = registry([dir]);
    expect((await r.load()).errors).toHaveLength(1);
    fs.copyFileSync(path.join(fixtures, 'good', 'good-sink.js'), path.join(dir, 'p', 'index.js'));
    fs.writeFileSync(
      path.join(dir, 'p', 'package.json'),
      JSON.stringify({ name: 'p', tributary: { connectors: [{ class: 'exploding-sink', module: './index', export: 'GoodSinkConnector' }] } }),
    );
    const result = await r.reload();
    expect(result.errors).toEqual([]);
    expect(r.resolve('exploding-sink').info.type).toBe('sink');
  });

  it('PluginRegistry register adds an in-memory plugin that survives reload', async () => {
    const { registry: r } = registry([path.join(fixtures, 'good')]);
    await r.load();
    const info = r.register({ class: 'memory-sink', aliases: ['MemorySink'] }, () => inMemoryConnector());
    expect(info).toEqual({ class: 'memory-sink', type: 'sink', version: '9.9.9', aliases: ['MemorySink'], plugin: '(in-memory)', location: '(in-memory)' });
    expect(r.resolve('MemorySink').create().version()).toBe('9.9.9');
    await r.reload();
    expect(r.resolve('memory-sink').info.class).toBe('memory-sink');

    expect(() => r.register({ class: 'other', aliases: ['GoodSink'] }, () => inMemoryConnector())).toThrow(/already used by connector "good-sink"/);
    expect(() => r.register({ class: 'broken' }, (() => ({ type: 'sink' })) as never)).toThrow(/is not a connector/);
  });

  it('PluginRegistry register accepts a class with a no-argument constructor', async () => {
    const { registry: r } = registry([]);
    await r.load();
    class Klass {
      readonly type = 'sink' as const;
      version = () => '3.0.0';
      config = () => new ConfigDef([]);
      start = () => undefined;
      taskConfigs = () => [{}];
      createTask = () => ({ version: () => '3.0.0', start: () => undefined, put: () => undefined, stop: () => undefined });
      stop = () => undefined;
    }
    expect(r.register({ class: 'klass' }, Klass).version).toBe('3.0.0');
    expect(r.resolve('klass').create()).toBeInstanceOf(Klass);
  });
});
