// Nested columns (records, 3-level lists, maps, multi-type unions) and the newer logical types through both
// encoders: decode(encode(rows)) reproduces the rows exactly, with nulls at every level; the Parquet schema is
// parquet-avro's layout; bad nested values fail naming the path and the row; schema-evolved reads fill null.

import { describe, expect, it } from 'vitest';
import { buildArrowTable, ColumnValueError } from '../../../../../plugins/hudi/parquet/arrow-columns';
import { rowsFromArrow } from '../../../../../plugins/hudi/parquet/arrow-rows';
import type { ColumnSpec, Row } from '../../../../../plugins/hudi/parquet/column-spec';
import { decodeParquet, encodeParquet, encoderFor, readFooter } from '../../../../../plugins/hudi/parquet/parquet-codec';

function nestedColumns(decimalPrecision: number): ColumnSpec[] {
  const line: ColumnSpec[] = [
    { name: 'sku', type: { kind: 'string' }, nullable: false },
    { name: 'qty', type: { kind: 'int' }, nullable: true },
    { name: 'price', type: { kind: 'decimal', precision: decimalPrecision, scale: 2 }, nullable: true },
  ];
  return [
    { name: 'id', type: { kind: 'string' }, nullable: false },
    {
      name: 'customer',
      type: {
        kind: 'record',
        fields: [
          { name: 'name', type: { kind: 'string' }, nullable: false },
          { name: 'address', type: { kind: 'record', fields: [{ name: 'zip', type: { kind: 'int' }, nullable: true }, { name: 'city', type: { kind: 'string' }, nullable: false }] }, nullable: true },
        ],
      },
      nullable: true,
    },
    { name: 'tags', type: { kind: 'array', items: { kind: 'string' }, itemsNullable: true }, nullable: true },
    { name: 'orders', type: { kind: 'map', values: { kind: 'array', items: { kind: 'record', fields: line }, itemsNullable: true }, valuesNullable: true }, nullable: true },
    { name: 'payload', type: { kind: 'union', members: [{ kind: 'int' }, { kind: 'string' }, { kind: 'record', fields: [{ name: 'x', type: { kind: 'double' }, nullable: false }] }] }, nullable: true },
    { name: 'tm', type: { kind: 'time-millis' }, nullable: true },
    { name: 'tu', type: { kind: 'time-micros' }, nullable: true },
    { name: 'ltm', type: { kind: 'local-timestamp-millis' }, nullable: true },
    { name: 'ltu', type: { kind: 'local-timestamp-micros' }, nullable: false },
    { name: 'bin', type: { kind: 'array', items: { kind: 'bytes' }, itemsNullable: false }, nullable: false },
  ];
}

function nestedRows(): Row[] {
  return [
    {
      id: 'a',
      customer: { name: 'Ann', address: { zip: 12345, city: 'Oslo' } },
      tags: ['x', null, 'y'],
      orders: { o1: [{ sku: 's1', qty: 2, price: '9.99' }, null, { sku: 's2', qty: null, price: null }], o2: [], o3: null },
      payload: { member0: 7, member1: null, member2: null },
      tm: 45_296_789,
      tu: 45_296_789_123,
      ltm: 1_700_000_000_123,
      ltu: 1_700_000_000_123_456,
      bin: [Buffer.from([1, 2]), Buffer.alloc(0)],
    },
    {
      id: 'b',
      customer: { name: 'Bo', address: null },
      tags: [],
      orders: {},
      payload: { member0: null, member1: 'text', member2: null },
      tm: 0,
      tu: 9_007_199_254_740_993n,
      ltm: -1,
      ltu: -1_000_001,
      bin: [],
    },
    { id: 'c', customer: null, tags: null, orders: null, payload: { member0: null, member1: null, member2: { x: 1.5 } }, tm: null, tu: null, ltm: null, ltu: 0, bin: [Buffer.from('z')] },
    { id: 'd', customer: { name: '', address: { zip: null, city: '' } }, tags: [null], orders: { '': [null] }, payload: null, tm: 86_399_999, tu: 0, ltm: 0, ltu: 1, bin: [] },
  ];
}

