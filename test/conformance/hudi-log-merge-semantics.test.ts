// How the readers merge log blocks we write into a merge-on-read snapshot, pinned down on a real table: Spark (Hudi
// 0.15 bundle) makes a MERGE_ON_READ table with DefaultHoodieRecordPayload and precombine field `ts` (its first
// insert is the base file), then this test appends log files of our own codec and hand-written deltacommits (one
// failed, one rolled back by a command block) and reads the snapshot with Spark and hudi-rs. Where the two readers
// disagree, both answers are asserted: the write path must produce tables whose meaning does not depend on that.
// Also: log files Spark itself writes into a MOR table (an upsert, a delete) decode with our codec.

import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { withHoodieMetaFields } from '../../plugins/hudi/avro/table-schema';
import { decodeAvroDataBlock, encodeAvroDataBlock } from '../../plugins/hudi/log/avro-data-block';
import { encodeRollbackBlock } from '../../plugins/hudi/log/command-block';
import { decodeDeleteBlock, encodeDeleteBlock, type DeleteRecord, type OrderingValue } from '../../plugins/hudi/log/delete-block';
import { decodeLogFile } from '../../plugins/hudi/log/log-block';
import { logFileName, parseLogFileName } from '../../plugins/hudi/log/log-file-name';
import { hudiRsSnapshot, project, readersAvailable, rowsOf, sortRows, sparkRead, sparkWrite, type Row } from '../helpers/table-readers';

const SCHEMA = { type: 'record', name: 'Event', fields: [{ name: 'id', type: 'string' }, { name: 'ts', type: 'long' }, { name: 'val', type: ['null', 'string'] }] };

/** A new MERGE_ON_READ table at `dir/mor` made by Spark's insert of `rows` (its base file and first deltacommit). */
async function sparkMorTable(dir: string, rows: Row[]): Promise<{ table: string; instant: string; commit: Record<string, unknown> }> {
  const avsc = path.join(dir, 'event.avsc');
  writeFileSync(avsc, JSON.stringify(SCHEMA));
  const table = path.join(dir, 'mor');
  const options = {
    'hoodie.table.name': 'mor',
    'hoodie.datasource.write.table.type': 'MERGE_ON_READ',
    'hoodie.datasource.write.recordkey.field': 'id',
    'hoodie.datasource.write.precombine.field': 'ts',
    'hoodie.datasource.write.keygenerator.class': 'org.apache.hudi.keygen.NonpartitionedKeyGenerator',
    'hoodie.datasource.write.payload.class': 'org.apache.hudi.common.model.DefaultHoodieRecordPayload',
    'hoodie.compact.inline': 'false',
  };
  const created = await sparkWrite(table, rows, 'insert', { index: 'SIMPLE', createSchema: avsc, options });
  return { table, instant: created.instant, commit: created.commit };
}
// Instants after Spark's first commit (which is "now"), in the order they happen.
const D1 = '29990101000001000';
const D2 = '29990101000002000'; // fails: requested + inflight only
const D3 = '29990101000003000';
const D4 = '29990101000004000'; // completed, then undone by a rollback command block
const R4 = '29990101000005000';
const D6 = '29990101000006000';
const D7 = '29990101000007000';

const long = (value: number): OrderingValue => ({ type: 'long', value });
const del = (recordKey: string, orderingVal: OrderingValue | null): DeleteRecord => ({ recordKey, partitionPath: '', orderingVal });

interface Slice {
  dir: string;
  fileId: string;
  baseInstant: string;
  baseFile: string;
  /** The writer schema with meta fields (log blocks) and without (commit metadata). */
  schema: string;
  dataSchema: string;
}

/** Appends log file version `version` of the slice holding `blocks`, as one deltacommit's write would. */
function writeLog(s: Slice, version: number, blocks: Buffer[]): string {
  const name = logFileName({ fileId: s.fileId, baseInstant: s.baseInstant, version, writeToken: '1-0-1' });
  writeFileSync(path.join(s.dir, name), Buffer.concat(blocks));
  return name;
}

function dataBlock(s: Slice, instant: string, rows: { id: string; ts: number; val: string }[], logName: string): Buffer {
  const records = rows.map((r, i) => ({ _hoodie_commit_time: instant, _hoodie_commit_seqno: `${instant}_0_${i}`, _hoodie_record_key: r.id, _hoodie_partition_path: '', _hoodie_file_name: logName, ...r }));
  return encodeAvroDataBlock({ instantTime: instant, schema: s.schema, records });
}

/** A deltacommit on the timeline: requested and inflight always, the completed file only when `completed`. The
 *  completed metadata is minimal on purpose: no write stats (both readers list log files themselves), only the
 *  schema, which hudi-rs takes from the latest commit (without it, it looks for write stats to read a file's). */
