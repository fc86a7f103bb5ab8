// Row-group splicing: footers round-trip through the thrift value tree byte for byte (ours, both encoders',
// and Spark's files), separately encoded parts assemble into one file that DuckDB and our decoder read as
// the parts in order with the footer key-values given at the end, each row group of a file reads alone, and
// a row group carried over with one column chunk swapped reads back with the new column and the rest as it was.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ColumnSpec, Row } from '../../../../../plugins/hudi/parquet/column-spec';
import { decodeParquet, encodeParquet, readFooter } from '../../../../../plugins/hudi/parquet/parquet-codec';
import { FooterTree, RowGroupAssembler } from '../../../../../plugins/hudi/parquet/row-group-splice';
import { decodeStruct, encodeStruct } from '../../../../../plugins/hudi/parquet/thrift-compact';
import { allKindsColumns, allKindsRows, openDuck, type Duck } from './fixtures';

const SPARK_TABLE = path.resolve(__dirname, '../../../../fixtures/hudi/spark-reference/table');

let duck: Duck;
beforeAll(async () => {
  duck = await openDuck();
});
afterAll(() => duck.close());

function footerBytes(file: Uint8Array): Uint8Array {
  const n = file.length;
  const len = new DataView(file.buffer, file.byteOffset + n - 8, 4).getUint32(0, true);
  return file.subarray(n - 8 - len, n - 8);
}

function sparkFiles(): string[] {
  const out: string[] = [];
  for (const p of fs.readdirSync(SPARK_TABLE)) {
    const dir = path.join(SPARK_TABLE, p);
    if (p.startsWith('.') || !fs.statSync(dir).isDirectory()) continue;
    for (const f of fs.readdirSync(dir)) if (f.endsWith('.parquet')) out.push(path.join(dir, f));
  }
  return out;
}

const ORDER_COLUMNS: ColumnSpec[] = [
  { name: 'id', type: { kind: 'string' }, nullable: false },
  { name: 'n', type: { kind: 'long' }, nullable: false },
  { name: 'note', type: { kind: 'string' }, nullable: true },
];
const orderRows = (from: number, count: number): Row[] => Array.from({ length: count }, (_, i) => ({ id: `k${String(from + i).padStart(6, '0')}`, n: from + i, note: (from + i) % 3 === 0 ? null : `note ${from + i}` }));

describe('thrift compact value tree', () => {
  it('decode then encode of a footer written by parquet-wasm, hyparquet-writer and Spark gives the same bytes', () => {
    const { input } = allKindsRows();
    const files = [encodeParquet(allKindsColumns(38), input, { keyValueMetadata: { a: 'b' } }), encodeParquet(allKindsColumns(10), input), ...sparkFiles().map((f) => fs.readFileSync(f))];
    expect(files.length).toBeGreaterThan(3);
    for (const file of files) {
      const bytes = footerBytes(file);
      const { struct, end } = decodeStruct(bytes);
      expect(end).toBe(bytes.length);
      expect(Buffer.from(encodeStruct(struct)).equals(Buffer.from(bytes))).toBe(true);
    }
  });

  it('decode of truncated data fails with an error naming the position', () => {
    const bytes = footerBytes(encodeParquet(ORDER_COLUMNS, orderRows(0, 3)));
    expect(() => decodeStruct(bytes.subarray(0, bytes.length - 5))).toThrow(/unexpected end of data at byte \d+/);
  });
});