for (const [label, precision, encoder] of [
  ['parquet-wasm', 20, 'parquet-wasm'],
  ['hyparquet-writer (a nested decimal of precision <= 18)', 9, 'hyparquet-writer'],
] as const) {
  describe(`nested columns via ${label}`, () => {
    const columns = nestedColumns(precision);
    it('encoderFor finds decimals inside nested types', () => {
      expect(encoderFor(columns)).toBe(encoder);
    });

    it('decode(encode(rows)) reproduces nested rows with nulls at every level, with and without columns', () => {
      const rows = nestedRows();
      const file = encodeParquet(columns, rows);
      expect(decodeParquet(file, columns)).toEqual(rows);
      // Typed from the file alone (what a copy-on-write merge does), then encoded again: the same rows.
      const typedFromFile = decodeParquet(file);
      expect(typedFromFile).toEqual(rows);
      expect(decodeParquet(encodeParquet(columns, typedFromFile), columns)).toEqual(rows);
    });

    it('writes parquet-avro\'s layout: groups, 3-level LIST, MAP of key_value, union members', () => {
      const footer = readFooter(encodeParquet(columns, nestedRows()));
      const byName = Object.fromEntries(footer.columns.map((c) => [c.name, c]));
      expect(byName['tags']!.type).toEqual({ kind: 'array', items: { kind: 'string' }, itemsNullable: true });
      expect(byName['customer']).toEqual(columns[1]);
      expect(byName['orders']).toEqual(columns[3]);
      // A union reads back as the group it is stored as.
      expect(byName['payload']!.type.kind).toBe('record');
      expect(footer.unsupportedColumns).toEqual([]);
    });
  });
}

describe('Parquet schema elements of nested columns', () => {
  it('match what parquet-avro writes with write-old-list-structure=false', async () => {
    const { parquetMetadata } = await import('hyparquet');
    const meta = parquetMetadata(encodeParquet(nestedColumns(20), nestedRows()));
    const shape = meta.schema.map((e) => [e.name, e.repetition_type ?? null, e.type ?? null, e.converted_type ?? null, e.num_children ?? null]);
    const at = (name: string) => shape.findIndex((e) => e[0] === name);
    expect(shape.slice(at('tags'), at('tags') + 3)).toEqual([
      ['tags', 'OPTIONAL', null, 'LIST', 1],
      ['list', 'REPEATED', null, null, 1],
      ['element', 'OPTIONAL', 'BYTE_ARRAY', 'UTF8', null],
    ]);
    expect(shape.slice(at('orders'), at('orders') + 5)).toEqual([
      ['orders', 'OPTIONAL', null, 'MAP', 1],
      ['key_value', 'REPEATED', null, null, 2],
      ['key', 'REQUIRED', 'BYTE_ARRAY', 'UTF8', null],
      ['value', 'OPTIONAL', null, 'LIST', 1],
      ['list', 'REPEATED', null, null, 1],
    ]);
    expect(shape.slice(at('payload'), at('payload') + 4).map((e) => [e[0], e[1]])).toEqual([
      ['payload', 'OPTIONAL'],
      ['member0', 'OPTIONAL'],
      ['member1', 'OPTIONAL'],
      ['member2', 'OPTIONAL'],
    ]);
    // Times and local timestamps are plain integers (Spark 3.5 refuses TIME; Hudi 0.15 reads local timestamps as bigint).
    const el = (name: string) => meta.schema.find((e) => e.name === name)!;
    expect([el('tm').type, el('tm').logical_type]).toEqual(['INT32', undefined]);
    expect([el('tu').type, el('tu').logical_type]).toEqual(['INT64', undefined]);
    expect([el('ltu').type, el('ltu').logical_type]).toEqual(['INT64', undefined]);
  });
});

