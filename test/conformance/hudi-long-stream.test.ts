// An hour-equivalent stream into one merge-on-read table with the bucket index: 3,000 deltacommits (a commit a
// second for 50 minutes, committed as fast as the writer goes), inline compaction every 10 deltacommits, cleaning
// and timeline archival in between, updates that win and updates that lose on the precombine field, deletes and
// re-inserts. At the end the table equals a model kept independently of the writer for our reader, hudi-rs,
// Spark's snapshot and (the stream ends with a compaction) Spark's read-optimized query and DuckDB on the latest
// base files; Hudi's own HoodieArchivedTimeline reads every archived deltacommit back from our archive files, and
// the active timeline stays as short as hoodie.keep.max.commits says.
import { accessSync, constants, existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HudiTableReader } from '../../plugins/hudi/table/table-reader';
import { readArchivedEntries } from '../../plugins/hudi/timeline/archived-timeline';
import { mulberry32 } from '../helpers/faulty-proxy';
import { latestSliceFiles } from '../helpers/hudi-files';
import { compactionGate, tableFixture, type Payment, type TableFixture } from '../helpers/hudi-table';
import { duckdbReadBaseFiles, hudiRsSnapshot, readersAvailable, rowsOf, sparkRead, type Row } from '../helpers/table-readers';

const DELTACOMMITS = 3000;
const KEYS = 240;
const COMPACT_EVERY = 10;

/** A memory-backed directory where there is one: every commit fsyncs several files, and 3,000 commits should
 *  take minutes, not wait on a shared disk. The durability of those fsyncs is not what this test is about. */
function fastDisk(): string | undefined {
  try {
    accessSync('/dev/shm', constants.W_OK);
    return '/dev/shm';
  } catch {
    return undefined;
  }
}

const regionOf = (k: number) => (k % 3 === 0 ? 'asia' : k % 3 === 1 ? 'eu' : 'us');
const show = (r: { region: unknown; id: unknown; ver: unknown; amount: unknown }) => `${String(r.region)}/${String(r.id)}@${Number(r.ver)}:${Number(r.amount)}`;
const shown = (rows: Row[]) => rows.map((r) => show({ region: r['_hoodie_partition_path'], id: r['id'], ver: r['ver'], amount: r['amount'] })).sort();

describe('an hour-equivalent stream into a merge-on-read bucket table, with compaction, cleaning and archival', () => {
  let f: TableFixture;
  const model = new Map<string, Payment>();
  const deltacommits: string[] = [];

  beforeAll(async () => {
    f = await tableFixture({
      'hoodie.table.type': 'MERGE_ON_READ',
      'hoodie.index.type': 'BUCKET',
      'hoodie.bucket.index.num.buckets': '4',
      'hoodie.compact.inline': 'true',
      'hoodie.compact.inline.max.delta.commits': String(COMPACT_EVERY),
    }, undefined, { root: fastDisk() });
    const w = await f.open();
    const next = mulberry32(0x3000); // seeded: a failure replays exactly
    const pick = () => Math.floor(next() * KEYS);
    for (let n = 1; n <= DELTACOMMITS; n++) {
      const batch = new Map<string, Payment>();
      for (let i = 0; i < 5; i++) {
        const k = pick();
        const id = `k${k}`;
        const stored = model.get(id);
        // One in five updates carries an older version than the stored one: it must lose.
        const ver = stored && next() < 0.2 ? stored.ver - 1 - Math.floor(next() * 3) : n;
        batch.set(id, { id, region: regionOf(k), amount: n * 10 + i, ver });
      }
      if (n % 25 === 0) {
        const k = pick();
        batch.set(`k${k}`, { id: `k${k}`, region: regionOf(k), amount: 0, ver: n, _hoodie_is_deleted: true });
      }
      const result = await f.write(w, [...batch.values()]);
      deltacommits.push(result.instant);
      for (const r of batch.values()) {
        const stored = model.get(r.id);
        if (r._hoodie_is_deleted) model.delete(r.id);
        else if (!stored || r.ver >= stored.ver) model.set(r.id, r);
      }
    }
    await w.drained(); // the closing compaction (due after the last deltacommit) runs in the background
    w.close();
  }, 900_000);

  afterAll(async () => {
    await f?.close();
  });

  const expected = () => [...model.values()].map(show).sort();

  it('our reader reads the model; the active timeline is bounded and the archive holds every other deltacommit', async () => {
    expect(shown(await (await HudiTableReader.open(f.storage, f.deps.codec)).snapshot())).toEqual(expected());
    const active = readdirSync(path.join(f.table, '.hoodie')).filter((n) => /^\d{17}\./.test(n));
    const activeWrites = active.filter((n) => /^\d{17}\.(deltacommit|commit)$/.test(n));
    expect(activeWrites.length, 'completed writes on the active timeline (hoodie.keep.max.commits = 30)').toBeLessThanOrEqual(30);
    expect(active.length, 'instant files on the active timeline, all states and actions').toBeLessThan(200);
    const archived = await readArchivedEntries(f.storage);
    const archivedDeltas = new Set(archived.filter((e) => e.actionType === 'deltacommit' && e.actionState === 'COMPLETED').map((e) => e.commitTime!));
    const activeDeltas = new Set(activeWrites.filter((n) => n.endsWith('.deltacommit')).map((n) => n.slice(0, 17)));
    const missing = deltacommits.filter((t) => !archivedDeltas.has(t) && !activeDeltas.has(t));
    expect(missing, 'every deltacommit is on the active or the archived timeline').toEqual([]);
    expect(archivedDeltas.size).toBeGreaterThan(DELTACOMMITS - 40);
    const compactions = archived.filter((e) => e.actionType === 'commit' && e.actionState === 'COMPLETED' && e.hoodieCommitMetadata?.operationType === 'COMPACT');
    expect(compactions.length, 'compactions archived as commits').toBeGreaterThan(DELTACOMMITS / COMPACT_EVERY - 10);
  });

  it('hudi-rs reads the model', async () => {
    await readersAvailable();
    expect(shown(await hudiRsSnapshot(f.table))).toEqual(expected());
  }, 600_000);

  it('Spark reads the model (snapshot and, after the closing compaction, read-optimized), DuckDB reads it from the base files, and Hudi loads our archived timeline', async () => {
    await readersAvailable();
    const [snapshot, readOptimized, timeline] = await sparkRead(f.table, [{ type: 'snapshot' }, { type: 'read_optimized' }, { type: 'timeline' }]);
    expect(shown(rowsOf(snapshot!))).toEqual(expected());
    expect(shown(rowsOf(readOptimized!)), 'read-optimized: base files only, and the last compaction folded every log').toEqual(expected());
    expect(shown(await duckdbReadBaseFiles(latestSliceFiles(f.table)))).toEqual(expected());
    const instants = rowsOf(timeline!) as { timeline: string; timestamp: string; action: string; state: string }[];
    const hudiSees = new Set(instants.filter((i) => i.action === 'deltacommit' && i.state === 'COMPLETED').map((i) => i.timestamp));
    expect(deltacommits.filter((t) => !hudiSees.has(t)), 'deltacommits Hudi finds on neither timeline').toEqual([]);
    expect(instants.filter((i) => i.timeline === 'archived').length).toBeGreaterThan(DELTACOMMITS - 40);
  }, 900_000);
});

