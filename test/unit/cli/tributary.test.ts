import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { defaultCommands } from '../../../runtime/cli/commands';
import { DEFAULT_WORKER_URL, main } from '../../../runtime/cli/tributary';
import { deadUrl, startStubWorker, type StubWorker } from './stub-worker';

let stub: StubWorker;
let dir: string;

beforeAll(async () => {
  stub = await startStubWorker();
  dir = mkdtempSync(join(tmpdir(), 'tributary-cli-'));
});

afterAll(async () => {
  await stub.close();
  rmSync(dir, { recursive: true, force: true });
});

beforeEach(() => {
  stub.requests.length = 0;
  stub.routes.clear();
});

afterEach(() => {
  stub.routes.clear();
});

async function run(argv: string[], options: { env?: Record<string, string>; url?: string | null } = {}): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const env = options.env ?? (options.url === null ? {} : { TRIBUTARY_URL: options.url ?? stub.url });
  const code = await main(argv, { stdout: { write: (s: string) => (out += s) }, stderr: { write: (s: string) => (err += s) }, fetch: globalThis.fetch, env, cwd: dir });
  return { code, out, err };
}

function file(name: string, content: string): string {
  writeFileSync(join(dir, name), content);
  return name;
}

function answer(route: string, status: number, body?: unknown): void {
  stub.routes.set(route, body === undefined ? { status } : { status, body });
}

function sent(): { method: string; url: string; json?: unknown; contentType?: string | undefined }[] {
  return stub.requests.map((r) => ({ method: r.method, url: r.url, ...(r.body === '' ? {} : { json: JSON.parse(r.body), contentType: r.contentType }) }));
}

const INFO = { name: 'orders', config: { 'connector.class': 'file-sink', file: 'data/out.jsonl', name: 'orders' }, tasks: [{ connector: 'orders', task: 0 }], type: 'sink' };
const STATUS = {
  name: 'orders',
  type: 'sink',
  connector: { state: 'RUNNING', worker_id: 'w1' },
  tasks: [
    { id: 0, state: 'RUNNING', worker_id: 'w1' },
    { id: 1, state: 'FAILED', worker_id: 'w1', trace: 'Error: disk full\n    at put (sink.ts:1)' },
  ],
};

