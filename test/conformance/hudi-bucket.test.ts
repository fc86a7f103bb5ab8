// The bucket index against Apache Hudi itself. (1) Our bucket ids, hash values and file-id encoding equal what
// Hudi 0.15's BucketIdentifier computes, run in the Hudi bundle's JVM (hudi_bucket.py), for generated keys.
// (2) Spark and our writer take turns on one table with the bucket index (same bucket count, hash field a
// subset of a complex record key), copy-on-write and merge-on-read: Spark creates it, we upsert, Spark upserts
// again (on merge-on-read: log files with delete blocks, and compaction by Spark and by us); every key stays in
// one file group, that file group's bucket is the one Hudi's hash names, and Spark and hudi-rs read the model.
// (3) A merge-on-read table Spark creates with its default payload class is refused by our writer.

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_NUM_BUCKETS, bucketHashValues, bucketId, bucketIdStr, bucketOfFileId, newBucketFileId } from '../../plugins/hudi/index/bucket-id';
import { completedCommits, latestSliceFiles, latestSliceLogFiles } from '../helpers/hudi-files';
import { hudiLogBlockKeys, hudiLogCheckReady } from '../helpers/hudi-log-check';
import { oracle } from '../helpers/hudi-oracle';
import { tableFixture, type Payment, type TableFixture } from '../helpers/hudi-table';
import { duckdbReadBaseFiles, hudiRsSnapshot, readersAvailable, rowsOf, runHudiBucket, sparkRead, sparkWrite, type Row } from '../helpers/table-readers';

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
/** A delete without an ordering value (Spark's delete operation): it removes whatever the key held before it. */
interface ArrivalDelete {
  id: string;
  kind: string;
  region: string;
  byArrival: true;
}
const o = (id: number, kind: string, region: string, ver: number, deleted = false): Order => ({ id: `o${id}`, kind, region, amount: ver * 10 + id, ver, _hoodie_is_deleted: deleted });
/** The bucket options every Spark write of these tables repeats (Spark does not keep them in hoodie.properties). */
const SPARK_BUCKET = { 'hoodie.bucket.index.num.buckets': String(NUM_BUCKETS), 'hoodie.bucket.index.hash.field': 'id' };

