// hoodie.table.type and the combinations merge-on-read does not write yet: refused at config time with an error
// naming the key, its value and what to use instead — never accepted and written with other semantics.

import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../../runtime/spi';
import { hudiSinkConfigDef, hudiSinkSettings } from '../../../../plugins/hudi/hudi-sink-config';

const base = { tablePath: '/tmp/t', schemaPath: '/tmp/s.avsc', 'hoodie.datasource.write.recordkey.field': 'id' };
const settings = (keys: Record<string, string>) => hudiSinkSettings(hudiSinkConfigDef().parse({ ...base, ...keys }, { allowUnknown: true }));

function refusal(keys: Record<string, string>): { name: string; message: string } {
  try {
    settings(keys);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).errors[0]!;
  }
  throw new Error(`accepted ${JSON.stringify(keys)}`);
}

describe('hoodie.table.type', () => {
  it('defaults to COPY_ON_WRITE; MERGE_ON_READ (and the datasource alias) is accepted with compaction settings', () => {
    expect(settings({}).tableType).toBe('COPY_ON_WRITE');
    const mor = settings({ 'hoodie.datasource.write.table.type': 'MERGE_ON_READ', 'hoodie.compact.inline.max.delta.commits': '2' });
    expect(mor.tableType).toBe('MERGE_ON_READ');
    expect(mor.compaction).toEqual({ enabled: true, maxDeltaCommits: 2, maxDeltaSeconds: 3600, trigger: 'NUM_COMMITS', async: true });
  });

  it('an unknown table type is refused naming the value and the accepted ones', () => {
    const e = refusal({ 'hoodie.table.type': 'MOR' });
    expect(e.name).toBe('hoodie.table.type');
    expect(e.message).toContain('MOR');
    expect(e.message).toContain('MERGE_ON_READ');
  });

  it.each(['GLOBAL_BLOOM', 'GLOBAL_SIMPLE'])('MERGE_ON_READ with %s is refused naming the index and what to use', (index) => {
    const e = refusal({ 'hoodie.table.type': 'MERGE_ON_READ', 'hoodie.index.type': index });
    expect(e.name).toBe('hoodie.index.type');
    expect(e.message).toContain(index);
    expect(e.message).toContain('use BLOOM, SIMPLE or BUCKET');
  });

  it('MERGE_ON_READ with several writers is refused', () => {
    const e = refusal({ 'hoodie.table.type': 'MERGE_ON_READ', 'hoodie.write.concurrency.mode': 'optimistic_concurrency_control' });
    expect(e.name).toBe('hoodie.write.concurrency.mode');
    expect(e.message).toContain('single_writer');
  });
});
