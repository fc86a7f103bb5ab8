// The example plugin of docs/plugin-guide.md, loaded exactly as a worker loads it: from a plugin path,
// through PluginRegistry, requiring `tributary/spi` from outside the runtime's package.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { PluginRegistry } from '../../../runtime/plugins/plugin-registry';
import type { SinkConnector, SinkTask } from '../../../runtime/spi';
import { ensureBuilt, repoRoot } from '../../helpers/build';
import { fakeConnectorContext, fakeLogger, fakeSinkTaskContext, sinkRecords } from '../../helpers/fake-contexts';

const examplesPath = path.join(repoRoot, 'examples', 'plugins');

async function loadCountingSink(): Promise<{ connector: SinkConnector; registry: PluginRegistry }> {
  const registry = new PluginRegistry({ paths: [examplesPath], logger: fakeLogger() });
  const { errors } = await registry.load();
  expect(errors).toEqual([]);
  const connector = registry.resolve('counting-sink').create();
  expect(connector.type).toBe('sink');
  return { connector: connector as SinkConnector, registry };
}

describe('example plugin counting-sink', () => {
  beforeAll(async () => {
    await ensureBuilt();
  });

  it('counting-sink loaded from its plugin path is listed with its aliases', async () => {
    const { registry } = await loadCountingSink();
    expect(registry.list()).toEqual([
      {
        class: 'counting-sink',
        type: 'sink',
        version: '1.0.0',
        aliases: ['CountingSink', 'com.example.tributary.CountingSinkConnector', 'CountingSinkConnector'],
        plugin: 'tributary-plugin-counting-sink',
        location: path.join(examplesPath, 'counting-sink'),
      },
    ]);
    expect(registry.resolve('com.example.tributary.CountingSinkConnector').info.class).toBe('counting-sink');
  });

  it('counting-sink task writes records only at flush and preCommit reports what it fsynced', async () => {
    const { connector } = await loadCountingSink();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'counting-sink-'));
    const config = { name: 'counter', 'connector.class': 'counting-sink', 'connect.topicnames': 'orders', file: 'out/values.jsonl', 'log.every': '2' };

    // Its ConfigDef comes from the runtime's SPI and validates like any built-in's.
    expect(connector.config().validate(config, { allowUnknown: true }).errors).toEqual([]);
    expect(connector.config().validate({}, {}).errors.map((e) => e.name)).toEqual(['file']);

    const cctx = fakeConnectorContext({ baseDir: dir });
    await connector.start(config, cctx);
    const taskConfigs = await connector.taskConfigs(4);
    expect(taskConfigs).toHaveLength(1);

    const task = connector.createTask() as SinkTask & { count: number };
    const ctx = fakeSinkTaskContext({ baseDir: dir, assignment: [{ topic: 'orders', queue: '0' }] });
    await task.start(taskConfigs[0]!, ctx);
    await task.put(sinkRecords([{ id: 1 }, 'two', null], { topic: 'orders' }));
    const file = path.join(dir, 'out', 'values.jsonl');
    expect(fs.readFileSync(file, 'utf8')).toBe('');
    expect(task.count).toBe(0);

    const safe = await task.preCommit!([{ topic: 'orders', queue: '0', offset: 3 }]);
    expect(safe).toEqual([{ topic: 'orders', queue: '0', offset: 3 }]);
    expect(fs.readFileSync(file, 'utf8')).toBe('{"id":1}\n"two"\nnull\n');
    expect(task.count).toBe(3);
    expect(ctx.logger.entries.some((e) => e.msg === 'counting-sink progress')).toBe(true);

    // Records put but never flushed are not written at stop: they were not committed and come again.
    await task.put(sinkRecords([{ id: 4 }], { topic: 'orders', from: 3 }));
    await task.stop();
    await connector.stop();
    expect(fs.readFileSync(file, 'utf8').split('\n').filter(Boolean)).toHaveLength(3);
  });

  it('counting-sink value without a JSON form goes to the errant-record reporter', async () => {
    const { connector } = await loadCountingSink();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'counting-sink-'));
    const task = connector.createTask() as SinkTask & { count: number };
    const ctx = fakeSinkTaskContext({ baseDir: dir });
    await task.start({ file: 'x.jsonl' }, ctx);
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    await task.put(sinkRecords([cyclic, 'fine']));
    await task.flush!([]);
    expect(ctx.errant).toHaveLength(1);
    expect(ctx.errant[0]!.error.message).toContain('topic-a/0@0 has no JSON form');
    expect((ctx.errant[0]!.error as unknown as { code: string }).code).toBe('CONVERSION_FAILED');
    expect(task.count).toBe(1);
    await task.stop();
  });

  it('counting-sink file outside the allowed roots fails start naming the key', async () => {
    const { connector } = await loadCountingSink();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'counting-sink-'));
    expect(() => connector.start({ file: '/etc/passwd' }, fakeConnectorContext({ baseDir: dir }))).toThrow(/file: "\/etc\/passwd" is outside the allowed roots/);
  });
});
