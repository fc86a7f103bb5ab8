// The bucket index through the real table writer: every key lands in the file group its bucket names, a
// bucket stays one file group across commits (no small-file packing, no max-size split), deletes and
// inserts of absent keys behave as in Hudi, and tables or settings it cannot serve are refused by name.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { hudiSinkConfigDef, hudiSinkSettings } from '../../../../../plugins/hudi/hudi-sink-config';
import { bucketId, bucketOfFileId } from '../../../../../plugins/hudi/index/bucket-id';
import type { ConcurrencyOptions, HudiTableWriter } from '../../../../../plugins/hudi/table/table-writer';
import { latestSliceFiles } from '../../../../helpers/hudi-files';
import { expectedPayments, paymentsByKey, tableFixture, type Payment, type TableFixture } from '../../../../helpers/hudi-table';

const open: TableFixture[] = [];
const writers: HudiTableWriter[] = [];
afterEach(async () => {
  for (const w of writers.splice(0)) w.close();
  for (const f of open.splice(0)) await f.close();
});

const p = (id: string, region: string, ver: number, amount = ver, deleted = false): Payment => ({ id, region, amount, ver, _hoodie_is_deleted: deleted });

async function bucketTable(config: Record<string, string> = {}) {
  const f = await tableFixture({ 'hoodie.index.type': 'BUCKET', 'hoodie.bucket.index.num.buckets': '4', ...config });
  open.push(f);
  const w = await f.open();
  writers.push(w);
  return { f, w };
}

/** Per latest base file: partition, file id and the record keys it holds. */
async function fileGroups(f: TableFixture): Promise<{ partition: string; fileId: string; keys: string[] }[]> {
  const out = [];
  for (const file of latestSliceFiles(f.table)) {
    const rows = await f.deps.codec.decode(readFileSync(file));
    out.push({ partition: path.relative(f.table, path.dirname(file)), fileId: path.basename(file).split('_')[0]!, keys: rows.map((r) => String(r['_hoodie_record_key'])) });
  }
  return out;
}

/** Every key sits in the file group of its bucket, and a partition has at most one file group per bucket. */
async function expectBucketLayout(f: TableFixture, numBuckets: number): Promise<Map<string, string>> {
  const groups = await fileGroups(f);
  const fileIdOf = new Map<string, string>();
  const seen = new Set<string>();
  for (const g of groups) {
    const bucket = bucketOfFileId(g.fileId);
    expect(bucket, `file id ${g.fileId}`).toBeDefined();
    expect(seen.has(`${g.partition}/${bucket}`), `two file groups of bucket ${bucket} in ${g.partition}`).toBe(false);
    seen.add(`${g.partition}/${bucket}`);
    for (const k of g.keys) {
      expect(bucketId(k, ['id'], numBuckets), `key ${k} in ${g.fileId}`).toBe(bucket);
      fileIdOf.set(`${g.partition}/${k}`, g.fileId);
    }
  }
  return fileIdOf;
}