describe('tributary connectors', () => {
  it('connectors list sends GET /connectors?expand=status and prints a table', async () => {
    answer('GET /connectors', 200, { orders: { status: STATUS }, gen: { status: { ...STATUS, name: 'gen', type: 'source', tasks: [] } } });
    const r = await run(['connectors', 'list']);
    expect(r.code).toBe(0);
    expect(sent()).toEqual([{ method: 'GET', url: '/connectors?expand=status' }]);
    const lines = r.out.trim().split('\n');
    expect(lines[0]).toMatch(/^NAME\s+TYPE\s+STATE\s+TASKS$/);
    expect(lines[1]).toMatch(/^gen\s+source\s+RUNNING\s+-$/);
    expect(lines[2]).toMatch(/^orders\s+sink\s+RUNNING\s+1 RUNNING, 1 FAILED$/);
  });

  it('connectors list --json prints the server JSON', async () => {
    const body = { orders: { status: STATUS } };
    answer('GET /connectors', 200, body);
    const r = await run(['connectors', 'list', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toEqual(body);
  });

  it('connectors list with none says so', async () => {
    answer('GET /connectors', 200, {});
    expect((await run(['connectors', 'list'])).out).toBe('No connectors.\n');
  });

  it('connectors get URL-encodes the name and prints config', async () => {
    answer('GET /connectors/my%20conn%2Fx', 200, { ...INFO, name: 'my conn/x' });
    const r = await run(['connectors', 'get', 'my conn/x']);
    expect(r.code).toBe(0);
    expect(sent()).toEqual([{ method: 'GET', url: '/connectors/my%20conn%2Fx' }]);
    expect(r.out).toMatch(/Connector:\s+my conn\/x/);
    expect(r.out).toMatch(/connector\.class\s+file-sink/);
  });

  it('connectors create key=value sends POST /connectors with string values exactly as typed', async () => {
    answer('POST /connectors', 201, INFO);
    const r = await run(['connectors', 'create', 'orders', 'connector.class=file-sink', 'tasks.max=2', 'file=data/a b.jsonl', 'transforms.x.spec={"a": 1}', 'query=a=b&c=d', 'empty=']);
    expect(r.code).toBe(0);
    expect(sent()).toEqual([{
      method: 'POST', url: '/connectors', contentType: 'application/json',
      json: { name: 'orders', config: { 'connector.class': 'file-sink', 'tasks.max': '2', file: 'data/a b.jsonl', 'transforms.x.spec': '{"a": 1}', query: 'a=b&c=d', empty: '' } },
    }]);
    expect(r.out).toBe('Created connector orders (sink).\n');
  });

  it('connectors create --file with a flat JSON map turns numbers and booleans into strings', async () => {
    answer('POST /connectors', 201, INFO);
    const f = file('flat.json', JSON.stringify({ 'connector.class': 'file-source', 'tasks.max': 3, 'follow': true }));
    const r = await run(['connectors', 'create', 'src', '--file', f]);
    expect(r.code).toBe(0);
    expect(sent()[0]!.json).toEqual({ name: 'src', config: { 'connector.class': 'file-source', 'tasks.max': '3', follow: 'true' } });
  });

  it('connectors create --file accepts what connectors get --json prints, and key=value overrides it', async () => {
    answer('POST /connectors', 201, INFO);
    const f = file('info.json', JSON.stringify(INFO));
    const r = await run(['connectors', 'create', 'orders', '-f', f, 'file=data/other.jsonl']);
    expect(r.code).toBe(0);
    expect(sent()[0]!.json).toEqual({ name: 'orders', config: { 'connector.class': 'file-sink', file: 'data/other.jsonl', name: 'orders' } });
  });

  it('connectors create --file reads .properties and .conf files as Java properties', async () => {
    answer('POST /connectors', 201, INFO);
    const props = file('c.properties', '# sink\nconnector.class = file-sink\nconnect.topicnames: a;b\nfile=data/x \\\n  y.jsonl\n');
    const conf = file('c.conf', 'connector.class=file-source\n');
    expect((await run(['connectors', 'create', 'p', '--file', props])).code).toBe(0);
    expect((await run(['connectors', 'create', 'c', '--file', conf])).code).toBe(0);
    expect(sent().map((s) => s.json)).toEqual([
      { name: 'p', config: { 'connector.class': 'file-sink', 'connect.topicnames': 'a;b', file: 'data/x y.jsonl' } },
      { name: 'c', config: { 'connector.class': 'file-source' } },
    ]);
  });

  it('connectors create --initial-state sends initial_state', async () => {
    answer('POST /connectors', 201, INFO);
    await run(['connectors', 'create', 'orders', 'connector.class=file-sink', '--initial-state', 'PAUSED']);
    expect(sent()[0]!.json).toEqual({ name: 'orders', config: { 'connector.class': 'file-sink' }, initial_state: 'PAUSED' });
  });

  it('connectors create input problems are usage errors (exit 2) and send nothing', async () => {
    const mismatch = file('named.json', JSON.stringify({ name: 'other', config: { a: '1' } }));
    const dup = file('dup.properties', 'a=1\na=2\n');
    const bad = file('bad.json', '{not json');
    const nested = file('nested.json', JSON.stringify({ a: { b: 1 } }));
    const cases: [string[], RegExp][] = [
      [['connectors', 'create', 'orders'], /no config given/],
      [['connectors', 'create', 'orders', 'novalue'], /"novalue" is not key=value/],
      [['connectors', 'create', 'orders', 'a=1', 'a=2'], /key a is given twice/],
      [['connectors', 'create', 'orders', '--file', mismatch], /names connector "other"/],
      [['connectors', 'create', 'orders', '--file', dup], /line 1 and line 2/],
      [['connectors', 'create', 'orders', '--file', bad], /not valid JSON/],
      [['connectors', 'create', 'orders', '--file', nested], /value of a must be a string/],
      [['connectors', 'create', 'orders', '--file', 'missing.json'], /cannot read missing\.json \(ENOENT\)/],
      [['connectors', 'create', 'orders', 'name=x'], /differs from the connector name/],
    ];
    for (const [argv, message] of cases) {
      const r = await run(argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.err, argv.join(' ')).toMatch(message);
      expect(r.out).toBe('');
    }
    expect(stub.requests).toEqual([]);
  });

  it('connectors update sends PUT /connectors/<name>/config with the whole config, --merge sends PATCH', async () => {
    answer('PUT /connectors/orders/config', 200, INFO);
    answer('PATCH /connectors/orders/config', 200, INFO);
    const r1 = await run(['connectors', 'update', 'orders', 'connector.class=file-sink', 'file=data/b.jsonl']);
    const r2 = await run(['connectors', 'update', 'orders', 'tasks.max=4', '--merge']);
    expect([r1.code, r2.code]).toEqual([0, 0]);
    expect(sent()).toEqual([
      { method: 'PUT', url: '/connectors/orders/config', contentType: 'application/json', json: { 'connector.class': 'file-sink', file: 'data/b.jsonl' } },
      { method: 'PATCH', url: '/connectors/orders/config', contentType: 'application/json', json: { 'tasks.max': '4' } },
    ]);
    expect(r1.out).toBe('Updated connector orders.\n');
  });

  it('connectors update answered 201 reports a creation', async () => {
    answer('PUT /connectors/orders/config', 201, INFO);
    expect((await run(['connectors', 'update', 'orders', 'a=b'])).out).toBe('Created connector orders.\n');
  });

  it('connectors delete, pause, resume, stop send DELETE and PUTs without body', async () => {
    answer('DELETE /connectors/orders', 204);
    answer('PUT /connectors/orders/pause', 202);
    answer('PUT /connectors/orders/resume', 202);
    answer('PUT /connectors/orders/stop', 202);
    const outs: string[] = [];
    for (const verb of ['delete', 'pause', 'resume', 'stop']) {
      const r = await run(['connectors', verb, 'orders']);
      expect(r.code, verb).toBe(0);
      outs.push(r.out.trim());
    }
    expect(sent()).toEqual([
      { method: 'DELETE', url: '/connectors/orders' },
      { method: 'PUT', url: '/connectors/orders/pause' },
      { method: 'PUT', url: '/connectors/orders/resume' },
      { method: 'PUT', url: '/connectors/orders/stop' },
    ]);
    expect(outs).toEqual(['Deleted connector orders.', 'Paused connector orders.', 'Resumed connector orders.', 'Stopped connector orders.']);
  });

  it('connectors pause --json with an empty answer prints nothing', async () => {
    answer('PUT /connectors/orders/pause', 202);
    const r = await run(['connectors', 'pause', 'orders', '--json']);
    expect(r).toEqual({ code: 0, out: '', err: '' });
  });

  it('connectors restart sends includeTasks and onlyFailed explicitly', async () => {
    answer('POST /connectors/orders/restart?includeTasks=false&onlyFailed=false', 204);
    answer('POST /connectors/orders/restart?includeTasks=true&onlyFailed=true', 202, STATUS);
    const plain = await run(['connectors', 'restart', 'orders']);
    const full = await run(['connectors', 'restart', 'orders', '--include-tasks', '--only-failed']);
    expect(sent()).toEqual([
      { method: 'POST', url: '/connectors/orders/restart?includeTasks=false&onlyFailed=false' },
      { method: 'POST', url: '/connectors/orders/restart?includeTasks=true&onlyFailed=true' },
    ]);
    expect(plain.out).toBe('Restarted connector orders.\n');
    expect(full.out).toContain('Restarting connector orders.');
    expect(full.out).toMatch(/1\s+FAILED\s+w1\s+Error: disk full/);
  });

  it('connectors status prints connector and task states with traces', async () => {
    answer('GET /connectors/orders/status', 200, STATUS);
    const r = await run(['connectors', 'status', 'orders']);
    expect(r.code).toBe(0);
    expect(sent()).toEqual([{ method: 'GET', url: '/connectors/orders/status' }]);
    expect(r.out).toMatch(/State:\s+RUNNING/);
    expect(r.out).toMatch(/^TASK\s+STATE\s+WORKER\s+ERROR$/m);
    expect(r.out).toMatch(/^0\s+RUNNING\s+w1$/m);
    expect(r.out).toContain('Task 1 trace:\n  Error: disk full\n      at put (sink.ts:1)');
  });
});

describe('tributary tasks, plugins, offsets, cluster', () => {
  it('tasks restart sends POST /connectors/<name>/tasks/<id>/restart', async () => {
    answer('POST /connectors/orders/tasks/1/restart', 204);
    const r = await run(['tasks', 'restart', 'orders', '1']);
    expect(r.code).toBe(0);
    expect(sent()).toEqual([{ method: 'POST', url: '/connectors/orders/tasks/1/restart' }]);
    expect(r.out).toBe('Restarted task 1 of connector orders.\n');
  });

  it('tasks restart with a non-numeric id is a usage error', async () => {
    const r = await run(['tasks', 'restart', 'orders', 'one']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('task id "one" is not a number');
    expect(stub.requests).toEqual([]);
  });

  it('tasks list and tasks status send GETs', async () => {
    answer('GET /connectors/orders/tasks', 200, [{ id: { connector: 'orders', task: 0 }, config: { file: 'data/x' } }]);
    answer('GET /connectors/orders/tasks/1/status', 200, STATUS.tasks[1]);
    const list = await run(['tasks', 'list', 'orders']);
    const status = await run(['tasks', 'status', 'orders', '1']);
    expect(sent()).toEqual([{ method: 'GET', url: '/connectors/orders/tasks' }, { method: 'GET', url: '/connectors/orders/tasks/1/status' }]);
    expect(list.out).toMatch(/Task 0\n\s+KEY\s+VALUE\n\s+file\s+data\/x/);
    expect(status.out).toMatch(/State:\s+FAILED/);
    expect(status.out).toContain('Error: disk full');
  });

  it('plugins list sends GET /connector-plugins?connectorsOnly=true', async () => {
    answer('GET /connector-plugins', 200, [{ class: 'file-sink', type: 'sink', version: '0.1.0', aliases: ['FileSink'] }]);
    const r = await run(['plugins', 'list']);
    expect(sent()).toEqual([{ method: 'GET', url: '/connector-plugins?connectorsOnly=true' }]);
    expect(r.out).toMatch(/^CLASS\s+TYPE\s+VERSION\s+ALIASES\nfile-sink\s+sink\s+0\.1\.0\s+FileSink\n$/);
  });

  it('plugins reload sends POST /plugin/reload and lists load errors', async () => {
    answer('POST /plugin/reload', 200, { status: 200, body: [{ class: 'file-sink' }], errors: [{ location: '/p/broken', message: 'manifest missing\nmore' }] });
    const r = await run(['plugins', 'reload']);
    expect(r.code).toBe(0);
    expect(sent()).toEqual([{ method: 'POST', url: '/plugin/reload' }]);
    expect(r.out).toContain('Reloaded: 1 plugin(s) loaded.');
    expect(r.out).toMatch(/\/p\/broken\s+manifest missing\n$/);
  });

  it('offsets get, reset and set send GET, DELETE and PATCH with the file', async () => {
    const offsets = { offsets: [{ partition: { file: 'data/in.txt' }, offset: { position: 42 } }] };
    answer('GET /connectors/src/offsets', 200, offsets);
    answer('DELETE /connectors/src/offsets', 200, { message: 'The offsets for this connector have been reset successfully' });
    answer('PATCH /connectors/src/offsets', 200, { message: 'The offsets for this connector have been altered successfully' });
    const f = file('offsets.json', JSON.stringify(offsets));
    const bare = file('bare.json', JSON.stringify(offsets.offsets));
    const get = await run(['offsets', 'get', 'src']);
    const reset = await run(['offsets', 'reset', 'src']);
    const set = await run(['offsets', 'set', 'src', '--file', f]);
    const setBare = await run(['offsets', 'set', 'src', '--file', bare]);
    expect([get.code, reset.code, set.code, setBare.code]).toEqual([0, 0, 0, 0]);
    expect(sent()).toEqual([
      { method: 'GET', url: '/connectors/src/offsets' },
      { method: 'DELETE', url: '/connectors/src/offsets' },
      { method: 'PATCH', url: '/connectors/src/offsets', contentType: 'application/json', json: offsets },
      { method: 'PATCH', url: '/connectors/src/offsets', contentType: 'application/json', json: offsets },
    ]);
    expect(get.out).toMatch(/^PARTITION\s+OFFSET\n\{"file":"data\/in.txt"\}\s+\{"position":42\}\n$/);
    expect(reset.out).toBe('The offsets for this connector have been reset successfully\n');
    expect(set.out).toBe('The offsets for this connector have been altered successfully\n');
  });

  it('offsets set without --file or with a malformed file is a usage error', async () => {
    const bad = file('bad-offsets.json', JSON.stringify({ offsets: [{ offset: 1 }] }));
    const r1 = await run(['offsets', 'set', 'src']);
    const r2 = await run(['offsets', 'set', 'src', '--file', bad]);
    expect([r1.code, r2.code]).toEqual([2, 2]);
    expect(r1.err).toContain('needs --file');
    expect(r2.err).toContain('offsets[0] needs a "partition" object');
    expect(stub.requests).toEqual([]);
  });

  it('cluster sends GET /getClusterInfo and unwraps the RocketMQ envelope', async () => {
    answer('GET /getClusterInfo', 200, { status: 200, body: [{ workerId: 'standalone-worker', url: 'http://127.0.0.1:8082', startedAt: 0, version: '0.1.0', transport: 'embedded' }] });
    const r = await run(['cluster']);
    expect(sent()).toEqual([{ method: 'GET', url: '/getClusterInfo' }]);
    expect(r.out).toMatch(/^WORKER\s+URL\s+TRANSPORT\s+VERSION\s+STARTED\nstandalone-worker\s+http:\/\/127\.0\.0\.1:8082\s+embedded\s+0\.1\.0\s+1970-01-01T00:00:00\.000Z\n$/);
  });
});

describe('tributary errors and exit codes', () => {
  it('tributary server error prints the server message to stderr and exits 1', async () => {
    answer('GET /connectors/nope', 404, { error_code: 404, message: 'Connector nope not found', code: 'NOT_FOUND' });
    const r = await run(['connectors', 'get', 'nope']);
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.err).toBe('error (HTTP 404, NOT_FOUND): Connector nope not found\n');
  });

  it('tributary invalid config lists the field errors', async () => {
    answer('POST /connectors', 400, { error_code: 400, message: 'Invalid connector "x"', code: 'CONFIG_INVALID', errors: [{ name: 'file', message: 'missing required key' }] });
    const r = await run(['connectors', 'create', 'x', 'connector.class=file-sink']);
    expect(r.code).toBe(1);
    expect(r.err).toBe('error (HTTP 400, CONFIG_INVALID): Invalid connector "x"\n  file: missing required key\n');
  });

  it('tributary server error with --json prints the server JSON to stderr', async () => {
    const body = { error_code: 409, message: 'Connector orders already exists' };
    answer('POST /connectors', 409, body);
    const r = await run(['connectors', 'create', 'orders', 'a=b', '--json']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.err)).toEqual(body);
  });

  it('tributary non-JSON error body is shown as text', async () => {
    answer('GET /connectors/x/status', 502, 'Bad Gateway');
    const r = await run(['connectors', 'status', 'x']);
    expect(r.code).toBe(1);
    expect(r.err).toBe('error (HTTP 502): Bad Gateway\n');
  });

  it('tributary unreachable worker exits 3 naming the URL and scripts/run_worker.sh', async () => {
    const url = await deadUrl();
    const r = await run(['connectors', 'list'], { url });
    expect(r.code).toBe(3);
    expect(r.err).toContain(`cannot reach the Tributary worker at ${url}`);
    expect(r.err).toContain('ECONNREFUSED');
    expect(r.err).toContain('scripts/run_worker.sh');
  });

  it('tributary worker that does not answer within --timeout exits 3', async () => {
    const code = await main(['connectors', 'list', '--timeout', '30'], {
      stdout: { write: () => true },
      stderr: { write: (s: string) => void expect(s).toContain('no answer within 30 ms') },
      env: {},
      fetch: (_input, init) => new Promise<Response>((_resolve, reject) => init.signal?.addEventListener('abort', () => reject(init.signal?.reason))),
    });
    expect(code).toBe(3);
  });

  it('tributary --url wins over TRIBUTARY_URL, which wins over the default', async () => {
    answer('GET /connectors', 200, {});
    const dead = await deadUrl();
    expect((await run(['connectors', 'list', '--url', stub.url], { env: { TRIBUTARY_URL: dead } })).code).toBe(0);
    expect((await run(['connectors', 'list'], { env: { TRIBUTARY_URL: stub.url } })).code).toBe(0);
    const fallback = await main(['cluster'], {
      stdout: { write: () => true }, stderr: { write: () => true }, env: {},
      fetch: async (input) => { expect(input).toBe(`${DEFAULT_WORKER_URL}/getClusterInfo`); return new Response('{"status":200,"body":[]}', { status: 200 }); },
    });
    expect(fallback).toBe(0);
  });

  it('tributary worker URL with a path prefix keeps it', async () => {
    const seen: string[] = [];
    const code = await main(['connectors', 'get', 'a'], {
      stdout: { write: () => true }, stderr: { write: () => true }, env: { TRIBUTARY_URL: 'https://proxy.example/tributary/' },
      fetch: async (input) => { seen.push(input); return new Response(JSON.stringify(INFO), { status: 200 }); },
    });
    expect(code).toBe(0);
    expect(seen).toEqual(['https://proxy.example/tributary/connectors/a']);
  });

  it('tributary usage errors exit 2 and send nothing', async () => {
    const cases: [string[], RegExp][] = [
      [['bogus'], /unknown command "bogus"/],
      [['connectors', 'frobnicate', 'x'], /unknown command "connectors frobnicate"/],
      [['connectors'], /connectors needs a command/],
      [['connectors', 'get'], /missing argument: tributary connectors get <name>/],
      [['connectors', 'get', 'a', 'b'], /unexpected argument "b"/],
      [['connectors', 'list', '--bogus'], /Unknown option '--bogus'/],
      [['connectors', 'list', '--file', 'x'], /option --file does not apply to "tributary connectors list"/],
      [['connectors', 'list', '--url', 'ftp://x'], /is not an http:\/\/ or https:\/\/ URL/],
      [['connectors', 'list', '--timeout', 'soon'], /--timeout soon is not a positive number/],
    ];
    for (const [argv, message] of cases) {
      const r = await run(argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.err, argv.join(' ')).toMatch(message);
      expect(r.err, argv.join(' ')).toMatch(/Run tributary .*--help/);
    }
    expect(stub.requests).toEqual([]);
  });

  it('tributary without arguments prints help to stderr and exits 2; --help prints it to stdout', async () => {
    const bare = await run([]);
    expect(bare.code).toBe(2);
    expect(bare.err).toContain('Usage: tributary <command>');
    const help = await run(['--help']);
    expect(help.code).toBe(0);
    expect(help.out).toContain('connectors create <name> [key=value ...]');
    expect(help.out).toContain('Exit codes: 0 success, 1 the worker answered with an error, 2 usage error, 3 the worker cannot be reached.');
    const group = await run(['offsets', '-h']);
    expect(group.code).toBe(0);
    expect(group.out).toContain('offsets set <name> --file <offsets.json>');
    expect(group.out).not.toContain('connectors list');
  });

  it('tributary --help works for every command, sends nothing', async () => {
    for (const c of defaultCommands()) {
      const r = await run([...c.path, '--help']);
      expect(r.code, c.path.join(' ')).toBe(0);
      expect(r.out, c.path.join(' ')).toContain(`Usage: tributary ${c.path.join(' ')}`);
      for (const name of Object.keys(c.options ?? {})) expect(r.out).toContain(`--${name}`);
    }
    expect(stub.requests).toEqual([]);
  });
});
