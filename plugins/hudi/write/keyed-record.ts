// A batch's records with their Hudi identity (record key, partition path) and ordering value, combined
// the way Hudi's deduplicateRecords does before anything is written: per identity — the key with a
// global index, (partition, key) otherwise — the greatest precombine value wins, ties going to the later
// arrival. Ordering compares like Hudi: numbers numerically, strings by UTF-16 code units, decimals by value.

import { DataError } from '../../../runtime/spi';
import { decimalToUnscaled } from '../avro/decimal';
import type { ColumnSpec, Row } from '../parquet/column-spec';
import type { SourcePosition } from '../keygen/position-key';
import type { KeyGenerator } from '../table/collaborators';

export type WriteOperation = 'insert' | 'upsert' | 'delete' | 'bulk_insert';

export interface IncomingRecord {
  /** Data columns, in the table schema's representation. */
  row: Row;
  /** A delete marker (`_hoodie_is_deleted` or the configured operation field). */
  isDelete: boolean;
  /** Where the record was read; a keyless table's record key is derived from it. */
  position?: SourcePosition;
  /** Its key, partition and ordering value when already worked out (encoded-record.ts); else from `row`. */
  keys?: RecordKeys;
}

export interface RecordKeys {
  key: string;
  partition: string;
  /** The precombine value (normalized), null without a precombine field. */
  ordering: unknown;
}

export interface KeyedRecord {
  key: string;
  partition: string;
  rec: IncomingRecord;
  /** The precombine value (normalized), null without a precombine field; undefined = delete regardless of order. */
  ordering: unknown;
}

/** Orders precombine values: numbers and bigints numerically, strings by UTF-16 code units, null lowest. */
export function compareOrdering(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === null || a === undefined) return -1;
  if (b === null || b === undefined) return 1;
  if ((typeof a === 'number' || typeof a === 'bigint') && (typeof b === 'number' || typeof b === 'bigint')) return a < b ? -1 : a > b ? 1 : 0;
  const sa = typeof a === 'string' ? a : String(a);
  const sb = typeof b === 'string' ? b : String(b);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

/** Precombine values as compareOrdering must see them. Decimals travel as strings ("9.50"), which would
 *  compare as text ("10.00" < "9.50", "-2.00" > "-1.00"); Hudi compares them as numbers
 *  (BigDecimal.compareTo), so a decimal precombine field is compared by its unscaled integer. */
export function orderingNormalizer(columns: readonly ColumnSpec[], field: string | undefined): (v: unknown) => unknown {
  const t = columns.find((c) => c.name === field)?.type;
  if (t?.kind !== 'decimal') return (v) => v;
  const spec = { precision: t.precision, scale: t.scale };
  return (v) => (typeof v === 'string' ? decimalToUnscaled(v, spec) : v);
}

/** What makes two records the same row: the key table-wide with a global index, else partition and key. */
export function recordIdentity(global: boolean, key: string, partition: string): string {
  return global ? key : `${partition}\u0000${key}`;
}

/** `s` in V8's flat representation. A key built by concatenation (a template literal of 13 or more characters, a
 *  composite key) is a rope, and every later use of it walks the pieces: a comparison in the sort by key was
 *  measured 5-10x slower, and the key is hashed, sorted, compared for min/max, encoded for the bloom filter and
 *  copied into Arrow. Converting a string to a number flattens it in place (and is otherwise without effect). */
function flat(s: string): string {
  Number(s);
  return s;
}

/** The record key, partition path and ordering value of a row; a row the key generator refuses, or a record
 *  without the precombine value it needs, throws a DataError. */
export function recordKeys(
  row: Row,
  isDelete: boolean,
  position: SourcePosition | undefined,
  o: { keygen: KeyGenerator; precombineField: string | undefined; orderingOf: (v: unknown) => unknown },
): RecordKeys {
  let key: string;
  let partition: string;
  try {
    key = flat(o.keygen.recordKey(row, position));
    partition = o.keygen.partitionPath(row);
  } catch (err) {
    throw new DataError((err as Error).message, err);
  }
  const pre = o.precombineField;
  const ordering = pre === undefined ? null : o.orderingOf(row[pre]);
  if (pre !== undefined && !isDelete && (ordering === undefined || ordering === null)) {
    throw new DataError(`record ${key}: precombine field ${pre} is null; every record needs a value to order versions (hoodie.datasource.write.precombine.field)`);
  }
  return { key, partition, ordering: ordering ?? null };
}

/** Keys every record and keeps one per identity (see the module comment), in the order identities first arrive.
 *  Records are looked up by their key string alone (no identity string is built per record: that concatenation
 *  and its hashing were most of this step's cost); only a key met in a second partition without a global index
 *  falls back to a map by (partition, key). */
export function combineBatch(
  records: readonly IncomingRecord[],
  o: { keygen: KeyGenerator; precombineField: string | undefined; orderingOf: (v: unknown) => unknown; global: boolean },
): KeyedRecord[] {
  const pre = o.precombineField;
  const out: KeyedRecord[] = [];
  // key → slot in `out` of the first identity seen with that key
  const byKey = new Map<string, number>();
  // (partition, key) → slot, for keys seen in more than one partition (never used with a global index)
  let byIdentity: Map<string, number> | undefined;
  for (const rec of records) {
    const { key, partition, ordering } = rec.keys ?? recordKeys(rec.row, rec.isDelete, rec.position, o);
    const k: KeyedRecord = { key, partition, rec, ordering };
    let slot = byKey.get(key);
    if (slot === undefined) {
      byKey.set(key, out.length);
      out.push(k);
      continue;
    }
    if (!o.global && out[slot]!.partition !== partition) {
      const id = recordIdentity(false, key, partition);
      byIdentity ??= new Map();
      slot = byIdentity.get(id);
      if (slot === undefined) {
        byIdentity.set(id, out.length);
        out.push(k);
        continue;
      }
    }
    const prev = out[slot]!;
    if (pre === undefined || compareOrdering(k.ordering, prev.ordering) >= 0 || (rec.isDelete && k.ordering === null)) out[slot] = k;
  }
  return out;
}
