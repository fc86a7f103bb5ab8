// Archival of the timeline (Hudi 0.14/0.15's HoodieTimelineArchiver): once more than `maxCommits` completed writes
// are active, the oldest ones beyond `minCommits` move to the archived timeline (archived-timeline.ts) and their
// files leave `.hoodie/`, so opening a table lists a bounded timeline however long it has been written. The same
// for completed cleans and rollbacks, per action. Never archived: anything at or after the oldest pending write or
// compaction (no hole in the timeline before an unfinished instant), the first savepoint, the earliest commit the
// last clean retained (time travel to a retained commit keeps its instant), the deltacommits a compaction trigger
// still counts, and replace commits (we do not convert their metadata; archival stops before the first one).
// Crash safety: the archive file is written whole first; then the archived instants' requested and inflight files
// are deleted, then their completed files oldest first, so a crash leaves a contiguous active timeline, and the
// next run archives what is left again (the archived timeline reads a duplicate once).

import type { Logger } from '../../../runtime/spi';
import type { Storage } from '../storage/storage';
import { buildArchivedMetaEntry, type ArchivedAction } from '../timeline/archived-meta-entry';
import { writeArchiveFile } from '../timeline/archived-timeline';
import { compareInstants, formatInstantTime, parseInstantFileName, type Instant } from '../timeline/instant';
import { deserializeCleanMetadata } from '../timeline/timeline-avro';
import { METAFOLDER, type Timeline } from '../timeline/timeline';
import type { CompactionSettings } from './compaction';

export interface ArchivalSettings {
  /** hoodie.archive.automatic */
  enabled: boolean;
  /** hoodie.keep.min.commits */
  minCommits: number;
  /** hoodie.keep.max.commits */
  maxCommits: number;
  /** Merge-on-read with inline compaction: its trigger, whose deltacommits stay active until it fires. */
  compaction?: CompactionSettings;
}

/** Hudi's defaults (hoodie.archive.automatic, hoodie.keep.min.commits, hoodie.keep.max.commits). */
export const DEFAULT_ARCHIVAL: ArchivalSettings = { enabled: true, minCommits: 20, maxCommits: 30 };

/**
 * The instant times to archive (pure: the active timeline and the last clean's earliest retained commit in).
 * Completed writes are archived oldest first, down to `minCommits`, only below every limit in the module comment.
 */
export function instantsToArchive(t: Timeline, s: ArchivalSettings, cleanEarliestRetained?: string): string[] {
  const out: string[] = [];
  // Cleans and rollbacks, each action on its own (Hudi's getCleanInstantsToArchive).
  for (const action of ['clean', 'rollback'] as const) {
    const done = t.completed(action);
    if (done.length > s.maxCommits) out.push(...done.slice(0, done.length - s.minCommits).map((i) => i.timestamp));
  }
  const writes = t.completedWrites();
  if (writes.length > s.maxCommits) {
    const limits: string[] = [];
    const firstPending = t.instants.find((i) => i.state !== 'COMPLETED' && (i.action === 'commit' || i.action === 'deltacommit' || i.action === 'replacecommit' || i.action === 'compaction'));
    if (firstPending) {
      // The newest completed write before the oldest pending one stays too (Hudi's oldestCommitToRetain).
      const before = writes.filter((w) => w.timestamp < firstPending.timestamp);
      limits.push(before.length > 0 ? before[before.length - 1]!.timestamp : firstPending.timestamp);
    }
    const savepoint = t.completed('savepoint')[0];
    if (savepoint) limits.push(savepoint.timestamp);
    const replace = writes.find((w) => w.action === 'replacecommit');
    if (replace) limits.push(replace.timestamp);
    if (cleanEarliestRetained) limits.push(cleanEarliestRetained);
    const forCompaction = compactionRetains(writes, s.compaction);
    if (forCompaction) limits.push(forCompaction);
    const limit = limits.reduce<string | undefined>((a, b) => (a === undefined || b < a ? b : a), undefined);
    const candidates = writes.filter((w) => limit === undefined || w.timestamp < limit);
    out.push(...candidates.slice(0, writes.length - s.minCommits).map((w) => w.timestamp));
  }
  return [...new Set(out)].sort();
}

