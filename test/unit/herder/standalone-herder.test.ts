import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ConfigDef,
  type QueueOffset,
  type SinkConnector,
  type SinkRecord,
  type SinkTask,
  type SourceConnector,
  type SourceRecord,
  type SourceTask,
  type SourceTaskContext,
} from '../../../runtime/spi';
import { StandaloneHerder } from '../../../runtime/herder/standalone-herder';
import { ConnectMetrics } from '../../../runtime/observability/metrics';
import { silentLogger } from '../../../runtime/observability/logger';
import { FileConfigStore } from '../../../runtime/stores/file-config-store';
import { FileStatusStore } from '../../../runtime/stores/file-status-store';
import { EmbeddedTransport } from '../../../runtime/transport/embedded-transport';
import { systemClock } from '../../../runtime/worker/clock';
import { createPathGuard } from '../../../runtime/worker/path-guard';
import { MemoryCatalog } from '../../helpers/memory-catalog';

/** Emits `count` numbered records (config key `count`), resuming after its committed position. */
class CountingSource implements SourceConnector {
  readonly type = 'source' as const;
  private cfg: Record<string, string> = {};
  version() { return '1.0'; }
  config() {
    return new ConfigDef([
      { name: 'count', type: 'int', default: 10, doc: 'records to emit' },
      { name: 'secret.password', type: 'password', default: null, doc: 'a secret' },
    ]);
  }
  start(c: Record<string, string>) { this.cfg = c; }
  taskConfigs() { return [{ ...this.cfg }]; }
  stop() {}
  createTask(): SourceTask {
    let next = 0;
    let total = 0;
    return {
      version: () => '1.0',
      async start(c: Record<string, string>, ctx: SourceTaskContext) {
        total = Number(c['count'] ?? 10);
        const pos = await ctx.position({ source: 'counter' });
        next = pos ? Number(pos['next']) : 0;
      },
      async poll(): Promise<SourceRecord[]> {
        if (next >= total) {
          await new Promise((r) => setTimeout(r, 20));
          return [];
        }
        const out: SourceRecord[] = [];
        for (let i = 0; i < 7 && next < total; i++, next++) {
          out.push({ topic: '', value: { n: next }, key: `k${next}`, timestamp: Date.now(), headers: {}, sourcePartition: { source: 'counter' }, sourcePosition: { next: next + 1 } });
        }
        return out;
      },
      stop() {},
    };
  }
}

const received: Record<string, SinkRecord[]> = {};

class CollectingSink implements SinkConnector {
  readonly type = 'sink' as const;
  private cfg: Record<string, string> = {};
  version() { return '1.0'; }
  config() { return new ConfigDef([{ name: 'bucket', type: 'string', doc: 'where records go' }]); }
  start(c: Record<string, string>) { this.cfg = c; }
  taskConfigs(max: number) { return Array.from({ length: max }, () => ({ ...this.cfg })); }
  stop() {}
  createTask(): SinkTask {
    let bucket = '';
    return {
      version: () => '1.0',
      start(c: Record<string, string>) { bucket = c['bucket']!; received[bucket] ??= []; },
      put(records: SinkRecord[]) { received[bucket]!.push(...records); },
      preCommit(offsets: QueueOffset[]) { return offsets; },
      stop() {},
    };
  }
}

/** A sink whose put waits for `gate` to open; its instances log when they start and stop. */
const gated = { log: [] as string[], instances: 0, open: (): void => undefined, gate: Promise.resolve() };
function closeGate(): void {
  gated.gate = new Promise<void>((resolve) => (gated.open = resolve));
}

class GatedSink extends CollectingSink {
  override createTask(): SinkTask {
    const n = ++gated.instances;
    return {
      version: () => '1.0',
      start() { gated.log.push(`start ${n}`); },
      async put() { await gated.gate; },
      preCommit(offsets: QueueOffset[]) { return offsets; },
      stop() { gated.log.push(`stop ${n}`); },
    };
  }
}

class FailingSource extends CountingSource {
  override createTask(): SourceTask {
    return { version: () => '1', start() {}, async poll() { throw new Error('source exploded'); }, stop() {} };
  }
}

const dirs: string[] = [];
const herders: StandaloneHerder[] = [];

async function newHerder(dir?: string, taskShutdownTimeoutMs = 5000) {
  const root = dir ?? mkdtempSync(path.join(tmpdir(), 'herder-'));
  dirs.push(root);
  const logger = silentLogger();
  const transport = new EmbeddedTransport({ dir: root, queuesPerTopic: 3, logger });
  const herder = new StandaloneHerder({
    workerId: 'w1',
    version: 'test',
    url: () => 'http://127.0.0.1:0',
    configStore: new FileConfigStore({ dir: root }),
    statusStore: new FileStatusStore({ dir: root }),
    transport,
    plugins: new MemoryCatalog().add('counting-source', () => new CountingSource(), ['CountingSource']).add('collecting-sink', () => new CollectingSink()).add('failing-source', () => new FailingSource()).add('gated-sink', () => new GatedSink()),
    metrics: new ConnectMetrics({ defaultMetrics: false }),
    logger,
    clock: systemClock,
    resolvePath: createPathGuard([root], root),
    transforms: new Map(),
    commitIntervalMs: 50,
    taskShutdownTimeoutMs,
  });
  await herder.start();
  herders.push(herder);
  return { herder, transport, root, close: async () => { await herder.stop(); await transport.close(); herders.splice(herders.indexOf(herder), 1); } };
}

