// Cleaning with Hudi's KEEP_LATEST_COMMITS policy: the file slices the last `retained` completed
// commits need stay — every slice written at or after the earliest retained commit, plus, per file
// group, the newest slice older than it (a query as of that commit reads it). Older slices are deleted
// under a clean instant (plan → inflight → metadata). Slices of unfinished instants are never touched.

import type { Logger } from '../../../runtime/spi';
import { parseBaseFileName } from '../table/base-file';
import type { Storage } from '../storage/storage';
import { nextInstantTime } from './instant';
import { Timeline } from './timeline';
import { serializeCleanMetadata, serializeCleanerPlan } from './timeline-avro';

export async function cleanFileSlices(storage: Storage, timeline: Timeline, deps: { retained: number; now: () => number; logger: Logger; partitions: string[] }): Promise<string[]> {
  const writes = timeline.completedWrites();
  if (writes.length <= deps.retained) return [];
  const earliest = writes[writes.length - deps.retained]!;
  const first = timeline.instants[0]?.timestamp ?? '';
  const pending = new Set(timeline.pending().map((i) => i.timestamp));
  const committed = (t: string) => timeline.isCompletedWrite(t) || (t < first && !pending.has(t));

  const plan: { partitionPath: string; files: string[] }[] = [];
  for (const partition of deps.partitions) {
    const groups = new Map<string, { instant: string; path: string }[]>();
    for (const f of await storage.list(partition)) {
      const name = partition === '' ? f.path : f.path.slice(partition.length + 1);
      const p = parseBaseFileName(name);
      if (!p || !committed(p.instantTime)) continue;
      const list = groups.get(p.fileId) ?? [];
      list.push({ instant: p.instantTime, path: f.path });
      groups.set(p.fileId, list);
    }
    const doomed: string[] = [];
    for (const slices of groups.values()) {
      const older = slices.filter((s) => s.instant < earliest.timestamp).sort((a, b) => (a.instant < b.instant ? 1 : -1));
      // The newest slice older than the earliest retained commit is still needed by queries as of it.
      for (const s of older.slice(1)) doomed.push(s.path);
    }
    if (doomed.length > 0) plan.push({ partitionPath: partition, files: doomed.sort() });
  }
  if (plan.length === 0) return [];

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
  await Timeline.transition(storage, inst, serializeCleanMetadata({ startCleanTime: cleanTime, timeTakenInMillis: deps.now() - started, totalFilesDeleted: removed.length, earliestCommitToRetain: earliest.timestamp, lastCompletedCommitTimestamp: lastCompleted, policy: 'KEEP_LATEST_COMMITS', partitions }));
  deps.logger.info({ clean: cleanTime, deleted: removed.length, earliestRetained: earliest.timestamp }, 'cleaned old file slices');
  return removed;
}

function baseName(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1);
}
