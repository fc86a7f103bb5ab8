// The Java HashMap iteration order our Avro maps are written in. The end-to-end proof is byte equality with entries
// Hudi's archiver encodes (archived-meta-entry.test.ts); these pin the pieces.

import { Type } from 'avsc';
import { describe, expect, it } from 'vitest';
import { inJavaHashMapOrder, javaHashMapOrder, javaStringHash, withJavaMapOrder } from '../../../../../plugins/hudi/timeline/java-hash-map-order';

describe('java HashMap order', () => {
  it('hashes strings as java.lang.String.hashCode (UTF-16 units, 32-bit wrap)', () => {
    expect(javaStringHash('')).toBe(0);
    expect(javaStringHash('hello')).toBe(99162322);
    expect(javaStringHash('TOTAL_LOG_FILES_SIZE')).toBe(-1906959521);
    expect(javaStringHash('ü')).toBe(252);
    expect(javaStringHash('😀')).toBe(1772899); // two UTF-16 units: 0xD83D * 31 + 0xDE00
  });

  it('orders keys by bucket of a HashMap sized for them, ties in insertion order', () => {
    // The order Hudi re-encodes a decoded compaction metrics map in (HashMap(5): 8 buckets; checked with a JDK 17).
    expect(javaHashMapOrder(['TOTAL_IO_READ_MB', 'TOTAL_IO_WRITE_MB', 'TOTAL_IO_MB', 'TOTAL_LOG_FILES_SIZE', 'TOTAL_LOG_FILES'])).toEqual([
      'TOTAL_IO_READ_MB',
      'TOTAL_LOG_FILES_SIZE',
      'TOTAL_LOG_FILES',
      'TOTAL_IO_WRITE_MB',
      'TOTAL_IO_MB',
    ]);
    // What java.util.HashMap(4) iterates after putting b, a, region=us, region=eu (checked with a JDK 17).
    const once = javaHashMapOrder(['b', 'a', 'region=us', 'region=eu']);
    expect(once).toEqual(['a', 'b', 'region=us', 'region=eu']);
    expect(javaHashMapOrder(once)).toEqual(once); // a fixed point: decoding and re-encoding keeps it
    expect(Object.keys(inJavaHashMapOrder({ b: 1, a: 2 }))).toEqual(javaHashMapOrder(['b', 'a']));
  });

  it('reorders every map inside a record, through unions and arrays', () => {
    const type = Type.forSchema(
      { type: 'record', name: 'R', fields: [{ name: 'm', type: ['null', { type: 'map', values: { type: 'array', items: { type: 'map', values: 'int' } } }] }] } as never,
      { wrapUnions: false },
    );
    const keys = ['TOTAL_IO_READ_MB', 'TOTAL_IO_WRITE_MB', 'TOTAL_IO_MB', 'TOTAL_LOG_FILES_SIZE', 'TOTAL_LOG_FILES'];
    const inner = Object.fromEntries(keys.map((k, i) => [k, i]));
    const v = withJavaMapOrder(type, { m: { y: [inner], x: [] } });
    expect(Object.keys(v.m!)).toEqual(javaHashMapOrder(['y', 'x']));
    expect(Object.keys(v.m!.y![0]!)).toEqual(javaHashMapOrder(keys));
    expect(withJavaMapOrder(type, { m: null })).toEqual({ m: null });
  });
});
