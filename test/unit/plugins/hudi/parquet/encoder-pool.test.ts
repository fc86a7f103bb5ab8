// EncoderPool: worker-thread encoding (the compiled dist/ worker; tests build first) gives the same files as
// in-thread encoding, rejects bad rows before any thread hop, keeps per-call results apart, and falls back
// to in-thread encoding where no compiled worker exists.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ColumnSpec, Row } from '../../../../../plugins/hudi/parquet/column-spec';
import { defaultWorkerScript, EncoderPool } from '../../../../../plugins/hudi/parquet/encoder-pool';
import { ColumnValueError, decodeParquet, encodeParquet, parquetCodec, readFooter } from '../../../../../plugins/hudi/parquet/parquet-codec';
import { HudiBloomFilter } from '../../../../../plugins/hudi/index/bloom-filter';
import { BloomPartCollector } from '../../../../../plugins/hudi/index/bloom-part';
import { ensureBuilt } from '../../../../helpers/build';
import { allKindsColumns, allKindsRows, openDuck, type Duck } from './fixtures';

const columns: ColumnSpec[] = [
  { name: '_hoodie_record_key', type: { kind: 'string' }, nullable: true },
  { name: 'amount', type: { kind: 'double' }, nullable: false },
  { name: 'at', type: { kind: 'timestamp-millis' }, nullable: true },
];
const batch = (from: number, n: number): Row[] => Array.from({ length: n }, (_, i) => ({ _hoodie_record_key: `k${from + i}`, amount: (from + i) / 4, at: i % 3 === 0 ? null : 1704067200000 + from + i }));

let duck: Duck;
let pool: EncoderPool;
beforeAll(async () => {
  await ensureBuilt().catch(() => undefined); // without a build the pool falls back, which the mode test reports
  duck = await openDuck();
  pool = new EncoderPool({ workers: 1 });
});
afterAll(async () => {
  await pool.close();
  duck.close();
});

