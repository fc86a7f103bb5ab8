// Tables our writer makes, read by engines no one here wrote — hudi-rs (snapshot, time travel at every
// instant, incremental between instants) and Spark 3.5 with the Hudi bundle (snapshot and time travel) —
// each compared with the oracle; then Spark upserts into our table with its BLOOM index (which reads the
// bloom filters and key ranges in our footers) and our reader must see Spark's result: no duplicate keys.
// Row groups of 8 rows, so that merges carry untouched row groups over as they are (their bytes, with a
// new file-name chunk) and the engines read such files too. The same stream is written as a copy-on-write and
// as a merge-on-read table (updates and deletes in log files, merged by the readers), and Spark's own
// deltacommit logs are read back by our reader.
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { hudiSinkConfigDef, hudiSinkSettings } from '../../plugins/hudi/hudi-sink-config';
import { createParquetCodec, openTableDeps, openTableWriter } from '../../plugins/hudi/hudi-sink-deps';
import { FooterTree } from '../../plugins/hudi/parquet/row-group-splice';
import { LocalStorage } from '../../plugins/hudi/storage/local-storage';
import { HudiTableReader } from '../../plugins/hudi/table/table-reader';
import { silentLogger } from '../../runtime/observability/logger';
import { oracle, type OracleInput } from '../helpers/hudi-oracle';
import { completedCommits, latestSliceFiles } from '../helpers/hudi-files';
import { duckdbReadBaseFiles, hudiRsRead, readersAvailable, rowsOf, sparkRead, sparkWrite } from '../helpers/table-readers';

interface Rec {
  id: string;
  region: string;
  amount: number;
  ver: number;
  _hoodie_is_deleted: boolean;
}

const SCHEMA = {
  type: 'record',
  name: 'Payment',
  namespace: 'test',
  fields: [
    { name: 'id', type: 'string' },
    { name: 'region', type: 'string' },
    { name: 'amount', type: 'double' },
    { name: 'ver', type: 'long' },
    { name: '_hoodie_is_deleted', type: 'boolean', default: false },
  ],
};

function expectedAt(batches: Rec[][], upTo: number): Record<string, string> {
  const inputs: OracleInput[] = batches.slice(0, upTo + 1).flat().map((r) => ({ key: r.id, ordering: r.ver, isDelete: r._hoodie_is_deleted, row: { ...r } }));
  const out: Record<string, string> = {};
  for (const [k, r] of oracle(inputs)) out[k] = `${r['region']}|${Number(r['amount'])}|${Number(r['ver'])}`;
  return out;
}

function keyed(rows: Record<string, unknown>[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const r of rows) {
    const k = String(r['_hoodie_record_key']);
    if (out[k] !== undefined) throw new Error(`duplicate key ${k} in the read`);
    out[k] = `${r['region']}|${Number(r['amount'])}|${Number(r['ver'])}`;
  }
  return out;
}

const regions = ['eu', 'us', 'ap'];
const batches: Rec[][] = [
  Array.from({ length: 200 }, (_, i) => ({ id: `k${i}`, region: regions[i % 3]!, amount: i, ver: 1, _hoodie_is_deleted: false })),
  [
    ...Array.from({ length: 60 }, (_, i) => ({ id: `k${i}`, region: regions[i % 3]!, amount: 1000 + i, ver: 5, _hoodie_is_deleted: false })),
    ...Array.from({ length: 60 }, (_, i) => ({ id: `k${i}`, region: regions[i % 3]!, amount: 2000 + i, ver: 3, _hoodie_is_deleted: false })),
  ],
  Array.from({ length: 40 }, (_, i) => ({ id: `k${100 + i}`, region: regions[(100 + i) % 3]!, amount: 0, ver: 10, _hoodie_is_deleted: true })),
  [
    ...Array.from({ length: 20 }, (_, i) => ({ id: `k${100 + i}`, region: regions[(100 + i) % 3]!, amount: 4000 + i, ver: 11, _hoodie_is_deleted: false })),
    ...Array.from({ length: 30 }, (_, i) => ({ id: `n${i}`, region: regions[i % 3]!, amount: 5000 + i, ver: 1, _hoodie_is_deleted: false })),
  ],
];

