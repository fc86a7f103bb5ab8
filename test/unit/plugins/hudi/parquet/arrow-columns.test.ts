// buildArrowTable: the Arrow types of each column kind, validity bitmaps, exact values, and errors that
// name the column, the expected type and the offending value.

import { describe, expect, it } from 'vitest';
import { arrowSchema, buildArrowTable, ColumnValueError } from '../../../../../plugins/hudi/parquet/arrow-columns';
import { rowsFromArrow } from '../../../../../plugins/hudi/parquet/arrow-rows';
import type { ColumnSpec, ColumnType, Row } from '../../../../../plugins/hudi/parquet/column-spec';
import { allKindsColumns, allKindsRows } from './fixtures';

const col = (type: ColumnType, nullable = true): ColumnSpec => ({ name: 'c', type, nullable });

describe('arrowSchema', () => {
  it('maps every column kind to its Arrow type, in column order, with nullability', () => {
    const schema = arrowSchema(allKindsColumns(10));
    expect(schema.fields.map((f) => `${f.name}:${String(f.type)}:${f.nullable}`)).toEqual([
      's:Utf8:true',
      'u:Utf8:false',
      'b:Bool:true',
      'i:Int32:true',
      'l:Int64:true',
      'f:Float32:true',
      'd:Float64:true',
      'bin:Binary:true',
      'tm:Timestamp<MILLISECOND, UTC>:true',
      'tu:Timestamp<MICROSECOND, UTC>:true',
      'dt:Date32<DAY>:true',
      'dec:Decimal[10e+2]:true', // apache-arrow prints precision and scale this way
    ]);
    expect(schema.fields[11]!.type).toMatchObject({ precision: 10, scale: 2, bitWidth: 128 });
  });

  it('refuses duplicate column names and impossible decimal shapes', () => {
    expect(() => arrowSchema([col({ kind: 'int' }), col({ kind: 'long' })])).toThrow(/column "c" appears twice/);
    expect(() => arrowSchema([col({ kind: 'decimal', precision: 39, scale: 0 })])).toThrow(/precision must be an integer in 1\.\.38/);
    expect(() => arrowSchema([col({ kind: 'decimal', precision: 5, scale: 6 })])).toThrow(/scale must be an integer in 0\.\.precision/);
  });
});