describe('bucket index', () => {
  it('upserts and deletes keep every key in its bucket\'s file group, one file group per bucket, across commits', async () => {
    const { f, w } = await bucketTable();
    const all: Payment[] = [];
    const first = Array.from({ length: 60 }, (_, i) => p(`k${i}`, i % 2 ? 'eu' : 'us', 1));
    all.push(...first);
    await f.write(w, first);
    const before = await expectBucketLayout(f, 4);
    expect((await fileGroups(f)).length).toBeLessThanOrEqual(8);

    const second = [
      ...Array.from({ length: 20 }, (_, i) => p(`k${i}`, i % 2 ? 'eu' : 'us', 2, 100 + i)), // updates
      ...Array.from({ length: 20 }, (_, i) => p(`n${i}`, i % 2 ? 'eu' : 'us', 1)), // new keys into existing buckets
      p('k30', 'us', 3, 0, true), // delete
      p('k31', 'eu', 0, 0), // older than stored: kept
      p('gone', 'eu', 5, 0, true), // delete of a key the table never had
    ];
    all.push(...second);
    await f.write(w, second);
    const after = await expectBucketLayout(f, 4);
    for (const [k, fileId] of before) if (after.has(k)) expect(after.get(k), `key ${k} moved`).toBe(fileId);
    expect(paymentsByKey(await f.rows())).toEqual(expectedPayments(all));
  });

  it('neither packs small files nor splits at the max file size: a bucket is one file group', async () => {
    const { f, w } = await bucketTable({ 'hoodie.bucket.index.num.buckets': '2', 'hoodie.parquet.max.file.size': '1024', 'hoodie.copyonwrite.record.size.estimate': '512' });
    await f.write(w, Array.from({ length: 200 }, (_, i) => p(`k${i}`, 'eu', 1)));
    await f.write(w, Array.from({ length: 200 }, (_, i) => p(`m${i}`, 'eu', 1)));
    const groups = await fileGroups(f);
    expect(groups.map((g) => bucketOfFileId(g.fileId)).sort()).toEqual([0, 1]);
    expect(groups.reduce((n, g) => n + g.keys.length, 0)).toBe(400);
    await expectBucketLayout(f, 2);
  });

  it('insert adds rows to the bucket\'s file group next to the stored ones (Hudi 0.15 allows duplicates on insert)', async () => {
    const { f, w } = await bucketTable();
    await f.write(w, [p('k1', 'eu', 1), p('k2', 'eu', 1)]);
    const fileIds = (await fileGroups(f)).map((g) => g.fileId).sort();
    await f.write(w, [p('k1', 'eu', 2)], 'insert');
    const groups = await fileGroups(f);
    expect(groups.map((g) => g.fileId).sort()).toEqual(fileIds);
    expect(groups.flatMap((g) => g.keys).sort()).toEqual(['k1', 'k1', 'k2']);
  });

  it('the delete operation deletes the keys it finds and ignores absent ones', async () => {
    const { f, w } = await bucketTable();
    await f.write(w, [p('k1', 'eu', 1), p('k2', 'eu', 1), p('k3', 'us', 1)]);
    await f.write(w, [p('k1', 'eu', 0), p('k9', 'eu', 0), p('k8', 'asia', 0)], 'delete');
    expect(await f.snapshot()).toEqual(['eu/k2@1:1', 'us/k3@1:1']);
    expect((await fileGroups(f)).every((g) => g.partition !== 'asia')).toBe(true);
  });

  it('is not global: a key written under two partition values is a row in each', async () => {
    const { f, w } = await bucketTable();
    await f.write(w, [p('k1', 'eu', 1)]);
    await f.write(w, [p('k1', 'us', 2)]);
    expect(await f.snapshot()).toEqual(['eu/k1@1:1', 'us/k1@2:2']);
  });

  it('refuses a table whose file groups another index wrote, naming the file group', async () => {
    const f = await tableFixture();
    open.push(f);
    const bloom = await f.open();
    writers.push(bloom);
    await f.write(bloom, [p('k1', 'eu', 1)]);
    const [g] = await fileGroups(f);
    const bucket = await f.open({ indexType: 'BUCKET', bucketIndex: { numBuckets: 4, hashFields: ['id'] } });
    writers.push(bucket);
    await expect(f.write(bucket, [p('k1', 'eu', 2)])).rejects.toThrow(new RegExp(`file group ${g!.fileId} in partition "eu" is not a bucket file group`));
  });

  it('refuses a table written with more buckets than configured', async () => {
    const { f, w } = await bucketTable({ 'hoodie.bucket.index.num.buckets': '64' });
    await f.write(w, Array.from({ length: 40 }, (_, i) => p(`k${i}`, 'eu', 1)));
    const fewer = await f.open({ bucketIndex: { numBuckets: 2, hashFields: ['id'] } });
    writers.push(fewer);
    await expect(f.write(fewer, [p('k1', 'eu', 2)])).rejects.toThrow(/is bucket \d+, but hoodie.bucket.index.num.buckets is 2/);
  });

  it('two writers creating the same bucket concurrently conflict; the second is written into the first one\'s file group', async () => {
    const { f, w } = await bucketTable({ 'hoodie.bucket.index.num.buckets': '1' });
    w.close();
    const occ = (owner: string): ConcurrencyOptions => ({ owner, heartbeat: { intervalMs: 60_000, tolerableMisses: 2 }, lockValidityMs: 60_000, lockWaitMs: 10_000, conflictRetries: 3 });
    let release!: () => void;
    let reached!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const arrived = new Promise<void>((r) => (reached = r));
    const held = Object.create(f.storage) as typeof f.storage;
    held.openWrite = async (file) => {
      if (file.endsWith('.parquet')) {
        reached();
        await gate;
      }
      return f.storage.openWrite(file);
    };
    const a = await f.open({ storage: held, concurrency: occ('writer A') });
    const b = await f.open({ concurrency: occ('writer B') });
    writers.push(a, b);
    const slow = f.write(a, [p('a1', 'eu', 1)]);
    await arrived;
    await f.write(b, [p('b1', 'eu', 1)]);
    release();
    await slow;
    expect(await f.snapshot()).toEqual(['eu/a1@1:1', 'eu/b1@1:1']);
    expect((await fileGroups(f)).length).toBe(1);
  });
});

describe('bucket index settings', () => {
  const settings = (config: Record<string, string>) =>
    hudiSinkSettings(hudiSinkConfigDef().parse({ tablePath: '/t', schemaPath: '/s.avsc', 'hoodie.index.type': 'BUCKET', ...config }, { allowUnknown: true }));

  it('default to Hudi\'s: 256 buckets, hashing all record key fields', () => {
    expect(settings({ 'hoodie.datasource.write.recordkey.field': 'a,b' }).bucketIndex).toEqual({ numBuckets: 256, hashFields: ['a', 'b'] });
  });
  it('refuse hash fields that are not record key fields, naming them', () => {
    expect(() => settings({ 'hoodie.datasource.write.recordkey.field': 'a,b', 'hoodie.bucket.index.hash.field': 'b,c' })).toThrow(/hoodie.bucket.index.hash.field: "c" is not a record key field \(hoodie.datasource.write.recordkey.field: a,b\)/);
  });
  it('refuse a keyless table', () => {
    expect(() => settings({})).toThrow(/hoodie.index.type: "BUCKET" hashes record key fields, and this table is keyless/);
  });
  it('refuse fewer than one bucket, naming the value', () => {
    expect(() => settings({ 'hoodie.datasource.write.recordkey.field': 'a', 'hoodie.bucket.index.num.buckets': '0' })).toThrow(/hoodie.bucket.index.num.buckets.*0/);
  });
  it('refuse the consistent hashing engine', () => {
    expect(() => settings({ 'hoodie.datasource.write.recordkey.field': 'a', 'hoodie.index.bucket.engine': 'CONSISTENT_HASHING' })).toThrow(/hoodie.index.bucket.engine.*CONSISTENT_HASHING/);
  });
});
