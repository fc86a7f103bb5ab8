// Hudi's simple bucket engine (BucketIdentifier, 0.15): which bucket a record key hashes to, and how a
// bucket is written into a file group's id. Both must match Hudi bit for bit: a Spark writer with the same
// hoodie.bucket.index.* settings finds a key's file group by the same arithmetic, never by a lookup.
// Invariants: hashes are Java `int`s (String.hashCode over UTF-16 code units, List.hashCode over the hash
// values); a bucket's file group id starts with the bucket number as 8 decimal digits.

import { randomUUID } from 'node:crypto';

/** Digits of the bucket number that open a bucket file group's id (Hudi's bucketIdStr: `%08d`). */
export const BUCKET_ID_DIGITS = 8;

/** The most buckets the file id encoding carries: Hudi writes a larger bucket number with more digits but
 *  reads only the first 8 back (bucketIdFromFileId), so buckets from 10^8 on would be misread. */
export const MAX_NUM_BUCKETS = 100_000_000;

/** Java's String.hashCode: s[0]*31^(n-1) + … + s[n-1] over UTF-16 code units, wrapping at 32 bits. */
export function javaStringHash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
  return h;
}

/** Java's List.hashCode over strings: 1, then 31*h + element hash per element, null counting 0. */
export function javaListHash(values: readonly (string | null)[]): number {
  let h = 1;
  for (const v of values) h = (Math.imul(h, 31) + (v === null ? 0 : javaStringHash(v))) | 0;
  return h;
}

/** The key generators' placeholders for a null and an empty key value, turned back into null and "". */
const NULL_VALUE = '__null__';
const EMPTY_VALUE = '__empty__';

/** Java's String.split(sep) for a one-character, non-regex separator: no match gives the whole string;
 *  otherwise trailing empty strings are removed (so "" splits to [""], but "," to []). */
function javaSplit(s: string, sep: string): string[] {
  if (!s.includes(sep)) return [s];
  const parts = s.split(sep);
  while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  return parts;
}

/**
 * The values Hudi hashes for a record key (BucketIdentifier.getHashKeys and KeyGenUtils.extractRecordKeysByFields).
 * A key without ':' is one value, whole. Otherwise the key is split at ',' into parts and each part at its first
 * ':' into field and value; a part without ':' is kept whole, a part whose field is one of `hashFields` gives its
 * value (the placeholder "__null__" as null, "__empty__" as ""), other parts are skipped. Values come in the key's
 * order, not in `hashFields`' order. A ',' or ':' inside a value therefore splits it exactly as it does in Hudi,
 * which is the point: the bucket must be Hudi's.
 */
export function bucketHashValues(recordKey: string, hashFields: readonly string[]): (string | null)[] {
  if (!recordKey.includes(':')) return [recordKey];
  const out: (string | null)[] = [];
  for (const part of javaSplit(recordKey, ',')) {
    const colon = part.indexOf(':');
    if (colon < 0) out.push(part);
    else if (hashFields.length === 0 || hashFields.includes(part.slice(0, colon))) {
      const value = part.slice(colon + 1);
      out.push(value === NULL_VALUE ? null : value === EMPTY_VALUE ? '' : value);
    }
  }
  return out;
}

/** The bucket (0 ≤ id < numBuckets) Hudi's simple bucket index gives `recordKey`. */
export function bucketId(recordKey: string, hashFields: readonly string[], numBuckets: number): number {
  return (javaListHash(bucketHashValues(recordKey, hashFields)) & 0x7fffffff) % numBuckets;
}

/** The bucket number as it opens a file group id: 8 digits, zero-padded (bucket 3 → "00000003"). */
export function bucketIdStr(bucket: number): string {
  return String(bucket).padStart(BUCKET_ID_DIGITS, '0');
}

/** A new file group id for `bucket`, as Hudi makes it: a random UUID whose first 8 characters are replaced by
 *  the bucket number, plus the "-0" of a create handle's first file. */
export function newBucketFileId(bucket: number): string {
  return `${bucketIdStr(bucket)}${randomUUID().slice(BUCKET_ID_DIGITS)}-0`;
}

/** The bucket a file group id names, or undefined when the id does not open with 8 digits (a file group
 *  another index wrote: its id is a plain UUID). */
export function bucketOfFileId(fileId: string): number | undefined {
  const digits = fileId.slice(0, BUCKET_ID_DIGITS);
  return /^[0-9]{8}$/.test(digits) ? Number(digits) : undefined;
}
