// The write plan under the bucket index (Hudi's SparkBucketIndexPartitioner): one bucket of a partition is
// one file group, so there is no small-file packing and no splitting at the max file size. A bucket that
// has a file group gets all of its records there — upserts and deletes as changes that may be new keys
// (the index does not know whether the group holds them), insert and bulk_insert as inserts next to the
// stored rows (Hudi 0.15 allows duplicates on insert by default); a bucket without one gets a new file group
// with the bucket's id. Invariant: every record of the batch is in exactly one bucket of the plan, or is a
// delete of a key no file group can hold (a bucket without a file group), which has nothing to delete.

import type { BucketTag } from '../index/bucket-index';
import type { KeyedRecord, WriteOperation } from './keyed-record';
import type { CreateBucket, MergeBucket, WritePlan } from './write-plan';

export function planBucketWrite(tags: readonly BucketTag[], operation: WriteOperation): WritePlan {
  const merges: MergeBucket[] = [];
  const creates: CreateBucket[] = [];
  const concat = operation === 'insert' || operation === 'bulk_insert';
  // Delete markers of an insert are dropped, as planWrite does; the delete operation inserts nothing.
  const insertable = (k: KeyedRecord) => operation !== 'delete' && !k.rec.isDelete;
  for (const t of tags) {
    if (t.file && !concat) {
      merges.push({ file: t.file, changes: new Map(t.records.map((k) => [k.key, k])), inserts: [], changesMayBeNew: true });
      continue;
    }
    const inserts = t.records.filter(insertable);
    if (inserts.length === 0) continue;
    if (t.file) merges.push({ file: t.file, changes: new Map(), inserts });
    else creates.push({ partition: t.partition, inserts, fileId: t.fileId });
  }
  return { merges, creates };
}
