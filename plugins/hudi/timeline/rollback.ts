// Rolls back an unfinished commit (REQUESTED or INFLIGHT, left by a crash) before anything else is
// written: the files it created are found through its markers (ours and Spark's, direct or
// timeline-server-based) and by their instant time in the file names; they are
// deleted under a rollback instant (plan → inflight → metadata), and then the commit's own instant
// files are removed, as Hudi does. A reader honouring the timeline never saw those files.

import { ConnectError, type Logger } from '../../../runtime/spi';
import { parseLogFileName } from '../log/log-file-name';
import { parseBaseFileName } from '../table/base-file';
import { findPartitions } from '../table/file-system-view';
import type { Storage } from '../storage/storage';
import { instantFileName, nextInstantTime, type Instant } from './instant';
import { METAFOLDER, Timeline } from './timeline';
import { serializeRollbackMetadata, serializeRollbackPlan } from './timeline-avro';

const MARKER_SUFFIX = /\.marker\.(CREATE|MERGE|APPEND)$/;

/**
 * Data files an instant created, relative to the base path: those its markers name, and any base file named
 * with its instant time (or log file of a slice based at it). Markers alone are not enough: a writer that was superseded (another writer rolled
 * its instant back, markers included, while it was still writing) goes on writing files whose markers are
 * gone, and one left behind would later pass for an archived commit's file (older than the timeline).
 */
export async function filesOfInstant(storage: Storage, instant: string): Promise<string[]> {
  const dir = `${METAFOLDER}/.temp/${instant}`;
  const markerFiles = await storage.listTree(dir);
  const out = new Set<string>();
  for (const f of markerFiles) {
    const rel = f.path.slice(dir.length + 1);
    if (MARKER_SUFFIX.test(rel)) out.add(rel.replace(MARKER_SUFFIX, ''));
    else if (/^MARKERS\d+$/.test(rel)) {
      // Timeline-server-based markers: one marker name per line.
      for (const line of (await storage.readFile(f.path)).toString('utf8').split('\n')) {
        if (MARKER_SUFFIX.test(line.trim())) out.add(line.trim().replace(MARKER_SUFFIX, ''));
      }
    }
  }
  for (const partition of await findPartitions(storage)) {
    for (const f of await storage.list(partition)) {
      const name = partition === '' ? f.path : f.path.slice(partition.length + 1);
      // Log files of a slice based at this instant can only have been written while it was pending (a
      // compaction carries logs into its new slices before it completes).
      if (parseBaseFileName(name)?.instantTime === instant || parseLogFileName(name)?.baseInstant === instant) out.add(f.path);
    }
  }
  return [...out].sort();
}

export async function rollbackPending(storage: Storage, timeline: Timeline, pending: Instant, deps: { now: () => number; logger: Logger }): Promise<void> {
  // Never a completed commit: its data files are the table.
  if (await storage.exists(`${METAFOLDER}/${instantFileName({ ...pending, state: 'COMPLETED' })}`)) {
    throw new ConnectError('ILLEGAL_STATE', `instant ${pending.timestamp} (${pending.action}) is completed; it is part of the table and cannot be rolled back`);
  }
  const started = deps.now();
  const files = await filesOfInstant(storage, pending.timestamp);
  const byPartition = new Map<string, string[]>();
  for (const f of files) {
    const slash = f.lastIndexOf('/');
    const partition = slash < 0 ? '' : f.slice(0, slash);
    const list = byPartition.get(partition) ?? [];
    list.push(f);
    byPartition.set(partition, list);
  }
  const rollbackTime = nextInstantTime(started, timeline.lastTimestamp());
  const target = { commitTime: pending.timestamp, action: pending.action };
  let inst = await Timeline.request(storage, rollbackTime, 'rollback', serializeRollbackPlan({ basePath: storage.uri, instantToRollback: target, filesToDelete: [...byPartition].map(([partitionPath, fs]) => ({ partitionPath, files: fs })) }));
  inst = await Timeline.transition(storage, inst, '');
  const partitions: { partitionPath: string; successDeleteFiles: string[]; failedDeleteFiles: string[] }[] = [];
  for (const [partitionPath, fs] of byPartition) {
    const ok: string[] = [];
    const failed: string[] = [];
    for (const f of fs) {
      try {
        await storage.delete(f);
        // A file its writer was still streaming out when it died left a partial write, not a file.
        await storage.discardPartial(f);
        ok.push(f);
      } catch {
        failed.push(f);
      }
    }
    partitions.push({ partitionPath, successDeleteFiles: ok, failedDeleteFiles: failed });
  }
  await Timeline.transition(storage, inst, serializeRollbackMetadata({ basePath: storage.uri, startRollbackTime: rollbackTime, timeTakenInMillis: deps.now() - started, commitsRollback: [pending.timestamp], instants: [target], partitions }));
  await Timeline.deleteInstantFiles(storage, pending);
  await storage.deleteTree(`${METAFOLDER}/.temp/${pending.timestamp}`);
  deps.logger.warn({ instant: pending.timestamp, state: pending.state, file: instantFileName(pending), deleted: files.length, rollback: rollbackTime }, 'rolled back an unfinished commit');
}
