// Cleaning with Hudi's KEEP_LATEST_COMMITS policy: the file slices the last `retained` completed
// commits need stay — every slice written at or after the earliest retained commit, plus, per file
// group, the newest slice older than it (a query as of that commit reads it). Older slices are deleted
// under a clean instant (plan → inflight → metadata). The plan comes from the writer's view of the
// committed slices, kept from the timeline, so cleaning lists nothing; slices of unfinished instants
// are never in that view, so never touched.

import type { Logger } from '../../../runtime/spi';
import type { FileSystemView } from '../table/file-system-view';
import type { Storage } from '../storage/storage';
import { nextInstantTime, type Instant } from './instant';
import { Timeline } from './timeline';
import { serializeCleanMetadata, serializeCleanerPlan } from './timeline-avro';

/** Deletes the slices no retained commit needs; returns their paths and the completed clean instant. */
export async function cleanFileSlices(storage: Storage, timeline: Timeline, deps: { retained: number; now: () => number; logger: Logger; view: FileSystemView; fault?: (point: 'after-clean-requested' | 'after-clean') => void }): Promise<{ removed: string[]; clean?: Instant }> {
  const writes = timeline.completedWrites();
  if (writes.length <= deps.retained) return { removed: [] };
  // A pending compaction reads the slices its plan names: cleaning waits until it completed (Hudi's cleaner
  // skips file groups in pending compaction), then catches up.
  if (timeline.pending('compaction').length > 0) return { removed: [] };
  const earliest = writes[writes.length - deps.retained]!;

  const byPartition = new Map<string, string[]>();
  for (const slices of deps.view.fileGroups()) {
    const older = slices.filter((s) => s.instantTime < earliest.timestamp);
    // The newest slice older than the earliest retained commit is still needed by queries as of it.
    for (const s of older.slice(0, -1)) {
      const list = byPartition.get(s.partitionPath) ?? [];
      // A merge-on-read slice is its base file and the log files appended to it.
      list.push(s.path, ...deps.view.logsOf(s).map((l) => l.path));
      byPartition.set(s.partitionPath, list);
    }
  }
  const plan = [...byPartition].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([partitionPath, files]) => ({ partitionPath, files: files.sort() }));
  if (plan.length === 0) return { removed: [] };

  const started = deps.now();
  const cleanTime = nextInstantTime(started, timeline.lastTimestamp());
  const lastCompleted = writes[writes.length - 1]!.timestamp;
  const planBytes = serializeCleanerPlan({
    basePath: storage.uri,
    earliestInstantToRetain: { timestamp: earliest.timestamp, action: earliest.action, state: 'COMPLETED' },
    lastCompletedCommitTimestamp: lastCompleted,
    policy: 'KEEP_LATEST_COMMITS',
    filePathsToBeDeletedPerPartition: plan.map((p) => ({ partitionPath: p.partitionPath, files: p.files.map((filePath) => ({ filePath, isBootstrapBaseFile: false })) })),
  });
  let inst = await Timeline.request(storage, cleanTime, 'clean', planBytes);
  deps.fault?.('after-clean-requested');
  inst = await Timeline.transition(storage, inst, planBytes);
  const removed: string[] = [];
  const partitions = [];
  for (const p of plan) {
    const ok: string[] = [];
    const failed: string[] = [];
    for (const f of p.files) {
      try {
        await storage.delete(f);
        ok.push(f);
      } catch {
        failed.push(f);
      }
    }
    removed.push(...ok);
    partitions.push({ partitionPath: p.partitionPath, policy: 'KEEP_LATEST_COMMITS', deletePathPatterns: p.files.map(baseName), successDeleteFiles: ok.map(baseName), failedDeleteFiles: failed.map(baseName), isPartitionDeleted: false });
  }
  const done = await Timeline.transition(storage, inst, serializeCleanMetadata({ startCleanTime: cleanTime, timeTakenInMillis: deps.now() - started, totalFilesDeleted: removed.length, earliestCommitToRetain: earliest.timestamp, lastCompletedCommitTimestamp: lastCompleted, policy: 'KEEP_LATEST_COMMITS', partitions }));
  deps.fault?.('after-clean');
  deps.logger.info({ clean: cleanTime, deleted: removed.length, earliestRetained: earliest.timestamp }, 'cleaned old file slices');
  return { removed, clean: done };
}

function baseName(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1);
}
