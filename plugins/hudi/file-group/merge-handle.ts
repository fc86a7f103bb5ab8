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
import { compareOrdering, type KeyedRecord } from '../write/keyed-record';
import { BaseFileReader } from './base-file-reader';
import { KeyProbe } from './key-probe';
import { SliceOutput, byKey, canCarryOver, continuedFooter, type SliceCounts, type WriteContext, type WriteStatus } from './slice-output';

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
}

/** Consumes `changes` (each is removed as it is applied) and sorts `inserts`: both belong to this handle. */
export async function mergeFileGroup(ctx: WriteContext, file: BaseFile, changes: Map<string, KeyedRecord>, inserts: KeyedRecord[], o: MergeOptions): Promise<WriteStatus> {
  const reader = await BaseFileReader.open(ctx.storage, ctx.codec, file.path, file.size);
  // Row groups the batch cannot change (and not under half the row-group size) are carried over as they are,
  // and then the previous slice's bloom filter is continued where it can be, so their keys need not be read.
  const carry = await canCarryOver(ctx, reader.footer);
  const continued = carry ? continuedFooter(ctx, reader.footer, changes.size + inserts.length) : undefined;
  const out = await SliceOutput.open(ctx, file.partitionPath, file.fileId, file, continued);
  try {
    const counts: SliceCounts = { inserts: 0, updates: 0, deletes: 0 };
    inserts.sort(byKey);
    let next = 0;
    const pending = changes;
    const changed = carry ? new KeyProbe(changes.keys()) : undefined;
    const minRows = Math.ceil(ctx.rowGroupRows / 2);
    const untouched = (span: RowGroupSpan) => changed !== undefined && span.numRows >= minRows && !reader.mayHold(span, changed);
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
        if (!inc) {
          out.emitCopy(old, key);
          continue;
        }
        pending.delete(key);
        const forcedDelete = o.deleteAll || inc.ordering === undefined;
        if (!forcedDelete && o.precombineField !== undefined && compareOrdering(inc.ordering, o.orderingOf(old[o.precombineField])) < 0) {
          out.emitCopy(old, key); // the table already holds a newer version
          continue;
        }
        if (inc.rec.isDelete || forcedDelete) {
          counts.deletes++;
          continue;
        }
        counts.updates++;
        out.emitNew(inc);
      }
      await out.flushFull();
    }
    for (; next < inserts.length; next++) {
      out.emitNew(inserts[next]!);
      counts.inserts++;
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