function deltacommit(s: Slice, instant: string, completed: boolean): void {
  const hoodie = path.join(s.dir, '.hoodie');
  writeFileSync(path.join(hoodie, `${instant}.deltacommit.requested`), '');
  writeFileSync(path.join(hoodie, `${instant}.deltacommit.inflight`), '');
  if (completed) writeFileSync(path.join(hoodie, `${instant}.deltacommit`), JSON.stringify({ partitionToWriteStats: {}, compacted: false, extraMetadata: { schema: s.dataSchema }, operationType: 'UPSERT' }));
}

function idTsVal(rows: Row[]): Row[] {
  return sortRows(project(rows, ['id', 'ts', 'val']), ['id']);
}

describe('merge-on-read snapshots of our log blocks, read by Spark (Hudi 0.15) and hudi-rs', () => {
  let slice: Slice;

  beforeAll(async () => {
    await readersAvailable();
    const base = Array.from({ length: 9 }, (_, i) => ({ id: `k${i + 1}`, ts: 10, val: 'base' }));
    const created = await sparkMorTable(mkdtempSync(path.join(tmpdir(), 'hudi-log-merge-')), base);
    const dir = created.table;
    const baseFile = readdirSync(dir).find((f) => f.endsWith('.parquet'))!;
    const [fileId, , baseInstant] = baseFile.slice(0, -'.parquet'.length).split('_');
    const dataSchema = (created.commit['extraMetadata'] as { schema: string }).schema;
    slice = { dir, fileId: fileId!, baseInstant: baseInstant!, baseFile, schema: withHoodieMetaFields(dataSchema), dataSchema };

    const log1 = logFileName({ fileId: slice.fileId, baseInstant: slice.baseInstant, version: 1, writeToken: '1-0-1' });
    writeLog(slice, 1, [
      dataBlock(slice, D1, [{ id: 'k1', ts: 5, val: 'd1-lower' }, { id: 'k2', ts: 20, val: 'd1-higher' }, { id: 'k8', ts: 1, val: 'd1-lower' }, { id: 'k9', ts: 10, val: 'd1-tie' }], log1),
      // One ordering type per delete block: hudi-rs refuses a block that mixes them.
      encodeDeleteBlock({ instantTime: D1, records: [del('k3', long(5)), del('k5', long(50))] }),
      encodeDeleteBlock({ instantTime: D1, records: [del('k4', { type: 'int', value: 0 })] }),
    ]);
    deltacommit(slice, D1, true);
    writeLog(slice, 2, [dataBlock(slice, D2, [{ id: 'k6', ts: 99, val: 'd2-failed' }], 'x')]);
    deltacommit(slice, D2, false);
    writeLog(slice, 3, [
      dataBlock(slice, D3, [{ id: 'k2', ts: 15, val: 'd3-lower-than-d1' }, { id: 'k7', ts: 30, val: 'd3' }, { id: 'k5', ts: 40, val: 'd3-after-delete' }], 'x'),
      encodeDeleteBlock({ instantTime: D3, records: [del('k1', long(3))] }),
    ]);
    deltacommit(slice, D3, true);
    writeLog(slice, 4, [dataBlock(slice, D4, [{ id: 'k6', ts: 50, val: 'd4-rolled-back' }], 'x')]);
    deltacommit(slice, D4, true);
    writeLog(slice, 5, [encodeRollbackBlock({ instantTime: R4, targetInstantTime: D4 })]);
  }, 900_000);

  // What both readers agree on, whatever else happens: a log record with a lower ordering value than the base
  // record does not replace it (k1, k8), a higher one does (k2), among log records the highest wins (k2: D1's 20 over
  // D3's 15), a tie goes to the log record (k9), blocks of a deltacommit that never completed are skipped (k6 in D2),
  // and a delete with Hudi's default ordering value (int 0, what Spark's delete operation writes) deletes (k4).
  const agreed = [
    { id: 'k1', ts: 10, val: 'base' },
    { id: 'k2', ts: 20, val: 'd1-higher' },
    { id: 'k7', ts: 30, val: 'd3' },
    { id: 'k8', ts: 10, val: 'base' },
  ];

  it('Spark and hudi-rs agree on log data records, ties and failed deltacommits; they differ on ordered deletes and on a rollback block newer than the latest commit', async () => {
    const [spark] = await sparkRead(slice.dir, [{ type: 'snapshot' }]);
    const rs = await hudiRsSnapshot(slice.dir);
    // Spark 0.15: a delete removes the base record whatever their ordering values (k3 gone), and a data record
    // after a delete wins whatever their ordering values (k5: D3's 40 after D1's delete at 50). A command block
    // whose INSTANT_TIME is after the latest completed commit ends the scan of the slice (scanInternalV1 breaks), so
    // R4 does not undo the completed D4 yet (k6).
    expect(idTsVal(rowsOf(spark!))).toEqual(sortRows([...agreed, { id: 'k5', ts: 40, val: 'd3-after-delete' }, { id: 'k6', ts: 50, val: 'd4-rolled-back' }, { id: 'k9', ts: 10, val: 'd1-tie' }], ['id']));
    // hudi-rs 0.5.0 (Hudi 1.x semantics): a delete carrying an ordering value loses to a higher one, in the base
    // (k3 stays) and among log records (k5: the delete at 50 beats the later record at 40); the rollback block
    // applies whatever its instant (k6 back to base).
    expect(idTsVal(rs)).toEqual(sortRows([...agreed, { id: 'k3', ts: 10, val: 'base' }, { id: 'k6', ts: 10, val: 'base' }, { id: 'k9', ts: 10, val: 'd1-tie' }], ['id']));
  }, 900_000);

  it('once a later deltacommit completes, both readers apply the rollback block to the blocks before it', async () => {
    writeLog(slice, 6, [dataBlock(slice, D6, [{ id: 'k9', ts: 60, val: 'd6' }], 'x')]);
    deltacommit(slice, D6, true);
    const [spark] = await sparkRead(slice.dir, [{ type: 'snapshot' }]);
    const after = [...agreed, { id: 'k6', ts: 10, val: 'base' }, { id: 'k9', ts: 60, val: 'd6' }];
    expect(idTsVal(rowsOf(spark!))).toEqual(sortRows([...after, { id: 'k5', ts: 40, val: 'd3-after-delete' }], ['id']));
    expect(idTsVal(await hudiRsSnapshot(slice.dir))).toEqual(sortRows([...after, { id: 'k3', ts: 10, val: 'base' }], ['id']));
  }, 900_000);

  it('a delete without an ordering value (null) fails the Spark read and deletes in hudi-rs', async () => {
    writeLog(slice, 7, [encodeDeleteBlock({ instantTime: D7, records: [del('k7', null)] })]);
    deltacommit(slice, D7, true);
    const [spark] = await sparkRead(slice.dir, [{ type: 'snapshot' }]);
    // The reader reports the top-level error; its cause, in the stack trace, is DefaultHoodieRecordPayload's
    // "Ordering value is null for record: null". The same table read fine before this one block was added.
    expect(spark!.error).toMatch(/HoodieException: Exception when reading log file/);
    expect(idTsVal(await hudiRsSnapshot(slice.dir)).map((r) => r['id'])).toEqual(['k1', 'k2', 'k3', 'k6', 'k8', 'k9']);
  }, 900_000);
});

