// Hudi's simple bucket index (HoodieSimpleBucketIndex): a record's file group is named by arithmetic, not
// found by a lookup. Each partition has numBuckets buckets; a key hashes to one (bucket-id.ts) and the
// bucket is one file group, whose id opens with the bucket number. Tagging = the existing file group of the
// record's bucket in its partition, or the id the bucket's first file group gets. Whether the key is already
// in that file group is not known here: the merge (or, for merge-on-read, the log reader) resolves it.
// Invariant: a partition never holds two file groups of one bucket; meeting that (or a file group whose id
// names no bucket of this configuration) stops the write instead of scattering a bucket's keys.

import { ConnectError } from '../../../runtime/spi';
import type { BaseFile } from '../table/base-file';
import type { KeyedRecord } from '../write/keyed-record';
import { bucketId, bucketOfFileId, newBucketFileId } from './bucket-id';

/** Hudi's default of hoodie.bucket.index.num.buckets. */
export const DEFAULT_NUM_BUCKETS = 256;

export interface BucketIndexSpec {
  /** hoodie.bucket.index.num.buckets: buckets per partition. */
  numBuckets: number;
  /** hoodie.bucket.index.hash.field, resolved: the record key fields when it is not set. */
  hashFields: string[];
}

/** The records of a batch that fall into one bucket of one partition, and where the bucket lives. */
export interface BucketTag {
  partition: string;
  bucket: number;
  /** The bucket's file group now (its latest slice); undefined when the bucket has none yet. */
  file: BaseFile | undefined;
  /** The file group id: `file`'s, or the id a new file group of this bucket gets. */
  fileId: string;
  /** In batch order. */
  records: KeyedRecord[];
}

export class BucketIndex {
  constructor(readonly spec: BucketIndexSpec) {}

  bucketOf(recordKey: string): number {
    return bucketId(recordKey, this.spec.hashFields, this.spec.numBuckets);
  }

  /** Groups `records` by (partition, bucket) and names each group's file group. `latest` gives the latest
   *  slice of every file group of a partition (the file-system view). */
  tag(records: readonly KeyedRecord[], latest: (partition: string) => BaseFile[]): BucketTag[] {
    const tags = new Map<string, Map<number, BucketTag>>();
    for (const k of records) {
      let byBucket = tags.get(k.partition);
      if (!byBucket) tags.set(k.partition, (byBucket = new Map()));
      const bucket = this.bucketOf(k.key);
      const tag = byBucket.get(bucket);
      if (tag) tag.records.push(k);
      else byBucket.set(bucket, { partition: k.partition, bucket, file: undefined, fileId: '', records: [k] });
    }
    const out: BucketTag[] = [];
    for (const [partition, byBucket] of tags) {
      const files = this.bucketFiles(partition, latest(partition));
      for (const tag of byBucket.values()) {
        tag.file = files.get(tag.bucket);
        tag.fileId = tag.file?.fileId ?? newBucketFileId(tag.bucket);
        out.push(tag);
      }
    }
    return out;
  }

  /** The file group of each bucket of a partition, checking the partition is laid out by this configuration. */
  private bucketFiles(partition: string, files: readonly BaseFile[]): Map<number, BaseFile> {
    const where = partition === '' ? 'the table (non-partitioned)' : `partition ${JSON.stringify(partition)}`;
    const out = new Map<number, BaseFile>();
    for (const f of files) {
      const bucket = bucketOfFileId(f.fileId);
      if (bucket === undefined) {
        throw new ConnectError(
          'ILLEGAL_STATE',
          `file group ${f.fileId} in ${where} is not a bucket file group (its id does not open with an 8-digit bucket number): the table was written with another index. ` +
            'hoodie.index.type=BUCKET needs every file group to be a bucket; keep the index the table was written with, or write a new table',
        );
      }
      if (bucket >= this.spec.numBuckets) {
        throw new ConnectError(
          'ILLEGAL_STATE',
          `file group ${f.fileId} in ${where} is bucket ${bucket}, but hoodie.bucket.index.num.buckets is ${this.spec.numBuckets}: ` +
            'the table was written with more buckets. Set hoodie.bucket.index.num.buckets to the number the table was written with (the simple bucket engine cannot change it)',
        );
      }
      const other = out.get(bucket);
      if (other) {
        throw new ConnectError(
          'ILLEGAL_STATE',
          `${where} holds two file groups of bucket ${bucket} (${other.fileId} and ${f.fileId}); a bucket must be one file group, so its keys cannot be placed. ` +
            'The table was written with other bucket settings or by concurrent writers without conflict checks',
        );
      }
      out.set(bucket, f);
    }
    return out;
  }
}