describe('nested values that do not fit', () => {
  const columns = nestedColumns(20);
  const good = nestedRows()[0]!;
  it.each([
    [{ ...good, customer: { name: 5, address: null } }, /column "customer\.name": expected a string, got 5 \(number\) at row 1/],
    [{ ...good, customer: { address: null } }, /column "customer\.name": expected a string value \(column is not nullable\), got undefined \(missing\) at row 1/],
    [{ ...good, tags: 'x' }, /column "tags": expected array<string> \(array\), got "x" \(string\) at row 1/],
    [{ ...good, orders: { o: [{ sku: 's', qty: 1.5, price: null }] } }, /column "orders\{\}\[\]\.qty": expected an int .*got 1\.5 \(number\) at row 1/],
    [{ ...good, payload: { member0: 1, member1: 'x', member2: null } }, /column "payload": expected union<int, string, record> with exactly one member set.*at row 1 \(2 members are set\)/],
    [{ ...good, bin: [null] }, /column "bin\[\]": expected a bytes value \(column is not nullable\), got null at row 1/],
  ])('%# fails naming the path and the row', (bad, message) => {
    const run = () => buildArrowTable(columns, [nestedRows()[1]!, bad as Row]);
    expect(run).toThrow(ColumnValueError);
    expect(run).toThrow(message);
  });
});

describe('reading older files with evolved nested columns', () => {
  it('a nested field the file lacks reads as null, or its default when the rows are encoded again', () => {
    const v1: ColumnSpec[] = [{ name: 'c', type: { kind: 'record', fields: [{ name: 'a', type: { kind: 'int' }, nullable: false }] }, nullable: true }];
    const file = encodeParquet(v1, [{ c: { a: 1 } }, { c: null }]);
    const v2: ColumnSpec[] = [
      {
        name: 'c',
        type: {
          kind: 'record',
          fields: [
            { name: 'a', type: { kind: 'long' }, nullable: false },
            { name: 'b', type: { kind: 'string' }, nullable: true },
            { name: 'd', type: { kind: 'double' }, nullable: false, default: 2.5 },
          ],
        },
        nullable: true,
      },
    ];
    expect(decodeParquet(file, v2)).toEqual([{ c: { a: 1, b: null, d: null } }, { c: null }]);
    const merged = decodeParquet(file); // as the copy-on-write merge reads it
    expect(decodeParquet(encodeParquet(v2, merged), v2)).toEqual([{ c: { a: 1, b: null, d: 2.5 } }, { c: null }]);
  });

  it('Avro promotions read older values in the new type', () => {
    const v1: ColumnSpec[] = [
      { name: 'l', type: { kind: 'long' }, nullable: false },
      { name: 's', type: { kind: 'string' }, nullable: false },
      { name: 'b', type: { kind: 'bytes' }, nullable: false },
    ];
    const file = encodeParquet(v1, [{ l: 2n ** 60n, s: 'é', b: Buffer.from('hi') }]);
    const v2: ColumnSpec[] = [
      { name: 'l', type: { kind: 'double' }, nullable: false },
      { name: 's', type: { kind: 'bytes' }, nullable: false },
      { name: 'b', type: { kind: 'string' }, nullable: false },
    ];
    expect(decodeParquet(file, v2)).toEqual([{ l: 2 ** 60, s: Buffer.from('é'), b: 'hi' }]);
    expect(decodeParquet(encodeParquet(v2, decodeParquet(file)), v2)).toEqual([{ l: 2 ** 60, s: Buffer.from('é'), b: 'hi' }]);
  });
});

describe('rowsFromArrow', () => {
  it('reads the Arrow table the builder made back into the same nested rows', () => {
    const columns = nestedColumns(20);
    expect(rowsFromArrow(buildArrowTable(columns, nestedRows()), columns)).toEqual(nestedRows());
  });
});

describe('required columns with a default', () => {
  it('rows that lack the column (older rows in a merge) are encoded with the default, by both encoders', () => {
    for (const precision of [20, 9]) {
      const columns: ColumnSpec[] = [
        { name: 'k', type: { kind: 'string' }, nullable: false },
        { name: 'qty', type: { kind: 'int' }, nullable: false, default: 1 },
        { name: 'd', type: { kind: 'decimal', precision, scale: 2 }, nullable: true },
      ];
      const rows = [{ k: 'a', qty: null, d: null }, { k: 'b', qty: 5, d: '1.00' }, { k: 'c', d: null }];
      expect(decodeParquet(encodeParquet(columns, rows), columns)).toEqual([{ k: 'a', qty: 1, d: null }, { k: 'b', qty: 5, d: '1.00' }, { k: 'c', qty: 1, d: null }]);
    }
  });
});
