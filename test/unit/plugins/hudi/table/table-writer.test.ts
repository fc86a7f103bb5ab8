// The table writer with its real collaborators on a temp directory: precombine semantics against the
// table, deletes, insert vs upsert, the two index types, file sizing, which file groups a commit
// rewrites, meta columns, commit metadata counts, rollback of a commit a crash left unfinished, and
// cleaning. Rows are read back from file names and .commit files alone (test/helpers/hudi-files.ts).
import { existsSync, writeFileSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { HudiBloomFilter } from '../../../../../plugins/hudi/index/bloom-filter';
import { FooterTree } from '../../../../../plugins/hudi/parquet/row-group-splice';
import { parseBaseFileName } from '../../../../../plugins/hudi/table/base-file';
import type { Storage } from '../../../../../plugins/hudi/storage/storage';
import type { HudiTableWriter } from '../../../../../plugins/hudi/table/table-writer';
import type { WriteStat } from '../../../../../plugins/hudi/timeline/commit-metadata';
import { deserializeCleanMetadata, deserializeRollbackMetadata, deserializeRollbackPlan } from '../../../../../plugins/hudi/timeline/timeline-avro';
import { latestSliceFiles } from '../../../../helpers/hudi-files';
import { PAYMENT_SCHEMA, tableFixture, type Payment, type TableFixture } from '../../../../helpers/hudi-table';

const open: TableFixture[] = [];
afterEach(async () => {
  for (const f of open.splice(0)) await f.close();
});

async function fixture(config: Record<string, string> = {}, schema?: object): Promise<TableFixture> {
  const f = await tableFixture(config, schema);
  open.push(f);
  return f;
}

const p = (id: string, region: string, ver: number, amount = ver, deleted = false): Payment => ({ id, region, amount, ver, _hoodie_is_deleted: deleted });

/** Base files on disk of one partition, by file id: their instants, sorted. */
function slices(f: TableFixture, partition: string): Record<string, string[]> {
  const dir = path.join(f.table, partition);
  const out: Record<string, string[]> = {};
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    const parsed = parseBaseFileName(name);
    if (parsed) (out[parsed.fileId] ??= []).push(parsed.instantTime);
  }
  for (const list of Object.values(out)) list.sort();
  return out;
}

function statsOf(meta: { partitionToWriteStats: Record<string, WriteStat[]> }): WriteStat[] {
  return Object.values(meta.partitionToWriteStats).flat();
}

const hoodie = (f: TableFixture) => readdirSync(path.join(f.table, '.hoodie'));

describe('HudiTableWriter precombine semantics', () => {
  it('upsert with a greater precombine value in a later commit replaces the table row', async () => {
    const f = await fixture();
    const w = await f.open();
    await f.write(w, [p('k1', 'eu', 1, 10), p('k2', 'eu', 1, 20)]);
    await f.write(w, [p('k1', 'eu', 2, 11)]);
    expect(await f.snapshot()).toEqual(['eu/k1@2:11', 'eu/k2@1:20']);
  });

  it('upsert with an equal precombine value replaces the table row (the later arrival wins)', async () => {
    const f = await fixture();
    const w = await f.open();
    await f.write(w, [p('k1', 'eu', 2, 10)]);
    const c2 = await f.write(w, [p('k1', 'eu', 2, 11)]);
    expect(await f.snapshot()).toEqual(['eu/k1@2:11']);
    expect(c2.updates).toBe(1);
  });

  it('upsert with a smaller precombine value loses against the table row, which keeps its commit time', async () => {
    const f = await fixture();
    const w = await f.open();
    const c1 = await f.write(w, [p('k1', 'eu', 5, 50), p('k2', 'eu', 1, 1)]);
    const c2 = await f.write(w, [p('k1', 'eu', 3, 30), p('k2', 'eu', 2, 2)]);
    expect(await f.snapshot()).toEqual(['eu/k1@5:50', 'eu/k2@2:2']);
    const rows = await f.rows();
    expect(rows.find((r) => r['id'] === 'k1')?.['_hoodie_commit_time']).toBe(c1.instant);
    expect(rows.find((r) => r['id'] === 'k2')?.['_hoodie_commit_time']).toBe(c2.instant);
    // As Spark counts it (reference c2: O2 v0 against a stored v1 is no update write).
    expect(c2.updates).toBe(1);
    expect(statsOf(await f.commitMetadata(c2.instant))[0]).toMatchObject({ numUpdateWrites: 1, numWrites: 2 });
  });

  it('one batch with several versions of a key keeps the greatest, and of equal versions the last', async () => {
    const f = await fixture();
    const w = await f.open();
    await f.write(w, [p('k1', 'eu', 3, 30), p('k1', 'eu', 1, 10), p('k2', 'eu', 1, 1), p('k2', 'eu', 1, 2), p('k2', 'eu', 1, 3), p('k3', 'eu', 1, 1), p('k3', 'eu', 4, 4)]);
    expect(await f.snapshot()).toEqual(['eu/k1@3:30', 'eu/k2@1:3', 'eu/k3@4:4']);
  });

  it('a decimal precombine field orders numerically: 10.00 beats 9.50 and -2.00 loses against -1.00', async () => {
    const fields = PAYMENT_SCHEMA.fields.map((x) => (x.name === 'ver' ? { name: 'ver', type: { type: 'bytes', logicalType: 'decimal', precision: 10, scale: 2 } } : x));
    const f = await fixture({}, { ...PAYMENT_SCHEMA, fields });
    const w = await f.open();
    await f.write(w, [p('k1', 'eu', 9.5, 1), p('k2', 'eu', -1, 1)]);
    await f.write(w, [p('k1', 'eu', 10, 2), p('k2', 'eu', -2, 2)]);
    expect(await f.snapshot()).toEqual(['eu/k1@10:2', 'eu/k2@-1:1']);
    // Within one batch too.
    await f.write(w, [p('k3', 'eu', 100, 3), p('k3', 'eu', 20, 4)]);
    expect((await f.snapshot()).filter((r) => r.startsWith('eu/k3'))).toEqual(['eu/k3@100:3']);
  });

  it('a record without a precombine value fails the commit with a DataError naming the key and field', async () => {
    const f = await fixture();
    const w = await f.open();
    const row = { ...f.deps.schema.coerce(p('k1', 'eu', 1)), ver: null };
    await expect(w.write([{ row, isDelete: false }], 'upsert', f.deps.schema.columns, f.deps.schema.schemaJson, {})).rejects.toMatchObject({
      code: 'CONVERSION_FAILED',
      message: expect.stringMatching(/k1.*ver/),
    });
    expect(f.commits()).toEqual([]);
  });
});

