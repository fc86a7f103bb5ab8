// planBucketWrite: one bucket = one file group; what each operation makes of a bucket with and without one.

import { describe, expect, it } from 'vitest';
import type { BucketTag } from '../../../../../plugins/hudi/index/bucket-index';
import type { BaseFile } from '../../../../../plugins/hudi/table/base-file';
import { planBucketWrite } from '../../../../../plugins/hudi/write/bucket-plan';
import type { KeyedRecord } from '../../../../../plugins/hudi/write/keyed-record';

const rec = (key: string, isDelete = false): KeyedRecord => ({ key, partition: 'eu', rec: { row: { id: key }, isDelete }, ordering: 1 });
const file: BaseFile = { partitionPath: 'eu', fileId: '00000001-aaaa-bbbb-cccc-dddddddddddd-0', writeToken: '0-0-0', instantTime: '20260101000000000', path: 'eu/f.parquet', size: 100 };
const tags = (): BucketTag[] => [
  { partition: 'eu', bucket: 1, file, fileId: file.fileId, records: [rec('a'), rec('b', true)] },
  { partition: 'eu', bucket: 2, file: undefined, fileId: '00000002-eeee-ffff-0000-111111111111-0', records: [rec('c'), rec('d', true)] },
];

describe('planBucketWrite', () => {
  it('upsert: a bucket\'s file group gets all its records as changes that may be new; a new bucket is created with its file id', () => {
    const plan = planBucketWrite(tags(), 'upsert');
    expect(plan.merges).toHaveLength(1);
    expect(plan.merges[0]!.file).toBe(file);
    expect([...plan.merges[0]!.changes.keys()]).toEqual(['a', 'b']);
    expect(plan.merges[0]!.changesMayBeNew).toBe(true);
    expect(plan.merges[0]!.inserts).toEqual([]);
    expect(plan.creates).toEqual([{ partition: 'eu', inserts: [rec('c')], fileId: '00000002-eeee-ffff-0000-111111111111-0' }]);
  });
  it('insert and bulk_insert: inserts next to the stored rows, delete markers dropped', () => {
    for (const op of ['insert', 'bulk_insert'] as const) {
      const plan = planBucketWrite(tags(), op);
      expect(plan.merges.map((m) => [m.changes.size, m.inserts.map((k) => k.key), m.changesMayBeNew])).toEqual([[0, ['a'], undefined]]);
      expect(plan.creates.map((c) => c.inserts.map((k) => k.key))).toEqual([['c']]);
    }
  });
  it('delete: changes for the bucket that has a file group, nothing for one that has none', () => {
    const plan = planBucketWrite(tags(), 'delete');
    expect(plan.merges.map((m) => [...m.changes.keys()])).toEqual([['a', 'b']]);
    expect(plan.creates).toEqual([]);
  });
});
