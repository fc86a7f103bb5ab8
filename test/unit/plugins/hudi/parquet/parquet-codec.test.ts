// encodeParquet / decodeParquet / readFooter against DuckDB as the independent reader: every column kind
// round-trips through both encoders (parquet-wasm, and hyparquet-writer for decimals of precision <= 18),
// the Parquet schema is what Spark/parquet-avro expect for Hudi, and Hudi's footer key-values survive.

import * as fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildArrowTable } from '../../../../../plugins/hudi/parquet/arrow-columns';
import type { ColumnSpec, Row } from '../../../../../plugins/hudi/parquet/column-spec';
import { ColumnValueError, decodeParquet, encodeParquet, encoderFor, footerTailLength, parquetCodec, readFooter } from '../../../../../plugins/hudi/parquet/parquet-codec';
import { allKindsColumns, allKindsRows, openDuck, type Duck } from './fixtures';

let duck: Duck;
beforeAll(async () => {
  duck = await openDuck();
});
afterAll(() => duck.close());

const HUDI_KV = {
  'org.apache.hudi.bloomfilter': '/////wAAABQBAAAAAAAAAAAAAA==',
  hoodie_bloom_filter_type_code: 'DYNAMIC_V0',
  hoodie_min_record_key: 'order-0000000001',
  hoodie_max_record_key: 'order-0000000999',
  'parquet.avro.schema': '{"type":"record","name":"order_record","namespace":"hoodie.order","fields":[{"name":"orderId","type":"string"}]}',
};

/** DuckDB's view of a file, with every value rendered exactly (strings for wide and temporal types). */
async function duckRows(file: string): Promise<Row[]> {
  return duck.rows(
    `SELECT s, u, b, i, l::VARCHAR AS l, f, d, hex(bin) AS bin, epoch_ms(tm)::VARCHAR AS tm, epoch_us(tu)::VARCHAR AS tu, ` +
      `(dt - DATE '1970-01-01')::VARCHAR AS dt, dec::VARCHAR AS dec FROM read_parquet('${file}')`,
  );
}

/** The expected rows in the form duckRows renders them. */
function asDuck(rows: Row[]): Row[] {
  const str = (v: unknown) => (v === null ? null : String(v));
  const num = (v: unknown) => (v === null ? null : v === -Infinity ? '-Infinity' : v);
  return rows.map((r) => ({
    s: r['s'],
    u: r['u'],
    b: r['b'],
    i: r['i'],
    l: str(r['l']),
    f: num(r['f']),
    d: num(r['d']),
    bin: r['bin'] === null ? null : (r['bin'] as Buffer).toString('hex').toUpperCase(),
    tm: str(r['tm']),
    tu: str(r['tu']),
    dt: str(r['dt']),
    dec: r['dec'],
  }));
}

