// Shared by the Parquet layer's tests: one column of every kind, rows that hit the edges (nulls, non-ASCII,
// longs beyond 2^31 and 2^53, int64 extremes, negative decimals), and DuckDB as the independent reader.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ColumnSpec, Row } from '../../../../../plugins/hudi/parquet/column-spec';

/** Every kind; `decimalPrecision` picks the encoder (<= 18: hyparquet-writer, else parquet-wasm). */
export function allKindsColumns(decimalPrecision: number): ColumnSpec[] {
  return [
    { name: 's', type: { kind: 'string' }, nullable: true },
    { name: 'u', type: { kind: 'uuid' }, nullable: false },
    { name: 'b', type: { kind: 'boolean' }, nullable: true },
    { name: 'i', type: { kind: 'int' }, nullable: true },
    { name: 'l', type: { kind: 'long' }, nullable: true },
    { name: 'f', type: { kind: 'float' }, nullable: true },
    { name: 'd', type: { kind: 'double' }, nullable: true },
    { name: 'bin', type: { kind: 'bytes' }, nullable: true },
    { name: 'tm', type: { kind: 'timestamp-millis' }, nullable: true },
    { name: 'tu', type: { kind: 'timestamp-micros' }, nullable: true },
    { name: 'dt', type: { kind: 'date' }, nullable: true },
    { name: 'dec', type: { kind: 'decimal', precision: decimalPrecision, scale: 2 }, nullable: true },
  ];
}

/** Input rows and what decoding must return for them (canonical forms: safe longs as numbers, "12.30"). */
export function allKindsRows(): { input: Row[]; expected: Row[] } {
  const input: Row[] = [
    {
      s: 'héllo wörld 麻辣香锅 🍜',
      u: '123e4567-e89b-12d3-a456-426614174000',
      b: true,
      i: 42,
      l: 3_000_000_000,
      f: Math.fround(1.1),
      d: -0.1,
      bin: Buffer.from([0, 255, 1, 128]),
      tm: 1704067200123,
      tu: 1704067200123456,
      dt: 19723,
      dec: '12.3',
    },
    { s: null, u: '00000000-0000-0000-0000-000000000000', b: null, i: null, l: null, f: null, d: null, bin: null, tm: null, tu: null, dt: null, dec: null },
    {
      s: '',
      u: 'ffffffff-ffff-ffff-ffff-ffffffffffff',
      b: false,
      i: -2147483648,
      l: 9007199254740993n, // 2^53 + 1: not representable as a number
      f: -Infinity,
      d: 1e308,
      bin: Buffer.alloc(0),
      tm: -86400000, // before the epoch
      tu: 4102444800000000123n, // year 2100 in µs + 123, beyond 2^53
      dt: -1,
      dec: '-0.01',
    },
    {
      s: 'x'.repeat(100),
      u: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
      b: true,
      i: 2147483647,
      l: -(2n ** 63n),
      f: 0,
      d: Number.MIN_VALUE,
      bin: Buffer.from('bytes'),
      tm: 0,
      tu: 5n, // small bigint: comes back as the number 5
      dt: 2932896, // 9999-12-31
      dec: '99999999.99',
    },
    { s: 'last', u: 'b1eebc99-9c0b-4ef8-bb6d-6bb9bd380a12', b: null, i: 0, l: 2n ** 63n - 1n, f: null, d: null, bin: null, tm: 253402300799999, tu: null, dt: null, dec: '-99999999.99' },
  ];
  const expected = input.map((r) => ({ ...r }));
  expected[0]!['dec'] = '12.30';
  expected[3]!['tu'] = 5;
  return { input, expected };
}

export interface Duck {
  rows(sql: string): Promise<Record<string, unknown>[]>;
  /** Writes `data` to a fresh temp file and returns its path (quoted-safe: no quote characters). */
  file(data: Uint8Array, name?: string): string;
  close(): void;
}

export async function openDuck(): Promise<Duck> {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parquet-test-'));
  let n = 0;
  return {
    rows: async (sql) => (await conn.runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[],
    file: (data, name) => {
      const p = path.join(dir, name ?? `f${n++}.parquet`);
      fs.writeFileSync(p, data);
      return p;
    },
    close: () => {
      conn.closeSync();
      db.closeSync();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