/** A table for Spark and our writer to take turns on, the model of what it must hold, and the layout check. */
async function bucketTurnTable(tableType: 'COPY_ON_WRITE' | 'MERGE_ON_READ', open: TableFixture[]) {
  const f = await tableFixture(
    {
      'hoodie.table.type': tableType,
      'hoodie.datasource.write.recordkey.field': 'id,kind',
      'hoodie.datasource.write.keygenerator.class': 'org.apache.hudi.keygen.ComplexKeyGenerator',
      'hoodie.index.type': 'BUCKET',
      'hoodie.bucket.index.num.buckets': String(NUM_BUCKETS),
      'hoodie.bucket.index.hash.field': 'id',
      'hoodie.compact.inline': 'false', // the merge-on-read test compacts by hand, on its turn
      'parquet.row.group.rows': '8',
    },
    ORDER_SCHEMA,
  );
  open.push(f);
  const avsc = path.join(mkdtempSync(path.join(tmpdir(), 'bucket-avsc-')), 'order.avsc');
  writeFileSync(avsc, JSON.stringify(ORDER_SCHEMA));
  const sparkCreate = {
    'hoodie.table.name': 'payments',
    'hoodie.datasource.write.recordkey.field': 'id,kind',
    'hoodie.datasource.write.precombine.field': 'ver',
    'hoodie.datasource.write.partitionpath.field': 'region',
    'hoodie.datasource.write.keygenerator.class': 'org.apache.hudi.keygen.ComplexKeyGenerator',
    ...SPARK_BUCKET,
  };
  const all: (Order | ArrivalDelete)[] = [];
  const placement = new Map<string, string>(); // partition/key -> file id, over the whole test

  /** Checks the latest slices (base files and, on merge-on-read, the log files of those slices as Hudi's own log
   *  reader reads them): a bucket is one file group per partition, every key — rows and delete entries alike — is
   *  in the file group of the bucket Hudi computes for it, and no key ever changed file group. Returns the file
   *  ids. */
  const checkLayout = async (after: string): Promise<Set<string>> => {
    const files = latestSliceFiles(f.table);
    const logs = latestSliceLogFiles(f.table);
    const keys: { key: string; partition: string; fileId: string }[] = [];
    const buckets = new Map<string, string>(); // partition/bucket -> file id
    const fileIds = new Set<string>();
    const groupOf = (partition: string, fileId: string) => {
      // Spark's and ours alike: 8-digit bucket, the rest of a UUID, "-0" (a create handle's first file).
      expect(fileId, `${after}: file id shape`).toMatch(/^[0-9]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}-0$/);
      const bucket = bucketOfFileId(fileId);
      expect(bucket, `${after}: ${fileId} is a bucket file group`).toBeDefined();
      expect(bucket!, `${after}: ${fileId}`).toBeLessThan(NUM_BUCKETS);
      const other = buckets.get(`${partition}/${bucket}`);
      expect(other ?? fileId, `${after}: two file groups of bucket ${bucket} in ${partition}`).toBe(fileId);
      buckets.set(`${partition}/${bucket}`, fileId);
      fileIds.add(fileId);
    };
    const baseKeys = new Set<string>();
    for (const file of files) {
      const fileId = path.basename(file).split('_')[0]!;
      const partition = path.relative(f.table, path.dirname(file));
      groupOf(partition, fileId);
      for (const r of await f.deps.codec.decode(readFileSync(file))) {
        const key = String(r['_hoodie_record_key']);
        expect(baseKeys.has(`${partition}/${key}`), `${after}: key ${key} in two base files of ${partition}`).toBe(false);
        baseKeys.add(`${partition}/${key}`);
        keys.push({ key, partition, fileId });
      }
    }
    const done = new Set(completedCommits(f.table));
    for (const block of await hudiLogBlockKeys(logs.map((l) => l.path))) {
      const log = logs.find((l) => l.path === block.file)!;
      groupOf(log.partition, log.fileId);
      // A block of a write that never completed is not part of the table (a rollback deletes or undoes it).
      if (block.instant === null || !done.has(block.instant)) continue;
      for (const key of block.keys) keys.push({ key, partition: log.partition, fileId: log.fileId });
    }
    const java = await runHudiBucket(keys.map((k) => ({ key: k.key, hashFields: 'id', numBuckets: NUM_BUCKETS })));
    const now = new Map<string, string>();
    for (const [i, k] of keys.entries()) {
      expect(java[i]!.error).toBeUndefined();
      expect(bucketOfFileId(k.fileId), `${after}: key ${k.key} sits in ${k.fileId}, Hudi hashes it to bucket ${java[i]!.bucket}`).toBe(java[i]!.bucket);
      const at = `${k.partition}/${k.key}`;
      expect(now.get(at) ?? k.fileId, `${after}: key ${k.key} in two file groups`).toBe(k.fileId);
      now.set(at, k.fileId);
      const before = placement.get(at);
      if (before !== undefined) expect(k.fileId, `${after}: key ${k.key} moved from file group ${before}`).toBe(before);
      placement.set(at, k.fileId);
    }
    return fileIds;
  };
  const expected = () => {
    const m = oracle(all.map((r) => ('byArrival' in r ? { key: KEY(r), ordering: null, isDelete: true, row: { ...r } } : { key: KEY(r), ordering: r.ver, isDelete: r._hoodie_is_deleted === true, row: { ...r } })));
    return Object.fromEntries([...m].map(([k, r]) => [k, `${r['region']}|${Number(r['amount'])}|${Number(r['ver'])}`]));
  };
  return { f, avsc, sparkCreate, all, placement, checkLayout, expected };
}

