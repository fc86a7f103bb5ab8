// Distributed mode against the real broker: two workers share their state through RocketMQ store topics
// (fresh names per run). A connector created through one worker is visible from both, the units are dealt
// over both workers, a worker killed with SIGKILL has its tasks running on the survivor within 30 s, a
// worker that joins again takes a share, and the table written across all of it equals the oracle.
import { copyFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OrderSequence } from '../../plugins/generator/order-sequence';
import { parseOrderGeneratorConfig } from '../../plugins/generator/order-generator';
import { consumedByTable, duckdbRows, latestSliceFiles } from '../helpers/hudi-files';
import { oracle } from '../helpers/hudi-oracle';
import { acquireBroker, releaseBroker, uniqueName, type BrokerEnv } from '../helpers/rocketmq-broker';
import { REPO, api, startWorker, until, workerDir, type WorkerHandle } from '../helpers/worker-process';
import { RocketMQCluster } from '../../runtime/transport/rocketmq/rocketmq-cluster';

const LEASE = `rocketmq-distributed-test-${process.pid}`;
const running: WorkerHandle[] = [];
let broker: BrokerEnv;

beforeAll(async () => {
  broker = await acquireBroker(LEASE);
}, 600_000);

afterAll(async () => {
  for (const w of running) if (w.child.exitCode === null) await w.kill('SIGKILL');
  await releaseBroker(LEASE);
}, 120_000);


interface Status {
  connector: { state: string; worker_id: string };
  tasks: { id: number; state: string; worker_id: string }[];
}

async function status(w: WorkerHandle, name: string): Promise<Status> {
  return (await api(w.url, 'GET', `/connectors/${name}/status`)).body as Status;
}

