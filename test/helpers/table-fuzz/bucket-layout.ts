// The bucket index's invariant on a table, for the fuzz runner: a partition has at most one file group per
// bucket, every file group id names a bucket below the configured count, and every row sits in the file group
// of the bucket its key hashes to. Read from the latest slices' file names and the rows' _hoodie_file_name.

import path from 'node:path';
import { bucketId, bucketOfFileId } from '../../../plugins/hudi/index/bucket-id';

/** The first violation found, or undefined. `files` are the latest slices (absolute paths under `table`). */
export function bucketLayoutProblem(table: string, files: readonly string[], rows: readonly Record<string, unknown>[], numBuckets: number): string | undefined {
  const seen = new Map<string, string>();
  for (const file of files) {
    const fileId = path.basename(file).split('_')[0]!;
    const partition = path.relative(table, path.dirname(file));
    const bucket = bucketOfFileId(fileId);
    if (bucket === undefined || bucket >= numBuckets) return `file group ${fileId} in ${partition} names no bucket below ${numBuckets}`;
    const other = seen.get(`${partition}/${bucket}`);
    if (other !== undefined) return `partition ${partition} has two file groups of bucket ${bucket}: ${other} and ${fileId}`;
    seen.set(`${partition}/${bucket}`, fileId);
  }
  for (const r of rows) {
    const key = String(r['_hoodie_record_key']);
    const fileId = String(r['_hoodie_file_name']).split('_')[0]!;
    const want = bucketId(key, ['id'], numBuckets);
    if (bucketOfFileId(fileId) !== want) return `key ${key} is in file group ${fileId}, but hashes to bucket ${want}`;
  }
  return undefined;
}