/** A snapshot as `region|amount|ver` per record key; a key twice fails the test. */
function byKey(rows: Row[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const r of rows) {
    const k = String(r['_hoodie_record_key']);
    expect(out[k], `key ${k} twice`).toBeUndefined();
    out[k] = `${r['region']}|${Number(r['amount'])}|${Number(r['ver'])}`;
  }
  return out;
}

describe('Spark and our writer take turns on a copy-on-write table with the bucket index', () => {
  const open: TableFixture[] = [];
  afterAll(async () => {
    for (const f of open) await f.close();
  });

  it('every key stays in the file group of the bucket Hudi\'s hash names, and the table equals the model', async () => {
    const { f, avsc, sparkCreate, all, checkLayout, expected } = await bucketTurnTable('COPY_ON_WRITE', open);

    // 1. Spark creates the table with the bucket index.
    const first = Array.from({ length: 40 }, (_, i) => o(i, i % 3 ? 'web' : 'shop', i % 2 ? 'eu' : 'us', 1));
    all.push(...first);
    await sparkWrite(f.table, first as unknown as Row[], 'upsert', { index: 'BUCKET', options: sparkCreate, createSchema: avsc });
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
    const sparkAgain = await sparkWrite(f.table, again as unknown as Row[], 'upsert', { index: 'BUCKET', options: SPARK_BUCKET });
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

describe('Spark and our writer take turns on a merge-on-read table with the bucket index', () => {
  const open: TableFixture[] = [];
  afterAll(async () => {
    for (const f of open) await f.close();
  });
  beforeAll(async () => {
    await hudiLogCheckReady();
  }, 600_000);

  it('log files, delete blocks and compactions of either writer keep every key in its bucket, and the table equals the model', async () => {
    const { f, avsc, sparkCreate, all, placement, checkLayout, expected } = await bucketTurnTable('MERGE_ON_READ', open);
    const sparkMor = { ...SPARK_BUCKET, 'hoodie.datasource.write.table.type': 'MERGE_ON_READ', 'hoodie.compact.inline': 'false' };
    const spark = (rows: (Order | ArrivalDelete)[], op: 'upsert' | 'delete', options: Record<string, string> = {}) => {
      all.push(...rows);
      const data = rows.map((r) => ('byArrival' in r ? { id: r.id, kind: r.kind, region: r.region } : r));
      return sparkWrite(f.table, data as unknown as Row[], op, { index: 'BUCKET', options: { ...sparkMor, ...options } });
    };
    const ours = async (rows: Order[]) => {
      all.push(...rows);
      const w = await f.open();
      try {
        return await f.write(w, rows);
      } finally {
        w.close();
      }
    };
    /** The layout, then Spark (snapshot and read-optimized) and hudi-rs against the model and the base files. */
    const check = async (after: string) => {
      const ids = await checkLayout(after);
      const [snapshot, readOptimized] = await sparkRead(f.table, [{ type: 'snapshot' }, { type: 'read_optimized' }]);
      expect(byKey(rowsOf(snapshot!)), `${after}: Spark snapshot`).toEqual(expected());
      const baseRows = await duckdbReadBaseFiles(latestSliceFiles(f.table));
      expect(byKey(rowsOf(readOptimized!)), `${after}: Spark read-optimized`).toEqual(byKey(baseRows));
      let hudiRs: Row[];
      try {
        hudiRs = await hudiRsSnapshot(f.table);
      } catch (err) {
        throw new Error(`${after}: hudi-rs could not read the table: ${(err as Error).message}`);
      }
      expect(byKey(hudiRs), `${after}: hudi-rs snapshot`).toEqual(expected());
      return ids;
    };
    const region = (i: number) => (i % 2 ? 'eu' : 'us');
    const kind = (i: number) => (i % 3 ? 'web' : 'shop');

    // 1. Spark creates the table (base files), then upserts into log files: a deltacommit each. Spark's default
    //    payload (OverwriteWithLatestAvroPayload) lets a later write win whatever its ordering value; the model and
    //    our writer order by the precombine field (DefaultHoodieRecordPayload), so the table is created with that.
    const first = Array.from({ length: 40 }, (_, i) => o(i, kind(i), region(i), 1));
    all.push(...first);
    await sparkWrite(f.table, first as unknown as Row[], 'upsert', { index: 'BUCKET', options: { ...sparkCreate, ...sparkMor, 'hoodie.datasource.write.payload.class': 'org.apache.hudi.common.model.DefaultHoodieRecordPayload' }, createSchema: avsc });
    expect(readFileSync(path.join(f.table, '.hoodie', 'hoodie.properties'), 'utf8')).toMatch(/hoodie\.table\.type=MERGE_ON_READ/);
    await spark([...Array.from({ length: 10 }, (_, i) => o(i, kind(i), region(i), 2)), ...Array.from({ length: 4 }, (_, i) => o(300 + i, 'web', region(i), 1))], 'upsert');
    expect(latestSliceLogFiles(f.table).length, 'Spark\'s upsert wrote log files').toBeGreaterThan(0);
    const sparkIds = await check('Spark\'s deltacommits');

    // 2. We upsert: updates of keys Spark logged and of base rows, an older version that must lose, new keys into
    //    Spark's buckets and into new buckets (a new partition): our log files go into Spark's slices.
    await ours([
      ...Array.from({ length: 8 }, (_, i) => o(5 + i, kind(5 + i), region(5 + i), 3)),
      o(20, kind(20), region(20), 0),
      ...Array.from({ length: 10 }, (_, i) => o(100 + i, 'web', i % 3 === 0 ? 'asia' : region(i), 1)),
    ]);
    const ourLogs = latestSliceLogFiles(f.table).filter((l) => sparkIds.has(l.fileId) && l.version > 1);
    expect(ourLogs.length, 'our deltacommit appended log files to Spark\'s slices').toBeGreaterThan(0);
    const ourIds = await check('our deltacommit');
    for (const id of sparkIds) expect(ourIds.has(id), `Spark's file group ${id} is still there`).toBe(true);
    expect([...ourIds].some((id) => !sparkIds.has(id)), 'our upsert created bucket file groups (the asia partition)').toBe(true);

    /** File groups (partition/fileId) whose latest slice has a delete block of a completed write, with its keys. */
    const deleteBlocks = async () => {
      const logs = latestSliceLogFiles(f.table);
      const done = new Set(completedCommits(f.table));
      const out = new Map<string, string[]>();
      for (const b of await hudiLogBlockKeys(logs.map((l) => l.path))) {
        if (b.type !== 'DELETE_BLOCK' || b.instant === null || !done.has(b.instant)) continue;
        const log = logs.find((l) => l.path === b.file)!;
        out.set(`${log.partition}/${log.fileId}`, [...(out.get(`${log.partition}/${log.fileId}`) ?? []), ...b.keys]);
      }
      return out;
    };
    /** A key the model holds in file group `group` (partition/fileId), other than `not`, as a delete at `ver`. */
    const deleteOfLiveKeyIn = (group: string, ver: number, not: Set<string>): Order => {
      for (const [key, value] of Object.entries(expected())) {
        const partition = value.split('|')[0]!;
        if (not.has(key) || `${partition}/${placement.get(`${partition}/${key}`)}` !== group) continue;
        const m = /^id:o(\d+),kind:(\w+)$/.exec(key)!;
        return o(Number(m[1]), m[2]!, partition, ver, true);
      }
      throw new Error(`no live key left in file group ${group} to delete`);
    };
    /** File groups (partition/fileId) whose latest base file was written at `instant`. */
    const rewrittenAt = (instant: string) => new Set(latestSliceFiles(f.table).filter((p) => p.endsWith(`_${instant}.parquet`)).map((p) => `${path.relative(f.table, path.dirname(p))}/${path.basename(p).split('_')[0]}`));

    // 3. Spark upserts updates and deletes (delete blocks with ordering values), and deletes with its delete
    //    operation (delete blocks without); then we delete from the file groups holding those delete blocks. Our
    //    deletes outrank every version their slices hold, so they are logged as delete blocks beside Spark's; a
    //    record of ours logged after a delete by arrival would be read differently by Spark and hudi-rs, so the file
    //    group we re-insert o7 into (Spark's delete operation removed it) is rewritten with every log folded in.
    await spark([
      ...Array.from({ length: 6 }, (_, i) => o(100 + i, 'web', i % 3 === 0 ? 'asia' : region(i), 4)),
      o(1, kind(1), region(1), 4, true),
      o(2, kind(2), region(2), 4, true),
      o(6, kind(6), region(6), 4, true),
      o(301, 'web', region(1), 4, true),
      o(5, kind(5), region(5), 2), // older than our version 3: loses
      ...Array.from({ length: 4 }, (_, i) => o(400 + i, 'shop', 'apac', 1)),
    ], 'upsert');
    await spark([{ id: 'o7', kind: kind(7), region: region(7), byArrival: true }, { id: 'o101', kind: 'web', region: region(1), byArrival: true }], 'delete');
    await check('Spark\'s deltacommits with deletes');
    const sparkDeletes = await deleteBlocks();
    expect([...sparkDeletes.values()].flat().sort(), 'Spark wrote its deletes as delete blocks').toEqual([KEY(o(1, kind(1), '', 0)), KEY(o(101, 'web', '', 0)), KEY(o(2, kind(2), '', 0)), KEY(o(301, 'web', '', 0)), KEY(o(6, kind(6), '', 0)), KEY(o(7, kind(7), '', 0))].sort());
    const alsoWritten = [
      o(1, kind(1), region(1), 5), // re-inserted after Spark's ordered delete (version 4), into the same file group
      o(7, kind(7), region(7), 5), // re-inserted after Spark's delete by arrival
      o(8, kind(8), region(8), 5),
      o(400, 'shop', 'apac', 5),
    ];
    const notThese = new Set([...[...sparkDeletes.values()].flat(), ...alsoWritten.map(KEY)]);
    const ourWrite = await ours([...[...sparkDeletes.keys()].map((group) => deleteOfLiveKeyIn(group, 5, notThese)), ...alsoWritten]);
    const rewritten = rewrittenAt(ourWrite.instant);
    const after = await deleteBlocks(); // read by Hudi's own log reader
    const groupOfKey = (key: string) => [...sparkDeletes].find(([, keys]) => keys.includes(key))![0];
    expect(rewritten.has(groupOfKey(KEY(o(7, kind(7), '', 0)))), 'the file group o7 went back into after a delete by arrival was rewritten').toBe(true);
    for (const group of sparkDeletes.keys()) {
      if (rewritten.has(group)) expect(after.has(group), `${group} was rewritten: no delete block in its latest slice`).toBe(false);
      else expect(after.get(group)!.length, `our delete in ${group} was logged beside Spark's`).toBe(sparkDeletes.get(group)!.length + 1);
    }
    expect([...sparkDeletes.keys()].some((group) => !rewritten.has(group)), 'some of our deletes were logged').toBe(true);
    await check('our deltacommit deleting where Spark deleted');

    // 4. Spark deletes and updates again (new delete blocks), then we compact: our compaction folds Spark's data and
    //    delete blocks; then Spark upserts (and deletes) onto our compacted slices.
    await spark([o(10, kind(10), region(10), 6), o(11, kind(11), region(11), 6, true), o(104, 'web', region(4), 6, true), o(12, kind(12), region(12), 6), o(402, 'shop', 'apac', 6, true)], 'upsert');
    const toCompact = await deleteBlocks();
    expect(toCompact.size, 'Spark wrote delete blocks to compact').toBeGreaterThan(0);
    const w = await f.open();
    let ourCompaction: { instant: string; files: number } | undefined;
    try {
      ourCompaction = await w.compact(f.deps.schema.columns, f.deps.schema.schemaJson);
    } finally {
      w.close();
    }
    expect(ourCompaction?.files, 'our compaction rewrote the file groups with log files').toBeGreaterThan(0);
    expect(latestSliceLogFiles(f.table), 'our compaction left no log file in a latest slice').toEqual([]);
    const ourCompacted = rewrittenAt(ourCompaction!.instant);
    for (const group of toCompact.keys()) expect(ourCompacted.has(group), `our compaction compacted ${group}, which held Spark's delete block`).toBe(true);
    await check('our compaction of Spark\'s log files');
    await spark([o(13, kind(13), region(13), 7), o(15, kind(15), region(15), 7, true), o(105, 'web', region(5), 7), o(501, 'web', 'asia', 7), o(16, kind(16), region(16), 7)], 'upsert');
    await check('Spark\'s deltacommit on our compacted slices');

    // 5. Spark compacts (inline, after its deltacommit), then we upsert and delete onto its compacted slices.
    const compacted = await spark([o(10, kind(10), region(10), 8), o(17, kind(17), region(17), 8, true), o(104, 'web', region(4), 8)], 'upsert', { 'hoodie.compact.inline': 'true', 'hoodie.compact.inline.max.delta.commits': '1' });
    expect(compacted.commit['operationType'], 'the latest completed instant is Spark\'s compaction').toBe('COMPACT');
    expect(latestSliceLogFiles(f.table), 'Spark\'s compaction left no log file in a latest slice').toEqual([]);
    await check('Spark\'s compaction');
    await ours([o(10, kind(10), region(10), 9), o(13, kind(13), region(13), 9, true), o(105, 'web', region(5), 9), o(14, kind(14), region(14), 9), o(500, 'web', 'asia', 9)]);
    await check('our deltacommit on Spark\'s compacted slices');
  }, 2_400_000);
});

describe('a merge-on-read table Spark creates with its default payload class', () => {
  const open: TableFixture[] = [];
  afterAll(async () => {
    for (const f of open) await f.close();
  });

  it('is refused by our writer, naming the payload class Spark stored and the option that makes a table we share', async () => {
    // Spark stores OverwriteWithLatestAvroPayload, under which readers let a logged row with a smaller precombine
    // value win over the base row; our compaction keeps the greater one and would change what the table reads as.
    const { f, avsc, sparkCreate } = await bucketTurnTable('MERGE_ON_READ', open);
    await sparkWrite(f.table, [o(1, 'web', 'eu', 1)] as unknown as Row[], 'upsert', { index: 'BUCKET', options: { ...sparkCreate, 'hoodie.datasource.write.table.type': 'MERGE_ON_READ' }, createSchema: avsc });
    expect(readFileSync(path.join(f.table, '.hoodie', 'hoodie.properties'), 'utf8')).toMatch(/hoodie\.compaction\.payload\.class=org\.apache\.hudi\.common\.model\.OverwriteWithLatestAvroPayload/);
    await expect(f.open()).rejects.toThrow(/hoodie\.compaction\.payload\.class=org\.apache\.hudi\.common\.model\.OverwriteWithLatestAvroPayload[\s\S]*hoodie\.datasource\.write\.payload\.class=org\.apache\.hudi\.common\.model\.DefaultHoodieRecordPayload/);
  }, 600_000);
});

/** The block types Hudi's own reader finds in `files`. */
async function logBlockTypes(files: string[]): Promise<string[]> {
  return (await hudiLogBlockKeys(files)).map((b) => b.type);
}
