// uniqueValuedColumns: which columns a row group writes without a dictionary, and that such files read back
// the same rows.

import { describe, expect, it } from 'vitest';
import type { ColumnSpec, Row } from '../../../../../plugins/hudi/parquet/column-spec';
import { uniqueValuedColumns } from '../../../../../plugins/hudi/parquet/dictionary-choice';
import { decodeParquet, encodeParquet } from '../../../../../plugins/hudi/parquet/parquet-codec';

const columns: ColumnSpec[] = [
  { name: 'id', type: { kind: 'string' }, nullable: false },
  { name: 'status', type: { kind: 'string' }, nullable: true },
  { name: 'at', type: { kind: 'timestamp-millis' }, nullable: false },
  { name: 'qty', type: { kind: 'int' }, nullable: false },
  { name: 'tags', type: { kind: 'array', items: { kind: 'string' }, itemsNullable: false }, nullable: true },
];
const rowsOf = (n: number): Row[] =>
  Array.from({ length: n }, (_, i) => ({ id: `ID${String(i).padStart(8, '0')}`, status: i % 7 === 0 ? null : ['A', 'B', 'C'][i % 3]!, at: 1_700_000_000_000 + i, qty: i % 10, tags: [`t${i % 2}`] }));

describe('uniqueValuedColumns', () => {
  it('names the top-level scalar columns whose values are mostly distinct', () => {
    expect(uniqueValuedColumns(columns, rowsOf(20_000))).toEqual(['id', 'at']);
  });

  it('keeps every dictionary for small row groups', () => {
    expect(uniqueValuedColumns(columns, rowsOf(1000))).toEqual([]);
  });

  it('a file written with those columns plain reads back the same rows', () => {
    const rows = rowsOf(20_000);
    expect(decodeParquet(encodeParquet(columns, rows), columns)).toEqual(rows);
  });
});