describe('buildArrowTable', () => {
  it('holds exactly the values given, readable back through Arrow', () => {
    const columns = allKindsColumns(30);
    const { input, expected } = allKindsRows();
    const table = buildArrowTable(columns, input);
    expect(table.numRows).toBe(input.length);
    expect(rowsFromArrow(table, columns)).toEqual(expected);
  });

  it('writes validity bitmaps only where there are nulls', () => {
    const columns = [col({ kind: 'string' }), { name: 'n', type: { kind: 'int' as const }, nullable: true }];
    const table = buildArrowTable(columns, [{ c: 'a', n: 1 }, { c: null, n: 2 }, { c: 'b', n: 3 }]);
    const [c, n] = table.batches[0]!.data.children;
    expect(c!.nullCount).toBe(1);
    expect(c!.getValid(1)).toBe(false);
    expect(c!.getValid(2)).toBe(true);
    expect(n!.nullCount).toBe(0);
  });

  it('treats a missing field like null', () => {
    const table = buildArrowTable([col({ kind: 'double' })], [{}, { c: 1.5 }]);
    expect(rowsFromArrow(table)).toEqual([{ c: null }, { c: 1.5 }]);
  });

  it('encodes strings with repeated values, long values and non-ASCII exactly', () => {
    const long = `${'é'.repeat(20)}${'x'.repeat(40)}`;
    const values = ['same-file-name.parquet', 'same-file-name.parquet', 'same-file-name.parquet', 'same-file-name.parquet', 'same-file-name.parquet', 'same-file-name.parquet', 'same-file-name.parquet', 'same-file-name.parquet', 'other', long, '😀 emoji', null, 'same-file-name.parquet', 'ascii then ü', '\u0000nul'];
    const rows: Row[] = values.map((c) => ({ c }));
    expect(rowsFromArrow(buildArrowTable([col({ kind: 'string' })], rows))).toEqual(rows);
  });

  it('encodes all-ASCII columns (the one-write path) exactly, nulls included, and falls back on any non-ASCII unit', () => {
    const ascii: Row[] = [{ c: 'ORD0000000001' }, { c: null }, { c: '' }, {}, { c: `${'k'.repeat(13)}${String(7)}` }];
    expect(rowsFromArrow(buildArrowTable([col({ kind: 'string' })], ascii))).toEqual(ascii.map((r) => ({ c: r['c'] ?? null })));
    // Non-ASCII text whose UTF-8 prefix fills exactly as many bytes as the text has UTF-16 units: still detected.
    for (const tail of ['éaa€', 'a\uD800', '\uDC00', '😀']) {
      const rows: Row[] = [{ c: 'plain' }, { c: tail }, { c: 'plain' }];
      expect(rowsFromArrow(buildArrowTable([col({ kind: 'string' })], rows)), JSON.stringify(tail)).toEqual(rows.map((r) => ({ c: Buffer.from(String(r['c']), 'utf8').toString('utf8') })));
    }
    expect(() => buildArrowTable([col({ kind: 'string' }, false)], [{ c: 'a' }, { c: null }])).toThrow(ColumnValueError);
    // One value in every row (a file name), copied rather than joined: every count of rows, and non-ASCII.
    for (const n of [1, 2, 3, 7, 64, 1000]) {
      for (const v of ['f-0_0-1-0_20240101000000000.parquet', 'é']) {
        const rows: Row[] = Array.from({ length: n }, () => ({ c: v }));
        expect(rowsFromArrow(buildArrowTable([col({ kind: 'string' })], rows)), `${n} × ${v}`).toEqual(rows);
      }
    }
  });

  it('grows its string buffer past the size it estimated from the first rows', () => {
    const rows: Row[] = [...Array.from({ length: 64 }, () => ({ c: 'a' })), ...Array.from({ length: 200 }, (_, i) => ({ c: 'z'.repeat(1000 + i) }))];
    expect(rowsFromArrow(buildArrowTable([col({ kind: 'string' })], rows))).toEqual(rows);
  });

  it('keeps long values beyond 2^53 exact as bigint, and accepts bigint below it', () => {
    const rows: Row[] = [{ c: 2n ** 62n + 1n }, { c: -(2n ** 63n) }, { c: 7n }, { c: -9007199254740991 }];
    expect(rowsFromArrow(buildArrowTable([col({ kind: 'long' })], rows))).toEqual([{ c: 2n ** 62n + 1n }, { c: -(2n ** 63n) }, { c: 7 }, { c: -9007199254740991 }]);
  });

  it('stores decimals exactly from their strings, without float rounding', () => {
    const rows: Row[] = [{ c: '0.1' }, { c: '12345678901234567890123456.789' }, { c: '-0.000' }, { c: '5' }, { c: '+1.5' }, { c: '.25' }];
    const back = rowsFromArrow(buildArrowTable([col({ kind: 'decimal', precision: 38, scale: 3 })], rows));
    expect(back.map((r) => r['c'])).toEqual(['0.100', '12345678901234567890123456.789', '0.000', '5.000', '1.500', '0.250']);
  });

  const errors: [string, ColumnType, unknown, RegExp][] = [
    ['string given a number', { kind: 'string' }, 5, /column "c": expected a string, got 5 \(number\) at row 1/],
    ['uuid given an object', { kind: 'uuid' }, { id: 1 }, /column "c": expected a uuid string, got Object \(object\) at row 1/],
    ['int given a fraction', { kind: 'int' }, 1.5, /column "c": expected an int \(32-bit integer\), got 1\.5 \(number\)/],
    ['int given 2^31', { kind: 'int' }, 2 ** 31, /column "c": expected an int \(32-bit integer\), got 2147483648 \(number\)/],
    ['long given an unsafe number', { kind: 'long' }, 2 ** 53 + 2, /column "c": expected a long .*got 9007199254740994 \(number\).*pass a bigint/],
    ['long given a bigint beyond 64 bits', { kind: 'long' }, 2n ** 63n, /column "c": expected a long .*got 9223372036854775808n \(bigint\)/],
    ['long given a string', { kind: 'long' }, '12', /column "c": expected a long .*got "12" \(string\)/],
    ['float given a string', { kind: 'float' }, '1.5', /column "c": expected a float \(number\), got "1\.5" \(string\)/],
    ['double given a boolean', { kind: 'double' }, true, /column "c": expected a double \(number\), got true \(boolean\)/],
    ['boolean given 1', { kind: 'boolean' }, 1, /column "c": expected a boolean, got 1 \(number\)/],
    // (a string is Avro's string → bytes promotion, written as its UTF-8 bytes: see nested-columns.test.ts)
    ['bytes given a number', { kind: 'bytes' }, 12, /column "c": expected bytes \(Buffer or Uint8Array\), got 12 \(number\)/],
    ['timestamp-millis given a Date', { kind: 'timestamp-millis' }, new Date(0), /column "c": expected timestamp-millis \(integer ms since the epoch\), got Date \(object\)/],
    ['timestamp-micros given a fraction', { kind: 'timestamp-micros' }, 1.5, /column "c": expected timestamp-micros .*got 1\.5 \(number\)/],
    ['date given a string', { kind: 'date' }, '2024-01-01', /column "c": expected a date \(integer days since 1970-01-01, 32-bit\), got "2024-01-01" \(string\)/],
    ['decimal given a number', { kind: 'decimal', precision: 10, scale: 2 }, 12.3, /column "c": expected decimal\(10,2\) as a string such as "12\.30", got 12\.3 \(number\)/],
    ['decimal needing rounding', { kind: 'decimal', precision: 10, scale: 2 }, '1.234', /column "c": expected decimal\(10,2\).*got "1\.234" \(string\) at row 1 \(more than 2 fraction digits\)/],
    ['decimal beyond precision', { kind: 'decimal', precision: 4, scale: 2 }, '123.45', /got "123\.45" \(string\) at row 1 \(5 digits, more than precision 4\)/],
    ['decimal that is not a number', { kind: 'decimal', precision: 4, scale: 2 }, '1e3', /got "1e3" \(string\) at row 1 \(not a decimal number\)/],
  ];
  for (const [scenario, type, value, message] of errors) {
    it(`rejects ${scenario}, naming column, type and value`, () => {
      const run = () => buildArrowTable([col(type)], [{ c: null }, { c: value }]);
      expect(run).toThrow(ColumnValueError);
      expect(run).toThrow(message);
      try {
        run();
      } catch (err) {
        expect(err).toMatchObject({ column: 'c', row: 1, value });
      }
    });
  }

  it('rejects null in a non-nullable column of any kind', () => {
    for (const c of allKindsColumns(10)) {
      const spec = { ...c, nullable: false };
      expect(() => buildArrowTable([spec], [{ [c.name]: null }])).toThrow(new RegExp(`column "${c.name}": expected an? .* value \\(column is not nullable\\), got null at row 0`));
    }
  });
});
