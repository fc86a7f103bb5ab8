// The conditions of the lost-update report (issue 11): GLOBAL_BLOOM, keys whose partition value changes
// between events (the order stream's status), 256 KB base files with Hudi's default bloom filters (so each
// partition holds many file groups), small-file limit 128 KB, 20 commits over ~2,700 keys with updates and
// deletes, encoding on a worker thread as the sink does. The table must equal the oracle.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { OrderSequence, type OrderValue } from '../../plugins/generator/order-sequence';
import { tableFixture } from '../helpers/hudi-table';
import { oracle } from '../helpers/hudi-oracle';
import { REPORT_TABLE_KEYS } from '../helpers/lost-update-report';

it('GLOBAL_BLOOM with moving keys and many small file groups per partition equals the oracle', { timeout: 600_000 }, async () => {
  const schema = JSON.parse(readFileSync(path.join(__dirname, '../../schemas/order-generator.avsc'), 'utf8')) as object;
  const f = await tableFixture(
    {
      ...REPORT_TABLE_KEYS,
      'hoodie.index.bloom.num_entries': '60000',
      'hoodie.index.bloom.fpp': '0.000000001',
      'hoodie.bloom.index.filter.dynamic.max.entries': '100000',
      'parquet.encoder.threads': '1',
    },
    schema,
  );
  try {
    const seq = new OrderSequence({ seed: 7, updateRatio: 0.45, deleteRatio: 0.1, window: 500, startTimestampMs: 1_700_000_000_000, eventIntervalMs: 10, orderIdPrefix: 'O' });
    const w = await f.open();
    const all: OrderValue[] = [];
    const N = 6000;
    const C = 20;
    for (let c = 0; c < C; c++) {
      const batch: OrderValue[] = [];
      for (let n = (c * N) / C; n < ((c + 1) * N) / C; n++) batch.push(seq.event(n).value);
      all.push(...batch);
      await w.write(batch.map((v) => ({ row: f.deps.schema.coerce(v), isDelete: v._hoodie_is_deleted })), 'upsert', f.deps.schema.columns, f.deps.schema.schemaJson, {});
    }
    w.close();
    const expected = oracle(all.map((v) => ({ key: v.orderId, ordering: v.version, isDelete: v._hoodie_is_deleted, row: { ...v } })));
    expect(new Set(all.map((v) => v.orderId)).size).toBeGreaterThan(2500);
    expect(all.some((v) => v._hoodie_is_deleted)).toBe(true);
    const got = (await f.rows()).map((r) => `${String(r['orderId'])}|${String(r['orderStatus'])}|${Number(r['version'])}`).sort();
    const want = [...expected.values()].map((v) => `${String(v['orderId'])}|${String(v['orderStatus'])}|${Number(v['version'])}`).sort();
    expect(got).toEqual(want);
  } finally {
    await f.close();
  }
});