describe('a compaction that ran beside deltacommits, read by Spark (snapshot, read-optimized, incremental) and hudi-rs', () => {
  let f: TableFixture;
  afterAll(async () => {
    await f?.close();
  });

  it('the log files it carried into its new slices are read, and the read-optimized query is the table as of its plan', async () => {
    await readersAvailable();
    f = await tableFixture({ 'hoodie.table.type': 'MERGE_ON_READ', 'hoodie.index.type': 'BUCKET', 'hoodie.bucket.index.num.buckets': '2', 'hoodie.compact.inline.max.delta.commits': '2' });
    const gate = compactionGate(f);
    const w = await f.open({ storage: gate.storage });
    const model = new Map<string, Payment>();
    const instants: string[] = [];
    const changedBy = new Map<string, string>(); // key → the deltacommit that wrote its current value
    const write = async (rows: Payment[]) => {
      const { instant } = await f.write(w, rows);
      instants.push(instant);
      for (const r of rows) {
        model.set(r.id, r);
        changedBy.set(r.id, instant);
      }
    };
    const keys = Array.from({ length: 12 }, (_, k) => k);
    await write(keys.map((k) => ({ id: `k${k}`, region: regionOf(k), amount: k, ver: 1 })));
    await write(keys.map((k) => ({ id: `k${k}`, region: regionOf(k), amount: 100 + k, ver: 2 })));
    await gate.reached; // planned after the second deltacommit, holding at its first base file
    const asOfPlan = [...model.values()].map(show).sort();
    await write(keys.filter((k) => k % 2 === 0).map((k) => ({ id: `k${k}`, region: regionOf(k), amount: 200 + k, ver: 3 })));
    await write([{ id: 'k12', region: regionOf(12), amount: 12, ver: 1 }]);
    gate.open();
    await w.drained();
    w.close();
    const carried = latestSliceLogs(f.table).filter((n) => n.includes('.log.'));
    expect(carried.length, 'log files carried into the compaction\'s slices').toBeGreaterThan(0);
    const expected = [...model.values()].map(show).sort();
    expect(shown(await (await HudiTableReader.open(f.storage, f.deps.codec)).snapshot())).toEqual(expected);
    expect(shown(await hudiRsSnapshot(f.table))).toEqual(expected);
    // Incremental after the second deltacommit: across the compaction, the rows the last two deltacommits wrote.
    const since = instants[1]!;
    const changed = [...model.values()].filter((r) => changedBy.get(r.id)! > since).map(show).sort();
    expect(changed.length).toBeGreaterThan(0);
    const [snapshot, readOptimized, incremental] = await sparkRead(f.table, [{ type: 'snapshot' }, { type: 'read_optimized' }, { type: 'incremental', from: since }]);
    expect(shown(rowsOf(snapshot!))).toEqual(expected);
    expect(shown(rowsOf(readOptimized!)), 'base files only: the compaction\'s, as of its plan').toEqual(asOfPlan);
    expect(shown(rowsOf(incremental!)), `Spark incremental after ${since}, across the compaction`).toEqual(changed);
  }, 600_000);
});

/** Names of the log files in the table's partitions whose base instant is the newest completed compaction. */
function latestSliceLogs(table: string): string[] {
  const compaction = readdirSync(path.join(table, '.hoodie')).filter((n) => /^\d{17}\.compaction\.requested$/.test(n)).sort().pop()!.slice(0, 17);
  return ['asia', 'eu', 'us'].flatMap((p) => (existsSync(path.join(table, p)) ? readdirSync(path.join(table, p)) : [])).filter((n) => n.includes(`_${compaction}.log.`));
}
