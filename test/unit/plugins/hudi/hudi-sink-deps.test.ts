// openTableDeps with nested schemas: key, partition and precombine fields must be top-level scalar fields; a nested
// column or a dotted path into one is refused with a ConfigError naming the key and the field.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { hudiSinkConfigDef, hudiSinkSettings } from '../../../../plugins/hudi/hudi-sink-config';
import { openTableDeps } from '../../../../plugins/hudi/hudi-sink-deps';
import { repoRoot } from '../../../helpers/build';

const SCHEMA = path.join(repoRoot, 'schemas', 'nested-event.avsc');

async function open(keys: Record<string, string>) {
  const dir = mkdtempSync(path.join(tmpdir(), 'deps-'));
  const raw = { tablePath: path.join(dir, 't'), tableName: 't', schemaPath: SCHEMA, 'parquet.encoder.threads': '0', ...keys };
  const settings = hudiSinkSettings(hudiSinkConfigDef().parse(raw, { allowUnknown: true }));
  const deps = await openTableDeps(settings, SCHEMA, raw);
  await deps.close();
  return deps;
}

describe('openTableDeps with a nested schema', () => {
  it('top-level scalar key, partition and precombine fields are accepted and key nested rows', async () => {
    const deps = await open({ 'hoodie.datasource.write.recordkey.field': 'eventId', 'hoodie.datasource.write.partitionpath.field': 'region', 'hoodie.datasource.write.precombine.field': 'version' });
    const row = { eventId: 'e1', region: 'eu', customer: { name: 'n', tier: null, address: null } };
    expect(deps.keygen.recordKey(row)).toBe('e1');
    expect(deps.keygen.partitionPath(row)).toBe('eu');
  });

  it('a nested column as a key, partition or precombine field is refused naming the key and the field', async () => {
    await expect(open({ 'hoodie.datasource.write.recordkey.field': 'customer', 'hoodie.datasource.write.partitionpath.field': 'orders', 'hoodie.datasource.write.precombine.field': 'payload' })).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      errors: [
        { name: 'hoodie.datasource.write.recordkey.field', message: 'field customer is a record: key, partition and precombine fields must be top-level scalar fields (string, number, date, …)' },
        { name: 'hoodie.datasource.write.partitionpath.field', message: 'field orders is a map: key, partition and precombine fields must be top-level scalar fields (string, number, date, …)' },
        { name: 'hoodie.datasource.write.precombine.field', message: 'field payload is a union: key, partition and precombine fields must be top-level scalar fields (string, number, date, …)' },
      ],
    });
  });

  it('a nested path such as customer.name is refused naming it', async () => {
    await expect(open({ 'hoodie.datasource.write.recordkey.field': 'customer.name', 'hoodie.datasource.write.partitionpath.field': 'region' })).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      errors: [
        {
          name: 'hoodie.datasource.write.recordkey.field',
          message: 'field customer.name is a nested path: nested key, partition and precombine fields are not supported; copy the value into a top-level field',
        },
      ],
    });
  });
});
