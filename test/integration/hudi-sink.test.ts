// A real worker runs file-source (JSON lines) → hudi-sink. Phase by phase, the table read back by
// DuckDB (the latest committed slices, chosen from file names and .commit files alone) and by our own
// reader must equal the oracle computed from the input lines: inserts, out-of-order upserts, deletes
// and re-inserts across several partitions, a schema evolution mid-stream, and a crash injected after
// the data files of a commit were written but before it completed.
import { execFileSync } from 'node:child_process';
import { appendFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { oracle, type OracleInput } from '../helpers/hudi-oracle';
import { completedCommits, consumedByTable, duckdbRows, latestSliceFiles } from '../helpers/hudi-files';
import { hudiRsSnapshot, readersAvailable, rowsOf, sparkRead } from '../helpers/table-readers';
import { REPO, api, startWorker, until, workerDir, writeConf, type WorkerHandle } from '../helpers/worker-process';

const running: WorkerHandle[] = [];
afterAll(async () => {
  for (const w of running) if (w.child.exitCode === null) await w.kill('SIGKILL');
});

interface Rec {
  id: string;
  region: string;
  amount: number;
  ver: number;
  _hoodie_is_deleted: boolean;
  note?: string | null;
}

const FIELDS_V1 = [
  { name: 'id', type: 'string' },
  { name: 'region', type: 'string' },
  { name: 'amount', type: 'double' },
  { name: 'ver', type: 'long' },
  { name: '_hoodie_is_deleted', type: 'boolean', default: false },
];
const SCHEMA_V1 = { type: 'record', name: 'Payment', namespace: 'test', fields: FIELDS_V1 };
const SCHEMA_V2 = { ...SCHEMA_V1, fields: [...FIELDS_V1, { name: 'note', type: ['null', 'string'], default: null }] };


function expected(inputs: Rec[]): Map<string, Record<string, unknown>> {
  const o: OracleInput[] = inputs.map((r) => ({ key: r.id, ordering: r.ver, isDelete: r._hoodie_is_deleted, row: { ...r } }));
  return oracle(o);
}

function project(rows: Record<string, unknown>[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const r of rows) {
    const key = String(r['_hoodie_record_key']);
    expect(out[key], `duplicate key ${key}`).toBeUndefined();
    out[key] = `${r['id']}|${r['region']}|${Number(r['amount'])}|${Number(r['ver'])}|${r['note'] ?? ''}`;
  }
  return out;
}

function projectOracle(m: Map<string, Record<string, unknown>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, r] of m) out[k] = `${r['id']}|${r['region']}|${Number(r['amount'])}|${Number(r['ver'])}|${r['note'] ?? ''}`;
  return out;
}

