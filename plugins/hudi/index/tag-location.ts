// Hudi's HoodieIndex.tagLocation: which file group holds each record of a batch now. With a global index a
// key is looked up table-wide (it may sit in another partition than the record's); otherwise only among
// its own partition's file groups. Results are keyed by recordIdentity, as the batch was combined.

import type { BaseFile } from '../table/base-file';
import { recordIdentity, type KeyedRecord } from '../write/keyed-record';
import type { BloomIndex } from './bloom-index';
import { isGlobalIndex, usesBloomFilters, type IndexType } from './index-type';

export interface LocationSource {
  /** Every candidate file (the latest slice of each file group). */
  all(): BaseFile[];
  /** The candidates of one partition. */
  inPartition(partition: string): BaseFile[];
}

export async function tagLocations(records: readonly KeyedRecord[], files: LocationSource, index: BloomIndex, indexType: IndexType): Promise<Map<string, BaseFile>> {
  const pruning = usesBloomFilters(indexType);
  if (isGlobalIndex(indexType)) return index.locate(records.map((k) => k.key), files.all(), pruning);
  const byPartition = new Map<string, string[]>();
  for (const k of records) {
    const list = byPartition.get(k.partition);
    if (list) list.push(k.key);
    else byPartition.set(k.partition, [k.key]);
  }
  const found = new Map<string, BaseFile>();
  for (const [partition, keys] of byPartition) {
    for (const [k, f] of await index.locate(keys, files.inPartition(partition), pruning)) found.set(recordIdentity(false, k, partition), f);
  }
  return found;
}