describe('EncoderPool', () => {
  it('finds the compiled worker from TypeScript sources and runs in worker mode', () => {
    expect(defaultWorkerScript()).toMatch(/dist\/plugins\/hudi\/parquet\/encoder-worker\.js$/);
    expect(pool.mode).toBe('worker');
  });

  it('hashes the record keys into the bloom filter part the main thread would, lone surrogates included', async () => {
    for (const keys of [Array.from({ length: 70_000 }, (_, i) => `k${i}-é`), ['a', 'b\uD800', 'c', '\uDC00d']]) {
      const rows: Row[] = keys.map((k, i) => ({ _hoodie_record_key: k, amount: i, at: null }));
      const filter = HudiBloomFilter.create('DYNAMIC_V0', { numEntries: 1000, fpp: 0.001, maxEntries: 5000 });
      const collector = new BloomPartCollector(filter, '_hoodie_record_key');
      // Two row groups, the second requested before the first is merged, as a slice streams them.
      const half = Math.floor(rows.length / 2);
      const first = pool.encodeWithBloomPart(columns, rows.slice(0, half), {}, collector.request(keys.slice(0, half)));
      const second = pool.encodeWithBloomPart(columns, rows.slice(half), {}, collector.request(keys.slice(half)));
      const [a, b] = await Promise.all([first, second]);
      collector.add(b.bloom);
      collector.add(a.bloom);
      await collector.settled();
      expect(decodeParquet(a.data, columns).map((r) => r['amount'])).toEqual(rows.slice(0, half).map((r) => r['amount']));
      const expected = HudiBloomFilter.create('DYNAMIC_V0', { numEntries: 1000, fpp: 0.001, maxEntries: 5000 });
      for (const k of keys) expected.add(k);
      expect(filter.serialize()).toBe(expected.serialize());
    }
  });

  it('encodes on the worker exactly what in-thread encoding writes', async () => {
    const rows = batch(0, 5000);
    const options = { keyValueMetadata: { hoodie_min_record_key: 'k0' }, compression: 'zstd' as const };
    const fromPool = await pool.encode(columns, rows, options);
    // Byte equality holds with one footer key: parquet-wasm writes several in hash-map order, varying per call.
    expect(Buffer.from(fromPool).equals(Buffer.from(encodeParquet(columns, rows, options)))).toBe(true);
    expect(decodeParquet(fromPool, columns)).toEqual(rows);
    expect(readFooter(fromPool).keyValueMetadata).toMatchObject({ hoodie_min_record_key: 'k0' });
  });

  it('keeps concurrent calls apart; DuckDB reads every file with its own rows', async () => {
    const batches = [0, 1, 2, 3, 4, 5].map((b) => batch(b * 1000, 1000 + b));
    const files = await Promise.all(batches.map((rows) => pool.encode(columns, rows)));
    for (const [b, data] of files.entries()) {
      const [r] = await duck.rows(`SELECT count(*)::INTEGER AS n, min(_hoodie_record_key) AS lo FROM read_parquet('${duck.file(data)}')`);
      expect(r).toEqual({ n: 1000 + b, lo: `k${b * 1000}` });
    }
  });

  it('encodes every column kind on the worker, both encoders', async () => {
    const { input, expected } = allKindsRows();
    for (const precision of [10, 30]) {
      const cols = allKindsColumns(precision);
      expect(decodeParquet(await pool.encode(cols, input), cols)).toEqual(expected);
    }
  });

  it('rejects a bad row with ColumnValueError before the worker sees it', async () => {
    await expect(pool.encode(columns, [{ _hoodie_record_key: 'a', amount: 'x', at: null }])).rejects.toThrow(ColumnValueError);
    await expect(pool.encode(columns, [{ _hoodie_record_key: 'a', amount: 'x', at: null }])).rejects.toThrow(/column "amount": expected a double/);
    // The worker is still usable afterwards.
    expect((await pool.encode(columns, batch(0, 3))).byteLength).toBeGreaterThan(0);
  });

  it('passes a worker-side failure back as a rejection of that call only', async () => {
    const hudi = allKindsColumns(10);
    const { input } = allKindsRows();
    const nodeHasZstd = 'zstdCompressSync' in (await import('node:zlib'));
    const zstdDecimal = pool.encode(hudi, input, { compression: 'zstd' });
    const fine = pool.encode(columns, batch(0, 10));
    if (nodeHasZstd) await expect(zstdDecimal).resolves.toBeInstanceOf(Uint8Array);
    else await expect(zstdDecimal).rejects.toThrow(/zstd.*Node\.js >= 22\.15/);
    expect((await fine).byteLength).toBeGreaterThan(0);
  });

  it('encodes in-thread with 0 workers, with the same result', async () => {
    const inThread = new EncoderPool({ workers: 0 });
    expect(inThread.mode).toBe('in-thread');
    const rows = batch(0, 100);
    expect(Buffer.from(await inThread.encode(columns, rows)).equals(Buffer.from(encodeParquet(columns, rows)))).toBe(true);
    await inThread.close();
  });

  it('fails only the jobs of a crashed worker and starts a new one for the next job', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'encoder-pool-'));
    const script = path.join(dir, 'crashing-worker.js');
    // Answers its first job, then dies on the second: the pool must reject that job and respawn.
    fs.writeFileSync(
      script,
      `const { parentPort } = require('node:worker_threads');
       let n = 0;
       parentPort.on('message', (job) => { if (n++ === 0) parentPort.postMessage({ id: job.id, ok: true, data: new Uint8Array([1]) }); else process.exit(3); });`,
    );
    const crashing = new EncoderPool({ workers: 1, workerScript: script });
    try {
      expect([...(await crashing.encode(columns, batch(0, 1)))]).toEqual([1]);
      await expect(crashing.encode(columns, batch(0, 1))).rejects.toThrow('Parquet encoder worker exited with code 3');
      expect([...(await crashing.encode(columns, batch(0, 1)))]).toEqual([1]); // a fresh worker
    } finally {
      await crashing.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a worker script that does not exist, and calls after close', async () => {
    expect(() => new EncoderPool({ workerScript: '/nonexistent/encoder-worker.js' })).toThrow(/does not exist; build with npm run build/);
    const p = new EncoderPool({ workers: 1 });
    await p.close();
    await expect(p.encode(columns, batch(0, 1))).rejects.toThrow('encoder pool is closed');
  });

  it('serves as the encoder of parquetCodec', async () => {
    const codec = parquetCodec({ encoder: pool, compression: 'uncompressed' });
    const data = await codec.encode(columns, batch(0, 10), { hoodie_max_record_key: 'k9' });
    expect((await codec.footer(data)).keyValueMetadata).toMatchObject({ hoodie_max_record_key: 'k9' });
    const [meta] = await duck.rows(`SELECT any_value(compression) AS c FROM parquet_metadata('${duck.file(data)}')`);
    expect(meta!['c']).toBe('UNCOMPRESSED');
  });
});

// The worker script must exist where the pool looks for it once built (dist is what production runs).
describe('encoder-worker.js in dist', () => {
  it('is next to the compiled pool', () => {
    const script = defaultWorkerScript();
    expect(script !== undefined && fs.existsSync(script)).toBe(true);
  });
});
