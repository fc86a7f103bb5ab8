// The data phase of a merge-on-read deltacommit (Hudi's delta commit action executor with its
// UpsertDeltaCommitPartitioner): tagging and planning as for copy-on-write, then changes to an existing file
// group are appended to its latest slice as a log file, where copy-on-write would rewrite the base file.
// With the bloom and simple indexes inserts go to base files — new file groups, or small slices that have no log
// files yet, merged as copy-on-write does — because those indexes find keys in base files only. The bucket index
// finds keys without looking (a key's hash names its file group), so everything for an existing bucket, inserts
// too, goes to its log (Hudi's canIndexLogFiles); a new bucket's first records make its base file.
// Deletes are not written to logs: a file group the batch deletes from is rewritten, its logs folded in, as a
// copy-on-write merge (new base slice at this deltacommit). Spark and hudi-rs order a logged delete against the
// base row differently, and a logged delete followed by an older re-insert would bring the base row back in
// both; a rewrite leaves nothing to order. So this writer's log files hold rows only.
// Under a global index (GLOBAL_BLOOM, GLOBAL_SIMPLE) every live key is still in a base file of its latest slice, so
// tagging finds it table-wide as for copy-on-write; a key whose partition changed moves (a delete, so its old file
// group is rewritten with its logs folded, and an insert in the new partition), ordered against its current value
// — base and logs merged, as Hudi's mergeForPartitionUpdatesIfNeeded reads it — not the base file's stale one.
// Invariant: a slice with log files is only rewritten with its log records folded in (never lost).
// The caller owns the instant; nothing here touches the timeline.

import { appendToFileGroup } from '../file-group/append-handle';
import { createFileGroup } from '../file-group/create-handle';
import { mergeFileGroup } from '../file-group/merge-handle';
import type { WriteStatus } from '../file-group/slice-output';
import { LogRecords } from '../file-group/log-records';
import type { BaseFile } from '../table/base-file';
import type { LogFile } from '../table/log-file';
import { HANDLES_IN_FLIGHT, mergeOptions, runBounded, tagAndPlan, type CopyOnWriteInputs } from './copy-on-write-writer';

export interface MergeOnReadInputs extends CopyOnWriteInputs {
  /** The Avro schema of the rows with Hudi's meta fields: the SCHEMA header of the data blocks. */
  writerSchema: string;
  /** Whether log blocks of an instant belong to the table (Timeline.holdsWrite). */
  holdsWrite(instant: string): boolean;
}

export async function writeMergeOnRead(i: MergeOnReadInputs): Promise<void> {
  const { ctx, view } = i;
  const readLogs = (logs: readonly LogFile[]) => LogRecords.read(ctx.storage, logs, { validInstant: i.holdsWrite, precombineField: i.precombineField, orderingOf: i.orderingOf });
  // A move under a global index is ordered against the key's current value, which may be in a log of its slice.
  const logRecordsOf = async (f: BaseFile) => (view.logsOf(f).length > 0 ? readLogs(view.logsOf(f)) : undefined);
  const plan = await tagAndPlan({ ...i, logRecordsOf }, (partition) => view.latest(partition).filter((f) => view.logsOf(f).length === 0));
  const merge = mergeOptions(i);
  const append = { writerSchema: i.writerSchema };
  const jobs: (() => Promise<WriteStatus>)[] = [
    ...plan.merges.map((m) => {
      const logs = view.logsOf(m.file);
      const deletes = merge.deleteAll || [...m.changes.values()].some((k) => k.rec.isDelete);
      // A small base-only slice taking inserts (lookup indexes), or deletes: the slice is rewritten with its logs.
      if (deletes || (m.inserts.length > 0 && !i.bucketIndex)) {
        return async () => {
          const records = logs.length > 0 ? await readLogs(logs) : undefined;
          return mergeFileGroup(ctx, m.file, m.changes, m.inserts, { ...merge, changesMayBeNew: m.changesMayBeNew === true, ...(records ? { logs: records } : {}) });
        };
      }
      return () => appendToFileGroup(ctx, m.file, logs, [...m.changes.values(), ...m.inserts], append);
    }),
    ...plan.creates.map((c) => () => createFileGroup(ctx, c.partition, c.inserts, c.fileId)),
  ];
  await runBounded(jobs, HANDLES_IN_FLIGHT, i.onFile);
}