for (const tableType of ['COPY_ON_WRITE', 'MERGE_ON_READ'] as const) describe(`${tableType} tables written by Tributary, read by independent engines`, () => {
  let table: string;
  let instants: string[];

  beforeAll(async () => {
    await readersAvailable();
    const dir = mkdtempSync(path.join(tmpdir(), 'conformance-'));
    table = path.join(dir, 'payments');
    writeFileSync(path.join(dir, 'payment.avsc'), JSON.stringify(SCHEMA));
    const raw = {
      tablePath: table,
      tableName: 'payments',
      schemaPath: path.join(dir, 'payment.avsc'),
      'hoodie.datasource.write.recordkey.field': 'id',
      'hoodie.datasource.write.precombine.field': 'ver',
      'hoodie.datasource.write.partitionpath.field': 'region',
      'parquet.row.group.rows': '8',
      'hoodie.table.type': tableType,
      // No compaction: the log files stay for the readers to merge (compaction has its own tests).
      'hoodie.compact.inline': 'false',
    };
    const carried = vi.spyOn(FooterTree.prototype, 'withColumnReplaced');
    const settings = hudiSinkSettings(hudiSinkConfigDef().parse(raw, { allowUnknown: true }));
    const deps = await openTableDeps(settings, raw.schemaPath, raw);
    const writer = await openTableWriter(settings, deps, new LocalStorage(table), { tableName: 'payments', logger: silentLogger() });
    for (const batch of batches) {
      await writer.write(batch.map((r) => ({ row: deps.schema.coerce(r), isDelete: r._hoodie_is_deleted })), 'upsert', deps.schema.columns, deps.schema.schemaJson, {});
    }
    await deps.close();
    // Merge-on-read appends changes to log files: nothing is carried over because nothing is rewritten.
    if (tableType === 'COPY_ON_WRITE') expect(carried.mock.calls.length, 'row groups carried over by merges').toBeGreaterThan(0);
    else expect(readdirSync(path.join(table, 'eu')).filter((n) => n.includes('.log.')).length, 'log files in partition eu').toBeGreaterThan(0);
    carried.mockRestore();
    instants = completedCommits(table);
    expect(instants).toHaveLength(batches.length);
  }, 600_000);

    it('hudi-rs snapshot, time travel at every instant and incremental reads equal the oracle', async () => {
      const queries = [
        { type: 'snapshot' as const },
        ...instants.map((asOf) => ({ type: 'snapshot' as const, asOf })),
        ...instants.slice(1).map((to, i) => ({ type: 'incremental' as const, from: instants[i]!, to })),
      ];
      const results = await hudiRsRead(table, queries);
      expect(keyed(rowsOf(results[0]!))).toEqual(expectedAt(batches, batches.length - 1));
      instants.forEach((_, i) => expect(keyed(rowsOf(results[1 + i]!)), `hudi-rs as of instant ${i}`).toEqual(expectedAt(batches, i)));
      for (let i = 1; i < instants.length; i++) {
        const incremental = rowsOf(results[instants.length + i]!);
        // Incremental (I[i-1], I[i]]: exactly the rows that commit i added or changed (a delete-only commit adds none).
        const before = expectedAt(batches, i - 1);
        const after = expectedAt(batches, i);
        const want = Object.fromEntries(Object.entries(after).filter(([k, v]) => before[k] !== v));
        for (const r of incremental) expect(String(r['_hoodie_commit_time'])).toBe(instants[i]);
        expect(keyed(incremental), `hudi-rs incremental (${i - 1}, ${i}]`).toEqual(want);
      }
    }, 300_000);

    it('Spark snapshot and time travel equal the oracle', async () => {
      const results = await sparkRead(table, [{ type: 'snapshot' }, { type: 'snapshot', asOf: instants[1]! }]);
      expect(keyed(rowsOf(results[0]!))).toEqual(expectedAt(batches, batches.length - 1));
      expect(keyed(rowsOf(results[1]!))).toEqual(expectedAt(batches, 1));
    }, 300_000);

    it('Spark upsert with the BLOOM index into our table updates existing keys in place, and our reader reads it', async () => {
      const sparkRows = [
        { id: 'k0', region: 'eu', amount: 9000, ver: 50, _hoodie_is_deleted: false },
        { id: 'k150', region: 'eu', amount: 9001, ver: 50, _hoodie_is_deleted: false },
        { id: 'spark1', region: 'us', amount: 9002, ver: 1, _hoodie_is_deleted: false },
      ];
      await sparkWrite(table, sparkRows, 'upsert');
      const want = expectedAt([...batches, sparkRows], batches.length);
      const reader = await HudiTableReader.open(new LocalStorage(table), createParquetCodec());
      expect(keyed(await reader.snapshot())).toEqual(want);
    }, 300_000);

    if (tableType === 'MERGE_ON_READ') {
      it('Spark read-optimized reads the latest base files only: what DuckDB reads there', async () => {
        // (Spark's upsert above went into base files: with BLOOM it merges updates into small slices without logs.)
        const [ro] = await sparkRead(table, [{ type: 'read_optimized' }]);
        const duck = await duckdbReadBaseFiles(latestSliceFiles(table));
        expect(Object.keys(keyed(duck)).length).toBeGreaterThan(0);
        expect(keyed(rowsOf(ro!))).toEqual(keyed(duck));
      }, 300_000);
    }
});