for (const [label, precision, encoder] of [
  ['parquet-wasm', 30, 'parquet-wasm'],
  ['hyparquet-writer (decimal precision <= 18)', 10, 'hyparquet-writer'],
] as const) {
  describe(`encodeParquet via ${label}`, () => {
    const columns = allKindsColumns(precision);
    const { input, expected } = allKindsRows();

    it('encoderFor picks the expected encoder', () => {
      expect(encoderFor(columns)).toBe(encoder);
    });

    it('every column kind round-trips through decodeParquet exactly', () => {
      const buf = encodeParquet(columns, input, { keyValueMetadata: HUDI_KV });
      expect(decodeParquet(buf, columns)).toEqual(expected);
    });

    it('every column kind reads back identically in DuckDB, nulls included', async () => {
      const file = duck.file(encodeParquet(columns, input));
      expect(await duckRows(file)).toEqual(asDuck(expected));
    });

    it('writes the Parquet types a Spark/parquet-avro reader expects for Hudi', async () => {
      const file = duck.file(encodeParquet(columns, input));
      const schema = await duck.rows(
        `SELECT name, type, repetition_type AS rep, converted_type AS ct, logical_type::VARCHAR AS lt, precision::VARCHAR AS p, scale::VARCHAR AS sc, type_length::VARCHAR AS len ` +
          `FROM parquet_schema('${file}') WHERE name <> (SELECT name FROM parquet_schema('${file}') LIMIT 1)`,
      );
      const byName = Object.fromEntries(schema.map((r) => [r['name'], r]));
      expect(byName['s']).toMatchObject({ type: 'BYTE_ARRAY', rep: 'OPTIONAL', ct: 'UTF8' });
      expect(String(byName['s']!['lt'])).toMatch(/String/);
      expect(byName['u']).toMatchObject({ type: 'BYTE_ARRAY', rep: 'REQUIRED', ct: 'UTF8' });
      expect(byName['b']).toMatchObject({ type: 'BOOLEAN' });
      expect(byName['i']).toMatchObject({ type: 'INT32', ct: null });
      expect(byName['l']).toMatchObject({ type: 'INT64', ct: null });
      expect(byName['f']).toMatchObject({ type: 'FLOAT' });
      expect(byName['d']).toMatchObject({ type: 'DOUBLE' });
      expect(byName['bin']).toMatchObject({ type: 'BYTE_ARRAY', ct: null });
      expect(byName['tm']).toMatchObject({ type: 'INT64', ct: 'TIMESTAMP_MILLIS' });
      expect(String(byName['tm']!['lt'])).toMatch(/isAdjustedToUTC=(1|true)/);
      expect(String(byName['tm']!['lt'])).toMatch(/MILLIS/);
      expect(byName['tu']).toMatchObject({ type: 'INT64', ct: 'TIMESTAMP_MICROS' });
      expect(String(byName['tu']!['lt'])).toMatch(/isAdjustedToUTC=(1|true)/);
      expect(byName['dt']).toMatchObject({ type: 'INT32', ct: 'DATE' });
      // parquet-avro (Hudi's merge reader) reads decimals only from FIXED_LEN_BYTE_ARRAY (HUDI-2958).
      expect(byName['dec']).toMatchObject({ type: 'FIXED_LEN_BYTE_ARRAY', ct: 'DECIMAL', p: String(precision), sc: '2' });

      const described = await duck.rows(`DESCRIBE SELECT * FROM read_parquet('${file}')`);
      expect(Object.fromEntries(described.map((r) => [r['column_name'], r['column_type']]))).toEqual({
        s: 'VARCHAR',
        u: 'VARCHAR',
        b: 'BOOLEAN',
        i: 'INTEGER',
        l: 'BIGINT',
        f: 'FLOAT',
        d: 'DOUBLE',
        bin: 'BLOB',
        tm: 'TIMESTAMP WITH TIME ZONE',
        tu: 'TIMESTAMP WITH TIME ZONE',
        dt: 'DATE',
        dec: `DECIMAL(${precision},2)`,
      });
    });

    it("Hudi's footer key-values are read back by DuckDB and by readFooter", async () => {
      const buf = encodeParquet(columns, input, { keyValueMetadata: HUDI_KV });
      const file = duck.file(buf);
      const kv = await duck.rows(`SELECT decode(key) AS k, decode(value) AS v FROM parquet_kv_metadata('${file}')`);
      const fromDuck = Object.fromEntries(kv.map((r) => [r['k'], r['v']]));
      expect(fromDuck).toMatchObject(HUDI_KV);
      const footer = readFooter(buf);
      expect(footer.keyValueMetadata).toMatchObject(HUDI_KV);
      expect(footer.numRows).toBe(input.length);
      expect(footer.columns).toEqual(columns.map((c) => (c.type.kind === 'uuid' ? { ...c, type: { kind: 'string' } } : c)));
      expect(footer.unsupportedColumns).toEqual([]);
    });

    it('every compression codec and dictionary setting round-trips', async () => {
      for (const compression of ['snappy', 'zstd', 'uncompressed'] as const) {
        for (const dictionary of [true, false]) {
          if (encoder === 'hyparquet-writer' && compression === 'zstd' && !('zstdCompressSync' in (await import('node:zlib')))) {
            expect(() => encodeParquet(columns, input, { compression })).toThrow(/zstd.*Node\.js >= 22\.15/);
            continue;
          }
          const buf = encodeParquet(columns, input, { compression, dictionary });
          expect(decodeParquet(buf, columns)).toEqual(expected);
          const file = duck.file(buf);
          const [meta] = await duck.rows(`SELECT any_value(compression) AS c FROM parquet_metadata('${file}')`);
          expect(String(meta!['c']).toUpperCase()).toBe(compression.toUpperCase());
        }
      }
    });

    it('an Arrow table from buildArrowTable encodes like the rows it came from', () => {
      const buf = encodeParquet(columns, buildArrowTable(columns, input));
      expect(decodeParquet(buf, columns)).toEqual(expected);
    });
  });
}