describe('hudi-sink against an oracle', () => {
  it('inserts, out-of-order upserts, deletes and re-inserts, schema evolution and a crash mid-commit', async () => {
    const dir = workerDir('hudi-');
    const conf = writeConf(dir, { embeddedQueuesPerTopic: '1' });
    const data = path.join(dir, 'data');
    writeFileSync(path.join(data, 'v1.avsc'), JSON.stringify(SCHEMA_V1));
    writeFileSync(path.join(data, 'v2.avsc'), JSON.stringify(SCHEMA_V2));
    const input = path.join(data, 'in.jsonl');
    const table = path.join(data, 'payments');
    writeFileSync(input, '');
    const all: Rec[] = [];
    const append = (recs: Rec[]) => {
      all.push(...recs);
      appendFileSync(input, recs.map((r) => JSON.stringify(r)).join('\n') + '\n');
    };
    const sinkConfig = (schema: string) => ({
      'connector.class': 'org.apache.rocketmq.connect.hudi.connector.HudiSinkConnector',
      topicNames: 'pay',
      tablePath: 'data/payments',
      tableName: 'payments',
      schemaPath: `data/${schema}`,
      'hoodie.datasource.write.recordkey.field': 'id',
      'hoodie.datasource.write.precombine.field': 'ver',
      'hoodie.datasource.write.partitionpath.field': 'region',
      'commit.interval.ms': '200',
      'hoodie.clean.commits.retained': '3',
      insertShuffleParallelism: '2',
      upsertShuffleParallelism: '2',
    });
    const check = async (phase: string) => {
      await until(`${phase}: commit covering ${all.length} records`, () => consumedByTable(table) >= all.length, 60_000);
      const want = projectOracle(expected(all));
      const viaDuck = project(await duckdbRows(latestSliceFiles(table)));
      expect(viaDuck, `${phase}: DuckDB on the latest slices`).toEqual(want);
      return want;
    };

    let w = await startWorker(dir, conf);
    running.push(w);
    expect((await api(w.url, 'POST', '/connectors', { name: 'src', config: { 'connector.class': 'file-source', file: 'data/in.jsonl', format: 'jsonl', 'connect.topicname': 'pay' } })).status).toBe(201);
    const created = await api(w.url, 'POST', '/connectors', { name: 'lake', config: sinkConfig('v1.avsc') });
    expect(created.status, JSON.stringify(created.body)).toBe(201);

    const regions = ['eu', 'us', 'ap'];
    // 1. inserts only
    append(Array.from({ length: 300 }, (_, i) => ({ id: `k${i}`, region: regions[i % 3]!, amount: i, ver: 1, _hoodie_is_deleted: false })));
    await check('inserts');
    // 2. upserts, with older versions arriving after newer ones (they must lose)
    append(Array.from({ length: 100 }, (_, i) => ({ id: `k${i}`, region: regions[i % 3]!, amount: 1000 + i, ver: 5, _hoodie_is_deleted: false })));
    append(Array.from({ length: 100 }, (_, i) => ({ id: `k${i}`, region: regions[i % 3]!, amount: 2000 + i, ver: 3, _hoodie_is_deleted: false })));
    append(Array.from({ length: 50 }, (_, i) => ({ id: `k${100 + i}`, region: regions[(100 + i) % 3]!, amount: 3000 + i, ver: 2, _hoodie_is_deleted: false })));
    await check('out-of-order upserts');
    // 3. deletes, then re-inserts of half of them
    append(Array.from({ length: 50 }, (_, i) => ({ id: `k${150 + i}`, region: regions[(150 + i) % 3]!, amount: 0, ver: 10, _hoodie_is_deleted: true })));
    await check('deletes');
    append(Array.from({ length: 25 }, (_, i) => ({ id: `k${150 + i}`, region: regions[(150 + i) % 3]!, amount: 4000 + i, ver: 11, _hoodie_is_deleted: false })));
    await check('re-inserts');
    // 4. schema evolution: a nullable field is added; older rows read it as null
    expect((await api(w.url, 'PUT', '/connectors/lake/config', sinkConfig('v2.avsc'))).status).toBe(200);
    append(Array.from({ length: 50 }, (_, i) => ({ id: `k${200 + i}`, region: regions[(200 + i) % 3]!, amount: 5000 + i, ver: 20, _hoodie_is_deleted: false, note: `n${i}` })));
    await check('schema evolution');

    // 5. a crash after the data files of a commit are written, before the commit completes
    expect(await w.kill('SIGTERM')).toBe(0);
    const before = projectOracle(expected(all));
    w = await startWorker(dir, conf, { TRIBUTARY_HUDI_CRASH_AT: 'after-data-files' });
    running.push(w);
    append(Array.from({ length: 50 }, (_, i) => ({ id: `k${250 + i}`, region: regions[(250 + i) % 3]!, amount: 6000 + i, ver: 30, _hoodie_is_deleted: false, note: null })));
    expect(await w.exited).toBe('SIGKILL');
    const hoodie = readdirSync(path.join(table, '.hoodie'));
    const pendingInstants = hoodie.filter((f) => /^\d{17}\.inflight$/.test(f) && !hoodie.includes(`${f.slice(0, 17)}.commit`));
    expect(pendingInstants.length, 'the killed commit is left inflight').toBe(1);
    // A reader that honours the timeline sees the table as it was before the unfinished commit.
    expect(project(await duckdbRows(latestSliceFiles(table)))).toEqual(before);
    await readersAvailable();
    expect(project(await hudiRsSnapshot(table)), 'hudi-rs before the rollback').toEqual(before);
    const [sparkBefore] = await sparkRead(table, [{ type: 'snapshot' }]);
    expect(project(rowsOf(sparkBefore!)), 'Spark before the rollback').toEqual(before);

    w = await startWorker(dir, conf);
    running.push(w);
    const after = await check('after crash and rollback');
    expect(Object.keys(after)).toHaveLength(expected(all).size);
    const rollbacks = readdirSync(path.join(table, '.hoodie')).filter((f) => /^\d{17}\.rollback$/.test(f));
    expect(rollbacks.length).toBe(1);
    expect(readdirSync(path.join(table, '.hoodie')).filter((f) => f === `${pendingInstants[0]!.slice(0, 17)}.inflight`)).toEqual([]);
    // Cleaning ran: at most `retained` + 1 slices per file group remain.
    expect(readdirSync(path.join(table, '.hoodie')).some((f) => /^\d{17}\.clean$/.test(f))).toBe(true);
    expect(await w.kill('SIGTERM')).toBe(0);
    // Independent engines agree, over the evolved schema and after the rollback.
    expect(project(await hudiRsSnapshot(table)), 'hudi-rs snapshot').toEqual(after);
    const [spark] = await sparkRead(table, [{ type: 'snapshot' }]);
    expect(project(rowsOf(spark!)), 'Spark snapshot').toEqual(after);
    // `tributary table` reads the same snapshot, and its timeline lists the rollback.
    const cli = (...args: string[]) => execFileSync(path.join(REPO, 'bin', 'tributary'), ['table', ...args], { encoding: 'utf8' });
    const viaCli = cli('read', table, '--json').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(project(viaCli), 'tributary table read').toEqual(after);
    const timeline = cli('timeline', table, '--json').trim().split('\n').map((l) => JSON.parse(l) as { action: string; state: string });
    expect(timeline.some((e) => e.action === 'rollback' && e.state === 'COMPLETED')).toBe(true);
    const commits = completedCommits(table);
    const asOfLast = cli('read', table, '--as-of', commits[commits.length - 1]!, '--json').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(project(asOfLast), 'tributary table read --as-of the last commit').toEqual(after);
  }, 300_000);
});
