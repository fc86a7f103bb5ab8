// Optimistic concurrency control's check at the commit point (Hudi's SimpleConcurrentFileWritesConflict-
// ResolutionStrategy, widened to keys): a commit that completed while this one was being written conflicts
// if it wrote a file group this commit rewrote (the two new slices would each miss the other's rows) or a
// key of this batch (an insert that became an update, a delete of a row that now exists), or replaced file
// groups. The loser is rolled back and written again on a view that includes the winner. Under the bucket
// index a bucket is the file group: two commits that each created or rewrote a file group of the same bucket
// conflict, or the partition would end up with two file groups of one bucket.
// Merge-on-read: a log file is a write to its file group as much as a new slice is (two deltacommits appending to
// one file group conflict, as in Hudi), and a compaction completed meanwhile conflicts with a commit that wrote to
// a file group it compacted: the commit's log file or rewrite belongs to the slice the compaction superseded.
// The other way round, a compaction during which a write to one of its file groups completed must not complete
// (its new base file would supersede that write): the write wins and the compaction yields (checkCompactionConflicts).

import { RetriableError } from '../../../runtime/spi';
import type { BloomIndex } from '../index/bloom-index';
import { bucketOfFileId } from '../index/bucket-id';
import { isBucketIndex, type IndexType } from '../index/index-type';
import { tagLocations } from '../index/tag-location';
import type { BaseFile } from '../table/base-file';
import type { CommitMetadata, WriteStat } from '../timeline/commit-metadata';
import type { Instant } from '../timeline/instant';
import type { KeyedRecord } from '../write/keyed-record';
import { logFilesOf, slicesOf } from './commit-slices';

/** A concurrent commit touched what this attempt rewrote; the batch is written again on a fresh view. */
export class WriteConflictError extends RetriableError {
  readonly conflict = true;
}

export function isConflict(err: unknown): boolean {
  return (err as { conflict?: unknown } | undefined)?.conflict === true;
}

export interface ConcurrentCommit {
  instant: Instant;
  meta: CommitMetadata;
}

/** Throws WriteConflictError if any of `concurrent` conflicts with this commit (see the module comment). */
export async function checkConflicts(mine: Instant, stats: WriteStat[], records: KeyedRecord[], concurrent: ConcurrentCommit[], index: BloomIndex, indexType: IndexType): Promise<void> {
  if (concurrent.length === 0) return;
  const bucketed = isBucketIndex(indexType);
  const group = (partition: string, fileId: string) => `${partition}/${bucketed ? (bucketOfFileId(fileId) ?? fileId) : fileId}`;
  const rewritten = new Set(stats.filter((s) => bucketed || s.prevCommit !== 'null').map((s) => group(s.partitionPath, s.fileId)));
  const theirs = concurrent.flatMap((c) => slicesOf(c.meta, c.instant.timestamp));
  const overlap = [...theirs, ...concurrent.flatMap((c) => logFilesOf(c.meta))].filter((f) => rewritten.has(group(f.partitionPath, f.fileId)));
  const replaced = concurrent.some((c) => c.instant.action === 'replacecommit');
  const held = overlap.length > 0 || replaced ? new Map<string, BaseFile>() : await tagLocations(records, { all: () => theirs, inPartition: (p) => theirs.filter((f) => f.partitionPath === p) }, index, indexType);
  if (overlap.length === 0 && held.size === 0 && !replaced) return;
  const what = replaced
    ? 'a replacecommit'
    : overlap.length > 0
      ? `file groups this commit wrote to (${overlap.slice(0, 3).map((f) => f.fileId).join(', ')}${overlap.length > 3 ? ', …' : ''})`
      : `keys of this batch (${[...held.keys()].slice(0, 3).join(', ')}${held.size > 3 ? ', …' : ''})`;
  throw new WriteConflictError(`commit ${mine.timestamp} conflicts with ${concurrent.map((c) => c.instant.timestamp).join(', ')} completed meanwhile by another writer, which wrote ${what}`);
}

/** Throws WriteConflictError if a commit of `concurrent` (completed while compaction `instant` ran) wrote to a file
 *  group the compaction wrote a new base file for (`stats`). */
export function checkCompactionConflicts(instant: string, stats: WriteStat[], concurrent: ConcurrentCommit[]): void {
  const compacted = new Set(stats.map((s) => `${s.partitionPath}/${s.fileId}`));
  const hit = concurrent.filter((c) => [...slicesOf(c.meta, c.instant.timestamp), ...logFilesOf(c.meta)].some((f) => compacted.has(`${f.partitionPath}/${f.fileId}`)) || c.instant.action === 'replacecommit');
  if (hit.length === 0) return;
  throw new WriteConflictError(`compaction ${instant} conflicts with ${hit.map((c) => c.instant.timestamp).join(', ')}, completed meanwhile by another writer, which wrote to file groups it compacted; the compaction is rolled back and the next due one plans anew`);
}
