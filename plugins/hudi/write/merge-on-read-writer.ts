// The data phase of a merge-on-read deltacommit (Hudi's delta commit action executor with its
// UpsertDeltaCommitPartitioner): tagging and planning as for copy-on-write, then changes to an existing file
// group are appended to its latest slice as a log file, where copy-on-write would rewrite the base file.
// With the bloom and simple indexes inserts go to base files — new file groups, or small slices that have no log
// files yet, merged as copy-on-write does — because those indexes find keys in base files only. The bucket index
// finds keys without looking (a key's hash names its file group), so everything for an existing bucket, inserts
// too, goes to its log (Hudi's canIndexLogFiles); a new bucket's first records make its base file.
// With the bucket index deletes go to the log too (a delete block), where no precombine value has to decide between
// a logged delete and another version of its key — Spark and hudi-rs order those differently (ordering-bounds.ts
// says when); a record for a slice with logged deletes obeys the same rule. Otherwise, and with the lookup indexes,
// the file group is rewritten, its logs folded in, as a copy-on-write merge (new base slice at this deltacommit),
// which leaves nothing to order.
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
import { BY_ARRIVAL, type OrderingBounds } from '../file-group/ordering-bounds';
import { orderingValueOf } from '../log/delete-block';
import type { BaseFile } from '../table/base-file';
import type { LogFile } from '../table/log-file';
import { HANDLES_IN_FLIGHT, mergeOptions, runBounded, tagAndPlan, type CopyOnWriteInputs } from './copy-on-write-writer';
import { compareOrdering, type KeyedRecord } from './keyed-record';

export interface MergeOnReadInputs extends CopyOnWriteInputs {
  /** The Avro schema of the rows with Hudi's meta fields: the SCHEMA header of the data blocks. */
  writerSchema: string;
  /** Whether log blocks of an instant belong to the table (Timeline.holdsWrite). */
  holdsWrite(instant: string): boolean;
  /** The slices' ordering bounds, when the precombine column can be bounded; without them every delete rewrites. */
  orderingBounds?: OrderingBounds;
  /** Most bytes in one log file (hoodie.logfile.max.size). */
  maxLogFileSize: number;
}

/** Hudi's default hoodie.logfile.max.size: 1 GB. */
export const DEFAULT_MAX_LOG_FILE_SIZE = 1024 * 1024 * 1024;

/** Whether a change removes its key: a delete, any change of the delete operation, or a move's delete. */
function removes(k: KeyedRecord, deleteAll: boolean): boolean {
  return deleteAll || k.rec.isDelete || k.ordering === undefined;
}

/** At least `bound` (a known ordering value). */
function atLeast(v: unknown, bound: unknown): boolean {
  return v !== undefined && v !== null && bound !== undefined && bound !== BY_ARRIVAL && compareOrdering(v, bound) >= 0;
}

export async function writeMergeOnRead(i: MergeOnReadInputs): Promise<void> {
  const { ctx, view } = i;
  const readLogs = (logs: readonly LogFile[]) => LogRecords.read(ctx.storage, logs, { validInstant: i.holdsWrite, precombineField: i.precombineField, orderingOf: i.orderingOf });
  // A move under a global index is ordered against the key's current value, which may be in a log of its slice.
  const logRecordsOf = async (f: BaseFile) => (view.logsOf(f).length > 0 ? readLogs(view.logsOf(f)) : undefined);
  const plan = await tagAndPlan({ ...i, logRecordsOf }, (partition) => view.latest(partition).filter((f) => view.logsOf(f).length === 0));
  const merge = mergeOptions(i);
  const append = { writerSchema: i.writerSchema, maxLogFileSize: i.maxLogFileSize };
  // With the bucket index only: a key deleted by a log stays in its base file until compaction, and the lookup
  // indexes find keys in base files — a key inserted again elsewhere (the insert operation skips the index; a global
  // index's partition move) would then be tagged at its dead copy, and a later delete or update would miss the live
  // one (the fuzz grid found both). A bucket is the key's hash: nothing is looked up.
  const bounds = i.bucketIndex ? i.orderingBounds : undefined;
  bounds?.retain(view);
  const column = i.columns.find((c) => c.name === i.precombineField);
  const rewrite = (m: (typeof plan.merges)[number]) => async (): Promise<WriteStatus[]> => {
    const logs = view.logsOf(m.file);
    const records = logs.length > 0 ? await readLogs(logs) : undefined;
    return [await mergeFileGroup(ctx, m.file, m.changes, m.inserts, { ...merge, changesMayBeNew: m.changesMayBeNew === true, ...(records ? { logs: records } : {}) })];
  };
  const jobs: (() => Promise<WriteStatus[]>)[] = [
    ...plan.merges.map((m) => {
      const logs = view.logsOf(m.file);
      // A small base-only slice taking inserts (lookup indexes): the slice is rewritten with its logs.
      if (m.inserts.length > 0 && !i.bucketIndex) return rewrite(m);
      const changes = [...m.changes.values(), ...m.inserts];
      const deletes = changes.filter((k) => removes(k, merge.deleteAll));
      if (!bounds || !column) return deletes.length > 0 ? rewrite(m) : () => appendToFileGroup(ctx, m.file, logs, changes, append);
      if (deletes.length === 0 && logs.length === 0) return () => appendToFileGroup(ctx, m.file, logs, changes, append);
      return async () => {
        const rows = changes.filter((k) => !removes(k, merge.deleteAll));
        const slice = deletes.length > 0 ? await bounds.ofSlice(m.file, logs) : { data: undefined, deleted: await bounds.deletedOf(logs) };
        const loggable =
          deletes.every((k) => atLeast(k.ordering, slice.data)) &&
          (slice.deleted === null || rows.every((k) => atLeast(k.ordering, slice.deleted)));
        if (!loggable) return rewrite(m)();
        const statuses = await appendToFileGroup(ctx, m.file, logs, [...rows, ...deletes.map((k) => (k.rec.isDelete ? k : { ...k, rec: { row: k.rec.row, isDelete: true, position: k.rec.position } }))], {
          ...append,
          deleteRecord: (k) => ({ recordKey: k.key, partitionPath: k.partition, orderingVal: orderingValueOf(column.type, k.rec.row[column.name]) }),
        });
        // A row's ordering is its precombine value as is (bounds are kept for int and long columns only, which the
        // ordering normalizer leaves alone): the row object is not needed for it.
        const written = bounds.boundsOf(rows.map((k) => k.ordering), deletes.map((k) => k.rec.row[column.name]));
        for (const st of statuses) bounds.note(st.log, written);
        return statuses;
      };
    }),
    ...plan.creates.map((c) => async () => [await createFileGroup(ctx, c.partition, c.inserts, c.fileId)]),
  ];
  await runBounded(jobs, HANDLES_IN_FLIGHT, (statuses) => statuses.forEach(i.onFile));
}

