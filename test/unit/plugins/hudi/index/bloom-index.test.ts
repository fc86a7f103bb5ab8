// The bloom index: which base file holds a key, from the key ranges and bloom filters in the files'
// Parquet footers (read once per file, also of files another writer made — Spark's included), reading
// a file's key column only when its range and filter admit the key.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BloomIndex } from '../../../../../plugins/hudi/index/bloom-index';
import { FooterIndexWriter } from '../../../../../plugins/hudi/index/footer-index';
import type { ColumnSpec } from '../../../../../plugins/hudi/parquet/column-spec';
import { LocalStorage } from '../../../../../plugins/hudi/storage/local-storage';
import { baseFileName, parseBaseFileName, type BaseFile } from '../../../../../plugins/hudi/table/base-file';
import type { ParquetCodec } from '../../../../../plugins/hudi/table/collaborators';
import { META_COLUMNS } from '../../../../../plugins/hudi/table/table-writer';
import { tableFixture, type TableFixture } from '../../../../helpers/hudi-table';

const SPARK_TABLE = path.resolve(__dirname, '../../../../fixtures/hudi/spark-reference/table');
const COLUMNS: ColumnSpec[] = [...META_COLUMNS, { name: 'id', type: { kind: 'string' }, nullable: false }];

let deps: TableFixture['deps'];
let fixture: TableFixture;
beforeAll(async () => {
  fixture = await tableFixture();
  deps = fixture.deps;
});
afterAll(async () => {
  await fixture.close();
});

/** The real codec, counting how often footers are read and files decoded. */
function countingCodec(codec: ParquetCodec): ParquetCodec & { footers: number; decodes: string[][] } {
  const c = {
    footers: 0,
    decodes: [] as string[][],
    encode: codec.encode.bind(codec),
    footer: async (data: Uint8Array) => {
      c.footers++;
      return codec.footer(data);
    },
    decode: async (data: Uint8Array, columns?: ColumnSpec[]) => {
      const rows = await codec.decode(data, columns);
      c.decodes.push(rows.map((r) => String(r['_hoodie_record_key'])));
      return rows;
    },
  };
  return c;
}

let n = 0;
/** A base file as another writer would leave it: keys, and Hudi's footer keys unless `footer` is false. */
async function baseFile(storage: LocalStorage, partition: string, keys: string[], footer = true): Promise<BaseFile> {
  const fileId = `0000000${n++}-aaaa-bbbb-cccc-dddddddddddd-0`;
  const instant = '20260101000000000';
  const name = baseFileName(fileId, '1-2-3', instant);
  const index = new FooterIndexWriter('DYNAMIC_V0', { numEntries: 100, fpp: 1e-6, maxEntries: 1000 });
  for (const k of keys) index.addKey(k);
  const rows = keys.map((k) => ({ _hoodie_commit_time: instant, _hoodie_commit_seqno: `${instant}_0_0`, _hoodie_record_key: k, _hoodie_partition_path: partition, _hoodie_file_name: name, id: k }));
  const data = await deps.codec.encode(COLUMNS, rows, footer ? index.footer() : {});
  const p = `${partition}/${name}`;
  await storage.writeFile(p, Buffer.from(data));
  return { partitionPath: partition, fileId, writeToken: '1-2-3', instantTime: instant, path: p, size: data.byteLength };
}

const range = (prefix: string, count: number) => Array.from({ length: count }, (_, i) => `${prefix}${String(i).padStart(2, '0')}`);
const storage = () => new LocalStorage(mkdtempSync(path.join(tmpdir(), 'hudi-bloom-index-')));
const located = (m: Map<string, BaseFile>) => Object.fromEntries([...m].map(([k, f]) => [k, f.fileId]));

