// Record keys of keyless tables (no hoodie.datasource.write.recordkey.field): derived from where the record came
// from, `<topic>/<queue>/<offset, 19 digits>`, so a re-delivered message gets the key it had the first time.
// Invariants: one position ↔ one key (topics cannot hold '/', the offset is the digits after the last '/', so the
// queue in between may hold anything); keys of one queue sort in offset order (zero-padded to the 19 digits of a
// Java long); a key never has the shape of Hudi's own auto-generated keys (`<instant>_<partitionId>_<rowId>`, no
// '/'), so rows Spark appends to the same table cannot collide with ours. A record without a position gets a
// random UUID: unique, but not stable across a re-delivery (there is nothing stable to derive it from).

import { randomUUID } from 'node:crypto';

/** Where a record was read: topic, queue (partition) and offset in that queue. */
export interface SourcePosition {
  topic: string;
  queue: string;
  offset: number;
}

const OFFSET_DIGITS = 19;

/** A usable position: non-empty topic without '/', a queue, and a whole, non-negative, exactly representable offset. */
export function isSourcePosition(p: Partial<SourcePosition> | undefined): p is SourcePosition {
  return (
    p !== undefined &&
    typeof p.topic === 'string' &&
    p.topic !== '' &&
    !p.topic.includes('/') &&
    typeof p.queue === 'string' &&
    typeof p.offset === 'number' &&
    Number.isSafeInteger(p.offset) &&
    p.offset >= 0
  );
}

/** The record key of the record read at `p`; a random UUID when there is no usable position. */
export function positionRecordKey(p: Partial<SourcePosition> | undefined): string {
  if (!isSourcePosition(p)) return randomUUID();
  return `${p.topic}/${p.queue}/${String(p.offset).padStart(OFFSET_DIGITS, '0')}`;
}

/** The position a key was derived from, or undefined for any other key (a UUID, Spark's own generated keys). */
export function parsePositionRecordKey(key: string): SourcePosition | undefined {
  const first = key.indexOf('/');
  const last = key.lastIndexOf('/');
  if (first <= 0 || last === first) return undefined;
  const digits = key.slice(last + 1);
  if (digits.length !== OFFSET_DIGITS || !/^\d+$/.test(digits)) return undefined;
  const offset = Number(digits);
  if (!Number.isSafeInteger(offset)) return undefined;
  return { topic: key.slice(0, first), queue: key.slice(first + 1, last), offset };
}
