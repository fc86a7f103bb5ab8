// Hudi's HoodieCreateHandle: a new file group (a first base file) for inserts, rows in key order, streamed
// out in row groups. Its id is a fresh one, or the one the plan fixed (a bucket's file group).

import { newFileId } from '../table/base-file';
import type { KeyedRecord } from '../write/keyed-record';
import { SliceOutput, byKey, type WriteContext, type BaseWriteStatus } from './slice-output';

export async function createFileGroup(ctx: WriteContext, partition: string, inserts: KeyedRecord[], fileId: string = newFileId()): Promise<BaseWriteStatus> {
  const out = await SliceOutput.open(ctx, partition, fileId);
  try {
    inserts.sort(byKey);
    for (const k of inserts) {
      out.emitNew(k);
      if (out.due) await out.flushFull();
    }
    return await out.close({ inserts: inserts.length, updates: 0, deletes: 0 });
  } catch (err) {
    await out.abort();
    throw err;
  }
}