describe('log files Spark (Hudi 0.15) writes into a merge-on-read table, decoded by our codec', () => {
  it('an upsert is an avro-data block with INSTANT_TIME and SCHEMA, a delete is a delete block ordered by int 0', async () => {
    await readersAvailable();
    const { table: dir } = await sparkMorTable(mkdtempSync(path.join(tmpdir(), 'hudi-spark-logs-')), [1, 2, 3].map((i) => ({ id: `k${i}`, ts: 10, val: 'base' })));
    const upsert = await sparkWrite(dir, [{ id: 'k1', ts: 20, val: 'upd' }], 'upsert', { index: 'SIMPLE' });
    const removal = await sparkWrite(dir, [{ id: 'k2', ts: 7 }], 'delete', { index: 'SIMPLE' });

    const logs = readdirSync(dir).filter((n) => parseLogFileName(n) !== undefined).sort((a, b) => parseLogFileName(a)!.version - parseLogFileName(b)!.version);
    // Each deltacommit wrote a new version of the slice's log rather than appending to the last one.
    expect(logs.map((n) => parseLogFileName(n)!.version)).toEqual([1, 2]);
    const [first, second] = logs.map((n) => decodeLogFile(readFileSync(path.join(dir, n))));
    expect(first!.map((b) => b.type)).toEqual(['avro-data']);
    const data = decodeAvroDataBlock(first![0]!);
    expect(Object.keys(data.header).sort()).toEqual(['INSTANT_TIME', 'SCHEMA']);
    expect(data.instantTime).toBe(upsert.instant);
    expect(data.records.map((r) => [r['_hoodie_record_key'], r['ts'], r['val'], r['_hoodie_commit_time']])).toEqual([['k1', 20, 'upd', upsert.instant]]);
    expect(second!.map((b) => b.type)).toEqual(['delete']);
    const deletes = decodeDeleteBlock(second![0]!);
    // The delete block carries the writer schema too; the ordering value is Hudi's default, not the row's ts.
    expect(Object.keys(deletes.header).sort()).toEqual(['INSTANT_TIME', 'SCHEMA']);
    expect(deletes.instantTime).toBe(removal.instant);
    expect(deletes.records).toEqual([{ recordKey: 'k2', partitionPath: '', orderingVal: { type: 'int', value: 0 } }]);
  }, 900_000);
});