describe('encodeParquet', () => {
  const columns: ColumnSpec[] = [
    { name: 'k', type: { kind: 'string' }, nullable: false },
    { name: 'n', type: { kind: 'long' }, nullable: true },
  ];

  it('rejects a value of the wrong type with the column, expected type and value', () => {
    const rows: Row[] = [{ k: 'a', n: 1 }, { k: 'b', n: 'two' }];
    expect(() => encodeParquet(columns, rows)).toThrow(ColumnValueError);
    expect(() => encodeParquet(columns, rows)).toThrow(/column "n": expected a long .*got "two" \(string\) at row 1/);
  });

  it('rejects null in a non-nullable column, naming it', () => {
    expect(() => encodeParquet(columns, [{ k: null, n: 1 }])).toThrow(/column "k": expected a string value \(column is not nullable\), got null at row 0/);
  });

  it('rejects an Arrow table whose schema differs from the columns', () => {
    const other = buildArrowTable([{ name: 'k', type: { kind: 'string' }, nullable: true }], [{ k: 'a' }]);
    expect(() => encodeParquet(columns, other)).toThrow(/does not match the columns/);
  });

  it('rejects unknown compression and bad row group sizes', () => {
    expect(() => encodeParquet(columns, [], { compression: 'gzip' as never })).toThrow(/compression must be snappy, zstd or uncompressed/);
    expect(() => encodeParquet(columns, [], { rowGroupRows: 0 })).toThrow(/rowGroupRows/);
  });

  it('writes an empty file that DuckDB reads as zero rows', async () => {
    const buf = encodeParquet(columns, [], { keyValueMetadata: { a: 'b' } });
    expect(decodeParquet(buf, columns)).toEqual([]);
    expect(readFooter(buf)).toMatchObject({ numRows: 0, keyValueMetadata: { a: 'b' } });
    const [r] = await duck.rows(`SELECT count(*)::INTEGER AS n FROM read_parquet('${duck.file(buf)}')`);
    expect(r!['n']).toBe(0);
  });

  it('a 100k-row file with row groups is read by DuckDB with the right count and sums', async () => {
    const n = 100_000;
    const rows: Row[] = Array.from({ length: n }, (_, i) => ({ k: `key-${String(i).padStart(6, '0')}`, n: i % 10 === 0 ? null : i * 1_000_003 }));
    const buf = encodeParquet(columns, rows, { rowGroupRows: 30_000 });
    const file = duck.file(buf);
    const [r] = await duck.rows(`SELECT count(*)::INTEGER AS c, count(n)::INTEGER AS nn, sum(n)::VARCHAR AS s, max(k) AS mx FROM read_parquet('${file}')`);
    let sum = 0n;
    for (const row of rows) if (row['n'] !== null) sum += BigInt(row['n'] as number);
    expect(r).toEqual({ c: n, nn: n - n / 10, s: sum.toString(), mx: 'key-099999' });
    expect(readFooter(buf)).toMatchObject({ numRows: n, numRowGroups: 4 });
    const back = decodeParquet(buf, columns);
    expect(back.length).toBe(n);
    expect(back[99_999]).toEqual(rows[99_999]);
  });
});