describe('distributed workers over RocketMQ store topics', () => {
  it('share configs and status, split the work, survive a SIGKILL of one worker, and let it rejoin', async () => {
    const dir = workerDir('rmq-dist-');
    copyFileSync(path.join(REPO, 'schemas', 'order-generator.avsc'), path.join(dir, 'data', 'order.avsc'));
    const cluster = uniqueName('c');
    const conf = (id: string): string => {
      const file = path.join(dir, `${id}.conf`);
      const keys: Record<string, string> = {
        workerId: id,
        mode: 'distributed',
        namesrvAddr: broker.namesrv,
        storePathRootDir: `data/store-${id}`,
        httpPort: '0',
        allowedRoots: 'data',
        offsetCommitIntervalMs: '300',
        configStoreTopic: `${cluster}-config`,
        statusStoreTopic: `${cluster}-status`,
        positionStoreTopic: `${cluster}-position`,
        clusterStoreTopic: `${cluster}-cluster`,
        heartbeatIntervalMs: '1000',
        workerTimeoutMs: '5000',
      };
      writeFileSync(file, Object.entries(keys).map(([k, v]) => `${k}=${v}`).join('\n') + '\n');
      return file;
    };
    const a = await startWorker(dir, conf('worker-a'));
    running.push(a);
    let b = await startWorker(dir, conf('worker-b'));
    running.push(b);

    const clusterInfo = async (w: WorkerHandle): Promise<string[]> => ((await api(w.url, 'GET', '/getClusterInfo')).body.body as { workerId: string }[]).map((x) => x.workerId);
    await until('both workers see each other', async () => (await clusterInfo(a)).length === 2 && (await clusterInfo(b)).length === 2, 30_000);
    expect(await clusterInfo(b)).toEqual(['worker-a', 'worker-b']);

    const N = 6000;
    const topic = uniqueName('orders');
    const genConfig = { 'connector.class': 'order-generator', 'connect.topicname': topic, 'max.records': String(N), rate: '400', seed: '11' };
    // Created through worker B; the sink through worker A.
    expect((await api(b.url, 'POST', '/connectors', { name: 'gen', config: genConfig })).status).toBe(201);
    const created = await api(a.url, 'POST', '/connectors', {
      name: 'lake',
      config: {
        'connector.class': 'hudi-sink',
        topicNames: topic,
        tablePath: path.join(dir, 'data', 'orders'),
        tableName: 'orders',
        schemaPath: path.join(dir, 'data', 'order.avsc'),
        'hoodie.datasource.write.recordkey.field': 'orderId',
        'hoodie.datasource.write.precombine.field': 'version',
        'hoodie.datasource.write.partitionpath.field': 'orderStatus',
        'hoodie.index.type': 'GLOBAL_BLOOM',
        'commit.interval.ms': '500',
      },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);

    // Visible from both; the four units (two connectors, two tasks) are dealt over both workers.
    for (const w of [a, b]) expect(((await api(w.url, 'GET', '/connectors')).body as string[]).sort()).toEqual(['gen', 'lake']);
    await until('all units running', async () => {
      const all = [await status(a, 'gen'), await status(a, 'lake')];
      return all.every((s) => s.connector.state === 'RUNNING' && s.tasks.length === 1 && s.tasks[0]!.state === 'RUNNING');
    }, 60_000);
    const owners = async (w: WorkerHandle): Promise<string[]> => {
      const [g, l] = [await status(w, 'gen'), await status(w, 'lake')];
      return [g.connector.worker_id, g.tasks[0]!.worker_id, l.connector.worker_id, l.tasks[0]!.worker_id];
    };
    expect(await owners(a)).toEqual(['worker-a', 'worker-b', 'worker-a', 'worker-b']);
    expect(await owners(b)).toEqual(await owners(a));

    // Kill worker B mid-run: its tasks (the generator's and the sink's) run on A within 30 s.
    const table = path.join(dir, 'data', 'orders');
    await until('ingest under way', () => consumedByTable(table) >= 500, 60_000);
    expect(consumedByTable(table)).toBeLessThan(N);
    await b.kill('SIGKILL');
    const killedAt = Date.now();
    await until('B\'s tasks running on A', async () => (await owners(a)).every((o) => o === 'worker-a') && (await status(a, 'lake')).tasks[0]!.state === 'RUNNING' && (await status(a, 'gen')).tasks[0]!.state === 'RUNNING', 30_000);
    const failover = Date.now() - killedAt;
    expect(failover).toBeLessThan(30_000);
    expect(await clusterInfo(a)).toEqual(['worker-a']);

    // B joins again and takes its share.
    b = await startWorker(dir, conf('worker-b'));
    running.push(b);
    await until('B runs its share again', async () => (await owners(a)).filter((o) => o === 'worker-b').length === 2, 30_000);

    // The generator is at-least-once across the failover (records sent, position not yet stored, are sent
    // again), so wait for its last position, then for the table to have consumed everything in the topic.
    await until('generator done', async () => ((await api(a.url, 'GET', '/connectors/gen/offsets')).body.offsets as { offset: { seq: number } }[]).some((o) => o.offset.seq === N), 240_000);
    const rmq = new RocketMQCluster({ namesrvAddrs: [broker.namesrv] });
    let total = 0;
    for (const q of (await rmq.readQueues(topic)) ?? []) total += await rmq.maxOffset(q);
    rmq.close();
    expect(total).toBeGreaterThanOrEqual(N);
    try {
      await until(`table consumed all ${total} messages`, () => consumedByTable(table) >= total, 240_000);
    } catch (err) {
      const dump = (w: WorkerHandle, n: string) => `--- ${n}\n${w.logs.filter((l) => !l.includes('"level":"debug"')).slice(-60).join('\n')}`;
      throw new Error(`${(err as Error).message}; consumed ${consumedByTable(table)}; status ${JSON.stringify(await status(a, 'lake'))}\n${dump(a, 'worker-a')}\n${dump(b, 'worker-b')}`);
    }
    const settings = parseOrderGeneratorConfig(genConfig);
    const seq = new OrderSequence(settings.sequence);
    const events = Array.from({ length: N }, (_, n) => seq.event(n).value);
    const want = oracle(events.map((e) => ({ key: e.orderId, ordering: e.version, isDelete: e._hoodie_is_deleted, row: { ...e } })));
    const rows = await duckdbRows(latestSliceFiles(table));
    const got = new Map<string, number>();
    for (const r of rows) {
      expect(got.has(String(r['orderId'])), `duplicate key ${String(r['orderId'])}`).toBe(false);
      got.set(String(r['orderId']), Number(r['version']));
    }
    expect(Object.fromEntries(got)).toEqual(Object.fromEntries([...want].map(([k, v]) => [k, Number(v['version'])])));
    console.log(`distributed: failover took ${failover} ms; ${rows.length} current orders from ${N} events (${total - N} re-sent after the failover)`);
    for (const w of [a, b]) expect(await w.kill('SIGTERM')).toBe(0);
  }, 600_000);
});
