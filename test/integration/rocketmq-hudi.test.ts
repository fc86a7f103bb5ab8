// Workers on the RocketMQ transport (namesrvAddr set) against a real RocketMQ:
//  1. the seed's order JSON, produced by rocketmq-client-nodejs through the proxy as any application would,
//     → hudi-sink → the table equals the oracle, read by DuckDB and by hudi-rs;
//  2. robustness: on a private broker (so the shared one stays up for other test files) the broker is
//     killed with SIGKILL during ingest and started again, then the worker itself is killed and restarted.
//     The worker reconnects by itself and never exits; an insert-only table (no upsert to hide duplicates)
//     ends with every event exactly once, thanks to the offset ranges in each commit.
import { copyFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Producer } from 'rocketmq-client-nodejs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OrderSequence } from '../../plugins/generator/order-sequence';
import { createLogger } from '../../runtime/observability/logger';
import { FilePositionStore } from '../../runtime/stores/file-position-store';
import { RocketMQTransport } from '../../runtime/transport/rocketmq/rocketmq-transport';
import { consumedByTable, duckdbRows, latestSliceFiles } from '../helpers/hudi-files';
import { oracle } from '../helpers/hudi-oracle';
import { acquireBroker, privateInstance, releaseBroker, rocketmqAt, uniqueName, type BrokerEnv } from '../helpers/rocketmq-broker';
import { hudiRsSnapshot, readersAvailable } from '../helpers/table-readers';
import { REPO, api, startWorker, until, workerDir, writeConf, type WorkerHandle } from '../helpers/worker-process';

const LEASE = `rocketmq-hudi-test-${process.pid}`;
const PRIVATE = privateInstance('restart', 19876);
const quiet = { info() {}, debug() {}, warn() {}, error() {}, close() {} } as never;
const running: WorkerHandle[] = [];
let shared: BrokerEnv;

beforeAll(async () => {
  [shared] = await Promise.all([acquireBroker(LEASE), readersAvailable()]);
}, 900_000);

afterAll(async () => {
  for (const w of running) if (w.child.exitCode === null) await w.kill('SIGKILL');
  await releaseBroker(LEASE);
}, 120_000);


/** A cell as text: numbers plainly, timestamps (as each reader renders them) as epoch milliseconds. */
function cell(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number' || typeof v === 'bigint') return String(Number(v));
  if (v instanceof Date) return String(v.getTime());
  const s = String(v);
  if (/^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}/.test(s)) {
    const ms = Date.parse(s.replace(' ', 'T').replace(/\+00(:00)?$/, 'Z'));
    if (Number.isFinite(ms)) return String(ms);
  }
  return s;
}

function byKey(rows: Record<string, unknown>[], fields: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const r of rows) {
    const key = String(r['_hoodie_record_key']);
    expect(out[key], `duplicate row for key ${key}`).toBeUndefined();
    out[key] = fields.map((f) => cell(r[f])).join('|');
  }
  return out;
}

function rocketmqWorker(dir: string, namesrv: string): string {
  return writeConf(dir, { namesrvAddr: namesrv, queuesPerTopic: '4', workerId: uniqueName('w') });
}