describe('HudiTableWriter deletes', () => {
  it('a record with the delete marker removes its key, and one for an absent key adds nothing', async () => {
    const f = await fixture();
    const w = await f.open();
    await f.write(w, [p('k1', 'eu', 1), p('k2', 'eu', 1)]);
    const c2 = await f.write(w, [p('k1', 'eu', 2, 0, true), p('k9', 'eu', 2, 0, true)]);
    expect(await f.snapshot()).toEqual(['eu/k2@1:1']);
    expect(c2).toMatchObject({ deletes: 1, inserts: 0, updates: 0 });
  });

  it('a delete marker with a smaller precombine value than the table row leaves the row', async () => {
    const f = await fixture();
    const w = await f.open();
    await f.write(w, [p('k1', 'eu', 5)]);
    const c2 = await f.write(w, [p('k1', 'eu', 4, 0, true)]);
    expect(await f.snapshot()).toEqual(['eu/k1@5:5']);
    expect(c2.deletes).toBe(0);
  });

  it('a delete marker after an insert of the same key in one batch wins, and a later re-insert brings the key back', async () => {
    const f = await fixture();
    const w = await f.open();
    await f.write(w, [p('k1', 'eu', 1), p('k1', 'eu', 2, 0, true), p('k2', 'eu', 1)]);
    expect(await f.snapshot()).toEqual(['eu/k2@1:1']);
    await f.write(w, [p('k1', 'eu', 3, 33)]);
    expect(await f.snapshot()).toEqual(['eu/k1@3:33', 'eu/k2@1:1']);
  });

  it('operation delete removes the records\' keys whatever their marker and precombine value', async () => {
    const f = await fixture();
    const w = await f.open();
    await f.write(w, [p('k1', 'eu', 5), p('k2', 'eu', 5), p('k3', 'us', 5)]);
    const c2 = await f.write(w, [p('k1', 'eu', 1), p('k3', 'us', 1), p('k7', 'us', 1)], 'delete');
    expect(await f.snapshot()).toEqual(['eu/k2@5:5']);
    expect(c2).toMatchObject({ operation: 'DELETE', deletes: 2, inserts: 0, updates: 0 });
    expect((await f.commitMetadata(c2.instant)).operationType).toBe('DELETE');
  });
});

describe('HudiTableWriter insert and bulk_insert', () => {
  it('insert of a key already in the table skips the index and duplicates the key, as Hudi does', async () => {
    const f = await fixture();
    const w = await f.open();
    await f.write(w, [p('k1', 'eu', 1, 10)]);
    const c2 = await f.write(w, [p('k1', 'eu', 2, 20)], 'insert');
    expect(await f.snapshot()).toEqual(['eu/k1@1:10', 'eu/k1@2:20']);
    expect(c2).toMatchObject({ operation: 'INSERT', inserts: 1, updates: 0 });
    const c3 = await f.write(w, [p('k1', 'eu', 3, 30)], 'bulk_insert');
    expect(c3.operation).toBe('BULK_INSERT');
    expect((await f.snapshot()).filter((r) => r.startsWith('eu/k1@'))).toHaveLength(3);
  });
});

describe('HudiTableWriter index types', () => {
  it('BLOOM: a key whose partition value changed is inserted in the new partition and its old row stays', async () => {
    const f = await fixture({ 'hoodie.index.type': 'BLOOM' });
    const w = await f.open();
    await f.write(w, [p('k1', 'eu', 1), p('k2', 'eu', 1)]);
    await f.write(w, [p('k1', 'us', 2)]);
    expect(await f.snapshot()).toEqual(['eu/k1@1:1', 'eu/k2@1:1', 'us/k1@2:2']);
  });

  it('GLOBAL_BLOOM: a key whose partition value changed moves: one row in the new partition, none in the old', async () => {
    const f = await fixture({ 'hoodie.index.type': 'GLOBAL_BLOOM' });
    const w = await f.open();
    const c1 = await f.write(w, [p('k1', 'eu', 1), p('k2', 'eu', 1)]);
    const c2 = await f.write(w, [p('k1', 'us', 2)]);
    expect(await f.snapshot()).toEqual(['eu/k2@1:1', 'us/k1@2:2']);
    const stats = (await f.commitMetadata(c2.instant)).partitionToWriteStats;
    expect(stats['eu']).toEqual([expect.objectContaining({ numDeletes: 1, numWrites: 1, prevCommit: c1.instant })]);
    expect(stats['us']).toEqual([expect.objectContaining({ numInserts: 1, numWrites: 1, prevCommit: 'null' })]);
  });

  it('GLOBAL_BLOOM: a delete marker finds its key in another partition', async () => {
    const f = await fixture({ 'hoodie.index.type': 'GLOBAL_BLOOM' });
    const w = await f.open();
    await f.write(w, [p('k1', 'eu', 1), p('k2', 'eu', 1)]);
    await f.write(w, [p('k1', 'us', 2, 0, true)]);
    expect(await f.snapshot()).toEqual(['eu/k2@1:1']);
  });

  it('GLOBAL_BLOOM: a smaller precombine value in another partition loses: the stored row stays where it is', async () => {
    const f = await fixture({ 'hoodie.index.type': 'GLOBAL_BLOOM' });
    const w = await f.open();
    await f.write(w, [p('k1', 'eu', 5, 50), p('k2', 'eu', 1)]);
    await f.write(w, [p('k1', 'us', 3, 30)]);
    expect(await f.snapshot()).toEqual(['eu/k1@5:50', 'eu/k2@1:1']);
  });

  it('GLOBAL_BLOOM: a delete marker with a smaller precombine value in another partition leaves the stored row', async () => {
    const f = await fixture({ 'hoodie.index.type': 'GLOBAL_BLOOM' });
    const w = await f.open();
    await f.write(w, [p('k1', 'eu', 5, 50)]);
    const c2 = await f.write(w, [p('k1', 'us', 4, 0, true)]);
    expect(await f.snapshot()).toEqual(['eu/k1@5:50']);
    expect(c2).toMatchObject({ deletes: 0, filesWritten: 0 });
  });

  it('GLOBAL_BLOOM: a key that moved is found in its new partition by the next commit', async () => {
    const f = await fixture({ 'hoodie.index.type': 'GLOBAL_BLOOM' });
    const w = await f.open();
    await f.write(w, [p('k1', 'eu', 1)]);
    await f.write(w, [p('k1', 'us', 2)]);
    await f.write(w, [p('k1', 'ap', 3)]);
    expect(await f.snapshot()).toEqual(['ap/k1@3:3']);
    // A reopened writer finds it through the footers of the files on disk.
    const w2 = await f.open();
    await f.write(w2, [p('k1', 'eu', 4)]);
    expect(await f.snapshot()).toEqual(['eu/k1@4:4']);
  });
});

