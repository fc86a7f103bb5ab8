// rocketmq-source and rocketmq-sink in real workers (scripts/run_worker.sh, embedded transport) against a real
// RocketMQ 5 (scripts/rocketmq.sh, shared through a lease). Messages are produced and checked with
// rocketmq-client-nodejs directly, not through the plugin's client module, so the check is independent of it.
//  (a) topic → rocketmq-source → file-sink: exactly the produced bodies, headers and positions as documented;
//      after a clean stop more messages are produced, and the restarted worker delivers only those, also once
//      the invisible duration has passed (so every earlier message really was acknowledged).
//  (b) file-source → rocketmq-sink: tag and keys from fields, bodies intact, offsets committed for all records.
//  (c) the proxy becomes unreachable: the sink's failed sends surface as retriable errors naming the topic, and a
//      worker with both connectors still stops promptly and cleanly.
//  (d) the plugin's client module (plugins/rocketmq/client) in a bare Node process, where nothing calls
//      process.exit: closed clients leave no timer or stream behind, whatever happened before the close (proxy
//      cut, failed start, a start whose settings never come, a pending receive); a redelivery is recognised as
//      one from its receipt handle.
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import Database from 'better-sqlite3';
import { Producer, SimpleConsumer, type MessageView } from 'rocketmq-client-nodejs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runProbe } from '../helpers/client-probe';
import { parseEnv, rocketmqAt } from '../helpers/rocketmq-broker';

const rocketmq = async (...args: string[]): Promise<string> => (await rocketmqAt({}, ...args)).stdout;
import { REPO, api, startWorker, until, workerDir, writeConf, type WorkerHandle } from '../helpers/worker-process';

