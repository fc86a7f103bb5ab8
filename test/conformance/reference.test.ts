// The reader infrastructure end to end, independent of our writer: hudi-rs, Spark (Hudi 0.15 bundle) and
// DuckDB read the Spark-written reference table (test/fixtures/hudi/spark-reference, see its make_reference.py
// and docs/hudi-format-notes.md) and must agree with the rows Spark wrote; a Spark upsert into a copy is read
// back by hudi-rs. A reader that cannot be installed fails these tests with the setup's error.
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  checkBloomFilters,
  duckdbReadBaseFiles,
  hudiRsFileSlices,
  hudiRsRead,
  hudiRsSnapshot,
  hudiRsTimeline,
  project,
  readersAvailable,
  rowsOf,
  sortRows,
  sparkRead,
  sparkWrite,
  type Row,
} from '../helpers/table-readers';

const FIXTURE = path.resolve(__dirname, '../fixtures/hudi/spark-reference');
const expected = JSON.parse(readFileSync(path.join(FIXTURE, 'expected.json'), 'utf8')) as {
  instants: { c1_insert: string; c2_upsert: string; c3_delete: string; c4_failed: string; c5_upsert: string };
  snapshot: Row[];
};
// Every test may be the first to await the reader setup (~30 s on a cold cache, more on a slow network).
const SETUP_BUDGET_MS = 10 * 60_000;
const { c1_insert: c1, c2_upsert: c2, c3_delete: c3, c4_failed: c4, c5_upsert: c5 } = expected.instants;

const DATA_COLUMNS = ['orderId', 'orderStatus', 'userPhoneNo', 'prodId', 'prodName', 'chargeMoney', 'chargeTime', 'finishTime', 'version', '_hoodie_is_deleted'];
const META_COLUMNS = ['_hoodie_commit_time', '_hoodie_commit_seqno', '_hoodie_record_key', '_hoodie_partition_path', '_hoodie_file_name'];
const ALL_COLUMNS = [...META_COLUMNS, ...DATA_COLUMNS];

/** partition/key@version: the compact form of what each read must return. */
const keys = (rows: Row[]) => sortRows(rows).map((r) => `${String(r._hoodie_partition_path)}/${String(r._hoodie_record_key)}@${String(r.version)}`);

// The final state after c1..c5 (make_reference.py): O2 keeps v1 against an older v0 (DefaultHoodieRecordPayload),
// O4's move to DELIVERING leaves its PAID row (default, non-global BLOOM index), O5 and O6 are deleted.
const FINAL = ['CREATED/O0000001@5', 'CREATED/O0000002@1', 'CREATED/O0000007@1', 'DELIVERING/O0000004@2', 'PAID/O0000003@4', 'PAID/O0000004@1', 'PAID/O0000008@1'];
const AT_C3 = ['CREATED/O0000001@3', 'CREATED/O0000002@1', 'CREATED/O0000007@1', 'DELIVERING/O0000004@2', 'PAID/O0000003@4', 'PAID/O0000004@1'];

let work: string | undefined;
let tablePromise: Promise<string> | undefined;

/**
 * Installs the readers and copies the fixture (readers and writers get a copy: the fixture stays as
 * committed). Awaited by every test rather than in beforeAll, so a reader that cannot be installed fails
 * each test with the setup's error instead of skipping it.
 */