describe('BloomIndex.locate', () => {
  it('locate of keys in files it did not write finds each key in the file that holds it', async () => {
    const s = storage();
    const a = await baseFile(s, 'eu', range('a', 20));
    const b = await baseFile(s, 'eu', range('b', 20));
    const c = await baseFile(s, 'eu', ['a05x', 'c01', 'zz']); // overlaps a's key range
    const index = new BloomIndex(s, deps.codec, deps.blooms);
    const found = await index.locate(['a03', 'a05x', 'b19', 'c01', 'zz'], [a, b, c]);
    expect(located(found)).toEqual({ a03: a.fileId, a05x: c.fileId, b19: b.fileId, c01: c.fileId, zz: c.fileId });
  });

  it('locate of an absent key returns no file for it, inside or outside every key range', async () => {
    const s = storage();
    const a = await baseFile(s, 'eu', range('a', 20));
    const index = new BloomIndex(s, deps.codec, deps.blooms);
    const found = await index.locate(['a031', 'a', 'b00', '', 'a19'], [a]);
    expect(located(found)).toEqual({ a19: a.fileId });
  });

  it('locate only considers the files it is given', async () => {
    const s = storage();
    const eu = await baseFile(s, 'eu', ['k1']);
    const us = await baseFile(s, 'us', ['k2']);
    const index = new BloomIndex(s, deps.codec, deps.blooms);
    expect(located(await index.locate(['k1', 'k2'], [us]))).toEqual({ k2: us.fileId });
    expect((await index.locate(['k1'], [])).size).toBe(0);
    expect(located(await index.locate(['k1'], [eu, us]))).toEqual({ k1: eu.fileId });
  });

  it('locate reads each footer once and decodes only files whose range and bloom filter admit a key', async () => {
    const s = storage();
    const a = await baseFile(s, 'eu', range('a', 20));
    const b = await baseFile(s, 'eu', range('b', 20));
    const codec = countingCodec(deps.codec);
    const index = new BloomIndex(s, codec, deps.blooms);
    // Outside both ranges, and inside a's range but not in its filter: no key column is read.
    expect((await index.locate(['zz', 'a05x'], [a, b])).size).toBe(0);
    expect(codec.footers).toBe(2);
    expect(codec.decodes).toEqual([]);
    expect(located(await index.locate(['a07'], [a, b]))).toEqual({ a07: a.fileId });
    expect(codec.decodes).toEqual([range('a', 20)]);
    // Footers and key sets are cached: nothing is read again.
    expect(located(await index.locate(['a08', 'b02'], [a, b]))).toEqual({ a08: a.fileId, b02: b.fileId });
    expect(codec.footers).toBe(2);
    expect(codec.decodes).toEqual([range('a', 20), range('b', 20)]);
  });

  it('locate of a file without index footers derives its key range from the file\'s keys', async () => {
    const s = storage();
    const bare = await baseFile(s, 'eu', ['m1', 'm5', 'm3'], false);
    const codec = countingCodec(deps.codec);
    const index = new BloomIndex(s, codec, deps.blooms);
    expect(located(await index.locate(['m3', 'm4', 'zz'], [bare]))).toEqual({ m3: bare.fileId });
    expect(codec.decodes).toHaveLength(1);
    expect((await index.locate(['a0'], [bare])).size).toBe(0);
    expect(codec.decodes).toHaveLength(1);
  });

  it('remember registers a written file without reading its footer, and forget makes the index read it again', async () => {
    const s = storage();
    const a = await baseFile(s, 'eu', ['k1', 'k2']);
    const codec = countingCodec(deps.codec);
    const index = new BloomIndex(s, codec, deps.blooms);
    const bloom = deps.blooms.create();
    for (const k of ['k1', 'k2']) bloom.add(k);
    index.remember(a.path, 'k1', 'k2', bloom);
    // k3 is outside the range: only k1 is confirmed, from the key column.
    expect(located(await index.locate(['k1', 'k3'], [a]))).toEqual({ k1: a.fileId });
    expect(codec.footers).toBe(0);
    expect(codec.decodes).toEqual([['k1', 'k2']]);
    index.forget(a.path);
    expect(located(await index.locate(['k2'], [a]))).toEqual({ k2: a.fileId });
    expect(codec.footers).toBe(1);
  });

  it('locate past its cache budgets reads footers and key columns again instead of holding them', async () => {
    const s = storage();
    const a = await baseFile(s, 'eu', range('a', 20));
    const b = await baseFile(s, 'eu', range('b', 20));
    const codec = countingCodec(deps.codec);
    // One bloom filter and no key set fit: every lookup of the other file re-reads what it needs.
    const index = new BloomIndex(s, codec, deps.blooms, { maxBlooms: 1, maxCachedKeys: 0 });
    expect(located(await index.locate(['a01', 'b01'], [a, b]))).toEqual({ a01: a.fileId, b01: b.fileId });
    expect(codec.footers).toBe(2);
    expect(codec.decodes).toHaveLength(2);
    expect(located(await index.locate(['a02', 'b02'], [a, b]))).toEqual({ a02: a.fileId, b02: b.fileId });
    // Each file's filter evicted the other's: both footers are read again, and both key columns.
    expect(codec.footers).toBe(4);
    expect(codec.decodes).toHaveLength(4);
  });
});

describe('BloomIndex.locate on the Spark reference table', () => {
  const sparkFiles = async (s: LocalStorage): Promise<BaseFile[]> => {
    // The latest slice of each file group (c5 rewrote CREATED and PAID).
    const latest = new Map<string, BaseFile>();
    for (const partition of ['CREATED', 'PAID', 'DELIVERING', 'FINISHED']) {
      for (const f of await s.list(partition)) {
        const parsed = parseBaseFileName(f.path.slice(partition.length + 1));
        if (!parsed) continue;
        const prev = latest.get(parsed.fileId);
        if (!prev || prev.instantTime < parsed.instantTime) latest.set(parsed.fileId, { partitionPath: partition, ...parsed, path: f.path, size: f.size });
      }
    }
    return [...latest.values()];
  };

  it('locate with Spark-written footers finds each order in its file group and prunes with Spark\'s bloom filters', async () => {
    const s = new LocalStorage(SPARK_TABLE);
    const files = await sparkFiles(s);
    const partitionOf = (m: Map<string, BaseFile>) => Object.fromEntries([...m].map(([k, f]) => [k, f.partitionPath]));
    const codec = countingCodec(deps.codec);
    const index = new BloomIndex(s, codec, deps.blooms);
    // O5 and O6 were deleted (FINISHED holds a 0-row file); O4 is in PAID and DELIVERING (non-global index).
    const found = await index.locate(['O0000001', 'O0000003', 'O0000005', 'O0000006', 'O0000008', 'O0000099'], files);
    expect(partitionOf(found)).toEqual({ O0000001: 'CREATED', O0000003: 'PAID', O0000008: 'PAID' });
    expect(partitionOf(await index.locate(['O0000004'], files.filter((f) => f.partitionPath === 'DELIVERING')))).toEqual({ O0000004: 'DELIVERING' });
    expect(partitionOf(await index.locate(['O0000004'], files.filter((f) => f.partitionPath === 'PAID')))).toEqual({ O0000004: 'PAID' });
    // O5 lies inside CREATED's and PAID's key ranges, yet no key column was read for it: Spark's filters said no.
    codec.decodes.length = 0;
    expect((await new BloomIndex(s, codec, deps.blooms).locate(['O0000005'], files.filter((f) => f.partitionPath !== 'FINISHED'))).size).toBe(0);
    expect(codec.decodes).toEqual([]);
  });
});
