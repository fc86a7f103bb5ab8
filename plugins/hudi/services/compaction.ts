// Compaction of a merge-on-read table (Hudi's compaction table service, run inline after a deltacommit): when
// enough deltacommits (or time) passed since the last compaction, every file group whose latest slice has log
// files gets a new base file at the compaction instant — its base rows with the log records merged in
// (log-records.ts), streamed a row group at a time by the merge handle, untouched row groups carried over as
// they are, log records keeping the commit times they were written with. The instant is planned, written and
// completed by the commit coordinator (commit-coordinator.ts `compact`); this module decides when and what.

import type { LogRecords } from '../file-group/log-records';
import type { BaseWriteStatus, LogWriteStatus } from '../file-group/slice-output';
import type { BaseFile } from '../table/base-file';
import type { LogFile } from '../table/log-file';
import type { FileSystemView } from '../table/file-system-view';
import type { CommitMetadata, WriteStat } from '../timeline/commit-metadata';
import { parseInstantTime } from '../timeline/instant';
import { compactionOperationMetrics, serializeCompactionPlan } from '../timeline/compaction-plan';
import type { Timeline } from '../timeline/timeline';

export type CompactionTrigger = 'NUM_COMMITS' | 'TIME_ELAPSED' | 'NUM_OR_TIME' | 'NUM_AND_TIME';

export interface CompactionSettings {
  /** Compact in the writer after deltacommits (hoodie.compact.inline). */
  enabled: boolean;
  /** hoodie.compact.inline.max.delta.commits */
  maxDeltaCommits: number;
  /** hoodie.compact.inline.max.delta.seconds */
  maxDeltaSeconds: number;
  /** hoodie.compact.inline.trigger.strategy */
  trigger: CompactionTrigger;
  /** hoodie.datasource.compaction.async.enable: the base files are written beside the next deltacommits
   *  (one writer only; with several the compaction runs before the next write). Default true. */
  async?: boolean;
}

/** A file group to compact: its latest slice. */
export interface CompactionSlice {
  base: BaseFile;
  logs: LogFile[];
}

/** Whether a compaction is due: deltacommits since the last compaction (a completed commit on a merge-on-read
 *  table), and the time since the first of them, against the trigger. */
export function compactionDue(timeline: Timeline, s: CompactionSettings, nowMs: number): boolean {
  if (!s.enabled) return false;
  const writes = timeline.completedWrites();
  let deltas = 0;
  let first: string | undefined;
  for (let i = writes.length - 1; i >= 0 && writes[i]!.action !== 'commit'; i--) {
    if (writes[i]!.action !== 'deltacommit') continue;
    deltas++;
    first = writes[i]!.timestamp;
  }
  if (deltas === 0 || first === undefined) return false;
  const byCount = deltas >= s.maxDeltaCommits;
  const byTime = nowMs - parseInstantTime(first.slice(0, 17).padEnd(17, '0')) >= s.maxDeltaSeconds * 1000;
  switch (s.trigger) {
    case 'NUM_COMMITS':
      return byCount;
    case 'TIME_ELAPSED':
      return byTime;
    case 'NUM_OR_TIME':
      return byCount || byTime;
    case 'NUM_AND_TIME':
      return byCount && byTime;
  }
}

/** The slices to compact: every file group's latest slice that has log files. */
export function planCompaction(view: FileSystemView): CompactionSlice[] {
  const out: CompactionSlice[] = [];
  for (const base of view.all()) {
    const logs = view.logsOf(base);
    if (logs.length > 0) out.push({ base, logs });
  }
  return out;
}

/** What a compaction's commit metadata counts of the log records it merged (the records themselves are not kept). */
export type LogReadCounts = Pick<LogRecords, 'logRecords' | 'blocks' | 'corruptBlocks' | 'rollbackBlocks'>;

/** The completed compaction's commit metadata: the new base files, with what they compacted, and the log files it
 *  carried into its new slices (async compaction): readers that list a commit's files from its write stats — Spark's
 *  incremental query, another writer's view — find them there. */
export function compactionMetadata(statuses: { status: BaseWriteStatus; slice: CompactionSlice; records: LogReadCounts }[], schemaJson: string, carried: readonly LogWriteStatus[] = []): CommitMetadata {
  const partitionToWriteStats: Record<string, WriteStat[]> = {};
  for (const c of carried) (partitionToWriteStats[c.stat.partitionPath] ??= []).push(c.stat);
  for (const { status, slice, records } of statuses) {
    const stat: WriteStat = {
      ...status.stat,
      totalLogFilesCompacted: slice.logs.length,
      totalLogSizeCompacted: slice.logs.reduce((n, l) => n + l.size, 0),
      totalLogRecords: records.logRecords,
      totalUpdatedRecordsCompacted: status.stat.numUpdateWrites,
      totalLogBlocks: records.blocks,
      totalCorruptLogBlock: records.corruptBlocks,
      totalRollbackBlocks: records.rollbackBlocks,
    };
    (partitionToWriteStats[stat.partitionPath] ??= []).push(stat);
  }
  return { partitionToWriteStats, compacted: true, extraMetadata: { schema: schemaJson }, operationType: 'COMPACT' };
}

/** The plan `<instant>.compaction.requested` holds (Hudi 0.15's HoodieCompactionPlan): one operation per slice. */
export function compactionPlan(slices: readonly CompactionSlice[], maxFileSize: number): Buffer {
  return serializeCompactionPlan({
    operations: slices.map((s) => ({
      partitionPath: s.base.partitionPath,
      baseFile: s.base.path,
      logFiles: s.logs.map((l) => l.path),
      metrics: compactionOperationMetrics({ baseFileSize: s.base.size, logFileSizes: s.logs.map((l) => l.size), maxBaseFileSize: maxFileSize }),
    })),
  });
}
