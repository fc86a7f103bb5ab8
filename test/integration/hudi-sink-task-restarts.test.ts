// A real worker runs order-generator → hudi-sink (GLOBAL_BLOOM, statuses as partitions, so keys move,
// small base files so each partition holds many file groups) while the sink's task is restarted again
// and again. taskShutdownTimeoutMs is tiny, so every restart gives up waiting for a commit in flight:
// the task instance being replaced keeps writing while its successor opens the table. Whatever the
// timing, the table read by DuckDB (latest committed slices) and by hudi-rs must equal the oracle
// computed from the generated stream, with one row per key.
import { copyFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { OrderSequence } from '../../plugins/generator/order-sequence';
import { parseOrderGeneratorConfig } from '../../plugins/generator/order-generator';
import { oracle } from '../helpers/hudi-oracle';
import { REPORT_TABLE_KEYS } from '../helpers/lost-update-report';
import { consumedByTable, duckdbRows, latestSliceFiles } from '../helpers/hudi-files';
import { hudiRsSnapshot, readersAvailable } from '../helpers/table-readers';
import { REPO, api, startWorker, until, workerDir, writeConf, type WorkerHandle } from '../helpers/worker-process';

const running: WorkerHandle[] = [];
afterAll(async () => {
  for (const w of running) if (w.child.exitCode === null) await w.kill('SIGKILL');
});

const RECORDS = 2400;

function project(rows: Record<string, unknown>[]): string[] {
  return rows.map((r) => `${String(r['orderId'])}|${String(r['orderStatus'])}|${Number(r['version'])}`).sort();
}

it('restarting the sink task while commits are in flight loses no update and resurrects no delete', { timeout: 120_000 }, async () => {
  const dir = workerDir('hudi-restarts-');
  const w = await startWorker(dir, writeConf(dir, { taskShutdownTimeoutMs: '20' }));
  running.push(w);
  const generator = {
    'connector.class': 'order-generator',
    'connect.topicname': 'orders',
    'max.records': String(RECORDS),
    rate: '400',
    seed: '11',
    'update.ratio': '0.4',
    'delete.ratio': '0.1',
    'order.window': '300',
  };
  expect((await api(w.url, 'POST', '/connectors', { name: 'gen', config: generator })).status).toBe(201);
  const table = path.join(dir, 'data', 'orders');
  const sink = {
    'connector.class': 'hudi-sink',
    'connect.topicnames': 'orders',
    tablePath: 'data/orders',
    tableName: 'orders',
    schemaPath: 'data/orders.avsc',
    ...REPORT_TABLE_KEYS,
    // Small bloom filters keep the test fast; the file groups stay many and small.
    'hoodie.index.bloom.num_entries': '200',
    'hoodie.bloom.index.filter.dynamic.max.entries': '800',
    'hoodie.copyonwrite.record.size.estimate': '2048',
    'commit.interval.ms': '150',
  };
  copyFileSync(path.join(REPO, 'schemas', 'order-generator.avsc'), path.join(dir, 'data', 'orders.avsc'));
  const created = await api(w.url, 'POST', '/connectors', { name: 'lake', config: sink });
  expect(created.status, JSON.stringify(created.body)).toBe(201);

  // Restart the sink's task while the stream flows: each restart abandons the instance in flight.
  await until('the first commit', () => existsSync(path.join(table, '.hoodie')) && consumedByTable(table) > 0, 30_000);
  let restarts = 0;
  while (consumedByTable(table) < RECORDS && restarts < 12) {
    await new Promise((r) => setTimeout(r, 500));
    const res = await api(w.url, 'POST', '/connectors/lake/tasks/0/restart');
    expect(res.status).toBeLessThan(300);
    restarts++;
  }
  await until(`the table's commits covering all ${RECORDS} records`, () => consumedByTable(table) >= RECORDS, 90_000);
  expect(restarts).toBeGreaterThanOrEqual(4);
  // The condition under test happened: a restart found a commit in flight and did not wait for it.
  expect(w.logs.filter((l) => l.includes('did not stop within taskShutdownTimeoutMs')).length, 'restarts that found the task busy').toBeGreaterThan(0);

  const seq = new OrderSequence(parseOrderGeneratorConfig(generator).sequence);
  const events = Array.from({ length: RECORDS }, (_, n) => seq.event(n).value);
  const want = project([...oracle(events.map((v) => ({ key: v.orderId, ordering: v.version, isDelete: v._hoodie_is_deleted, row: { ...v } }))).values()]);
  const duck = project(await duckdbRows(latestSliceFiles(table)));
  expect(new Set(duck.map((r) => r.split('|')[0])).size, 'one row per key (DuckDB)').toBe(duck.length);
  expect(duck, 'DuckDB on the latest committed slices').toEqual(want);
  await readersAvailable();
  expect(project(await hudiRsSnapshot(table)), 'hudi-rs snapshot').toEqual(want);
});
