// The writer side of `npm run bench:table`, run as a child process of scripts/bench-table.ts so that its peak
// RSS (the kernel's VmHWM) is the writer's own and not the harness's, and so that it can run under
// `node --cpu-prof`. It writes an untimed warm-up table first (JIT, WASM compile, encoder thread start), then
// the workload into --table (kept for the parent to verify), and prints one JSON line: WriterChildResult.
//   node dist/scripts/bench-table-writer.js --table DIR --rows N --batch B --operation OP [--table-type MERGE_ON_READ]

import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { hudiSinkConfigDef, hudiSinkSettings } from '../plugins/hudi/hudi-sink-config';
import { openTableDeps } from '../plugins/hudi/hudi-sink-deps';
import { LocalStorage } from '../plugins/hudi/storage/local-storage';
import type { WriteOperation } from '../plugins/hudi/table/table-writer';
import { dirBytes, runWorkload, tableConfig, type WorkloadResult } from './bench-table-workload';

export interface WriterChildResult extends WorkloadResult {
  /** VmHWM of this process after the workload (warm-up included), bytes. */
  peakRss: number;
  /** RSS after the warm-up, before the timed workload: the process's floor (Node, modules, WASM, encoder thread). */
  rssAfterWarmup: number;
  warmupRows: number;
}

/** A line of /proc/self/status in bytes (Linux), e.g. VmHWM: the peak resident set size. */
export function procStatusBytes(field: 'VmHWM' | 'VmRSS', pid: number | 'self' = 'self'): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`/proc/${pid}/status has no ${field} line (needs Linux)`);
  return Number(m[1]) * 1024;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { table: { type: 'string' }, rows: { type: 'string' }, batch: { type: 'string' }, operation: { type: 'string' }, 'table-type': { type: 'string' } } });
  if (!values.table || !values.rows || !values.batch || !values.operation) throw new Error('bench-table-writer: give --table, --rows, --batch and --operation (it is started by scripts/bench-table.ts)');
  const rows = Number(values.rows);
  const batch = Number(values.batch);
  const operation = values.operation as WriteOperation;
  const tablePath = path.resolve(values.table);
  const raw = tableConfig(tablePath, values['table-type'] === 'MERGE_ON_READ' ? 'MERGE_ON_READ' : 'COPY_ON_WRITE');
  const settings = hudiSinkSettings(hudiSinkConfigDef().parse(raw, { allowUnknown: true }));
  const deps = await openTableDeps(settings, raw['schemaPath']!, raw);
  try {
    // Warm-up, as the Spark side's: one commit of the first batch, then an upsert of a tenth of its keys, into a
    // table of its own, deleted afterwards.
    const warmupRows = Math.min(rows, batch);
    const warmupPath = `${tablePath}-warmup`;
    await runWorkload({ settings, deps, storage: new LocalStorage(warmupPath), tableBytes: async () => 0, rows: warmupRows, batch, operation });
    rmSync(warmupPath, { recursive: true, force: true });
    const rssAfterWarmup = process.memoryUsage().rss;

    const r = await runWorkload({ settings, deps, storage: new LocalStorage(tablePath), tableBytes: async () => dirBytes(tablePath), rows, batch, operation });
    const result: WriterChildResult = { ...r, peakRss: procStatusBytes('VmHWM'), rssAfterWarmup, warmupRows };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await deps.close();
  }
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