describe('HudiTableWriter file sizing', () => {
  it('inserts fill the existing small file group until it is full, then open a new file group', async () => {
    const f = await fixture();
    const w1 = await f.open({ maxFileSize: 1 << 30, smallFileLimit: 0 });
    const c1 = await f.write(w1, Array.from({ length: 10 }, (_, i) => p(`a${i}`, 'eu', 1)));
    const [first] = statsOf(await f.commitMetadata(c1.instant));
    expect(first!.numWrites).toBe(10);
    // Room for exactly 5 more records of `avg` bytes (c1 wrote less than the small-file limit, so the writer
    // sizes by the record size estimate, as Hudi does).
    const avg = Math.ceil(first!.fileSizeInBytes / 10);
    const max = first!.fileSizeInBytes + 5 * avg;
    const w2 = await f.open({ maxFileSize: max, smallFileLimit: max, recordSizeEstimate: avg });
    const c2 = await f.write(w2, Array.from({ length: 8 }, (_, i) => p(`b${i}`, 'eu', 1)));
    const stats = statsOf(await f.commitMetadata(c2.instant));
    const filled = stats.find((s) => s.fileId === first!.fileId);
    const opened = stats.find((s) => s.fileId !== first!.fileId);
    expect(filled).toMatchObject({ numInserts: 5, numWrites: 15, prevCommit: c1.instant });
    expect(opened).toMatchObject({ numInserts: 3, numWrites: 3, prevCommit: 'null' });
    expect(stats).toHaveLength(2);
    expect(Object.keys(slices(f, 'eu'))).toHaveLength(2);
    expect((await f.rows()).length).toBe(18);
  });

  it('a commit that wrote more than the small-file limit teaches the writer its bytes per record', async () => {
    const f = await fixture();
    const w1 = await f.open({ maxFileSize: 1 << 30, smallFileLimit: 0, recordSizeEstimate: 1 });
    const c1 = await f.write(w1, Array.from({ length: 20 }, (_, i) => p(`a${String(i).padStart(2, '0')}`, 'eu', 1)));
    const [first] = statsOf(await f.commitMetadata(c1.instant));
    const avg = Math.ceil(first!.fileSizeInBytes / 20);
    // With the estimate (1 byte) all 7 would fit one file; with c1's measured size, 3 fit.
    const w2 = await f.open({ maxFileSize: 3 * avg, smallFileLimit: 0, recordSizeEstimate: 1 });
    const c2 = await f.write(w2, Array.from({ length: 7 }, (_, i) => p(`b${i}`, 'us', 1)));
    expect(statsOf(await f.commitMetadata(c2.instant)).map((s) => s.numWrites).sort()).toEqual([1, 3, 3]);
  });

  it('a commit smaller than the small-file limit does not inflate the record size: a later large insert fills the small file', async () => {
    // Hudi's bloom filter makes every file ~430 KB whatever its rows; learning bytes per record from a
    // 1-row commit would size later inserts at ~430 KB a record and scatter them over many file groups.
    const f = await fixture({ 'hoodie.index.bloom.num_entries': '60000', 'hoodie.index.bloom.fpp': '0.000000001', 'hoodie.bloom.index.filter.dynamic.max.entries': '100000' });
    const w = await f.open();
    const c1 = await f.write(w, [p('a', 'eu', 1)]);
    expect(statsOf(await f.commitMetadata(c1.instant))[0]!.fileSizeInBytes).toBeGreaterThan(400_000);
    const c2 = await f.write(w, Array.from({ length: 2000 }, (_, i) => p(`b${i}`, 'eu', 1)));
    expect(statsOf(await f.commitMetadata(c2.instant))).toEqual([expect.objectContaining({ numInserts: 2000, numWrites: 2001, prevCommit: c1.instant })]);
    // The same after a restart (the record size is learned again at open).
    const c3 = await f.write(await f.open(), Array.from({ length: 2000 }, (_, i) => p(`c${i}`, 'eu', 1)));
    expect(statsOf(await f.commitMetadata(c3.instant))).toEqual([expect.objectContaining({ numInserts: 2000, numWrites: 4001 })]);
  });

  it('inserts with small-file limit 0 always open new file groups', async () => {
    const f = await fixture({ 'hoodie.parquet.small.file.limit': '0' });
    const w = await f.open();
    await f.write(w, [p('a', 'eu', 1)]);
    await f.write(w, [p('b', 'eu', 1)]);
    expect(Object.values(slices(f, 'eu'))).toEqual([[expect.any(String)], [expect.any(String)]]);
  });

  it('inserts into an empty table are split into new file groups of max file size / record size estimate', async () => {
    const f = await fixture();
    const w = await f.open({ maxFileSize: 1000, recordSizeEstimate: 100, smallFileLimit: 0 });
    const c = await f.write(w, Array.from({ length: 25 }, (_, i) => p(`k${String(i).padStart(2, '0')}`, 'eu', 1)));
    const sizes = statsOf(await f.commitMetadata(c.instant)).map((s) => s.numWrites).sort((a, b) => a - b);
    expect(sizes).toEqual([5, 10, 10]);
    expect(c.filesWritten).toBe(3);
  });
});

