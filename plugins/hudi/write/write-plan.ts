// Hudi's WorkloadProfile + UpsertPartitioner: from a combined batch and where its keys live now, what each
// file group gets — changes (updates, deletes) for the file groups that hold their keys, inserts packed into
// the partition's small file groups up to the target size, and the rest spread over new file groups.
// A key whose partition changed under a global index is a move: deleted from the file group that holds it
// and inserted in its new partition, in the same commit — unless the stored row is newer (then it stays).
// Invariant: every record of the batch lands in exactly one bucket, or is outranked by a stored row.

import type { BaseFile } from '../table/base-file';
import { compareOrdering, recordIdentity, type KeyedRecord, type WriteOperation } from './keyed-record';

export interface MergeBucket {
  file: BaseFile;
  /** Changes by record key: updates, and deletes (a delete marker, or ordering undefined = delete regardless). */
  changes: Map<string, KeyedRecord>;
  inserts: KeyedRecord[];
  /** Changes whose key the file group does not hold are inserts, not index errors (bucket index: see
   *  bucket-plan.ts). */
  changesMayBeNew?: boolean;
}

export interface CreateBucket {
  partition: string;
  inserts: KeyedRecord[];
  /** The new file group's id when the plan fixes it (a bucket's); otherwise a fresh one. */
  fileId?: string;
}

export interface WritePlan {
  merges: MergeBucket[];
  creates: CreateBucket[];
}

export interface PlanInputs {
  records: readonly KeyedRecord[];
  /** Where each record's key lives now, by recordIdentity (empty for insert and bulk_insert). */
  located: ReadonlyMap<string, BaseFile>;
  operation: WriteOperation;
  globalIndex: boolean;
  precombineField: string | undefined;
  /** The stored ordering values of `keys` in `file` (read for moves only). */
  storedOrderings(file: BaseFile, keys: Set<string>): Promise<Map<string, unknown>>;
  /** The latest slices of a partition that may take inserts (small-file packing) if they are small. */
  latest(partition: string): BaseFile[];
  maxFileSize: number;
  smallFileLimit: number;
  avgRecordSize: number;
}

export async function planWrite(p: PlanInputs): Promise<WritePlan> {
  const changesByFile = new Map<BaseFile, Map<string, KeyedRecord>>();
  const insertsByPartition = new Map<string, KeyedRecord[]>();
  const deleting = p.operation === 'delete';
  const insert = (k: KeyedRecord) => {
    if (!k.rec.isDelete && !deleting) push(insertsByPartition, k.partition, k);
  };
  const change = (file: BaseFile, k: KeyedRecord) => {
    let m = changesByFile.get(file);
    if (!m) changesByFile.set(file, (m = new Map()));
    m.set(k.key, k);
  };

  const moves = new Map<BaseFile, KeyedRecord[]>();
  const none = p.located.size === 0; // insert, bulk_insert, a new table: no identity strings to build
  for (const k of p.records) {
    const file = none ? undefined : p.located.get(recordIdentity(p.globalIndex, k.key, k.partition));
    if (file && file.partitionPath !== k.partition) push(moves, file, k);
    else if (file) change(file, k);
    else insert(k);
  }
  for (const [file, list] of moves) {
    // Like Hudi (HoodieIndexUtils.mergeForPartitionUpdatesIfNeeded) the incoming record is first ordered
    // against the stored one: if the stored row is newer the key stays where it is.
    const stored = p.precombineField !== undefined && !deleting ? await p.storedOrderings(file, new Set(list.map((k) => k.key))) : undefined;
    for (const k of list) {
      if (stored?.has(k.key) && compareOrdering(k.ordering, stored.get(k.key)) < 0) continue;
      change(file, { ...k, rec: { row: k.rec.row, isDelete: true }, ordering: undefined });
      insert(k);
    }
  }

  // bulk_insert opens new file groups only (no small-file packing, no rewrite of existing files), as in Hudi.
  const packed = p.operation === 'bulk_insert' ? new Map<BaseFile, KeyedRecord[]>() : packSmallFiles(p, insertsByPartition);
  const merges: MergeBucket[] = [];
  for (const file of new Set([...changesByFile.keys(), ...packed.keys()])) {
    merges.push({ file, changes: changesByFile.get(file) ?? new Map(), inserts: packed.get(file) ?? [] });
  }
  const creates: CreateBucket[] = [];
  const perFile = Math.max(1, Math.floor(p.maxFileSize / p.avgRecordSize));
  for (const [partition, list] of insertsByPartition) {
    for (let i = 0; i < list.length; i += perFile) creates.push({ partition, inserts: list.slice(i, i + perFile) });
  }
  return { merges, creates };
}

/** Fills small file groups (below the small-file limit) with inserts up to the max file size, smallest
 *  first, as Hudi's UpsertPartitioner does; what is left stays in `inserts` for new file groups. */
function packSmallFiles(p: PlanInputs, inserts: Map<string, KeyedRecord[]>): Map<BaseFile, KeyedRecord[]> {
  const out = new Map<BaseFile, KeyedRecord[]>();
  for (const [partition, list] of inserts) {
    const small = p.latest(partition).filter((f) => f.size < p.smallFileLimit).sort((a, b) => a.size - b.size);
    let i = 0;
    for (const f of small) {
      if (i >= list.length) break;
      const room = Math.floor((p.maxFileSize - f.size) / p.avgRecordSize);
      if (room <= 0) continue;
      out.set(f, list.slice(i, i + room));
      i += room;
    }
    if (i >= list.length) inserts.delete(partition);
    else inserts.set(partition, list.slice(i));
  }
  return out;
}

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const l = m.get(k);
  if (l) l.push(v);
  else m.set(k, [v]);
}
