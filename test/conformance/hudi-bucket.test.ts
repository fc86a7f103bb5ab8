// The bucket index against Apache Hudi itself. (1) Our bucket ids, hash values and file-id encoding equal what
// Hudi 0.15's BucketIdentifier computes, run in the Hudi bundle's JVM (hudi_bucket.py), for generated keys.
// (2) Spark and our writer take turns on one copy-on-write table with the bucket index (same bucket count,
// hash field a subset of a complex record key): Spark creates it, we upsert, Spark upserts again; every key
// stays in one file group, that file group's bucket is the one Hudi's hash names, and Spark and hudi-rs read
// the model.

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_NUM_BUCKETS, bucketHashValues, bucketId, bucketIdStr, bucketOfFileId, newBucketFileId } from '../../plugins/hudi/index/bucket-id';
import { latestSliceFiles } from '../helpers/hudi-files';
import { oracle } from '../helpers/hudi-oracle';
import { tableFixture, type Payment, type TableFixture } from '../helpers/hudi-table';
import { hudiRsSnapshot, readersAvailable, rowsOf, runHudiBucket, sparkRead, sparkWrite, type Row } from '../helpers/table-readers';

beforeAll(async () => {
  await readersAvailable();
}, 900_000);

/** A seeded generator (mulberry32), so a failing case is the same case next time. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('bucket ids equal Hudi 0.15 BucketIdentifier (run in the bundle\'s JVM)', () => {
  it('for simple and complex keys, hash field subsets and bucket counts', async () => {
    const next = rng(12);
    const alphabet = ['a', 'Z', '0', '9', '-', '_', ' ', 'é', 'ß', '中', '😀', '.', '/', '|'];
    const text = (n: number) => Array.from({ length: n }, () => alphabet[Math.floor(next() * alphabet.length)]).join('');
    const counts = [1, 2, 3, 4, 7, 16, 256, 1000, 65_536, MAX_NUM_BUCKETS];
    const cases: { key: string; hashFields: string; numBuckets: number }[] = [];
    for (let i = 0; i < 300; i++) {
      const numBuckets = counts[i % counts.length]!;
      if (i % 3 === 0) cases.push({ key: text(1 + Math.floor(next() * 40)), hashFields: 'id', numBuckets });
      else if (i % 3 === 1) cases.push({ key: String(Math.floor(next() * 1e12)), hashFields: 'id', numBuckets });
      else {
        const fields = ['id', 'kind', 'day'];
        const value = () => (next() < 0.1 ? '__null__' : next() < 0.1 ? '__empty__' : text(1 + Math.floor(next() * 12)));
        const key = fields.map((f) => `${f}:${value()}`).join(',');
        const subset = fields.filter(() => next() < 0.6);
        cases.push({ key, hashFields: (subset.length ? subset : ['kind']).reverse().join(','), numBuckets });
      }
    }
    // Keys Hudi splits oddly: values with ',' or ':', empty values, the key placeholders.
    cases.push(
      { key: 'id:1,kind:a,b', hashFields: 'id', numBuckets: 13 },
      { key: 'id:1:2,kind:x', hashFields: 'kind,id', numBuckets: 13 },
      { key: 'id:,kind:__empty__', hashFields: 'id,kind', numBuckets: 13 },
      { key: 'id:__null__,kind:y', hashFields: 'id', numBuckets: 13 },
      { key: 'a,b', hashFields: 'id', numBuckets: 13 },
      { key: 'urn:isbn:0451450523', hashFields: 'id', numBuckets: 13 }, // a simple key with ':' hashes as no value at all
      { key: 'id:7,,kind:', hashFields: 'id,kind', numBuckets: 13 },
      { key: '', hashFields: 'id', numBuckets: 13 },
    );
    const java = await runHudiBucket(cases);
    expect(java).toHaveLength(cases.length);
    let checked = 0;
    for (const [i, c] of cases.entries()) {
      const j = java[i]!;
      expect(j.error, `Hudi threw for ${JSON.stringify(c)}`).toBeUndefined();
      const fields = c.hashFields.split(',');
      const label = `${JSON.stringify(c.key)} (hash fields ${c.hashFields}, ${c.numBuckets} buckets)`;
      expect(bucketHashValues(c.key, fields), label).toEqual(j.hashKeys);
      expect(bucketId(c.key, fields, c.numBuckets), label).toBe(j.bucket);
      expect(j.bucketByString, label).toBe(j.bucket);
      expect(bucketIdStr(j.bucket!), label).toBe(j.bucketIdStr);
      // Hudi's new file id prefix and ours have one shape: 8-digit bucket, then the rest of a random UUID.
      const shape = new RegExp(`^${j.bucketIdStr}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`);
      expect(j.newFileIdPrefix, label).toMatch(shape);
      const ours = newBucketFileId(j.bucket!);
      expect(ours.slice(0, -2), label).toMatch(shape);
      expect(ours.endsWith('-0'), label).toBe(true);
      expect(bucketOfFileId(ours), label).toBe(j.bucketFromFileId);
      checked++;
    }
    expect(checked).toBe(cases.length);
  }, 300_000);
});

interface Order extends Payment {
  kind: string;
}

const ORDER_SCHEMA = {
  type: 'record',
  name: 'Order',
  namespace: 'test',
  fields: [
    { name: 'id', type: 'string' },
    { name: 'kind', type: 'string' },
    { name: 'region', type: 'string' },
    { name: 'amount', type: 'double' },
    { name: 'ver', type: 'long' },
    { name: '_hoodie_is_deleted', type: 'boolean', default: false },
  ],
};

const NUM_BUCKETS = 4;
const KEY = (o: { id: string; kind: string }) => `id:${o.id},kind:${o.kind}`;

describe('Spark and our writer take turns on a copy-on-write table with the bucket index', () => {
  const open: TableFixture[] = [];
  afterAll(async () => {
    for (const f of open) await f.close();
  });

  it('every key stays in the file group of the bucket Hudi\'s hash names, and the table equals the model', async () => {
    const config = {
      'hoodie.datasource.write.recordkey.field': 'id,kind',
      'hoodie.datasource.write.keygenerator.class': 'org.apache.hudi.keygen.ComplexKeyGenerator',
      'hoodie.index.type': 'BUCKET',
      'hoodie.bucket.index.num.buckets': String(NUM_BUCKETS),
      'hoodie.bucket.index.hash.field': 'id',
      'parquet.row.group.rows': '8',
    };
    const f = await tableFixture(config, ORDER_SCHEMA);
    open.push(f);
    const avsc = path.join(mkdtempSync(path.join(tmpdir(), 'bucket-avsc-')), 'order.avsc');
    writeFileSync(avsc, JSON.stringify(ORDER_SCHEMA));
    const sparkOptions = {
      'hoodie.table.name': 'payments',
      'hoodie.datasource.write.recordkey.field': 'id,kind',
      'hoodie.datasource.write.precombine.field': 'ver',
      'hoodie.datasource.write.partitionpath.field': 'region',
      'hoodie.datasource.write.keygenerator.class': 'org.apache.hudi.keygen.ComplexKeyGenerator',
      'hoodie.bucket.index.num.buckets': String(NUM_BUCKETS),
      'hoodie.bucket.index.hash.field': 'id',
    };
    const o = (id: number, kind: string, region: string, ver: number, deleted = false): Order => ({ id: `o${id}`, kind, region, amount: ver * 10 + id, ver, _hoodie_is_deleted: deleted });
    const all: Order[] = [];
    const placement = new Map<string, string>(); // partition/key -> file id, over the whole test

    /** Checks the latest slices: a bucket is one file group per partition, every key is in the file group of
     *  the bucket Hudi computes for it, and no key ever changed file group. Returns the file ids. */
    const checkLayout = async (after: string): Promise<Set<string>> => {
      const files = latestSliceFiles(f.table);
      const keys: { key: string; partition: string; fileId: string }[] = [];
      const buckets = new Set<string>();
      for (const file of files) {
        const fileId = path.basename(file).split('_')[0]!;
        const partition = path.relative(f.table, path.dirname(file));
        // Spark's and ours alike: 8-digit bucket, the rest of a UUID, "-0" (a create handle's first file).
        expect(fileId, `${after}: file id shape`).toMatch(/^[0-9]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}-0$/);
        const bucket = bucketOfFileId(fileId);
        expect(bucket, `${after}: ${fileId} is a bucket file group`).toBeDefined();
        expect(bucket!, `${after}: ${fileId}`).toBeLessThan(NUM_BUCKETS);
        expect(buckets.has(`${partition}/${bucket}`), `${after}: two file groups of bucket ${bucket} in ${partition}`).toBe(false);
        buckets.add(`${partition}/${bucket}`);
        for (const r of await f.deps.codec.decode(readFileSync(file))) keys.push({ key: String(r['_hoodie_record_key']), partition, fileId });
      }
      const java = await runHudiBucket(keys.map((k) => ({ key: k.key, hashFields: 'id', numBuckets: NUM_BUCKETS })));
      for (const [i, k] of keys.entries()) {
        expect(java[i]!.error).toBeUndefined();
        expect(bucketOfFileId(k.fileId), `${after}: key ${k.key} sits in ${k.fileId}, Hudi hashes it to bucket ${java[i]!.bucket}`).toBe(java[i]!.bucket);
        const before = placement.get(`${k.partition}/${k.key}`);
        if (before !== undefined) expect(k.fileId, `${after}: key ${k.key} moved from file group ${before}`).toBe(before);
        placement.set(`${k.partition}/${k.key}`, k.fileId);
      }
      expect(new Set(keys.map((k) => `${k.partition}/${k.key}`)).size, `${after}: a key twice`).toBe(keys.length);
      return new Set(files.map((file) => path.basename(file).split('_')[0]!));
    };
    const expected = () => {
      const m = oracle(all.map((r) => ({ key: KEY(r), ordering: r.ver, isDelete: r._hoodie_is_deleted, row: { ...r } })));
      return Object.fromEntries([...m].map(([k, r]) => [k, `${r['region']}|${Number(r['amount'])}|${Number(r['ver'])}`]));
    };
    const byKey = (rows: Row[]) => {
      const out: Record<string, string> = {};
      for (const r of rows) {
        const k = String(r['_hoodie_record_key']);
        expect(out[k], `key ${k} twice`).toBeUndefined();
        out[k] = `${r['region']}|${Number(r['amount'])}|${Number(r['ver'])}`;
      }
      return out;
    };

    // 1. Spark creates the table with the bucket index.
    const first = Array.from({ length: 40 }, (_, i) => o(i, i % 3 ? 'web' : 'shop', i % 2 ? 'eu' : 'us', 1));
    all.push(...first);
    await sparkWrite(f.table, first as unknown as Row[], 'upsert', { index: 'BUCKET', options: sparkOptions, createSchema: avsc });
    const sparkIds = await checkLayout('Spark\'s first commit');

    // 2. We upsert: updates, new keys (some into buckets Spark made, some into buckets no one has made yet
    //    in a new partition), an older version that must lose, deletes, a delete of an absent key.
    const w = await f.open();
    const ours = [
      ...Array.from({ length: 15 }, (_, i) => o(i, i % 3 ? 'web' : 'shop', i % 2 ? 'eu' : 'us', 2)),
      ...Array.from({ length: 15 }, (_, i) => o(100 + i, 'web', i % 3 === 0 ? 'asia' : i % 2 ? 'eu' : 'us', 1)),
      o(20, 'web', 'us', 0),
      o(21, 'shop', 'eu', 3, true),
      o(22, 'web', 'us', 3, true),
      o(999, 'web', 'eu', 3, true),
    ];
    all.push(...ours);
    await f.write(w, ours);
    w.close();
    const ourIds = await checkLayout('our upsert');
    for (const id of sparkIds) expect(ourIds.has(id), `Spark's file group ${id} is still there`).toBe(true);
    expect([...ourIds].some((id) => !sparkIds.has(id)), 'our upsert created bucket file groups (the asia partition)').toBe(true);

    // 3. Spark upserts again: into our file groups and Spark's, with deletes.
    const again = [
      ...Array.from({ length: 10 }, (_, i) => o(100 + i, 'web', i % 3 === 0 ? 'asia' : i % 2 ? 'eu' : 'us', 5)),
      ...Array.from({ length: 10 }, (_, i) => o(30 + i, i % 3 ? 'web' : 'shop', i % 2 ? 'eu' : 'us', 5)),
      ...Array.from({ length: 5 }, (_, i) => o(200 + i, 'shop', 'asia', 1)),
      o(1, 'web', 'eu', 6, true),
    ];
    all.push(...again);
    const sparkAgain = await sparkWrite(f.table, again as unknown as Row[], 'upsert', { index: 'BUCKET', options: { 'hoodie.bucket.index.num.buckets': String(NUM_BUCKETS), 'hoodie.bucket.index.hash.field': 'id' } });
    const finalIds = await checkLayout('Spark\'s second commit');
    const written = Object.values((sparkAgain.commit as { partitionToWriteStats: Record<string, { fileId: string }[]> }).partitionToWriteStats).flat().map((s) => s.fileId);
    for (const id of written) expect(finalIds.has(id)).toBe(true);
    for (const id of ourIds) if (bucketOfFileId(id) !== undefined) expect(finalIds.has(id), `our file group ${id} is still there`).toBe(true);

    // 4. The table equals the model, for Spark and for hudi-rs.
    const [spark] = await sparkRead(f.table, [{ type: 'snapshot' }]);
    expect(byKey(rowsOf(spark!))).toEqual(expected());
    expect(byKey(await hudiRsSnapshot(f.table))).toEqual(expected());
  }, 900_000);
});