describe('HudiTableWriter file slices and meta columns', () => {
  it('an upsert writes new slices only of the file groups it touches', async () => {
    const f = await fixture({ 'hoodie.parquet.small.file.limit': '0' });
    const w = await f.open();
    const c1 = await f.write(w, [p('k1', 'eu', 1), p('k2', 'eu', 1), p('k3', 'us', 1), p('k4', 'ap', 1)]);
    const c2 = await f.write(w, [p('k1', 'eu', 2)]);
    expect(Object.values(slices(f, 'eu'))).toEqual([[c1.instant, c2.instant]]);
    expect(Object.values(slices(f, 'us'))).toEqual([[c1.instant]]);
    expect(Object.values(slices(f, 'ap'))).toEqual([[c1.instant]]);
    expect(Object.keys((await f.commitMetadata(c2.instant)).partitionToWriteStats)).toEqual(['eu']);
    expect(c2.filesWritten).toBe(1);
  });

  it('every row names the file it is in, and rows copied into a new slice keep their commit time and seqno', async () => {
    const f = await fixture({ 'hoodie.parquet.small.file.limit': '0' });
    const w = await f.open();
    const c1 = await f.write(w, [p('k1', 'eu', 1), p('k2', 'eu', 1), p('k3', 'us', 1)]);
    const before = await f.rows();
    const c2 = await f.write(w, [p('k1', 'eu', 2)]);
    for (const file of latestSliceFiles(f.table)) {
      for (const r of await f.deps.codec.decode(readFileSync(file))) {
        expect(r['_hoodie_file_name'], file).toBe(path.basename(file));
        expect(r['_hoodie_partition_path']).toBe(path.basename(path.dirname(file)));
        expect(r['_hoodie_record_key']).toBe(r['id']);
      }
    }
    const after = await f.rows();
    const row = (rows: typeof after, id: string) => rows.find((r) => r['id'] === id)!;
    expect(row(after, 'k1')['_hoodie_commit_time']).toBe(c2.instant);
    expect(String(row(after, 'k1')['_hoodie_commit_seqno'])).toMatch(new RegExp(`^${c2.instant}_`));
    expect(row(after, 'k2')['_hoodie_commit_time']).toBe(c1.instant);
    expect(row(after, 'k2')['_hoodie_commit_seqno']).toBe(row(before, 'k2')['_hoodie_commit_seqno']);
    expect(row(after, 'k2')['_hoodie_file_name']).not.toBe(row(before, 'k2')['_hoodie_file_name']);
    expect(row(after, 'k3')).toEqual(row(before, 'k3'));
  });

  it('a merge carries the row groups the commit does not change into the new slice with their bytes as they were, but for the file name', async () => {
    const f = await fixture({ 'hoodie.parquet.small.file.limit': '0' });
    const w = await f.open({ rowGroupRows: 2 });
    const keys = ['k1', 'k2', 'k3', 'k4', 'k5', 'k6', 'k7', 'k8'];
    await f.write(w, keys.map((k) => p(k, 'eu', 1)));
    const [old] = latestSliceFiles(f.table);
    const decode = vi.spyOn(f.deps.codec, 'decode');
    const c2 = await f.write(w, [p('k5', 'eu', 2, 50)]);
    // Only k5's row group is decoded whole; the others only have their key column read (for the bloom filter).
    expect(decode.mock.calls.filter(([, columns]) => columns === undefined)).toHaveLength(1);
    decode.mockRestore();
    const [now] = latestSliceFiles(f.table);
    expect(path.basename(now!)).toContain(c2.instant);
    /** Per row group: the hex of its chunk of `column`, and its keys. */
    const groups = async (file: string, column: string) => {
      const bytes = readFileSync(file);
      const tree = FooterTree.fromTail(bytes);
      const leaf = tree.leafIndex(column)!;
      return Promise.all(
        tree.rowGroups().map(async (span) => {
          const { start, end } = tree.chunkSpans(span.index)[leaf]!;
          const rows = await f.deps.codec.decode(tree.singleRowGroupFile(span.index, bytes.subarray(span.start, span.end)));
          return { chunk: bytes.subarray(start, end).toString('hex'), keys: rows.map((r) => String(r['id'])).join(',') };
        }),
      );
    };
    const before = await groups(old!, '_hoodie_commit_seqno');
    const after = await groups(now!, '_hoodie_commit_seqno');
    expect(before.map((g) => g.keys)).toEqual(['k1,k2', 'k3,k4', 'k5,k6', 'k7,k8']);
    // The three row groups without k5 keep their seqno chunks byte for byte.
    const carried = after.filter((g) => before.some((b) => b.chunk === g.chunk && b.keys === g.keys)).map((g) => g.keys);
    expect(carried.sort()).toEqual(['k1,k2', 'k3,k4', 'k7,k8']);
    expect(after.map((g) => g.keys).sort()).toEqual(['k1,k2', 'k3,k4', 'k5,k6', 'k7,k8']);
    // The file-name chunk is never carried: every row names its new file.
    for (const r of await f.deps.codec.decode(readFileSync(now!))) expect(r['_hoodie_file_name']).toBe(path.basename(now!));
    expect((await f.snapshot()).filter((s) => s.startsWith('eu/k5'))).toEqual(['eu/k5@2:50']);
    expect(await f.snapshot()).toHaveLength(8);
  });

  it('a merge that carries row groups over continues the previous bloom filter and counts removed keys as stale, until they would pass half the rows', async () => {
    const f = await fixture(); // inserts go into the one small file group
    const w = await f.open({ rowGroupRows: 2 });
    const footer = () => {
      const [file] = latestSliceFiles(f.table);
      const kv = FooterTree.fromTail(readFileSync(file!)).keyValues();
      const bloom = HudiBloomFilter.deserialize(kv['org.apache.hudi.bloomfilter']!, kv['hoodie_bloom_filter_type_code'] ?? 'SIMPLE');
      return { stale: kv['tributary_bloom_stale_keys'], min: kv['hoodie_min_record_key'], max: kv['hoodie_max_record_key'], has: (k: string) => bloom.mightContain(k) };
    };
    await f.write(w, ['k1', 'k2', 'k3', 'k4', 'k5', 'k6', 'k7', 'k8'].map((k) => p(k, 'eu', 1)));
    expect(footer().stale).toBe('0');
    await f.write(w, [p('k7', 'eu', 2, 0, true)]);
    // k7 is gone from the rows but stays in the continued filter and range.
    let now = footer();
    expect([now.stale, now.min, now.max, now.has('k7')]).toEqual(['1', 'k1', 'k8', true]);
    expect((await f.snapshot()).some((r) => r.includes('/k7@'))).toBe(false);
    await f.write(w, [p('k9', 'eu', 1)]);
    now = footer();
    expect([now.stale, now.max, now.has('k9')]).toEqual(['1', 'k9', true]);
    // 1 stale + 4 incoming > 8 rows / 2: the filter is built anew from the rows the file holds.
    await f.write(w, ['k1', 'k2', 'k6', 'k8'].map((k) => p(k, 'eu', 2, 0, true)));
    now = footer();
    expect([now.stale, now.min, now.max]).toEqual(['0', 'k3', 'k9']);
    expect(['k3', 'k4', 'k5', 'k9'].every(now.has)).toBe(true);
    expect(await f.snapshot()).toEqual(['eu/k3@1:1', 'eu/k4@1:1', 'eu/k5@1:1', 'eu/k9@1:1']);
  });

  it('a merge with a schema that gained a column decodes every row group (no carrying over), so old rows read the new column as null', async () => {
    const f = await fixture({ 'hoodie.parquet.small.file.limit': '0' });
    const w = await f.open({ rowGroupRows: 2 });
    await f.write(w, ['k1', 'k2', 'k3', 'k4'].map((k) => p(k, 'eu', 1)));
    const wider = [...f.deps.schema.columns, { name: 'note', type: { kind: 'string' as const }, nullable: true }];
    await w.write([{ row: { ...f.deps.schema.coerce({ ...p('k1', 'eu', 2), _hoodie_is_deleted: false }), note: 'new' }, isDelete: false }], 'upsert', wider, f.deps.schema.schemaJson, {});
    const [now] = latestSliceFiles(f.table);
    const rows = await f.deps.codec.decode(readFileSync(now!));
    expect(rows.map((r) => [r['id'], r['note']]).sort()).toEqual([['k1', 'new'], ['k2', null], ['k3', null], ['k4', null]]);
  });

  it('base files carry the Hudi footer keys: bloom filter, min and max record key, Avro schema with meta fields', async () => {
    const f = await fixture();
    const w = await f.open();
    await f.write(w, [p('k2', 'eu', 1), p('k1', 'eu', 1), p('k3', 'eu', 1)]);
    const [file] = latestSliceFiles(f.table);
    const { keyValueMetadata: kv, numRows } = await f.deps.codec.footer(readFileSync(file!));
    expect(numRows).toBe(3);
    expect(kv['hoodie_min_record_key']).toBe('k1');
    expect(kv['hoodie_max_record_key']).toBe('k3');
    expect(kv['hoodie_bloom_filter_type_code']).toBe('DYNAMIC_V0');
    const bloom = f.deps.blooms.deserialize(kv['org.apache.hudi.bloomfilter']!, kv['hoodie_bloom_filter_type_code']!);
    for (const k of ['k1', 'k2', 'k3']) expect(bloom.mightContain(k)).toBe(true);
    const schema = JSON.parse(kv['parquet.avro.schema']!) as { fields: { name: string }[] };
    expect(schema.fields.map((x) => x.name).slice(0, 6)).toEqual(['_hoodie_commit_time', '_hoodie_commit_seqno', '_hoodie_record_key', '_hoodie_partition_path', '_hoodie_file_name', 'id']);
  });

  it('a new partition gets .hoodie_partition_metadata naming the commit that created it', async () => {
    const f = await fixture();
    const w = await f.open();
    const c1 = await f.write(w, [p('k1', 'eu', 1)]);
    const text = readFileSync(path.join(f.table, 'eu', '.hoodie_partition_metadata'), 'utf8');
    expect(text).toContain(`commitTime=${c1.instant}\n`);
    expect(text).toContain('partitionDepth=1\n');
    expect(readFileSync(path.join(f.table, '.hoodie', 'hoodie.properties'), 'utf8')).toContain('hoodie.table.name=payments\n');
  });
});

