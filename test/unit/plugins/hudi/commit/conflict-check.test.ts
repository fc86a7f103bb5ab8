// The commit-point conflict check on merge-on-read write stats: a log file is a write to its file group (two
// deltacommits appending to one file group conflict, different file groups do not), a deltacommit is not a
// replacecommit, a completed compaction conflicts with a writer of a file group it compacted, and a compaction
// yields to a write completed meanwhile to one of its file groups. Writers' interleavings: concurrent-writers.test.ts.
import { describe, expect, it } from 'vitest';
import { checkCompactionConflicts, checkConflicts, isConflict, type ConcurrentCommit } from '../../../../../plugins/hudi/commit/conflict-check';
import { logFilesOf, slicesOf } from '../../../../../plugins/hudi/commit/commit-slices';
import { BloomIndex } from '../../../../../plugins/hudi/index/bloom-index';
import { writeStat, type CommitMetadata, type WriteStat } from '../../../../../plugins/hudi/timeline/commit-metadata';
import type { Instant } from '../../../../../plugins/hudi/timeline/instant';

const F1 = 'aaaaaaaa-0000-0000-0000-000000000001-0';
const F2 = 'aaaaaaaa-0000-0000-0000-000000000002-0';
const TOKEN = '1-0-1';

const log = (fileId: string, base: string, version: number): WriteStat =>
  writeStat({ fileId, path: `eu/.${fileId}_${base}.log.${version}_${TOKEN}`, partitionPath: 'eu', prevCommit: base, numWrites: 1, numDeletes: 0, numUpdateWrites: 1, numInserts: 0, fileSizeInBytes: 100 });
const baseFile = (fileId: string, instant: string, prevCommit?: string): WriteStat =>
  writeStat({ fileId, path: `eu/${fileId}_0-1-0_${instant}.parquet`, partitionPath: 'eu', ...(prevCommit ? { prevCommit } : {}), numWrites: 1, numDeletes: 0, numUpdateWrites: 0, numInserts: 1, fileSizeInBytes: 100 });
const meta = (stats: WriteStat[], compacted = false): CommitMetadata => ({ partitionToWriteStats: { eu: stats }, compacted, extraMetadata: {}, operationType: compacted ? 'COMPACT' : 'UPSERT' });
const done = (timestamp: string, action: Instant['action'], stats: WriteStat[]): ConcurrentCommit => ({ instant: { timestamp, action, state: 'COMPLETED' }, meta: meta(stats, action === 'commit') });
const mine: Instant = { timestamp: '20260101000000300', action: 'deltacommit', state: 'INFLIGHT' };
// No key of the batch is looked up here (no records): only file groups decide.
const index = new BloomIndex(undefined as never, undefined as never, undefined as never);
const check = (stats: WriteStat[], concurrent: ConcurrentCommit[]) => checkConflicts(mine, stats, [], concurrent, index, 'BLOOM');

describe('conflict check on merge-on-read writes', () => {
  it('the log files a deltacommit wrote are learned from its stats, not as base file slices', () => {
    const m = meta([log(F1, '20260101000000100', 2), baseFile(F2, '20260101000000200')]);
    expect(logFilesOf(m)).toEqual([expect.objectContaining({ fileId: F1, baseInstant: '20260101000000100', version: 2, partitionPath: 'eu' })]);
    expect(slicesOf(m, '20260101000000200').map((f) => f.fileId)).toEqual([F2]);
  });

  it('two deltacommits appending to one file group conflict; to different file groups they do not', async () => {
    const err = await check([log(F1, '20260101000000100', 2)], [done('20260101000000250', 'deltacommit', [log(F1, '20260101000000100', 2)])]).catch((e: unknown) => e);
    expect(isConflict(err)).toBe(true);
    expect((err as Error).message).toContain(`file groups this commit wrote to (${F1})`);
    await expect(check([log(F1, '20260101000000100', 2)], [done('20260101000000250', 'deltacommit', [log(F2, '20260101000000100', 1)])])).resolves.toBeUndefined();
  });

  it('a log appended to a file group another deltacommit rewrote (a delete folds the logs) conflicts', async () => {
    await expect(check([log(F1, '20260101000000100', 2)], [done('20260101000000250', 'deltacommit', [baseFile(F1, '20260101000000250', '20260101000000100')])])).rejects.toThrow(/conflicts with 20260101000000250/);
  });

  it('a compaction completed meanwhile conflicts with a log of a file group it compacted', async () => {
    await expect(check([log(F1, '20260101000000100', 3)], [done('20260101000000260', 'commit', [baseFile(F1, '20260101000000260', '20260101000000100')])])).rejects.toThrow(/conflicts with 20260101000000260/);
    await expect(check([log(F2, '20260101000000100', 3)], [done('20260101000000260', 'commit', [baseFile(F1, '20260101000000260', '20260101000000100')])])).resolves.toBeUndefined();
  });

  it('a compaction yields to a log or rewrite completed meanwhile in a file group it compacted, not to others', () => {
    const compacted = [baseFile(F1, '20260101000000300', '20260101000000100')];
    expect(() => checkCompactionConflicts('20260101000000300', compacted, [done('20260101000000250', 'deltacommit', [log(F1, '20260101000000100', 4)])])).toThrow(/compaction 20260101000000300 conflicts with 20260101000000250/);
    expect(() => checkCompactionConflicts('20260101000000300', compacted, [done('20260101000000250', 'deltacommit', [log(F2, '20260101000000100', 1), baseFile(F2, '20260101000000250')])])).not.toThrow();
  });
});