const LEASE = `rocketmq-connectors-test-${process.pid}`;
const RUN_ID = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e4).toString(36)}`;

let endpoints: string;
const workers: WorkerHandle[] = [];
const clientLog: string[] = [];

// The client's default logger writes to ~/logs/rocketmq; keep its complaints for failure messages instead.
const logger = {
  info: () => undefined,
  debug: () => undefined,
  warn: (...a: unknown[]) => void clientLog.push(`warn ${a.map(String).join(' ')}`),
  error: (...a: unknown[]) => void clientLog.push(`error ${a.map(String).join(' ')}`),
  close: () => undefined,
};

async function createTopic(label: string, queues: number): Promise<string> {
  const topic = `it_conn_${label}_${RUN_ID}`;
  await rocketmq('topic', topic, String(queues));
  return topic;
}

async function started<T extends Producer | SimpleConsumer>(client: T): Promise<T> {
  try {
    await client.startup();
  } catch (err) {
    await client.shutdown().catch(() => undefined); // a failed startup still holds a timer
    throw err;
  }
  return client;
}

async function produce(topic: string, messages: { body: string; tag: string; keys: string[]; properties: Record<string, string> }[]): Promise<string[]> {
  const producer = await started(new Producer({ endpoints, namespace: '', logger, topics: [topic] }));
  try {
    const ids: string[] = [];
    for (const m of messages) ids.push((await producer.send({ topic, tag: m.tag, keys: m.keys, properties: new Map(Object.entries(m.properties)), body: Buffer.from(m.body) })).messageId);
    return ids;
  } finally {
    await producer.shutdown();
  }
}

/** Receives (and acknowledges) until `want` distinct messages arrived, then a further long poll for stragglers. */
async function consumeAll(topic: string, group: string, want: number, deadlineMs = 90_000): Promise<MessageView[]> {
  const consumer = await started(new SimpleConsumer({ endpoints, namespace: '', logger, consumerGroup: group, subscriptions: new Map([[topic, '*']]), awaitDuration: 5_000 }));
  const received: MessageView[] = [];
  try {
    const deadline = Date.now() + deadlineMs;
    while (new Set(received.map((m) => m.messageId)).size < want && Date.now() < deadline) {
      for (const m of await consumer.receive(32, 30_000)) {
        received.push(m);
        await consumer.ack(m);
      }
    }
    for (const m of await consumer.receive(32, 30_000)) {
      received.push(m);
      await consumer.ack(m);
    }
  } finally {
    await consumer.shutdown();
  }
  return received;
}

function jsonLines(file: string): unknown[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').filter((l) => l.length > 0).map((l) => JSON.parse(l) as unknown);
}

async function worker(prefix: string): Promise<{ w: WorkerHandle; dir: string }> {
  const dir = workerDir(prefix);
  writeConf(dir);
  const w = await startWorker(dir);
  workers.push(w);
  return { w, dir };
}

async function create(w: WorkerHandle, name: string, config: Record<string, string>): Promise<void> {
  const res = await api(w.url, 'POST', '/connectors', { name, config });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
}

async function taskState(w: WorkerHandle, name: string): Promise<{ state?: string; trace?: string }> {
  return ((await api(w.url, 'GET', `/connectors/${name}/status`)).body?.tasks?.[0] ?? {}) as { state?: string; trace?: string };
}

/** Messages of one embedded-transport topic as the runtime stored them (the file sink shows only values). */
function storedMessages(dir: string, topic: string): { key: string | null; headers: Record<string, string>; timestamp: number; body: string }[] {
  const db = new Database(path.join(dir, 'data', 'store', 'transport.db'), { readonly: true, fileMustExist: true });
  try {
    const rows = db.prepare('SELECT "key", body, headers, timestamp FROM messages WHERE topic = ?').all(topic) as { key: string | null; body: Buffer; headers: string; timestamp: number }[];
    return rows.map((r) => ({ key: r.key, headers: JSON.parse(r.headers) as Record<string, string>, timestamp: r.timestamp, body: r.body.toString('utf8') }));
  } finally {
    db.close();
  }
}

/** A TCP forwarder in front of the proxy that the test can cut: the proxy becomes unreachable for the clients
 *  that dialled it (the proxy runs with useEndpointPortFromRequest, so routes keep pointing at the forwarder). */
async function forwarder(): Promise<{ endpoints: string; cut(): void }> {
  const sockets = new Set<net.Socket>();
  const [host, port] = endpoints.split(':');
  const server = net.createServer((c) => {
    const u = net.connect(Number(port), host);
    const drop = (): void => {
      c.destroy();
      u.destroy();
    };
    for (const s of [c, u]) {
      sockets.add(s);
      s.on('error', drop);
      s.on('close', drop);
    }
    c.pipe(u);
    u.pipe(c);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoints: `127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    cut() {
      server.close();
      for (const s of sockets) s.destroy();
    },
  };
}

beforeAll(async () => {
  let env = parseEnv(await rocketmq('start', '--lease', LEASE));
  if (!env.ROCKETMQ_PROXY_ENDPOINTS) env = parseEnv(await rocketmq('env'));
  endpoints = env.ROCKETMQ_PROXY_ENDPOINTS!;
  expect(endpoints).toMatch(/^127\.0\.0\.1:\d+$/);
}, 600_000);

afterAll(async () => {
  for (const w of workers) if (w.child.exitCode === null) await w.kill('SIGKILL');
  await rocketmq('stop', '--lease', LEASE);
}, 120_000);