describe('HudiTableWriter commit metadata', () => {
  it('write stats count inserts, update writes, deletes and rows written exactly, with prevCommit and sizes', async () => {
    const f = await fixture();
    const w = await f.open();
    const c1 = await f.write(w, [p('k1', 'eu', 1), p('k2', 'eu', 1), p('k3', 'eu', 1)]);
    const m1 = await f.commitMetadata(c1.instant);
    expect(statsOf(m1)).toEqual([expect.objectContaining({ partitionPath: 'eu', numInserts: 3, numUpdateWrites: 0, numDeletes: 0, numWrites: 3, prevCommit: 'null', totalWriteErrors: 0 })]);
    const fileId = statsOf(m1)[0]!.fileId;

    // One update, one delete, one insert that goes into eu's small file group, one insert into a new partition.
    const c2 = await f.write(w, [p('k1', 'eu', 2), p('k2', 'eu', 2, 0, true), p('k4', 'eu', 1), p('k5', 'us', 1)], 'upsert', { 'tributary.positions': '{"t/0":[[0,7]]}' });
    expect(c2).toMatchObject({ operation: 'UPSERT', inserts: 2, updates: 1, deletes: 1, filesWritten: 2 });
    const m2 = await f.commitMetadata(c2.instant);
    expect(m2.operationType).toBe('UPSERT');
    expect(m2.extraMetadata['schema']).toBe(f.deps.schema.schemaJson);
    expect(m2.extraMetadata['tributary.positions']).toBe('{"t/0":[[0,7]]}');
    const eu = m2.partitionToWriteStats['eu']!;
    const us = m2.partitionToWriteStats['us']!;
    expect(eu).toEqual([expect.objectContaining({ fileId, numInserts: 1, numUpdateWrites: 1, numDeletes: 1, numWrites: 3, prevCommit: c1.instant })]);
    expect(us).toEqual([expect.objectContaining({ numInserts: 1, numUpdateWrites: 0, numDeletes: 0, numWrites: 1, prevCommit: 'null' })]);
    for (const s of [...eu, ...us]) {
      const onDisk = path.join(f.table, s.path);
      expect(s.path.startsWith(`${s.partitionPath}/${s.fileId}_`)).toBe(true);
      expect(parseBaseFileName(path.basename(s.path))?.instantTime).toBe(c2.instant);
      expect(s.fileSizeInBytes).toBe(statSync(onDisk).size);
      expect(s.totalWriteBytes).toBe(s.fileSizeInBytes);
    }
    expect(c2.bytesWritten).toBe(eu[0]!.fileSizeInBytes + us[0]!.fileSizeInBytes);
    expect(await f.snapshot()).toEqual(['eu/k1@2:2', 'eu/k3@1:1', 'eu/k4@1:1', 'us/k5@1:1']);
  });

  it('a delete that empties a file group writes a 0-row slice with its stat, as Spark does', async () => {
    const f = await fixture();
    const w = await f.open();
    const c1 = await f.write(w, [p('k1', 'eu', 1)]);
    const c2 = await f.write(w, [p('k1', 'eu', 1)], 'delete');
    expect(statsOf(await f.commitMetadata(c2.instant))).toEqual([expect.objectContaining({ numWrites: 0, numDeletes: 1, prevCommit: c1.instant })]);
    expect(await f.rows()).toEqual([]);
  });

  it('lastCommitMetadata and lastCommitTime give the last completed commit, also to a reopened writer', async () => {
    const f = await fixture();
    const w = await f.open();
    expect(await w.lastCommitMetadata()).toBeUndefined();
    await f.write(w, [p('k1', 'eu', 1)], 'upsert', { x: '1' });
    const c2 = await f.write(w, [p('k2', 'eu', 1)], 'upsert', { x: '2' });
    expect(w.lastCommitTime()).toBe(c2.instant);
    const w2 = await f.open();
    expect(w2.lastCommitTime()).toBe(c2.instant);
    expect((await w2.lastCommitMetadata())?.extraMetadata['x']).toBe('2');
  });
});