describe('RowGroupAssembler', () => {
  for (const [label, columns] of [['parquet-wasm', allKindsColumns(38)], ['hyparquet-writer', allKindsColumns(10)]] as const) {
    it(`assemble of three ${label} parts reads back as the parts in order, in our decoder and DuckDB, with the key-values given at finish`, async () => {
      const { input, expected } = allKindsRows();
      const parts = [input.slice(0, 2), input.slice(2, 3), input.slice(3)];
      const asm = new RowGroupAssembler();
      const chunks: Uint8Array[] = [];
      for (const rows of parts) chunks.push(...asm.add(encodeParquet(columns, rows)));
      chunks.push(asm.finish({ 'org.apache.hudi.bloomfilter': 'bloom', hoodie_min_record_key: 'a' }));
      const file = Buffer.concat(chunks);
      expect(asm.size).toBe(file.length);
      expect(asm.numRows).toBe(input.length);
      const footer = readFooter(file);
      expect(footer.numRowGroups).toBe(3);
      expect(footer.keyValueMetadata).toEqual({ 'org.apache.hudi.bloomfilter': 'bloom', hoodie_min_record_key: 'a' });
      expect(decodeParquet(file, columns)).toEqual(expected);
      const duckRows = await duck.rows(`SELECT s, i FROM read_parquet('${duck.file(file)}')`);
      expect(duckRows).toEqual(expected.map((r) => ({ s: r['s'], i: r['i'] })));
    });
  }

  it('assemble of many parts keeps every row and its order, and DuckDB counts them', async () => {
    const asm = new RowGroupAssembler();
    const chunks: Uint8Array[] = [];
    for (let p = 0; p < 20; p++) chunks.push(...asm.add(encodeParquet(ORDER_COLUMNS, orderRows(p * 50, 50))));
    chunks.push(asm.finish({}));
    const file = Buffer.concat(chunks);
    expect(decodeParquet(file, ORDER_COLUMNS)).toEqual(orderRows(0, 1000));
    expect(await duck.rows(`SELECT count(*)::INT AS n, min(id) AS lo, max(id) AS hi, sum(n)::BIGINT::VARCHAR AS s FROM read_parquet('${duck.file(file)}')`)).toEqual([{ n: 1000, lo: 'k000000', hi: 'k000999', s: String((999 * 1000) / 2) }]);
  });

  it('assemble of an empty part gives a valid file with no rows', () => {
    const asm = new RowGroupAssembler();
    const chunks = [...asm.add(encodeParquet(ORDER_COLUMNS, [])), asm.finish({ k: 'v' })];
    const file = Buffer.concat(chunks);
    expect(readFooter(file).numRows).toBe(0);
    expect(readFooter(file).keyValueMetadata).toEqual({ k: 'v' });
    expect(decodeParquet(file, ORDER_COLUMNS)).toEqual([]);
  });

  it('assemble of parts with different schemas is refused', () => {
    const asm = new RowGroupAssembler();
    asm.add(encodeParquet(ORDER_COLUMNS, orderRows(0, 2)));
    expect(() => asm.add(encodeParquet(ORDER_COLUMNS.slice(0, 2), [{ id: 'x', n: 1 }]))).toThrow(/different schemas/);
  });
});

describe('FooterTree.singleRowGroupFile', () => {
  it('each row group of an assembled file decodes alone to its own rows', () => {
    const asm = new RowGroupAssembler();
    const chunks: Uint8Array[] = [];
    for (let p = 0; p < 4; p++) chunks.push(...asm.add(encodeParquet(ORDER_COLUMNS, orderRows(p * 10, 10))));
    chunks.push(asm.finish({}));
    const file = Buffer.concat(chunks);
    const tree = FooterTree.fromTail(file.subarray(file.length - 2000));
    const spans = tree.rowGroups();
    expect(spans.map((s) => s.numRows)).toEqual([10, 10, 10, 10]);
    spans.forEach((span, i) => {
      const one = tree.singleRowGroupFile(i, file.subarray(span.start, span.end));
      expect(decodeParquet(one, ORDER_COLUMNS)).toEqual(orderRows(i * 10, 10));
      expect(decodeParquet(one, [ORDER_COLUMNS[0]!])).toEqual(orderRows(i * 10, 10).map((r) => ({ id: r['id'] })));
    });
  });

  it('row groups of Spark-written files decode alone to the rows the whole file holds', () => {
    for (const f of sparkFiles()) {
      const file = fs.readFileSync(f);
      const tree = FooterTree.fromTail(file);
      const rows = tree.rowGroups().flatMap((span, i) => decodeParquet(tree.singleRowGroupFile(i, file.subarray(span.start, span.end))));
      expect(rows).toEqual(decodeParquet(file));
      expect(rows.length).toBe(tree.numRows);
    }
  });

  it('a tail too short for the footer is refused naming both sizes', () => {
    const file = encodeParquet(ORDER_COLUMNS, orderRows(0, 10), { keyValueMetadata: { big: 'x'.repeat(5000) } });
    expect(() => FooterTree.fromTail(file.subarray(file.length - 100))).toThrow(/the footer is \d+ bytes, but only 92 bytes of the tail were given/);
  });
});

