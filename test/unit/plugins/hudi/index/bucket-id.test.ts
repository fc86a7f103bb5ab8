// Hudi's bucket arithmetic on known Java values. The same functions are checked against Hudi's own
// BucketIdentifier, run in the Hudi bundle's JVM, in test/conformance/hudi-bucket.test.ts.

import { describe, expect, it } from 'vitest';
import { bucketHashValues, bucketId, bucketIdStr, bucketOfFileId, javaListHash, javaStringHash, newBucketFileId } from '../../../../../plugins/hudi/index/bucket-id';

describe('javaStringHash', () => {
  it('equals Java String.hashCode, wrapping at 32 bits and over UTF-16 code units', () => {
    expect(javaStringHash('')).toBe(0);
    expect(javaStringHash('hello')).toBe(99162322);
    expect(javaStringHash('Aa')).toBe(javaStringHash('BB')); // Java's classic collision: 2112
    expect(javaStringHash('Aa')).toBe(2112);
    expect(javaStringHash('polygenelubricants')).toBe(-2147483648); // Integer.MIN_VALUE
    // A surrogate pair hashes as its two code units: 31 * 0xd83d + 0xde00.
    expect(javaStringHash('😀')).toBe(31 * 0xd83d + 0xde00);
  });
});

describe('javaListHash', () => {
  it('equals Java List.hashCode: 1, then 31*h + element hash', () => {
    expect(javaListHash([])).toBe(1);
    expect(javaListHash(['a', 'b'])).toBe(31 * (31 + 97) + 98);
  });
});

describe('bucketHashValues', () => {
  it('a key without ":" is hashed whole, whatever the hash fields', () => {
    expect(bucketHashValues('order-17', ['id'])).toEqual(['order-17']);
    expect(bucketHashValues('a,b', ['id'])).toEqual(['a,b']);
  });
  it('a complex key gives the values of the hash fields, in the key\'s order', () => {
    expect(bucketHashValues('a:1,b:2', ['b'])).toEqual(['2']);
    expect(bucketHashValues('a:1,b:2', ['b', 'a'])).toEqual(['1', '2']);
    expect(bucketHashValues('a:1:2,b:3', ['a'])).toEqual(['1:2']);
  });
  it('splits a "," inside a value as Hudi does: the piece without ":" is kept whole', () => {
    expect(bucketHashValues('a:1,b:x,y', ['a'])).toEqual(['1', 'y']);
    expect(bucketHashValues('a:,b:2', ['a'])).toEqual(['']);
  });
  it('turns the key generators\' placeholders back into null and ""', () => {
    expect(bucketHashValues('a:__null__,b:__empty__', ['a', 'b'])).toEqual([null, '']);
    expect(bucketHashValues('__null__', ['a'])).toEqual(['__null__']); // a simple key is hashed whole
    expect(javaListHash([null, ''])).toBe(31 * 31);
  });
});

describe('bucketId', () => {
  it('is the hash of the one-element list with the sign bit cleared, modulo the bucket count', () => {
    expect(bucketId('hello', ['id'], 1000)).toBe((31 + 99162322) % 1000);
    expect(bucketId('id:hello', ['id'], 1000)).toBe(bucketId('hello', ['id'], 1000));
    // 31 + Integer.MIN_VALUE is negative: clearing the sign bit leaves 31.
    expect(bucketId('polygenelubricants', ['id'], 7)).toBe(31 % 7);
  });
});

describe('bucket file ids', () => {
  it('open with the bucket as 8 digits and end as a create handle\'s first file', () => {
    expect(bucketIdStr(3)).toBe('00000003');
    const id = newBucketFileId(42);
    expect(id).toMatch(/^00000042-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}-0$/);
    expect(newBucketFileId(42)).not.toBe(id);
    expect(bucketOfFileId(id)).toBe(42);
  });
  it('a plain UUID file id names no bucket', () => {
    expect(bucketOfFileId('3f2a9c1b-0b6e-4c0e-9d7e-2b1f3c4d5e6f-0')).toBeUndefined();
  });
});
