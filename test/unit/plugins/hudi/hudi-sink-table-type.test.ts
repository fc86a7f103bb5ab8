// hoodie.table.type: its values and aliases, and the settings merge-on-read combines with (every index type and
// both concurrency modes, as for copy-on-write).

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

  it.each(['GLOBAL_BLOOM', 'GLOBAL_SIMPLE'])('MERGE_ON_READ with %s is accepted: the key is unique table-wide', (index) => {
    const mor = settings({ 'hoodie.table.type': 'MERGE_ON_READ', 'hoodie.index.type': index });
    expect(mor.tableType).toBe('MERGE_ON_READ');
    expect(mor.indexType).toBe(index);
  });

  it('MERGE_ON_READ with optimistic_concurrency_control is accepted with its concurrency settings', () => {
    const mor = settings({ 'hoodie.table.type': 'MERGE_ON_READ', 'hoodie.write.concurrency.mode': 'optimistic_concurrency_control', 'hoodie.index.type': 'GLOBAL_SIMPLE' });
    expect(mor.tableType).toBe('MERGE_ON_READ');
    expect(mor.concurrency).toMatchObject({ lockValidityMs: 60_000, conflictRetries: 3 });
  });
});