describe('rocketmq-source and rocketmq-sink in a real worker against a real broker', () => {
  it('rocketmq-source → file-sink delivers each message once with its headers; after a restart only new messages arrive', async () => {
    const topic = await createTopic('src', 4);
    const group = `it_conn_group_${RUN_ID}`;
    const n = 40;
    const m = 10;
    const batch = (from: number, to: number) =>
      Array.from({ length: to - from }, (_, k) => {
        const i = from + k;
        return { body: JSON.stringify({ seq: i, note: `grüße ✓ ${i}` }), tag: i % 2 === 0 ? 'created' : 'paid', keys: [`order-${i}`, `customer-${i % 3}`], properties: { seq: String(i), source: 'it' } };
      });
    const firstIds = await produce(topic, batch(0, n));

    const { w: w1, dir } = await worker('rmq-src-');
    const source = {
      'connector.class': 'RocketMQSourceConnector',
      'rocketmq.endpoints': endpoints,
      'rocketmq.topic': topic,
      'rocketmq.consumer.group': group,
      'rocketmq.invisible.duration.ms': '10000',
      'connect.topicname': 'from-rmq',
      'value.converter': 'bytes',
    };
    await create(w1, 'rmq-in', source);
    await create(w1, 'file-out', { 'connector.class': 'file-sink', file: 'data/out.jsonl', 'connect.topicnames': 'from-rmq', 'value.converter': 'json' });
    const out = path.join(dir, 'data', 'out.jsonl');
    await until(`${n} lines in the file (client log: ${clientLog.slice(-5).join(' | ')})`, () => jsonLines(out).length >= n, 90_000);

    // Positions per {topic, queue}: the REST offsets of the source name the RocketMQ queues.
    const offsets = (await api(w1.url, 'GET', '/connectors/rmq-in/offsets')).body.offsets as { partition: { topic: string; queue: string }; offset: { offset: number } }[];
    expect(offsets.map((o) => o.partition.topic)).toEqual(offsets.map(() => topic));
    expect(offsets.map((o) => o.partition.queue).sort()).toEqual(['broker-a:0', 'broker-a:1', 'broker-a:2', 'broker-a:3']);

    expect(await w1.kill('SIGTERM')).toBe(0);
    const first = jsonLines(out) as { seq: number; note: string }[];
    expect(first.map((v) => v.seq).sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i));
    expect(first).toHaveLength(n); // no duplicates
    for (const v of first) expect(v.note).toBe(`grüße ✓ ${v.seq}`);

    // What the runtime stored for each record (the file sink writes values only): key, headers, timestamp.
    const stored = storedMessages(dir, 'from-rmq');
    expect(stored).toHaveLength(n);
    const perQueue = new Map<string, number[]>();
    for (const s of stored) {
      const seq = (JSON.parse(s.body) as { seq: number }).seq;
      const h = s.headers;
      expect(s.key).toBe(`order-${seq}`);
      expect(h).toMatchObject({ seq: String(seq), source: 'it', 'rocketmq.tag': seq % 2 === 0 ? 'created' : 'paid', 'rocketmq.keys': `order-${seq},customer-${seq % 3}`, 'rocketmq.message.id': firstIds[seq], 'rocketmq.delivery.attempt': '1' });
      expect(h['rocketmq.queue']).toMatch(/^broker-a:[0-3]$/);
      expect(Number(h['rocketmq.born.timestamp'])).toBe(s.timestamp);
      expect(Math.abs(s.timestamp - Date.now())).toBeLessThan(10 * 60_000);
      perQueue.set(h['rocketmq.queue']!, [...(perQueue.get(h['rocketmq.queue']!) ?? []), Number(h['rocketmq.offset'])]);
    }
    // Offsets per queue run 0..k-1: every queue position is distinct and nothing is missing.
    for (const offs of perQueue.values()) expect(offs.sort((a, b) => a - b)).toEqual(offs.map((_, k) => k));

    // Produced while the worker is down: only these may arrive after the restart.
    await new Promise((r) => setTimeout(r, 1_000));
    await produce(topic, batch(n, n + m));
    const w2 = await startWorker(dir);
    workers.push(w2);
    await until(`${n + m} lines after the restart`, () => jsonLines(out).length >= n + m, 90_000);
    // Wait past the invisible duration: a message that had not been acknowledged would be delivered again now.
    await new Promise((r) => setTimeout(r, 13_000));
    const all = jsonLines(out) as { seq: number }[];
    expect(all.slice(0, n)).toEqual(first);
    expect(all.slice(n).map((v) => v.seq).sort((a, b) => a - b)).toEqual(Array.from({ length: m }, (_, i) => n + i));
    expect(all).toHaveLength(n + m);
    expect((await taskState(w2, 'rmq-in')).state).toBe('RUNNING');
    expect(await w2.kill('SIGTERM')).toBe(0);
  }, 300_000);

  it('file-source → rocketmq-sink sends every record with tag and keys from its fields', async () => {
    const topic = await createTopic('sink', 2);
    const { w, dir } = await worker('rmq-sink-');
    const secret = `it-secret-${RUN_ID}`;
    const k = 30;
    const inputs = Array.from({ length: k }, (_, i) => ({ id: i, kind: i % 3 === 0 ? 'refund' : 'payment', customer: { id: `c-${i % 4}` }, amount: i * 1.5, note: 'ü✓' }));
    writeFileSync(path.join(dir, 'data', 'in.jsonl'), inputs.map((v) => JSON.stringify(v)).join('\n') + '\n');
    await create(w, 'lines', { 'connector.class': 'file-source', file: 'data/in.jsonl', format: 'jsonl', 'connect.topicname': 'to-rmq' });
    await create(w, 'rmq-out', {
      'connector.class': 'RocketMQSinkConnector',
      'connect.topicnames': 'to-rmq',
      'rocketmq.endpoints': endpoints,
      'rocketmq.topic': topic,
      'rocketmq.tag.field': 'kind',
      'rocketmq.keys.field': 'customer.id',
      // The test broker has no ACL, so any credentials pass; what matters here is that the secret never shows.
      'rocketmq.access.key': 'it-access',
      'rocketmq.secret.key': secret,
    });
    const received = await consumeAll(topic, `it_conn_verify_${RUN_ID}`, k);
    const bodies = received.map((m) => JSON.parse(m.body.toString('utf8')) as (typeof inputs)[number]);
    expect(bodies.map((b) => b.id).sort((a, b) => a - b)).toEqual(inputs.map((v) => v.id));
    expect(new Set(received.map((m) => m.messageId)).size).toBe(received.length);
    for (const [i, m] of received.entries()) {
      const input = inputs[bodies[i]!.id]!;
      expect(bodies[i]).toEqual(input);
      expect(m.tag).toBe(input.kind);
      expect(m.keys).toEqual([input.customer.id]);
    }
    // Offsets committed for every record the sink sent.
    await until('sink offsets cover every record', async () => {
      const offs = (await api(w.url, 'GET', '/connectors/rmq-out/offsets')).body.offsets as { offset: { offset: number } }[];
      return offs.reduce((s, o) => s + o.offset.offset, 0) === k;
    });
    // The secret key is nowhere in REST output (config, connector info, task configs, status) or the log.
    const rest = await Promise.all(['/connectors/rmq-out/config', '/connectors/rmq-out', '/connectors/rmq-out/tasks', '/connectors/rmq-out/status', '/connectors?expand=info&expand=status'].map((p) => api(w.url, 'GET', p)));
    expect((rest[0]!.body as Record<string, string>)['rocketmq.secret.key']).toBe('[hidden]');
    for (const r of rest) expect(JSON.stringify(r.body)).not.toContain(secret);
    expect(await w.kill('SIGTERM')).toBe(0);
    expect(w.logs.join('\n')).not.toContain(secret);
  }, 180_000);

  it('with the proxy unreachable the sink reports retriable send errors naming the topic, and the worker still stops promptly', async () => {
    const inTopic = await createTopic('down_in', 2);
    const outTopic = await createTopic('down_out', 2);
    const f = await forwarder();
    const { w, dir } = await worker('rmq-down-');
    const input = path.join(dir, 'data', 'in.txt');
    writeFileSync(input, 'before-1\nbefore-2\n');
    await create(w, 'rmq-in', { 'connector.class': 'rocketmq-source', 'rocketmq.endpoints': f.endpoints, 'rocketmq.topic': inTopic, 'connect.topicname': 'dn', 'value.converter': 'bytes' });
    await create(w, 'lines', { 'connector.class': 'file-source', file: 'data/in.txt', 'connect.topicname': 'to-rmq', 'value.converter': 'string' });
    await create(w, 'rmq-out', { 'connector.class': 'rocketmq-sink', 'connect.topicnames': 'to-rmq', 'value.converter': 'string', 'rocketmq.endpoints': f.endpoints, 'rocketmq.topic': outTopic, 'rocketmq.tag': 'line' });
    const before = await consumeAll(outTopic, `it_conn_down_${RUN_ID}`, 2);
    expect(before.map((m) => m.body.toString()).sort()).toEqual(['before-1', 'before-2']);
    expect((await taskState(w, 'rmq-in')).state).toBe('RUNNING');

    f.cut();
    appendFileSync(input, 'after-1\n');
    const retried = await until('a retriable send error in the log', () => w.logs.find((l) => l.includes('retriable error') && l.includes(`to RocketMQ topic ${outTopic}`)), 60_000);
    expect(retried).toMatch(/sending 1 record\(s\) to RocketMQ topic it_conn_down_out_\w+ at 127\.0\.0\.1:\d+ failed/);

    // A task that hangs in stop is abandoned after taskShutdownTimeoutMs with this log line; none may be.
    expect(await w.kill('SIGTERM')).toBe(0);
    expect(w.logs.filter((l) => l.includes('did not stop within taskShutdownTimeoutMs'))).toEqual([]);
  }, 180_000);
});