describe('decodeParquet', () => {
  const columns: ColumnSpec[] = [
    { name: '_hoodie_record_key', type: { kind: 'string' }, nullable: true },
    { name: 'v', type: { kind: 'double' }, nullable: false },
    { name: 'ts', type: { kind: 'timestamp-micros' }, nullable: true },
  ];
  const rows: Row[] = [
    { _hoodie_record_key: 'a', v: 1.5, ts: 1 },
    { _hoodie_record_key: 'b', v: 2.5, ts: null },
  ];

  it('reads only the requested columns', () => {
    const buf = encodeParquet(columns, rows);
    expect(decodeParquet(buf, [columns[0]!])).toEqual([{ _hoodie_record_key: 'a' }, { _hoodie_record_key: 'b' }]);
  });

  it('fills a column the file lacks with null (files written before the column was added)', () => {
    const buf = encodeParquet(columns, rows);
    const added: ColumnSpec = { name: 'added', type: { kind: 'string' }, nullable: true };
    expect(decodeParquet(buf, [columns[0]!, added])).toEqual([
      { _hoodie_record_key: 'a', added: null },
      { _hoodie_record_key: 'b', added: null },
    ]);
  });

  it('without columns reads every column, typed from the file', () => {
    const buf = encodeParquet(columns, rows);
    expect(decodeParquet(buf)).toEqual(rows);
  });

  it('widens int to long and float to double (Avro promotions), refuses unrelated types', () => {
    const narrow: ColumnSpec[] = [
      { name: 'x', type: { kind: 'int' }, nullable: false },
      { name: 'y', type: { kind: 'float' }, nullable: false },
    ];
    const buf = encodeParquet(narrow, [{ x: 7, y: 0.5 }]);
    expect(decodeParquet(buf, [{ name: 'x', type: { kind: 'long' }, nullable: false }, { name: 'y', type: { kind: 'double' }, nullable: false }])).toEqual([{ x: 7, y: 0.5 }]);
    expect(() => decodeParquet(buf, [{ name: 'x', type: { kind: 'string' }, nullable: false }])).toThrow(/column "x": the file stores Int32, which cannot be read as string/);
  });

  it('reads files DuckDB wrote (gzip, INT32/INT64 decimals, another writer)', async () => {
    const out = duck.file(new Uint8Array(0), 'duck-written.parquet');
    await duck.rows(
      `COPY (SELECT 'k' || i::VARCHAR AS k, (i * 1.25)::DECIMAL(9,2) AS d9, (i * 1.25)::DECIMAL(18,2) AS d18, ` +
        `TIMESTAMPTZ '2024-01-01 00:00:00+00' + INTERVAL (i) SECOND AS t, CASE WHEN i % 2 = 0 THEN NULL ELSE i END AS n ` +
        `FROM range(3) r(i)) TO '${out}' (FORMAT parquet, COMPRESSION gzip)`,
    );
    const buf = new Uint8Array(fs.readFileSync(out));
    const footer = readFooter(buf);
    expect(footer.columns.map((c) => [c.name, c.type])).toEqual([
      ['k', { kind: 'string' }],
      ['d9', { kind: 'decimal', precision: 9, scale: 2 }],
      ['d18', { kind: 'decimal', precision: 18, scale: 2 }],
      ['t', { kind: 'timestamp-micros' }],
      ['n', { kind: 'long' }],
    ]);
    expect(decodeParquet(buf, footer.columns)).toEqual([
      { k: 'k0', d9: '0.00', d18: '0.00', t: 1704067200000000, n: null },
      { k: 'k1', d9: '1.25', d18: '1.25', t: 1704067201000000, n: 1 },
      { k: 'k2', d9: '2.50', d18: '2.50', t: 1704067202000000, n: null },
    ]);
  });
});

describe('readFooter', () => {
  const columns: ColumnSpec[] = [{ name: 'k', type: { kind: 'string' }, nullable: false }];

  it('reads the footer from the tail of the file alone (a ranged read)', () => {
    const buf = encodeParquet(columns, Array.from({ length: 1000 }, (_, i) => ({ k: `k${i}` })), { keyValueMetadata: HUDI_KV });
    const tail = footerTailLength(buf.subarray(buf.length - 8));
    const footer = readFooter(buf.subarray(buf.length - tail));
    expect(footer.numRows).toBe(1000);
    expect(footer.keyValueMetadata).toMatchObject(HUDI_KV);
  });

  it('rejects bytes that are not Parquet', () => {
    expect(() => readFooter(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9]))).toThrow(/cannot read the Parquet footer/);
    expect(() => footerTailLength(new Uint8Array(8))).toThrow(/not a Parquet file/);
  });
});

describe('parquetCodec', () => {
  it('encodes with the given defaults and reads back footer and rows (the table writer collaborator)', async () => {
    const codec = parquetCodec({ compression: 'zstd' });
    const columns: ColumnSpec[] = [{ name: 'k', type: { kind: 'string' }, nullable: false }];
    const buf = await codec.encode(columns, [{ k: 'a' }], { hoodie_min_record_key: 'a' });
    expect(await codec.decode(buf)).toEqual([{ k: 'a' }]);
    expect(await codec.footer(buf)).toMatchObject({ numRows: 1, keyValueMetadata: { hoodie_min_record_key: 'a' } });
    const [meta] = await duck.rows(`SELECT any_value(compression) AS c FROM parquet_metadata('${duck.file(buf)}')`);
    expect(meta!['c']).toBe('ZSTD');
  });
});
