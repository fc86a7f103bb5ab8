// The data phase of a copy-on-write commit (Hudi's commit action executor): tag the batch's keys with the
// file groups holding them, plan the buckets, then run one write handle per bucket — a merge for an
// existing file group, a create for a new one — and hand each WriteStatus over as its file is complete.
// The caller owns the instant; nothing here touches the timeline. A merge-on-read writer is the other
// implementation of this step (append handles instead of merge handles). Under the bucket index the
// file groups are named by hashing, not looked up, and planned by bucket-plan.ts.

import { BaseFileReader } from '../file-group/base-file-reader';
import { KeyProbe } from '../file-group/key-probe';
import type { LogRecords } from '../file-group/log-records';
import { createFileGroup } from '../file-group/create-handle';
import { mergeFileGroup, type MergeOptions } from '../file-group/merge-handle';
import type { WriteContext, WriteStatus } from '../file-group/slice-output';
import type { BloomIndex } from '../index/bloom-index';
import type { BucketIndex } from '../index/bucket-index';
import { isGlobalIndex, type IndexType } from '../index/index-type';
import { tagLocations } from '../index/tag-location';
import type { ColumnSpec, Row } from '../parquet/column-spec';
import type { BaseFile } from '../table/base-file';
import { RECORD_KEY_COLUMN } from '../table/meta-columns';
import type { FileSystemView } from '../table/file-system-view';
import type { KeyedRecord, WriteOperation } from './keyed-record';
import { planBucketWrite } from './bucket-plan';
import { planWrite, type WritePlan } from './write-plan';

/** File groups being written at once: one merging while the previous one's last row groups encode. */
export const HANDLES_IN_FLIGHT = 2;


export interface CopyOnWriteInputs {
  ctx: WriteContext;
  records: KeyedRecord[];
  operation: WriteOperation;
  /** Data columns (for the precombine column's type). */
  columns: ColumnSpec[];
  view: FileSystemView;
  index: BloomIndex;
  indexType: IndexType;
  /** Present with hoodie.index.type=BUCKET: tags and plans instead of `index`. */
  bucketIndex?: BucketIndex;
  precombineField: string | undefined;
  orderingOf(v: unknown): unknown;
  maxFileSize: number;
  smallFileLimit: number;
  avgRecordSize: number;
  /** Called once per file written, in order, when it is complete in storage. A throw stops the phase. */
  onFile(status: WriteStatus): void;
  /** Merge-on-read: the log records of the slice whose base file is `file` (none: undefined), so that a key's
   *  stored value is its merged one where a decision needs it (a move under a global index). */
  logRecordsOf?(file: BaseFile): Promise<LogRecords | undefined>;
}

export async function writeCopyOnWrite(i: CopyOnWriteInputs): Promise<void> {
  const plan = await tagAndPlan(i, (partition) => i.view.latest(partition));
  const merge = mergeOptions(i);
  const jobs: (() => Promise<WriteStatus>)[] = [
    ...plan.merges.map((m) => () => mergeFileGroup(i.ctx, m.file, m.changes, m.inserts, { ...merge, changesMayBeNew: m.changesMayBeNew === true })),
    ...plan.creates.map((c) => () => createFileGroup(i.ctx, c.partition, c.inserts, c.fileId)),
  ];
  await runBounded(jobs, HANDLES_IN_FLIGHT, i.onFile);
}

export function mergeOptions(i: CopyOnWriteInputs): MergeOptions {
  return { precombineField: i.precombineField, orderingOf: i.orderingOf, deleteAll: i.operation === 'delete' };
}

/** Tags the batch's keys with the file groups holding them and plans the buckets; `smallFiles` are the slices of
 *  a partition that may take inserts (small-file packing). */
export async function tagAndPlan(i: CopyOnWriteInputs, smallFiles: (partition: string) => BaseFile[]): Promise<WritePlan> {
  const { ctx } = i;
  // insert and bulk_insert skip the index, as in Hudi.
  const located =
    i.operation === 'insert' || i.operation === 'bulk_insert' || i.bucketIndex
      ? new Map<string, BaseFile>()
      : await tagLocations(i.records, { all: () => i.view.all(), inPartition: (p) => i.view.latest(p) }, i.index, i.indexType);
  if (i.bucketIndex) return planBucketWrite(i.bucketIndex.tag(i.records, (p) => i.view.latest(p)), i.operation);
  return planWrite({
    records: i.records,
    located,
    operation: i.operation,
    globalIndex: isGlobalIndex(i.indexType),
    precombineField: i.precombineField,
    storedOrderings: async (file, keys) => storedOrderings(ctx, file, keys, i.columns.find((c) => c.name === i.precombineField), i.orderingOf, await i.logRecordsOf?.(file)),
    latest: smallFiles,
    maxFileSize: i.maxFileSize,
    smallFileLimit: i.smallFileLimit,
    avgRecordSize: i.avgRecordSize,
  });
}

/** The stored precombine values of `keys` in `file`, reading its key and precombine columns a row group at a
 *  time, only of the row groups whose key statistics may hold one of them. With `logs` (merge-on-read) a key's
 *  value is the one its slice holds with the logs merged in (Hudi merges base and logs before it orders a
 *  move), and a key the logs deleted is not stored; `logs` is consumed. */
export async function storedOrderings(ctx: WriteContext, file: BaseFile, keys: Set<string>, preColumn: ColumnSpec | undefined, orderingOf: (v: unknown) => unknown, logs?: LogRecords): Promise<Map<string, unknown>> {
  const reader = await BaseFileReader.open(ctx.storage, ctx.codec, file.path, file.size);
  const out = new Map<string, unknown>();
  const ordering = (row: Row) => (preColumn ? orderingOf(row[preColumn.name]) : null);
  for await (const rows of reader.batchesHolding(new KeyProbe(keys), preColumn ? [RECORD_KEY_COLUMN, preColumn] : [RECORD_KEY_COLUMN])) {
    for (const r of rows) {
      const key = String(r['_hoodie_record_key']);
      if (!keys.has(key)) continue;
      const current = logs ? logs.fold(key, r) : r;
      if (current) out.set(key, ordering(current));
    }
  }
  if (logs) for (const [key, row] of logs.rowsNotFolded()) if (keys.has(key)) out.set(key, ordering(row));
  return out;
}

/** Runs `jobs` keeping at most `limit` started and unfinished, handing results over in order. A failure
 *  waits for the jobs already running (none is left writing behind the caller's back), then is thrown. */
export async function runBounded<T>(jobs: (() => Promise<T>)[], limit: number, onDone: (result: T) => void): Promise<void> {
  const running: Promise<T>[] = [];
  try {
    for (const job of jobs) {
      const p = job();
      p.catch(() => undefined); // awaited in order below
      running.push(p);
      while (running.length >= limit) onDone(await running.shift()!);
    }
    while (running.length > 0) onDone(await running.shift()!);
  } catch (err) {
    await Promise.allSettled(running);
    throw err;
  }
}