function referenceTable(): Promise<string> {
  tablePromise ??= readersAvailable().then(() => {
    work = mkdtempSync(path.join(tmpdir(), 'hudi-reference-'));
    const table = path.join(work, 'table');
    cpSync(path.join(FIXTURE, 'table'), table, { recursive: true });
    return table;
  });
  return tablePromise;
}

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('Spark reference table read by hudi-rs', () => {
  it('hudi-rs snapshot equals the rows Spark wrote, meta columns included', async () => {
    const table = await referenceTable();
    const rows = await hudiRsSnapshot(table);
    expect(keys(rows)).toEqual(FINAL);
    expect(project(sortRows(rows), ALL_COLUMNS)).toEqual(project(sortRows(expected.snapshot), ALL_COLUMNS));
  }, SETUP_BUDGET_MS);

  it('hudi-rs timeline lists the completed commits only (not the failed write, rollback or clean)', async () => {
    const table = await referenceTable();
    const timeline = await hudiRsTimeline(table);
    expect(timeline.map((i) => [i.timestamp, i.action, (i.metadata as { operationType?: string }).operationType])).toEqual([
      [c1, 'commit', 'INSERT'],
      [c2, 'commit', 'UPSERT'],
      [c3, 'commit', 'DELETE'],
      [c5, 'commit', 'UPSERT'],
    ]);
    expect(timeline.map((i) => i.timestamp)).not.toContain(c4);
  }, SETUP_BUDGET_MS);

  it('hudi-rs time travel and incremental reads return the rows of each range', async () => {
    const table = await referenceTable();
    const [atC3, atFailed, atC2, incC1, incC3, incC1C2] = await hudiRsRead(table, [
      { type: 'snapshot', asOf: c3 },
      { type: 'snapshot', asOf: c4 },
      { type: 'snapshot', asOf: c2 },
      { type: 'incremental', from: c1 },
      { type: 'incremental', from: c3 },
      { type: 'incremental', from: c1, to: c2 },
    ]);
    expect(keys(rowsOf(atC3))).toEqual(AT_C3);
    expect(keys(rowsOf(atFailed))).toEqual(AT_C3); // the rolled-back write left nothing
    // The clean (commits.retained=1) removed the FINISHED slice of c2: hudi-rs answers without it, silently
    // (Spark refuses, below). At c2 the table held O5 in FINISHED as well.
    expect(keys(rowsOf(atC2))).toEqual(AT_C3);
    expect(keys(rowsOf(incC1))).toEqual(['CREATED/O0000001@5', 'CREATED/O0000007@1', 'DELIVERING/O0000004@2', 'PAID/O0000003@4', 'PAID/O0000008@1']);
    expect(keys(rowsOf(incC3))).toEqual(['CREATED/O0000001@5', 'PAID/O0000008@1']);
    expect(keys(rowsOf(incC1C2))).toEqual(['CREATED/O0000001@3', 'CREATED/O0000007@1', 'DELIVERING/O0000004@2', 'PAID/O0000003@4']);
    for (const r of rowsOf(incC1C2)) expect(r._hoodie_commit_time).toBe(c2);
  }, SETUP_BUDGET_MS);

  it('hudi-rs picks the latest base file of each file group, and DuckDB reads those files to the same rows', async () => {
    const table = await referenceTable();
    const slices = await hudiRsFileSlices(table);
    expect(slices.map((s) => [s.partitionPath, s.creationInstantTime])).toEqual([
      ['CREATED', c5],
      ['DELIVERING', c2],
      ['FINISHED', c3],
      ['PAID', c5],
    ]);
    const rows = await duckdbReadBaseFiles(slices.map((s) => path.join(table, s.partitionPath, s.baseFileName)));
    expect(project(sortRows(rows), ALL_COLUMNS)).toEqual(project(sortRows(expected.snapshot), ALL_COLUMNS));
  }, SETUP_BUDGET_MS);

  it('every Spark-written base file carries a bloom filter our reimplementation reads and rebuilds byte for byte', async () => {
    const table = await referenceTable();
    const files = readdirSync(table, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.parquet'));
    expect(files.length).toBe(6);
    const checks = await checkBloomFilters(files.map((f) => path.join(table, f)));
    for (const c of checks) {
      expect(c.problems).toEqual([]);
      expect(c.typeCode).toBe('DYNAMIC_V0');
      expect(c.identicalToHudiDefault).toBe(true);
    }
  }, SETUP_BUDGET_MS);
});

describe('Spark reference table read by Spark', () => {
  it('Spark snapshot, time travel and incremental reads agree with hudi-rs; time travel before the clean is refused', async () => {
    const table = await referenceTable();
    const [snapshot, atC5, atC3, incC1, incC3, incC1C2] = await sparkRead(table, [
      { type: 'snapshot' },
      { type: 'snapshot', asOf: c5 },
      { type: 'snapshot', asOf: c3 },
      { type: 'incremental', from: c1 },
      { type: 'incremental', from: c3 },
      { type: 'incremental', from: c1, to: c2 },
    ]);
    expect(project(sortRows(rowsOf(snapshot)), ALL_COLUMNS)).toEqual(project(sortRows(expected.snapshot), ALL_COLUMNS));
    expect(keys(rowsOf(atC5))).toEqual(FINAL);
    // The clean's earliestCommitToRetain is c5: Spark refuses any earlier instant (hudi-rs does not).
    expect(atC3.error).toMatch(/Cleaner cleaned up the timestamp of interest/);
    // c2 wrote a FINISHED file the clean removed: Spark refuses the range (hudi-rs leaves that file out).
    expect(incC1C2.error).toMatch(/HoodieIncrementalPathNotFoundException/);
    const [rsIncC1, rsIncC3] = await hudiRsRead(table, [
      { type: 'incremental', from: c1 },
      { type: 'incremental', from: c3 },
    ]);
    expect(project(sortRows(rowsOf(incC1)), ALL_COLUMNS)).toEqual(project(sortRows(rowsOf(rsIncC1)), ALL_COLUMNS));
    expect(project(sortRows(rowsOf(incC3)), ALL_COLUMNS)).toEqual(project(sortRows(rowsOf(rsIncC3)), ALL_COLUMNS));
  }, SETUP_BUDGET_MS + 300_000);

  it('a Spark upsert and delete with the BLOOM index into a copy are read back by hudi-rs', async () => {
    const table = await referenceTable();
    const copy = path.join(path.dirname(table), 'upsert-copy');
    cpSync(table, copy, { recursive: true });
    const base = expected.snapshot.find((r) => r.orderId === 'O0000002' && r.orderStatus === 'CREATED')!;
    const upsert = await sparkWrite(
      copy,
      [
        { ...project([base], DATA_COLUMNS)[0], version: 7, chargeMoney: 25.5 },
        { ...project([base], DATA_COLUMNS)[0], orderId: 'O0000009', orderStatus: 'PAID', version: 1 },
      ],
      'upsert',
    );
    expect((upsert.commit as { operationType: string }).operationType).toBe('UPSERT');
    const del = await sparkWrite(copy, [{ orderId: 'O0000007', orderStatus: 'CREATED', version: 9 }], 'delete', { readBack: true });
    expect((del.commit as { operationType: string }).operationType).toBe('DELETE');
    const expectedKeys = ['CREATED/O0000001@5', 'CREATED/O0000002@7', 'DELIVERING/O0000004@2', 'PAID/O0000003@4', 'PAID/O0000004@1', 'PAID/O0000008@1', 'PAID/O0000009@1'];
    expect(keys(del.rows!)).toEqual(expectedKeys);
    const rows = await hudiRsSnapshot(copy);
    expect(keys(rows)).toEqual(expectedKeys);
    expect(rows.find((r) => r.orderId === 'O0000002')).toMatchObject({ chargeMoney: 25.5, _hoodie_commit_time: upsert.instant });
    // An untouched row rewritten into the new file slice keeps the commit time and seqno it was written with.
    expect(rows.find((r) => r.orderId === 'O0000001')).toMatchObject({ _hoodie_commit_time: c5 });
  }, SETUP_BUDGET_MS + 600_000);
});
