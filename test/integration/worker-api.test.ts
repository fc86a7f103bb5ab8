// A real worker started with scripts/run_worker.sh, driven through both REST dialects and the
// `tributary` CLI: create, inspect, pause, resume, stop, restart, offsets, plugins, metrics, errors,
// a third-party plugin loaded from a plugin path, and clean stop on SIGTERM.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO, api, runWorkerToExit, startWorker, until, workerDir, writeConf, type WorkerHandle } from '../helpers/worker-process';

const run = promisify(execFile);

async function cli(url: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(path.join(REPO, 'bin', 'tributary'), ['--url', url, ...args], { cwd: REPO });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

let w: WorkerHandle;
let dir: string;

beforeAll(async () => {
  dir = workerDir('api-');
  writeConf(dir, { pluginPaths: path.join(REPO, 'examples', 'plugins') });
  w = await startWorker(dir);
});

afterAll(async () => {
  if (w && w.child.exitCode === null) await w.kill('SIGKILL');
});

describe('worker REST API and CLI against a real worker', () => {
  it('Kafka dialect root and health answer with the version', async () => {
    const root = await api(w.url, 'GET', '/');
    expect(root.status).toBe(200);
    expect(root.body.version).toMatch(/^\d+\.\d+\.\d+/);
    expect((await api(w.url, 'GET', '/health')).body.status).toBe('healthy');
  });

  it('RocketMQ dialect create with url-encoded config runs the connector', async () => {
    writeFileSync(path.join(dir, 'data', 'rmq-in.txt'), 'a\nb\n');
    const cfg = encodeURIComponent(JSON.stringify({ 'connector-class': 'org.apache.rocketmq.connect.file.FileSourceConnector', file: 'data/rmq-in.txt', 'connect.topicname': 'rmq', 'max.tasks': 1 }));
    const res = await api(w.url, 'GET', `/connectors/rmq-src?config=${cfg}`);
    expect(res.status).toBe(200);
    await until('rmq-src running', async () => (await api(w.url, 'GET', '/connectors/rmq-src/status')).body.tasks?.[0]?.state === 'RUNNING');
    const list = await api(w.url, 'GET', '/connectors/list');
    expect(JSON.stringify(list.body)).toContain('rmq-src');
    expect((await api(w.url, 'GET', '/getClusterInfo')).status).toBe(200);
    expect(JSON.stringify((await api(w.url, 'GET', '/allocated/tasks')).body)).toContain('rmq-src');
    // RocketMQ's stop removes the connector.
    expect((await api(w.url, 'GET', '/connectors/rmq-src/stop')).status).toBe(200);
    expect((await api(w.url, 'GET', '/connectors/rmq-src')).status).toBe(404);
  });

  it('Kafka dialect lifecycle: create, pause, resume, stop, offsets, restart, delete', async () => {
    writeFileSync(path.join(dir, 'data', 'k-in.jsonl'), '{"a":1}\n{"a":2}\n');
    const created = await api(w.url, 'POST', '/connectors', { name: 'k', config: { 'connector.class': 'file-source', file: 'data/k-in.jsonl', format: 'jsonl', 'connect.topicname': 'k' } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'k', type: 'source', tasks: [{ connector: 'k', task: 0 }] });
    expect((await api(w.url, 'POST', '/connectors', { name: 'k', config: { 'connector.class': 'file-source', file: 'data/k-in.jsonl', 'connect.topicname': 'k' } })).status).toBe(409);
    await until('k running', async () => (await api(w.url, 'GET', '/connectors/k/status')).body.tasks?.[0]?.state === 'RUNNING');
    expect((await api(w.url, 'PUT', '/connectors/k/pause')).status).toBe(202);
    await until('k paused', async () => (await api(w.url, 'GET', '/connectors/k/status')).body.tasks?.[0]?.state === 'PAUSED');
    expect((await api(w.url, 'PATCH', '/connectors/k/offsets', { offsets: [] })).status).toBe(409);
    expect((await api(w.url, 'PUT', '/connectors/k/resume')).status).toBe(202);
    await until('k resumed', async () => (await api(w.url, 'GET', '/connectors/k/status')).body.tasks?.[0]?.state === 'RUNNING');
    await until('position committed', async () => (await api(w.url, 'GET', '/connectors/k/offsets')).body.offsets?.[0]?.offset?.offset === 16);
    expect((await api(w.url, 'PUT', '/connectors/k/stop')).status).toBe(202);
    await until('k stopped', async () => (await api(w.url, 'GET', '/connectors/k/status')).body.connector.state === 'STOPPED');
    const file = path.resolve(dir, 'data', 'k-in.jsonl');
    expect((await api(w.url, 'PATCH', '/connectors/k/offsets', { offsets: [{ partition: { file }, offset: { offset: 8 } }] })).status).toBe(200);
    expect((await api(w.url, 'GET', '/connectors/k/offsets')).body.offsets).toEqual([{ partition: { file }, offset: { offset: 8 } }]);
    expect((await api(w.url, 'PUT', '/connectors/k/resume')).status).toBe(202);
    await until('k running again', async () => (await api(w.url, 'GET', '/connectors/k/status')).body.tasks?.[0]?.state === 'RUNNING');
    expect((await api(w.url, 'POST', '/connectors/k/restart?includeTasks=true')).status).toBe(202);
    expect((await api(w.url, 'DELETE', '/connectors/k')).status).toBe(204);
    expect((await api(w.url, 'GET', '/connectors/k/status')).status).toBe(404);
  });

  it('invalid config is 400 naming the field; unknown plugin is named; malformed JSON is 400', async () => {
    const bad = await api(w.url, 'POST', '/connectors', { name: 'bad', config: { 'connector.class': 'file-source', 'connect.topicname': 'x', file: 'data/x', format: 'xml' } });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/format/);
    const unknown = await api(w.url, 'POST', '/connectors', { name: 'bad2', config: { 'connector.class': 'no-such-plugin' } });
    expect(unknown.status).toBe(400);
    expect(unknown.body.message).toMatch(/connector.class.*no-such-plugin/);
    const outside = await api(w.url, 'POST', '/connectors', { name: 'bad3', config: { 'connector.class': 'file-sink', 'connect.topicnames': 'x', file: '/etc/passwd-out' } });
    expect(outside.status).toBe(400);
    expect(outside.body.message).toMatch(/outside the allowed roots/);
    expect((await api(w.url, 'POST', '/connectors', '{"name": "x",')).status).toBe(400);
    expect((await api(w.url, 'GET', '/connectors/nope')).status).toBe(404);
    const validate = await api(w.url, 'PUT', '/connector-plugins/file-sink/config/validate', { 'connector.class': 'file-sink', 'connect.topicnames': 'a' });
    expect(validate.status).toBe(200);
    expect(validate.body.error_count).toBeGreaterThan(0);
    expect(JSON.stringify(validate.body.configs.filter((c: { value: { errors: string[] } }) => c.value.errors.length > 0))).toContain('file');
  });

  it('third-party plugin from a plugin path is listed and moves records', async () => {
    const plugins = await api(w.url, 'GET', '/connector-plugins');
    const classes = (plugins.body as { class: string }[]).map((p) => p.class);
    expect(classes).toEqual(expect.arrayContaining(['file-source', 'file-sink', 'order-generator', 'counting-sink']));
    writeFileSync(path.join(dir, 'data', 'c-in.txt'), 'x\ny\nz\n');
    await api(w.url, 'POST', '/connectors', { name: 'c-src', config: { 'connector.class': 'file-source', file: 'data/c-in.txt', 'connect.topicname': 'c' } });
    const sink = await api(w.url, 'POST', '/connectors', { name: 'c-sink', config: { 'connector.class': 'counting-sink', file: 'data/c-out.txt', 'connect.topicnames': 'c' } });
    expect(sink.status).toBe(201);
    await until('counting sink wrote 3 records', () => existsSync(path.join(dir, 'data', 'c-out.txt')) && readFileSync(path.join(dir, 'data', 'c-out.txt'), 'utf8').trim().split('\n').length === 3);
  });

  it('metrics expose per-task record counters', async () => {
    const res = await fetch(`${w.url}/metrics`);
    const text = await res.text();
    expect(res.headers.get('content-type')).toMatch(/text\/plain/);
    expect(text).toMatch(/tributary_task_records_in_total\{connector="c-src",task="0"\} 3/);
    expect(text).toMatch(/tributary_task_records_out_total\{connector="c-sink",task="0"\} 3/);
  });

  it('OpenAPI document is served', async () => {
    const doc = await api(w.url, 'GET', '/openapi.json');
    expect(doc.body.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.body.paths)).toContain('/connectors/{name}/offsets');
  });

  it('CLI creates from key=value pairs, lists, pauses, shows status and deletes without URL encoding', async () => {
    writeFileSync(path.join(dir, 'data', 'cli-in.txt'), 'hello world\n');
    const created = await cli(w.url, 'connectors', 'create', 'from-cli', 'connector.class=file-source', 'file=data/cli-in.txt', 'connect.topicname=cli', 'format=text');
    expect(created.code).toBe(0);
    expect((await cli(w.url, 'connectors', 'list')).stdout).toContain('from-cli');
    await until('cli connector running', async () => (await api(w.url, 'GET', '/connectors/from-cli/status')).body.tasks?.[0]?.state === 'RUNNING');
    expect((await cli(w.url, 'connectors', 'pause', 'from-cli')).code).toBe(0);
    await until('cli paused', async () => (await cli(w.url, 'connectors', 'status', 'from-cli', '--json')).stdout.includes('PAUSED'));
    const offsets = await cli(w.url, 'offsets', 'get', 'from-cli', '--json');
    expect(offsets.code).toBe(0);
    expect((await cli(w.url, 'plugins', 'list')).stdout).toContain('file-sink');
    expect((await cli(w.url, 'connectors', 'delete', 'from-cli')).code).toBe(0);
    const missing = await cli(w.url, 'connectors', 'get', 'from-cli');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/from-cli/);
    const cfgFile = path.join(dir, 'cli.json');
    writeFileSync(cfgFile, JSON.stringify({ 'connector.class': 'file-sink', file: 'data/cli-out.jsonl', 'connect.topicnames': 'cli' }));
    expect((await cli(w.url, 'connectors', 'create', 'sink-from-file', '--file', cfgFile)).code).toBe(0);
    expect((await api(w.url, 'GET', '/connectors/sink-from-file/config')).body['file']).toBe('data/cli-out.jsonl');
  });

  it('CLI against a worker that is not running exits 3 naming the URL', async () => {
    const res = await cli('http://127.0.0.1:9', 'connectors', 'list');
    expect(res.code).toBe(3);
    expect(res.stderr).toContain('127.0.0.1:9');
  });

  it('SIGTERM stops the worker cleanly with exit code 0 and keeps the configs', async () => {
    expect(await w.kill('SIGTERM')).toBe(0);
    expect(w.logs.some((l) => l.includes('worker stopped'))).toBe(true);
    const stored = JSON.parse(readFileSync(path.join(dir, 'data', 'store', 'connectors.json'), 'utf8'));
    expect(JSON.stringify(stored)).toContain('sink-from-file');
  });
});

describe('worker start-up errors', () => {
  it('unknown key in the worker config exits 2 naming the key and the accepted keys', async () => {
    const d = workerDir('badconf-');
    const conf = writeConf(d, { httpPrt: '8083' });
    const res = await runWorkerToExit(d, conf);
    expect(res.code).toBe(2);
    expect(res.output).toMatch(/httpPrt/);
    expect(res.output).toMatch(/httpPort/);
  });

  it('invalid value exits 2 naming the value and what is accepted', async () => {
    const d = workerDir('badconf-');
    const conf = writeConf(d, { logLevel: 'loud' });
    const res = await runWorkerToExit(d, conf);
    expect(res.code).toBe(2);
    expect(res.output).toMatch(/logLevel.*loud/);
  });

  it('second worker on the same store exits 3', async () => {
    const d = workerDir('lock-');
    const conf = writeConf(d);
    const first = await startWorker(d, conf);
    try {
      const second = await runWorkerToExit(d, conf);
      expect(second.code).toBe(3);
      expect(second.output).toMatch(/in use by worker process/);
    } finally {
      await first.kill('SIGTERM');
    }
  });
});