async function until<T>(what: string, fn: () => T | undefined | false, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

afterEach(async () => {
  for (const h of [...herders]) await h.stop().catch(() => undefined);
  herders.length = 0;
});

describe('StandaloneHerder', () => {
  it('source to sink over the embedded transport delivers every record once', async () => {
    const { herder, close } = await newHerder();
    await herder.putConnectorConfig('src', { 'connector.class': 'counting-source', 'connect.topicname': 'numbers', count: '50' }, { allowReplace: false });
    await herder.putConnectorConfig('snk', { 'connector.class': 'collecting-sink', 'connect.topicnames': 'numbers', bucket: 'a', 'tasks.max': '2' }, { allowReplace: false });
    await until('50 records', () => (received['a']?.length ?? 0) >= 50);
    const values = received['a']!.map((r) => (r.value as { n: number }).n).sort((x, y) => x - y);
    expect(values).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(herder.connectorStatus('snk').tasks.map((t) => t.state)).toEqual(['RUNNING', 'RUNNING']);
    await close();
  });

  it('failing task is FAILED with its trace and another connector keeps running', async () => {
    const { herder, close } = await newHerder();
    await herder.putConnectorConfig('bad', { 'connector.class': 'failing-source', 'connect.topicname': 't1' }, { allowReplace: false });
    await herder.putConnectorConfig('good', { 'connector.class': 'counting-source', 'connect.topicname': 't2', count: '5' }, { allowReplace: false });
    const failed = await until('task failure', () => herder.connectorStatus('bad').tasks[0]?.state === 'FAILED' && herder.connectorStatus('bad').tasks[0]);
    expect(failed.trace).toMatch(/source exploded/);
    expect(herder.connectorStatus('bad').connector.state).toBe('RUNNING');
    expect(herder.connectorStatus('good').tasks[0]!.state).toBe('RUNNING');
    await close();
  });

  it('pause then resume moves connector and tasks through PAUSED back to RUNNING', async () => {
    const { herder, close } = await newHerder();
    await herder.putConnectorConfig('p', { 'connector.class': 'counting-source', 'connect.topicname': 't', count: '3' }, { allowReplace: false });
    await until('running', () => herder.connectorStatus('p').tasks[0]?.state === 'RUNNING');
    await herder.pauseConnector('p');
    await until('paused task', () => herder.connectorStatus('p').tasks[0]?.state === 'PAUSED');
    expect(herder.connectorStatus('p').connector.state).toBe('PAUSED');
    await herder.resumeConnector('p');
    await until('resumed task', () => herder.connectorStatus('p').tasks[0]?.state === 'RUNNING');
    expect(herder.connectorStatus('p').connector.state).toBe('RUNNING');
    await close();
  });

  it('offsets can be altered only while STOPPED and survive a restart of the herder', async () => {
    const h1 = await newHerder();
    await h1.herder.putConnectorConfig('s', { 'connector.class': 'counting-source', 'connect.topicname': 't', count: '4' }, { allowReplace: false });
    await until('committed', () => h1.herder.connectorStatus('s').tasks[0]?.state === 'RUNNING');
    await expect(h1.herder.alterOffsets('s', { offsets: [{ partition: { source: 'counter' }, offset: { next: 2 } }] })).rejects.toMatchObject({ code: 'ILLEGAL_STATE' });
    await h1.herder.stopConnector('s');
    expect(h1.herder.connectorStatus('s')).toMatchObject({ connector: { state: 'STOPPED' }, tasks: [] });
    await h1.herder.alterOffsets('s', { offsets: [{ partition: { source: 'counter' }, offset: { next: 2 } }] });
    expect(await h1.herder.offsets('s')).toEqual({ offsets: [{ partition: { source: 'counter' }, offset: { next: 2 } }] });
    await h1.close();
    const h2 = await newHerder(h1.root);
    expect(h2.herder.connectorStatus('s').connector.state).toBe('STOPPED');
    expect(await h2.herder.offsets('s')).toEqual({ offsets: [{ partition: { source: 'counter' }, offset: { next: 2 } }] });
    await h2.close();
  });

  it('unknown key and bad value are refused naming each key', async () => {
    const { herder, close } = await newHerder();
    const err = await herder.putConnectorConfig('x', { 'connector.class': 'counting-source', 'connect.topicname': 't', count: 'many', cuont: '3' }, { allowReplace: false }).catch((e) => e);
    expect(err.code).toBe('CONFIG_INVALID');
    expect(err.errors.map((e: { name: string }) => e.name).sort()).toEqual(['count', 'cuont']);
    expect(err.message).toMatch(/count: value "many" is not a whole number/);
    expect(herder.connectors()).toEqual([]);
    await close();
  });

  it('seed aliases connector-class and max.tasks are accepted', async () => {
    const { herder, close } = await newHerder();
    await herder.putConnectorConfig('alias', { 'connector-class': 'CountingSource', 'connect.topicname': 't', 'max.tasks': '1' }, { allowReplace: false });
    expect(herder.connectorInfo('alias').type).toBe('source');
    await close();
  });

  it('creating an existing connector without replace is ALREADY_EXISTS', async () => {
    const { herder, close } = await newHerder();
    const cfg = { 'connector.class': 'counting-source', 'connect.topicname': 't' };
    await herder.putConnectorConfig('dup', cfg, { allowReplace: false });
    await expect(herder.putConnectorConfig('dup', cfg, { allowReplace: false })).rejects.toMatchObject({ code: 'ALREADY_EXISTS' });
    await close();
  });

  it('password values are hidden in config output and kept when sent back hidden', async () => {
    const { herder, close } = await newHerder();
    await herder.putConnectorConfig('sec', { 'connector.class': 'counting-source', 'connect.topicname': 't', 'secret.password': 's3cr3t' }, { allowReplace: false });
    const shown = herder.connectorConfig('sec');
    expect(shown['secret.password']).toBe('[hidden]');
    expect(JSON.stringify(herder.taskConfigs('sec'))).not.toContain('s3cr3t');
    await herder.putConnectorConfig('sec', { ...shown, count: '3' }, { allowReplace: true });
    expect(herder.connectorConfig('sec')['count']).toBe('3');
    const stored = JSON.stringify((herder as unknown as { deps: { configStore: FileConfigStore } }).deps.configStore.get('sec'));
    expect(stored).toContain('s3cr3t');
    await close();
  });

  it('restart onlyFailed restarts only the failed task', async () => {
    const { herder, close } = await newHerder();
    await herder.putConnectorConfig('f', { 'connector.class': 'failing-source', 'connect.topicname': 't' }, { allowReplace: false });
    await until('failed', () => herder.connectorStatus('f').tasks[0]?.state === 'FAILED');
    const status = await herder.restartConnector('f', { includeTasks: true, onlyFailed: true });
    expect(['RUNNING', 'FAILED', 'UNASSIGNED']).toContain(status.tasks[0]!.state);
    await until('failed again', () => herder.connectorStatus('f').tasks[0]?.state === 'FAILED');
    await close();
  });

  it('a task that does not stop in time is not run twice: its new instance starts once the old one has ended', async () => {
    const { herder, close } = await newHerder(undefined, 50);
    closeGate();
    await herder.putConnectorConfig('src', { 'connector.class': 'counting-source', 'connect.topicname': 'gated', count: '20' }, { allowReplace: false });
    await herder.putConnectorConfig('g', { 'connector.class': 'gated-sink', 'connect.topicnames': 'gated', bucket: 'g' }, { allowReplace: false });
    await until('the first instance started', () => gated.log.includes('start 1'));
    // The first instance is stuck in put (a long commit): the restart stops waiting for it after 50 ms.
    await new Promise((r) => setTimeout(r, 100));
    await herder.restartTask('g', 0);
    await new Promise((r) => setTimeout(r, 300));
    expect(gated.log).toEqual(['start 1']);
    gated.open();
    await until('the second instance started', () => gated.log.includes('start 2'));
    expect(gated.log.slice(0, 3)).toEqual(['start 1', 'stop 1', 'start 2']);
    await close();
  });

  it('restart of a STOPPED connector is refused', async () => {
    const { herder, close } = await newHerder();
    await herder.putConnectorConfig('st', { 'connector.class': 'counting-source', 'connect.topicname': 't' }, { allowReplace: false, initialState: 'STOPPED' });
    expect(herder.connectorStatus('st').connector.state).toBe('STOPPED');
    await expect(herder.restartConnector('st', { includeTasks: true, onlyFailed: false })).rejects.toMatchObject({ code: 'ILLEGAL_STATE' });
    await close();
  });

  it('herder restarted on the same store resumes the sink after its committed offsets', async () => {
    const h1 = await newHerder();
    await h1.herder.putConnectorConfig('src2', { 'connector.class': 'counting-source', 'connect.topicname': 'n2', count: '30' }, { allowReplace: false });
    await h1.herder.putConnectorConfig('snk2', { 'connector.class': 'collecting-sink', 'connect.topicnames': 'n2', bucket: 'b' }, { allowReplace: false });
    await until('30 records', () => (received['b']?.length ?? 0) >= 30);
    await h1.close();
    const before = received['b']!.length;
    const h2 = await newHerder(h1.root);
    await h2.herder.putConnectorConfig('src2', { 'connector.class': 'counting-source', 'connect.topicname': 'n2', count: '40' }, { allowReplace: true });
    await until('40 records', () => received['b']!.length >= 40);
    await new Promise((r) => setTimeout(r, 300));
    const values = received['b']!.map((r) => (r.value as { n: number }).n).sort((x, y) => x - y);
    expect(before).toBe(30);
    expect(values).toEqual(Array.from({ length: 40 }, (_, i) => i));
    await h2.close();
  });
});