describe('FooterTree.withColumnReplaced', () => {
  const NOTE = ORDER_COLUMNS[2]!;
  /** A file of row groups of 10 rows each, made by the assembler as the writer makes files. */
  function fileOf(groups: number): Buffer {
    const asm = new RowGroupAssembler();
    const chunks: Uint8Array[] = [];
    for (let g = 0; g < groups; g++) chunks.push(...asm.add(encodeParquet(ORDER_COLUMNS, orderRows(g * 10, 10))));
    chunks.push(asm.finish({}));
    return Buffer.concat(chunks);
  }

  for (const leaf of [0, 1, 2]) {
    it(`a row group with column ${ORDER_COLUMNS[leaf]!.name}'s chunk replaced reads back with the new values there and the others unchanged, in our decoder and DuckDB`, async () => {
      const file = fileOf(3);
      const tree = FooterTree.fromTail(file);
      const span = tree.rowGroups()[1]!;
      const col = ORDER_COLUMNS[leaf]!;
      const newValues = orderRows(500, 10).map((r) => ({ [col.name]: r[col.name] }));
      const replaced = tree.withColumnReplaced(1, file.subarray(span.start, span.end), leaf, encodeParquet([col], newValues));
      const expected = orderRows(10, 10).map((r, i) => ({ ...r, [col.name]: newValues[i]![col.name] }));
      expect(decodeParquet(replaced, ORDER_COLUMNS)).toEqual(expected);
      // Spliced again after other parts, as a merge does, it still reads back in DuckDB.
      const asm = new RowGroupAssembler();
      const chunks = [...asm.add(encodeParquet(ORDER_COLUMNS, orderRows(0, 10))), ...asm.add(replaced), asm.finish({})];
      const out = Buffer.concat(chunks);
      const duckRows = await duck.rows(`SELECT id, n::BIGINT::VARCHAR AS n, note FROM read_parquet('${duck.file(out)}')`);
      const all = [...orderRows(0, 10), ...expected].map((r) => ({ id: r['id'], n: String(r['n']), note: r['note'] }));
      const order = (rows: Record<string, unknown>[]) => rows.map((r) => JSON.stringify(r)).sort();
      expect(order(duckRows)).toEqual(order(all));
      // The replaced column's statistics are the new chunk's.
      const bounds = FooterTree.fromTail(out).columnBounds(1, 0);
      if (leaf === 0) expect(bounds && [Buffer.from(bounds.min).toString(), Buffer.from(bounds.max).toString()]).toEqual(['k000500', 'k000509']);
      else expect(bounds && [Buffer.from(bounds.min).toString(), Buffer.from(bounds.max).toString()]).toEqual(['k000010', 'k000019']);
    });
  }

  it('the chunks not replaced are carried byte for byte', () => {
    const file = fileOf(2);
    const tree = FooterTree.fromTail(file);
    const span = tree.rowGroups()[1]!;
    const replaced = tree.withColumnReplaced(1, file.subarray(span.start, span.end), 1, encodeParquet([ORDER_COLUMNS[1]!], orderRows(0, 10)));
    const before = tree.chunkSpans(1).map((c) => file.subarray(c.start, c.end).toString('hex'));
    const after = FooterTree.fromTail(replaced).chunkSpans(0).map((c) => Buffer.from(replaced.subarray(c.start, c.end)).toString('hex'));
    expect(after[0]).toBe(before[0]);
    expect(after[2]).toBe(before[2]);
    expect(after[1]).not.toBe(before[1]);
  });

  it('a replacement of another row count, or of several columns, is refused', () => {
    const file = fileOf(1);
    const tree = FooterTree.fromTail(file);
    const span = tree.rowGroups()[0]!;
    const bytes = file.subarray(span.start, span.end);
    expect(() => tree.withColumnReplaced(0, bytes, 2, encodeParquet([NOTE], [{ note: 'x' }]))).toThrow(/one row group of 10 rows \(got 1\)/);
    expect(() => tree.withColumnReplaced(0, bytes, 2, encodeParquet(ORDER_COLUMNS, orderRows(0, 10)))).toThrow(/must hold one column, it holds 3/);
    expect(() => tree.withColumnReplaced(0, bytes, 7, encodeParquet([NOTE], orderRows(0, 10)))).toThrow(/leaf 7 does not exist/);
  });

  it('leafIndex finds top-level columns by name, and columnBounds gives min and max from the statistics', () => {
    const tree = FooterTree.fromTail(fileOf(2));
    expect([tree.leafIndex('id'), tree.leafIndex('n'), tree.leafIndex('note'), tree.leafIndex('nope')]).toEqual([0, 1, 2, undefined]);
    const b = tree.columnBounds(1, 0)!;
    expect([Buffer.from(b.min).toString(), Buffer.from(b.max).toString()]).toEqual(['k000010', 'k000019']);
  });
});