describe('HudiTableWriter when storage fails during a write', () => {
  /** The fixture's storage with a switch: while `failing` matches a call, that call throws a retriable error. */
  function flaky(f: TableFixture) {
    const state = { failing: (_op: string, _path: string): boolean => false, failures: 0 };
    const s = f.storage as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>;
    const storage = new Proxy(f.storage, {
      get(target, prop, receiver) {
        const v = Reflect.get(target, prop, receiver);
        if (typeof v !== 'function') return v;
        return async (...args: unknown[]) => {
          if (state.failing(String(prop), String(args[0] ?? ''))) {
            state.failures++;
            throw Object.assign(new Error(`injected storage failure: ${String(prop)} ${String(args[0])}`), { retriable: true });
          }
          return (s[prop as string] as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        };
      },
    });
    return { storage, state };
  }

  /** Commit instants with a requested or inflight file and no completed one. */
  const pendingInstants = (f: TableFixture) => [...new Set(hoodie(f).filter((n) => /^\d{17}\.(inflight|commit\.requested)$/.test(n)).map((n) => n.slice(0, 17)))].filter((t) => !hoodie(f).includes(`${t}.commit`));

  it('a write that fails midway is rolled back at once (no pending instant, no stray file) and the retry commits', async () => {
    const f = await fixture({ 'hoodie.parquet.small.file.limit': '0' });
    const { storage, state } = flaky(f);
    const w = await f.open({ storage });
    await f.write(w, [p('k1', 'eu', 1)]);
    const before = await f.snapshot();
    const filesBefore = Object.values(slices(f, 'us')).flat().length;
    state.failing = (op, path) => op === 'openWrite' && path.startsWith('us/') && path.endsWith('.parquet');
    await expect(f.write(w, [p('k1', 'eu', 2), p('k2', 'us', 1)])).rejects.toThrow(/injected storage failure/);
    expect(pendingInstants(f)).toEqual([]);
    expect(await f.snapshot()).toEqual(before);
    expect(Object.values(slices(f, 'us')).flat().length).toBe(filesBefore);
    expect(f.logger.messages('warn')).toContain('rolled back an unfinished commit');
    state.failing = () => false;
    await f.write(w, [p('k1', 'eu', 2), p('k2', 'us', 1)]);
    expect(await f.snapshot()).toEqual(['eu/k1@2:2', 'us/k2@1:1']);
  });

  it('when the rollback fails too, the next write rolls the failed attempt back before writing', async () => {
    const f = await fixture();
    const { storage, state } = flaky(f);
    const w = await f.open({ storage });
    await f.write(w, [p('k1', 'eu', 1)]);
    // The data file write fails, and so does every rollback request (its requested file).
    state.failing = (op, path) => (op === 'openWrite' && path.endsWith('.parquet')) || (op === 'createExclusive' && path.endsWith('.rollback.requested'));
    await expect(f.write(w, [p('k2', 'eu', 1)])).rejects.toThrow(/injected storage failure/);
    expect(pendingInstants(f).length).toBe(1);
    expect(f.logger.messages('warn')).toContain('could not roll back the failed commit now; the next write rolls it back');
    state.failing = () => false;
    await f.write(w, [p('k2', 'eu', 1)]);
    expect(pendingInstants(f)).toEqual([]);
    expect(await f.snapshot()).toEqual(['eu/k1@1:1', 'eu/k2@1:1']);
  });

  it('a base file whose stream died midway leaves no temporary file once its commit is rolled back', async () => {
    const f = await fixture();
    const w0 = await f.open();
    await f.write(w0, [p('k1', 'eu', 1)]);
    // The stream writes its first piece and then the process "dies": the write throws and abort does nothing,
    // as after a kill, so the temporary file stays until the rollback discards it.
    const dying: Storage = Object.create(f.storage) as Storage;
    dying.openWrite = async (file) => {
      const sink = await f.storage.openWrite(file);
      let pieces = 0;
      return {
        write: async (data) => {
          if (pieces++ > 0) throw new Error(`injected: the process died while streaming ${file}`);
          await sink.write(data);
        },
        close: () => sink.close(),
        abort: async () => undefined,
      };
    };
    const w = await f.open({ storage: dying });
    await expect(f.write(w, [p('k1', 'eu', 2), p('k2', 'eu', 1)])).rejects.toThrow(/the process died while streaming/);
    const temporary = readdirSync(path.join(f.table, 'eu')).filter((n) => n.endsWith('.tmp'));
    expect(temporary).toEqual([]);
    expect(pendingInstants(f)).toEqual([]);
    expect(await f.snapshot()).toEqual(['eu/k1@1:1']);
  });

  it('an instant another writer took first is skipped: the commit uses the next one', async () => {
    const f = await fixture();
    const fixedNow = Date.UTC(2030, 0, 1, 12, 0, 0, 0);
    const w = await f.open({ now: () => fixedNow });
    writeFileSync(path.join(f.table, '.hoodie', '20300101120000000.commit.requested'), '');
    const c = await f.write(w, [p('k1', 'eu', 1)]);
    expect(c.instant).toBe('20300101120000001');
    expect(hoodie(f)).toContain('20300101120000001.commit');
    expect(f.logger.messages('warn')).toContain('another writer took this instant; trying the next one');
  });
});

describe('HudiTableWriter rollback of an unfinished commit', () => {
  async function crashedTable(point: 'after-data-files' | 'after-inflight') {
    const f = await fixture({ 'hoodie.parquet.small.file.limit': '0' });
    let crash = false;
    const w = await f.open({
      faultPoint: (at) => {
        if (crash && at === point) throw new Error(`injected crash at ${at}`);
      },
    });
    const c1 = await f.write(w, [p('k1', 'eu', 1), p('k2', 'eu', 1)]);
    const before = await f.snapshot();
    crash = true;
    await expect(f.write(w, [p('k1', 'eu', 2), p('k3', 'us', 1)])).rejects.toThrow(`injected crash at ${point}`);
    const names = hoodie(f);
    const pending = names.find((n) => /^\d{17}\.inflight$/.test(n) && !names.includes(`${n.slice(0, 17)}.commit`))!.slice(0, 17);
    expect(pending > c1.instant).toBe(true);
    return { f, c1, before, pending };
  }

  it('a crash after the data files leaves an inflight commit whose files no reader counts', async () => {
    const { f, c1, before, pending } = await crashedTable('after-data-files');
    expect(hoodie(f)).toContain(`${pending}.commit.requested`);
    expect(hoodie(f)).not.toContain(`${pending}.commit`);
    expect(Object.values(slices(f, 'eu'))).toEqual([[c1.instant, pending]]);
    expect(Object.values(slices(f, 'us'))).toEqual([[pending]]);
    expect(readdirSync(path.join(f.table, '.hoodie', '.temp', pending), { recursive: true }).some((n) => String(n).endsWith('.marker.CREATE'))).toBe(true);
    expect(await f.snapshot()).toEqual(before);
  });

  it('the next open rolls the inflight commit back: its files and instant files deleted, a rollback instant written', async () => {
    const { f, c1, before, pending } = await crashedTable('after-data-files');
    const w2 = await f.open();
    // The pending instant's data files are gone; the committed slice stays.
    expect(Object.values(slices(f, 'eu'))).toEqual([[c1.instant]]);
    expect(Object.values(slices(f, 'us'))).toEqual([]);
    const names = hoodie(f);
    expect(names.filter((n) => n.startsWith(pending))).toEqual([]);
    expect(existsSync(path.join(f.table, '.hoodie', '.temp', pending))).toBe(false);
    const rollback = names.find((n) => /^\d{17}\.rollback$/.test(n))!;
    expect(rollback).toBeDefined();
    expect(rollback.slice(0, 17) > pending).toBe(true);
    expect(names).toContain(`${rollback.slice(0, 17)}.rollback.requested`);
    expect(names).toContain(`${rollback.slice(0, 17)}.rollback.inflight`);
    const meta = deserializeRollbackMetadata(readFileSync(path.join(f.table, '.hoodie', rollback)));
    expect(meta.commitsRollback).toEqual([pending]);
    expect(meta.totalFilesDeleted).toBe(2);
    const deleted = Object.values(meta.partitionMetadata).flatMap((m) => m.successDeleteFiles);
    expect(deleted).toHaveLength(2);
    for (const d of deleted) expect(d).toMatch(new RegExp(`^file:${f.table.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/(eu|us)/[^/]+_${pending}\\.parquet$`));
    const plan = deserializeRollbackPlan(readFileSync(path.join(f.table, '.hoodie', `${rollback.slice(0, 17)}.rollback.requested`)));
    expect(plan.instantToRollback).toEqual({ commitTime: pending, action: 'commit' });
    expect(f.logger.messages('warn')).toContain('rolled back an unfinished commit');
    expect(await f.snapshot()).toEqual(before);
    // The reopened writer writes on as if the crashed commit had never been.
    await f.write(w2, [p('k1', 'eu', 3)]);
    expect(await f.snapshot()).toEqual(['eu/k1@3:3', 'eu/k2@1:1']);
  });

  it('an unfinished commit without markers is rolled back by finding its files by instant time', async () => {
    const { f, c1, before, pending } = await crashedTable('after-data-files');
    rmSync(path.join(f.table, '.hoodie', '.temp', pending), { recursive: true });
    await f.open();
    expect(Object.values(slices(f, 'eu'))).toEqual([[c1.instant]]);
    expect(Object.values(slices(f, 'us'))).toEqual([]);
    const rollback = hoodie(f).find((n) => /^\d{17}\.rollback$/.test(n))!;
    expect(deserializeRollbackMetadata(readFileSync(path.join(f.table, '.hoodie', rollback))).totalFilesDeleted).toBe(2);
    expect(await f.snapshot()).toEqual(before);
  });

  it('a rollback interrupted before it completed is removed and the commit rolled back anew', async () => {
    const { f, before, pending } = await crashedTable('after-data-files');
    // An earlier run got as far as requesting a rollback of the pending commit, then died.
    const stale = '20000101000000000';
    writeFileSync(path.join(f.table, '.hoodie', `${stale}.rollback.requested`), '');
    await f.open();
    const names = hoodie(f);
    expect(names.filter((n) => n.startsWith(stale))).toEqual([]);
    expect(names.filter((n) => n.startsWith(pending))).toEqual([]);
    expect(names.filter((n) => /^\d{17}\.rollback$/.test(n))).toHaveLength(1);
    expect(f.logger.messages('warn')).toContain('removing an interrupted instant left by an earlier run');
    expect(await f.snapshot()).toEqual(before);
  });

  it('a crash right after the inflight file is rolled back by the next open with no files to delete', async () => {
    const { f, before, pending } = await crashedTable('after-inflight');
    await f.open();
    const names = hoodie(f);
    expect(names.filter((n) => n.startsWith(pending))).toEqual([]);
    const rollback = names.find((n) => /^\d{17}\.rollback$/.test(n))!;
    const meta = deserializeRollbackMetadata(readFileSync(path.join(f.table, '.hoodie', rollback)));
    expect(meta).toMatchObject({ commitsRollback: [pending], totalFilesDeleted: 0 });
    expect(await f.snapshot()).toEqual(before);
  });
});

describe('HudiTableWriter cleaning', () => {
  it('cleaning keeps the slices of the last N commits plus the newest older slice per group, under a clean instant', async () => {
    const f = await fixture({ 'hoodie.clean.commits.retained': '2', 'hoodie.parquet.small.file.limit': '0' });
    const w = await f.open();
    const c1 = await f.write(w, [p('k1', 'eu', 1), p('k2', 'us', 1)]);
    const c2 = await f.write(w, [p('k1', 'eu', 2)]);
    const c3 = await f.write(w, [p('k1', 'eu', 3)]);
    // After c3 the earliest retained commit is c2; c1's slice is still the newest before it.
    expect(Object.values(slices(f, 'eu'))).toEqual([[c1.instant, c2.instant, c3.instant]]);
    expect(hoodie(f).some((n) => n.endsWith('.clean'))).toBe(false);
    const c4 = await f.write(w, [p('k1', 'eu', 4)]);
    // Earliest retained: c3. Kept: c3, c4 and c2 (the newest before c3); deleted: c1.
    expect(Object.values(slices(f, 'eu'))).toEqual([[c2.instant, c3.instant, c4.instant]]);
    // us was written only by c1: its only slice is the newest before c3 and stays.
    expect(Object.values(slices(f, 'us'))).toEqual([[c1.instant]]);
    const clean = hoodie(f).find((n) => /^\d{17}\.clean$/.test(n))!;
    expect(clean.slice(0, 17) > c4.instant).toBe(true);
    expect(hoodie(f)).toContain(`${clean.slice(0, 17)}.clean.requested`);
    const meta = deserializeCleanMetadata(readFileSync(path.join(f.table, '.hoodie', clean)));
    expect(meta).toMatchObject({ earliestCommitToRetain: c3.instant, lastCompletedCommitTimestamp: c4.instant, totalFilesDeleted: 1 });
    expect(meta.partitionMetadata['eu']?.successDeleteFiles).toEqual([expect.stringMatching(new RegExp(`_${c1.instant}\\.parquet$`))]);
    expect(meta.partitionMetadata['us']).toBeUndefined();
    // Time travel to the earliest retained commit still has every slice it needs.
    expect(latestSliceFiles(f.table, c3.instant).map((x) => parseBaseFileName(path.basename(x))!.instantTime).sort()).toEqual([c1.instant, c3.instant]);
    expect(await f.snapshot()).toEqual(['eu/k1@4:4', 'us/k2@1:1']);
  });

  it('steady-state commits and cleans list nothing: the timeline and the view are kept from what commits wrote', async () => {
    const f = await fixture({ 'hoodie.clean.commits.retained': '2', 'hoodie.parquet.small.file.limit': '0' });
    const listed: string[] = [];
    const counting: Storage = Object.create(f.storage) as Storage;
    counting.list = (dir) => (listed.push(`list ${dir}`), f.storage.list(dir));
    counting.listDirs = (dir) => (listed.push(`listDirs ${dir}`), f.storage.listDirs(dir));
    counting.listTree = (dir) => (listed.push(`listTree ${dir}`), f.storage.listTree(dir));
    const w = await f.open({ storage: counting });
    expect(listed).toContain('list .hoodie'); // opening lists the timeline (and the partitions) once
    await f.write(w, [p('e1', 'eu', 1), p('u1', 'us', 1), p('a1', 'ap', 1)]);
    listed.length = 0;
    const instants: string[] = [];
    for (let v = 2; v <= 7; v++) instants.push((await f.write(w, [p('e1', 'eu', v), p('u1', 'us', v), p('a2', 'ap', v)])).instant);
    expect(listed).toEqual([]);
    // Cleaning did run, from the view alone: per file group the last two commits' slices and the one before.
    expect(hoodie(f).filter((n) => /^\d{17}\.clean$/.test(n)).length).toBeGreaterThanOrEqual(4);
    expect(Object.values(slices(f, 'eu'))).toEqual([instants.slice(-3)]);
    expect(await f.snapshot()).toEqual(['ap/a1@1:1', 'ap/a2@7:7', 'eu/e1@7:7', 'us/u1@7:7']);
    // A reopened writer (listing once) agrees with the view that was kept.
    const again = await f.open();
    await f.write(again, [p('e1', 'eu', 8)]);
    expect(Object.values(slices(f, 'eu'))).toEqual([[...instants.slice(-2), expect.any(String)]]);
  });

  it('a cleaned table reopens and the writer keeps cleaning without touching retained slices', async () => {
    const f = await fixture({ 'hoodie.clean.commits.retained': '1', 'hoodie.parquet.small.file.limit': '0' });
    let w: HudiTableWriter = await f.open();
    const instants: string[] = [];
    for (let v = 1; v <= 4; v++) {
      instants.push((await f.write(w, [p('k1', 'eu', v)])).instant);
      w = await f.open();
    }
    // Retained 1: the last commit's slice and the newest one before it.
    expect(Object.values(slices(f, 'eu'))).toEqual([instants.slice(2)]);
    expect(await f.snapshot()).toEqual(['eu/k1@4:4']);
  });
});
