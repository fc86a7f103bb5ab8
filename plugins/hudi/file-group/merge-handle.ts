// Hudi's HoodieMergeHandle for copy-on-write: a new slice of an existing file group, made by streaming
// the latest slice a row group at a time and merging the batch's changes into it — updates and deletes by
// key, ordered by the precombine field against the stored row, and inserts (small-file packing, keys that
// moved here) woven in by key order. A row group the batch cannot change — no change's key inside the key
// range its statistics state — is carried over without decoding it, unless it is under half the row-group
// size (those are merged into full ones). The new footer continues the previous slice's bloom filter where
// slice-output's continuedFooter allows; otherwise a carried row group's key column is read for it.
// Memory: one input row group, the output buffer and the encodings in flight, plus the batch itself; never
// the whole file.
// Invariant: every change the plan gave this file group is applied or explicitly outranked by the stored
// row; a change whose key the slice does not hold is an index error and fails the commit (never dropped),
// unless the plan says changes may be new (bucket index): then it is an insert, or a delete of nothing.

import { ConnectError } from '../../../runtime/spi';
import type { RowGroupSpan } from '../parquet/row-group-splice';
import type { BaseFile } from '../table/base-file';
import { RECORD_KEY_COLUMN } from '../table/meta-columns';
import type { Row } from '../parquet/column-spec';
import { compareOrdering, type KeyedRecord } from '../write/keyed-record';
import type { LogRecords } from './log-records';
import { BaseFileReader } from './base-file-reader';
import { KeyProbe } from './key-probe';
import { SliceOutput, byKey, canCarryOver, continuedFooter, type SliceCounts, type WriteContext, type BaseWriteStatus } from './slice-output';

export interface MergeOptions {
  /** The precombine field (stored rows' values are normalized with orderingOf). */
  precombineField: string | undefined;
  orderingOf(v: unknown): unknown;
  /** The delete operation deletes every key it is given, whatever its ordering. */
  deleteAll: boolean;
  /** Changes whose key the slice does not hold are inserts (deletes of them have nothing to delete): the
   *  bucket index names a key's file group without knowing whether the group holds it. Otherwise such a
   *  change is an index error. */
  changesMayBeNew?: boolean;
  /** Merge-on-read: the slice's log records, folded into the base rows first (they keep the meta values their
   *  deltacommits gave them); the batch's changes then apply to the result. Compaction passes no changes. */
  logs?: LogRecords;
}

/** Consumes `changes` (each is removed as it is applied) and sorts `inserts`: both belong to this handle. */
export async function mergeFileGroup(ctx: WriteContext, file: BaseFile, changes: Map<string, KeyedRecord>, inserts: KeyedRecord[], o: MergeOptions): Promise<BaseWriteStatus> {
  const reader = await BaseFileReader.open(ctx.storage, ctx.codec, file.path, file.size);
  const logs = o.logs;
  // Row groups the batch and the logs cannot change (and not under half the row-group size) are carried over as
  // they are, and then the previous slice's bloom filter is continued where it can be, so their keys need not be read.
  const carry = await canCarryOver(ctx, reader.footer);
  const logOnly = logs ? [...logs.changes.keys()].filter((k) => !changes.has(k)) : [];
  const continued = carry ? continuedFooter(ctx, reader.footer, changes.size + inserts.length + logOnly.length) : undefined;
  const out = await SliceOutput.open(ctx, file.partitionPath, file.fileId, file, continued);
  try {
    const counts: SliceCounts = { inserts: 0, updates: 0, deletes: 0 };
    inserts.sort(byKey);
    let next = 0;
    const pending = changes;
    const changed = carry ? new KeyProbe([...changes.keys(), ...logOnly]) : undefined;
    const minRows = Math.ceil(ctx.rowGroupRows / 2);
    const untouched = (span: RowGroupSpan) => changed !== undefined && span.numRows >= minRows && !reader.mayHold(span, changed);
    /** A stored version meets its batch change. `from`: the base row itself, a log record over a base row (its key
     *  is in the base's filter), or a log record of a key the base file does not hold. */
    const apply = (key: string, stored: Row, from: 'base' | 'log' | 'log-only', inc: KeyedRecord | undefined): void => {
      const keep = () => (from === 'base' ? out.emitCopy(stored, key) : out.emitPreserved(stored, key, from === 'log'));
      if (!inc) return keep();
      const forcedDelete = o.deleteAll || inc.ordering === undefined;
      if (!forcedDelete && o.precombineField !== undefined && compareOrdering(inc.ordering, o.orderingOf(stored[o.precombineField])) < 0) return keep(); // the table already holds a newer version
      if (inc.rec.isDelete || forcedDelete) {
        counts.deletes++;
        return;
      }
      counts.updates++;
      out.emitNew(inc);
    };
    for (const span of reader.rowGroups()) {
      if (untouched(span)) {
        const bytes = await reader.readSpan(span);
        const keys = continued ? undefined : (await reader.decodeSpan(span, bytes, [RECORD_KEY_COLUMN])).map((r) => String(r[RECORD_KEY_COLUMN.name]));
        await out.copyRowGroup(reader.footer, span, bytes, keys);
        continue;
      }
      const rows = await reader.readRowGroup(span);
      for (const old of rows) {
        const key = String(old['_hoodie_record_key']);
        while (next < inserts.length && inserts[next]!.key < key) {
          out.emitNew(inserts[next++]!);
          counts.inserts++;
        }
        const inc = pending.get(key);
        if (inc) pending.delete(key);
        const folded = logs ? logs.fold(key, old) : old;
        if (folded === old) apply(key, old, 'base', inc);
        else if (folded !== undefined) apply(key, folded, 'log', inc);
        else if (inc && !(inc.rec.isDelete || o.deleteAll || inc.ordering === undefined)) {
          // Deleted in the logs: the batch's record comes back as a new row.
          out.emitNew(inc);
          counts.inserts++;
        }
      }
      await out.flushFull();
    }
    for (; next < inserts.length; next++) {
      out.emitNew(inserts[next]!);
      counts.inserts++;
      if (out.due) await out.flushFull();
    }
    // Keys only the logs hold (inserted into logs), with the batch's changes to them.
    for (const [key, row] of logs?.rowsNotFolded() ?? []) {
      const inc = pending.get(key);
      if (inc) pending.delete(key);
      apply(key, row, 'log-only', inc);
      if (out.due) await out.flushFull();
    }
    if (pending.size > 0 && o.changesMayBeNew) {
      // Appended after the kept rows, as Hudi's merge handle writes the keys it did not meet.
      const fresh = [...pending.values()].filter((k) => !(k.rec.isDelete || o.deleteAll || k.ordering === undefined)).sort(byKey);
      pending.clear();
      for (const k of fresh) {
        out.emitNew(k);
        counts.inserts++;
        if (out.due) await out.flushFull();
      }
    }
    if (pending.size > 0) {
      const keys = [...pending.keys()];
      throw new ConnectError('INTERNAL', `the index placed ${keys.length} key(s) in ${file.path}, which does not hold them (${keys.slice(0, 3).join(', ')}${keys.length > 3 ? ', …' : ''}); the commit is abandoned rather than losing them. This is a bug: please report it with the table's .hoodie folder`);
    }
    return await out.close(counts);
  } catch (err) {
    await out.abort();
    throw err;
  }
}