describe('RocketMQ transport end to end', () => {
  it('order JSON produced through the proxy → hudi-sink: the table equals the oracle in DuckDB and hudi-rs', async () => {
    const topic = uniqueName('orders');
    const N = 3000;
    const seq = new OrderSequence({ seed: 7, updateRatio: 0.3, deleteRatio: 0.1, window: 50, startTimestampMs: Date.UTC(2026, 0, 1), eventIntervalMs: 1000, orderIdPrefix: 'O' });
    const events = Array.from({ length: N }, (_, n) => seq.event(n));

    await rocketmqAt({}, 'topic', topic, '4', 'FIFO');
    const dir = workerDir('rmq-hudi-');
    copyFileSync(path.join(REPO, 'schemas', 'order-generator.avsc'), path.join(dir, 'data', 'order.avsc'));
    const w = await startWorker(dir, rocketmqWorker(dir, shared.namesrv));
    running.push(w);
    // The worker creates the topic (queuesPerTopic) when the sink starts; produce only once it exists.
    const created = await api(w.url, 'POST', '/connectors', {
      name: 'orders-lake',
      config: {
        'connector.class': 'hudi-sink',
        topicNames: topic,
        tablePath: 'data/orders',
        tableName: 'orders',
        schemaPath: 'data/order.avsc',
        'hoodie.datasource.write.recordkey.field': 'orderId',
        'hoodie.datasource.write.precombine.field': 'version',
        'hoodie.datasource.write.partitionpath.field': 'orderStatus',
        'hoodie.index.type': 'GLOBAL_BLOOM',
        'commit.interval.ms': '500',
      },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    await until('sink task running', async () => (await api(w.url, 'GET', '/connectors/orders-lake/status')).body?.tasks?.[0]?.state === 'RUNNING', 60_000);

    // Per-key order needs per-key queue affinity: a FIFO topic with the order id as message group, as an
    // application producing an order's changes would do. (Round-robin queues could deliver an order's delete
    // before its insert; Hudi, with no tombstones, would then keep the insert.)
    const producer = new Producer({ endpoints: shared.proxy, namespace: '', topics: [topic], logger: quiet });
    await producer.startup();
    try {
      for (const e of events) await producer.send({ topic, tag: e.op, keys: [e.value.orderId], messageGroup: e.value.orderId, body: Buffer.from(JSON.stringify(e.value)) } as never);
    } finally {
      await producer.shutdown();
    }

    const table = path.join(dir, 'data', 'orders');
    await until(`table consumed all ${N} messages`, () => consumedByTable(table) >= N, 120_000);
    expect(consumedByTable(table)).toBe(N);

    const want = oracle(events.map((e) => ({ key: e.value.orderId, ordering: e.value.version, isDelete: e.value._hoodie_is_deleted, row: { ...e.value } })));
    const fields = ['orderId', 'orderStatus', 'userPhoneNo', 'prodId', 'prodName', 'chargeMoney', 'chargeTime', 'finishTime', 'version'];
    const expected: Record<string, string> = {};
    for (const [k, r] of want) expected[k] = fields.map((f) => cell(r[f])).join('|');
    expect(Object.keys(expected).length).toBeGreaterThan(1000);
    expect(Object.keys(expected).length).toBeLessThan(N);

    expect(byKey(await duckdbRows(latestSliceFiles(table)), fields), 'DuckDB on the latest committed slices').toEqual(expected);
    expect(byKey(await hudiRsSnapshot(table), fields), 'hudi-rs snapshot').toEqual(expected);

    // The sink's group offsets are on the broker, and only up to what the table holds.
    const offsets = (await api(w.url, 'GET', '/connectors/orders-lake/offsets')).body.offsets as { partition: { topic: string; queue: string }; offset: { offset: number } }[];
    expect(offsets.map((o) => o.partition.queue).sort()).toEqual(['broker-a:0', 'broker-a:1', 'broker-a:2', 'broker-a:3']);
    expect(offsets.reduce((n, o) => n + o.offset.offset, 0)).toBe(N);
    expect(await w.kill('SIGTERM')).toBe(0);
  }, 600_000);

  it('broker killed and restarted during ingest, then the worker killed: it reconnects, nothing lost, no duplicate in an insert-only table', async () => {
    const broker = await acquireBroker(LEASE, PRIVATE);
    try {
      const topic = uniqueName('events');
      const logger = createLogger({ level: 'error', name: 'producer' });
      const positions = new FilePositionStore({ dir: workerDir('rmq-producer-') });
      await positions.load();
      const producer = new RocketMQTransport({ namesrvAddrs: [broker.namesrv], queuesPerTopic: 4, producerGroup: 'test-producer', positions, logger });
      await producer.ensureTopic(topic);
      const body = (i: number) => Buffer.from(JSON.stringify({ id: `e${i}`, region: ['eu', 'us', 'ap'][i % 3], amount: i, ver: 1, _hoodie_is_deleted: false }));
      const produce = async (from: number, to: number) => {
        for (let i = from; i < to; i += 250) {
          const batch = [];
          for (let j = i; j < Math.min(to, i + 250); j++) batch.push({ key: `e${j}`, body: body(j), headers: {}, timestamp: Date.now() });
          await producer.send(topic, batch);
        }
      };
      await produce(0, 4000);

      const dir = workerDir('rmq-restart-');
      writeFileSync(
        path.join(dir, 'data', 'event.avsc'),
        JSON.stringify({ type: 'record', name: 'Event', fields: [{ name: 'id', type: 'string' }, { name: 'region', type: 'string' }, { name: 'amount', type: 'long' }, { name: 'ver', type: 'long' }, { name: '_hoodie_is_deleted', type: 'boolean', default: false }] }),
      );
      const conf = rocketmqWorker(dir, broker.namesrv);
      let w = await startWorker(dir, conf);
      running.push(w);
      const table = path.join(dir, 'data', 'events');
      const created = await api(w.url, 'POST', '/connectors', {
        name: 'events-lake',
        config: {
          'connector.class': 'hudi-sink',
          topicNames: topic,
          tablePath: 'data/events',
          tableName: 'events',
          schemaPath: 'data/event.avsc',
          'hoodie.datasource.write.operation': 'insert',
          'hoodie.datasource.write.recordkey.field': 'id',
          'hoodie.datasource.write.precombine.field': 'ver',
          'hoodie.datasource.write.partitionpath.field': 'region',
          'commit.interval.ms': '300',
          'commit.max.records': '500',
        },
      });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      await until('ingest under way', () => consumedByTable(table) >= 500, 120_000);

      // Crash the broker and the proxy mid-ingest; the worker keeps running and retries.
      await rocketmqAt(PRIVATE, 'stop', '--kill', 'broker', 'proxy');
      await new Promise((r) => setTimeout(r, 3000));
      expect(w.child.exitCode, 'worker still running while the broker is down').toBeNull();
      await rocketmqAt(PRIVATE, 'start', '--lease', LEASE);
      await produce(4000, 6000);
      await until('ingest resumed after the broker restart', () => consumedByTable(table) >= 6000, 120_000);
      const brokerAddr = broker.env['ROCKETMQ_BROKER_ADDR']!;
      expect(w.logs.some((l) => l.includes('"level":"warn"') && l.includes(brokerAddr)), `the worker saw the outage of ${brokerAddr}; its log:\n${w.logs.slice(-40).join('\n')}`).toBe(true);
      expect(w.child.exitCode).toBeNull();
      const status = (await api(w.url, 'GET', '/connectors/events-lake/status')).body;
      expect(status.tasks[0].state, JSON.stringify(status)).toBe('RUNNING');

      // Now the worker crashes too, while more arrives: the restarted task resumes from the table's ranges.
      await w.kill('SIGKILL');
      await produce(6000, 7000);
      w = await startWorker(dir, conf);
      running.push(w);
      await until('all 7000 events committed', () => consumedByTable(table) >= 7000, 180_000);
      expect(consumedByTable(table)).toBe(7000);

      const rows = await duckdbRows(latestSliceFiles(table));
      const ids = rows.map((r) => String(r['id']));
      expect(new Set(ids).size, 'no duplicate rows').toBe(ids.length);
      expect(ids.length).toBe(7000);
      expect(new Set(ids)).toEqual(new Set(Array.from({ length: 7000 }, (_, i) => `e${i}`)));
      expect((await hudiRsSnapshot(table)).length).toBe(7000);
      expect(await w.kill('SIGTERM')).toBe(0);
      await producer.close();
    } finally {
      await releaseBroker(LEASE, PRIVATE);
    }
  }, 900_000);
});
