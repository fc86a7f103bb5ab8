// The table benchmark's workload, shared by every side of `npm run bench:table`: N order records loaded in
// commits of `batch`, then every 10th of them upserted with a new version. Records are a pure function of
// their index, so the writer child, the Spark peer's input files and DuckDB's baseline all see the same rows.
// Each batch is made untimed just before its write (only coercion and the write are timed), so the writer's
// memory holds one batch of input, as a sink's does.

import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import type { HudiSinkSettings } from '../plugins/hudi/hudi-sink-config';
import type { openTableDeps } from '../plugins/hudi/hudi-sink-deps';
import { openTableWriter } from '../plugins/hudi/hudi-sink-deps';
import type { Storage } from '../plugins/hudi/storage/storage';
import type { WriteOperation } from '../plugins/hudi/table/table-writer';
import { silentLogger } from '../runtime/observability/logger';

const STATUSES = ['CREATED', 'PAID', 'ACCEPTED', 'DELIVERING', 'FINISHED'];
const PRODUCTS = ['Kung Pao Chicken', 'Mapo Tofu', 'Dumplings (15 pcs)', 'Beef Noodle Soup', 'Hot Pot Set for Two', 'Margherita Pizza'];

/** The sink keys every side's table is opened with (the record key, precombine and partition fields Spark gets too).
 *  A merge-on-read table is not compacted inline here: the upsert is timed as the deltacommit alone, as Spark's
 *  datasource writes it (hoodie.compact.inline is false there by default). */
export function tableConfig(tablePath: string, tableType: 'COPY_ON_WRITE' | 'MERGE_ON_READ' = 'COPY_ON_WRITE'): Record<string, string> {
  return {
    tablePath,
    'hoodie.table.type': tableType,
    ...(tableType === 'MERGE_ON_READ' ? { 'hoodie.compact.inline': 'false' } : {}),
    schemaPath: path.resolve(__dirname, '..', '..', 'schemas', 'order-generator.avsc'),
    'hoodie.datasource.write.recordkey.field': 'orderId',
    'hoodie.datasource.write.precombine.field': 'version',
    'hoodie.datasource.write.partitionpath.field': 'orderStatus',
  };
}

/** Bytes of every file under `dir` (a table with its timeline). */
export function dirBytes(dir: string): number {
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    n += e.isDirectory() ? dirBytes(p) : statSync(p).size;
  }
  return n;
}

/** Order number i at `version` (schemas/order-generator.avsc): version 0 is the load, 1 the update. */
export function order(i: number, version: number): Record<string, unknown> {
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

/** The k-th record of the load (k < n). */
export const loadRecord = (k: number): Record<string, unknown> => order(k, 0);
/** The k-th record of the upsert (k < n / 10): every 10th order gets a new version, spread over all file groups as a CDC stream does. */
export const updateRecord = (k: number): Record<string, unknown> => order(k * 10, 1);
export const updateCount = (n: number): number => Math.floor(n / 10);

export interface WorkloadResult {
  insertMs: number;
  insertBytes: number;
  upsertMs: number;
  totalBytes: number;
  /** Highest RSS sampled every 50 ms during this workload (the process's, whatever else it holds). */
  sampledPeakRss: number;
  /** process.hrtime in µs at the phases' edges (the clock V8's CPU profiles use), to split a profile by phase. */
  marks: { load: [number, number]; upsert: [number, number] };
}

export interface WorkloadOptions {
  settings: HudiSinkSettings;
  deps: Awaited<ReturnType<typeof openTableDeps>>;
  storage: Storage;
  tableBytes: () => Promise<number>;
  rows: number;
  batch: number;
  operation: WriteOperation;
  /** Called as each phase ('open', the load operation, 'upsert') ends. */
  phase?: (name: string) => void;
}

const nowUs = () => Number(process.hrtime.bigint() / 1000n);

/** Loads `rows` records, then upserts every 10th of them, into a new table on `storage`. */
export async function runWorkload(o: WorkloadOptions): Promise<WorkloadResult> {
  const { deps, batch } = o;
  const writer = await openTableWriter(o.settings, deps, o.storage, { tableName: 'orders', logger: silentLogger() });
  let busyMs = 0;
  const write = async (from: number, to: number, make: (k: number) => Record<string, unknown>, operation: WriteOperation) => {
    const inputs: Record<string, unknown>[] = [];
    for (let k = from; k < to; k++) inputs.push(make(k));
    const t = performance.now();
    const records = [];
    // Coercion as the sink does it is part of the write.
    for (const input of inputs) records.push({ row: deps.schema.coerce(input), isDelete: false });
    await writer.write(records, operation, deps.schema.columns, deps.schema.schemaJson, {});
    busyMs += performance.now() - t;
  };
  const phase = o.phase ?? (() => undefined);
  const u = updateCount(o.rows);
  let sampledPeakRss = process.memoryUsage().rss;
  const sample = setInterval(() => (sampledPeakRss = Math.max(sampledPeakRss, process.memoryUsage().rss)), 50);
  try {
    phase('open');
    const loadStart = nowUs();
    for (let i = 0; i < o.rows; i += batch) await write(i, Math.min(o.rows, i + batch), loadRecord, o.operation);
    const insertMs = busyMs;
    const loadEnd = nowUs();
    phase(o.operation);
    const insertBytes = await o.tableBytes();

    busyMs = 0;
    const upsertStart = nowUs();
    for (let k = 0; k < u; k += batch) await write(k, Math.min(u, k + batch), updateRecord, 'upsert');
    const upsertMs = busyMs;
    const upsertEnd = nowUs();
    phase('upsert');
    return { insertMs, insertBytes, upsertMs, totalBytes: await o.tableBytes(), sampledPeakRss, marks: { load: [loadStart, loadEnd], upsert: [upsertStart, upsertEnd] } };
  } finally {
    clearInterval(sample);
    writer.close();
    await writer.drained();
  }
}
