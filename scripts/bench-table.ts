// Benchmark of the Hudi table writer: N order records loaded (bulk_insert by default, commits of --batch
// records; --operation insert packs later commits into earlier small files, rewriting them), then 10% of
// them upserted; and, in the same run on the same records, DuckDB's C++ `COPY ... TO parquet` as the
// baseline. Prints rows/s, bytes written and the ratios (figures are machine-dependent; the ratios are
// what to compare). Usage: node dist/scripts/bench-table.js [--rows N] [--batch B] [--operation insert|bulk_insert|upsert]

import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { hudiSinkConfigDef, hudiSinkSettings } from '../plugins/hudi/hudi-sink-config';
import { openTableDeps, openTableWriter } from '../plugins/hudi/hudi-sink-deps';
import { LocalStorage } from '../plugins/hudi/storage/local-storage';
import type { WriteOperation } from '../plugins/hudi/table/table-writer';
import { silentLogger } from '../runtime/observability/logger';

const STATUSES = ['CREATED', 'PAID', 'ACCEPTED', 'DELIVERING', 'FINISHED'];
const PRODUCTS = ['Kung Pao Chicken', 'Mapo Tofu', 'Dumplings (15 pcs)', 'Beef Noodle Soup', 'Hot Pot Set for Two', 'Margherita Pizza'];

function order(i: number, version: number): Record<string, unknown> {
  return {
    orderId: `ORD${String(i).padStart(10, '0')}`,
    orderStatus: STATUSES[i % STATUSES.length],
    userPhoneNo: `1${String((i * 2654435761) % 10_000_000_000).padStart(10, '0')}`,
    prodId: `P${1000 + (i % 50)}`,
    prodName: PRODUCTS[i % PRODUCTS.length],
    chargeMoney: ((i * 37) % 20000) / 100,
    chargeTime: 1_704_067_200_000 + i * 100,
    finishTime: version > 0 ? 1_704_067_200_000 + i * 100 + 3_600_000 : null,
    version,
    _hoodie_is_deleted: false,
  };
}

function dirBytes(dir: string): number {
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    n += e.isDirectory() ? dirBytes(p) : statSync(p).size;
  }
  return n;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { rows: { type: 'string' }, batch: { type: 'string' }, operation: { type: 'string' } } });
  const N = Number(values.rows ?? 1_000_000);
  const batch = Number(values.batch ?? 100_000);
  const op = (values.operation ?? 'bulk_insert') as WriteOperation;
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-table-'));
  const schemaPath = path.resolve(__dirname, '..', '..', 'schemas', 'order-generator.avsc');
  const raw = {
    tablePath: path.join(dir, 'orders'),
    schemaPath,
    'hoodie.datasource.write.recordkey.field': 'orderId',
    'hoodie.datasource.write.precombine.field': 'version',
    'hoodie.datasource.write.partitionpath.field': 'orderStatus',
  };
  const settings = hudiSinkSettings(hudiSinkConfigDef().parse(raw, { allowUnknown: true }));
  const deps = await openTableDeps(settings, schemaPath, raw);
  const writer = await openTableWriter(settings, deps, new LocalStorage(raw.tablePath), { tableName: 'orders', logger: silentLogger() });

  // Message values are made before the clock starts; coercion (as the sink does it) is timed.
  const inputs: Record<string, unknown>[] = [];
  for (let i = 0; i < N; i++) inputs.push(order(i, 0));
  const write = async (from: number, to: number, operation: WriteOperation) => {
    const rows = [];
    for (let i = from; i < to; i++) rows.push({ row: deps.schema.coerce(inputs[i]), isDelete: false });
    await writer.write(rows, operation, deps.schema.columns, deps.schema.schemaJson, {});
  };

  let peakRss = process.memoryUsage().rss;
  const sample = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
  let t = performance.now();
  for (let i = 0; i < N; i += batch) await write(i, Math.min(N, i + batch), op);
  const insertMs = performance.now() - t;
  const insertBytes = dirBytes(raw.tablePath);

  const U = Math.floor(N / 10);
  const updates: Record<string, unknown>[] = [];
  for (let j = 0; j < U; j++) updates.push(order(j * 10, 1));
  t = performance.now();
  // Every 10th order gets a new version: upserts spread over all file groups, as a CDC stream does.
  for (let k = 0; k < U; k += batch) {
    const rows = [];
    for (let j = k; j < Math.min(U, k + batch); j++) rows.push({ row: deps.schema.coerce(updates[j]), isDelete: false });
    await writer.write(rows, 'upsert', deps.schema.columns, deps.schema.schemaJson, {});
  }
  const upsertMs = performance.now() - t;
  clearInterval(sample);
  await deps.close();
  const totalBytes = dirBytes(raw.tablePath);

  // Baseline: DuckDB's C++ Parquet writer on the same records (loading them into DuckDB is not timed).
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  const jsonFile = path.join(dir, 'orders.jsonl');
  const lines: string[] = [];
  for (let i = 0; i < N; i++) lines.push(JSON.stringify(inputs[i]));
  writeFileSync(jsonFile, lines.join('\n'));
  await conn.run(`CREATE TABLE orders AS SELECT * FROM read_json_auto('${jsonFile}')`);
  t = performance.now();
  await conn.run(`COPY orders TO '${path.join(dir, 'duck.parquet')}' (FORMAT parquet, COMPRESSION snappy)`);
  const duckMs = performance.now() - t;
  const duckBytes = statSync(path.join(dir, 'duck.parquet')).size;

  const rate = (n: number, ms: number) => Math.round((n / ms) * 1000);
  const fmt = (n: number) => n.toLocaleString('en-US');
  const mb = (b: number) => `${(b / 1024 / 1024).toFixed(1)} MB`;
  console.log(`bench-table: ${fmt(N)} order records, commits of ${fmt(batch)}, node ${process.version}, ${require('node:os').cpus().length} CPUs`);
  console.log(`  tributary ${op.padEnd(11)} ${fmt(rate(N, insertMs)).padStart(10)} rows/s   ${mb(insertBytes).padStart(9)} on disk`);
  console.log(`  tributary upsert 10%     ${fmt(rate(U, upsertMs)).padStart(10)} rows/s   (${fmt(U)} keys, every file group rewritten; table now ${mb(totalBytes)})`);
  console.log(`  duckdb COPY TO parquet   ${fmt(rate(N, duckMs)).padStart(10)} rows/s   ${mb(duckBytes).padStart(9)}`);
  console.log(`  ratio tributary ${op} / duckdb: ${(rate(N, insertMs) / rate(N, duckMs)).toFixed(2)}x rows/s, ${(insertBytes / duckBytes).toFixed(2)}x bytes`);
  console.log(`  peak RSS of the writer: ${mb(peakRss)}`);
  rmSync(dir, { recursive: true, force: true });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