/** Runs `body` in a child Node process with the compiled client module loaded as `clients` (see test/helpers/client-probe.ts). */
function runChild(body: string, aliveAfterMs = 2_500): Promise<Array<Record<string, unknown>>> {
  const module = path.join(REPO, 'dist', 'plugins', 'rocketmq', 'client', 'rocketmq-clients.js');
  const prelude = `
    const { rocketmqClients } = require(${JSON.stringify(module)});
    const clients = rocketmqClients();
    const logger = { debug() {}, info() {}, warn() {}, error() {}, child() { return logger; } };`;
  return runProbe({ endpoints, prelude, body, aliveAfterMs });
}

const names = (events: Array<Record<string, unknown>>) => events.map((e) => e.event);

describe('plugins/rocketmq/client against a real broker: nothing is left running after close', () => {
  it('producer and consumer closed just after the proxy became unreachable let the process exit by itself', async () => {
    const topic = await createTopic('close', 1);
    const events = await runChild(`
      const f = await forwarder();
      const p = await clients.startProducer({ endpoints: f.endpoints, requestTimeoutMs: 3000, logger, topics: [${JSON.stringify(topic)}] });
      const c = await clients.startSimpleConsumer({ endpoints: f.endpoints, requestTimeoutMs: 3000, logger, group: ${JSON.stringify(`it_conn_close_${RUN_ID}`)}, topic: ${JSON.stringify(topic)}, tagExpression: '*' });
      await p.send({ topic: ${JSON.stringify(topic)}, body: Buffer.from('x') });
      f.cut();
      await sleep(200); // the telemetry streams break, and the client schedules their re-creation
      await Promise.all([p.close(), c.close()]);
      out('closed');
      armWatchdog();
    `);
    expect(names(events)).toEqual(['closed', 'exited-by-itself']);
  }, 60_000);

  it('a start that fails (unknown topic) closes its client, so the process exits by itself', async () => {
    const events = await runChild(`
      await clients.startProducer({ endpoints, requestTimeoutMs: 3000, logger, topics: ['NoSuchTopic_it_conn'] })
        .then(() => out('started'), (e) => out('start-failed', { message: e.message }));
      armWatchdog();
    `);
    expect(names(events)).toEqual(['start-failed', 'exited-by-itself']);
    expect(String(events[0]!.message)).toMatch(/^starting the RocketMQ producer for topic\(s\) NoSuchTopic_it_conn at 127\.0\.0\.1:\d+ failed: .*No topic route info in name server for the topic: NoSuchTopic_it_conn/);
  }, 60_000);

  it('a start whose settings never arrive is abandoned after its deadline and its client closed', async () => {
    // Simulates a proxy that answers route lookups but never sends the settings command startup() waits for.
    const events = await runChild(`
      const { BaseClient } = require('rocketmq-client-nodejs');
      BaseClient.prototype.onSettingsCommand = function () {};
      const t0 = Date.now();
      await clients.startProducer({ endpoints, requestTimeoutMs: 1000, logger, topics: ['TributaryPing'] })
        .then(() => out('started'), (e) => out('start-failed', { message: e.message, afterMs: Date.now() - t0 }));
      armWatchdog();
    `);
    expect(names(events)).toEqual(['start-failed', 'exited-by-itself']);
    expect(String(events[0]!.message)).toContain('startup did not finish within 10000 ms');
  }, 60_000);

  it('a message not acknowledged is delivered again from the retry topic, and its receipt handle says so', async () => {
    const topic = await createTopic('redeliver', 1);
    const events = await runChild(`
      const p = await clients.startProducer({ endpoints, requestTimeoutMs: 3000, logger, topics: [${JSON.stringify(topic)}] });
      await p.send({ topic: ${JSON.stringify(topic)}, body: Buffer.from('again'), keys: ['k1'], properties: { u: '1' } });
      await p.close();
      const c = await clients.startSimpleConsumer({ endpoints, requestTimeoutMs: 3000, logger, group: ${JSON.stringify(`it_conn_redeliver_${RUN_ID}`)}, topic: ${JSON.stringify(topic)}, tagExpression: '*' });
      const deadline = Date.now() + 40000;
      const seen = [];
      while (seen.length < 2 && Date.now() < deadline) {
        for (const m of await c.receive(8, 10000)) {
          seen.push(m);
          out('received', { id: m.messageId, topic: m.topic, attempt: m.deliveryAttempt, position: m.position, properties: m.properties });
          if (seen.length === 2) await c.ack(m); // the first stays unacknowledged: RocketMQ delivers it again
        }
      }
      await c.close();
      armWatchdog();
    `, 8_000);
    expect(names(events)).toEqual(['received', 'received', 'exited-by-itself']);
    const [first, again] = events as Array<{ id: string; topic: string; attempt: number; position: { retry: boolean; queueId: number; offset: number }; properties: Record<string, string> }>;
    expect(again!.id).toBe(first!.id);
    expect(again!.topic).toBe(topic);
    expect(again!.properties).toEqual({ u: '1' });
    expect([first!.attempt, again!.attempt]).toEqual([1, 2]);
    expect(first!.position).toEqual({ brokerName: 'broker-a', queueId: 0, offset: 0, retry: false });
    expect(again!.position.retry).toBe(true);
  }, 90_000);

  it('close with a receive pending resolves it with [] at once, and a receive after close does not reach the proxy', async () => {
    const topic = await createTopic('pending', 1);
    // The abandoned long poll (5 s) still runs to its end in the background; after that the process must exit.
    const events = await runChild(`
      const c = await clients.startSimpleConsumer({ endpoints, requestTimeoutMs: 3000, logger, group: ${JSON.stringify(`it_conn_pending_${RUN_ID}`)}, topic: ${JSON.stringify(topic)}, tagExpression: '*' });
      let settled;
      const pending = c.receive(1, 10000).then((ms) => (settled = 'resolved:' + ms.length), (e) => (settled = 'rejected:' + e.message));
      await sleep(300);
      await c.close();
      await sleep(50);
      out('after-close', { settled });
      await pending;
      const again = await c.receive(1, 10000).then((ms) => 'resolved:' + ms.length, (e) => 'rejected:' + e.message);
      out('receive-after-close', { result: again });
      armWatchdog();
    `, 12_000);
    expect(events).toEqual([{ event: 'after-close', settled: 'resolved:0' }, { event: 'receive-after-close', result: 'resolved:0' }, { event: 'exited-by-itself' }]);
  }, 60_000);
});