/**
 * CompactionUtils.getOldestInstantToRetainForCompaction: with a count trigger, the deltacommits since the latest
 * compaction stay while there are fewer than the trigger's count (it still has to see them), else the newest
 * `maxDeltaCommits` of them; the latest compaction stays with them.
 */
function compactionRetains(writes: Instant[], c: CompactionSettings | undefined): string | undefined {
  if (!c || (c.trigger !== 'NUM_COMMITS' && c.trigger !== 'NUM_AND_TIME')) return undefined;
  let latestCompaction = -1;
  for (let i = writes.length - 1; i >= 0; i--) {
    if (writes[i]!.action === 'commit') {
      latestCompaction = i;
      break;
    }
  }
  const deltas = writes.slice(latestCompaction + 1).filter((w) => w.action === 'deltacommit');
  if (deltas.length >= c.maxDeltaCommits) return deltas[deltas.length - c.maxDeltaCommits]!.timestamp;
  return latestCompaction >= 0 ? writes[latestCompaction]!.timestamp : deltas[0]?.timestamp;
}

/** Whether archival could find anything to do, from counts alone (no storage access): checked after every commit. */
function mayArchive(t: Timeline, s: ArchivalSettings): boolean {
  return s.enabled && (t.completedWrites().length > s.maxCommits || t.completed('clean').length > s.maxCommits || t.completed('rollback').length > s.maxCommits);
}

/** Archives what instantsToArchive names; returns the archived instant times (the caller's timeline drops them). */
export async function archiveTimeline(storage: Storage, t: Timeline, s: ArchivalSettings, deps: { logger: Logger; fault?: (point: 'after-archive-file' | 'after-archive-pending-deleted') => void }): Promise<string[]> {
  if (!mayArchive(t, s)) return [];
  const lastClean = t.completed('clean').at(-1);
  const cleanEarliestRetained = lastClean ? deserializeCleanMetadata(await t.readDetails(lastClean)).earliestCommitToRetain || undefined : undefined;
  const chosen = new Set(instantsToArchive(t, s, cleanEarliestRetained));
  if (chosen.size === 0) return [];

  // Every state file of each chosen instant (a compaction's requested and inflight files beside its commit).
  const files: { instant: Instant; path: string; modifiedAt: number }[] = [];
  for (const f of await storage.list(METAFOLDER)) {
    const instant = parseInstantFileName(f.path.slice(METAFOLDER.length + 1));
    if (instant && chosen.has(instant.timestamp)) files.push({ instant, path: f.path, modifiedAt: f.modifiedAt });
  }
  files.sort((a, b) => compareInstants(a.instant, b.instant));
  const entries = [];
  for (const f of files) {
    // A completed compaction's file is its commit, and is archived as one.
    const action = (f.instant.action === 'compaction' && f.instant.state === 'COMPLETED' ? 'commit' : f.instant.action) as ArchivedAction;
    entries.push(buildArchivedMetaEntry({ timestamp: f.instant.timestamp, action, state: f.instant.state, content: await storage.readFile(f.path), stateTransitionTime: formatInstantTime(f.modifiedAt) }));
  }
  const archive = await writeArchiveFile(storage, entries);
  deps.fault?.('after-archive-file');
  for (const f of files) if (f.instant.state !== 'COMPLETED') await storage.delete(f.path);
  deps.fault?.('after-archive-pending-deleted');
  for (const f of files) if (f.instant.state === 'COMPLETED') await storage.delete(f.path);
  const archived = [...chosen].sort();
  deps.logger.info({ archive, instants: archived.length, from: archived[0], to: archived[archived.length - 1] }, 'archived old instants of the timeline');
  return archived;
}
