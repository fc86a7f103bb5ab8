import { describe, expect, it } from 'vitest';
import { compareRecordKeys, isKeyInRange, RecordKeyRange } from '../../../../../plugins/hudi/index/key-range';

describe('record key order', () => {
  it('compareRecordKeys orders by UTF-16 code unit, like Java String.compareTo', () => {
    expect(compareRecordKeys('a', 'b')).toBe(-1);
    expect(compareRecordKeys('b', 'a')).toBe(1);
    expect(compareRecordKeys('a', 'a')).toBe(0);
    expect(compareRecordKeys('a', 'ab')).toBe(-1);
    expect(compareRecordKeys('Z', 'a')).toBe(-1); // upper case first: no locale rules
    expect(compareRecordKeys('10', '9')).toBe(-1); // strings, not numbers
    // U+1F511 is the surrogate pair D83D DD11; U+FFFD is one unit above it: Java (and JS) order puts the
    // supplementary character first, where code point or UTF-8 byte order would put it last.
    expect(compareRecordKeys('\u{1F511}', '\uFFFD')).toBe(-1);
    expect(Buffer.compare(Buffer.from('\u{1F511}'), Buffer.from('\uFFFD'))).toBe(1);
  });

  it('isKeyInRange includes both ends', () => {
    expect(isKeyInRange('b', 'a', 'c')).toBe(true);
    expect(isKeyInRange('a', 'a', 'c')).toBe(true);
    expect(isKeyInRange('c', 'a', 'c')).toBe(true);
    expect(isKeyInRange('c0', 'a', 'c')).toBe(false);
    expect(isKeyInRange('', 'a', 'c')).toBe(false);
  });
});

describe('RecordKeyRange', () => {
  it('tracks min and max of the keys added', () => {
    const r = RecordKeyRange.of(['order-0042', 'order-0007', 'order-1000', 'order-0100']);
    expect(r.min).toBe('order-0007');
    expect(r.max).toBe('order-1000');
    expect(r.contains('order-0500')).toBe(true);
    expect(r.contains('order-2000')).toBe(false);
  });

  it('an empty range contains nothing and has no min or max', () => {
    const r = new RecordKeyRange();
    expect(r.isEmpty).toBe(true);
    expect(r.min).toBeUndefined();
    expect(r.contains('a')).toBe(false);
  });

  it('merge widens to cover both ranges', () => {
    const r = new RecordKeyRange('d', 'f');
    r.merge(new RecordKeyRange('a', 'b'));
    r.merge(new RecordKeyRange());
    expect([r.min, r.max]).toEqual(['a', 'f']);
  });

  it('refuses a half-open or inverted range', () => {
    expect(() => new RecordKeyRange('a')).toThrow(/both min and max/);
    expect(() => new RecordKeyRange('b', 'a')).toThrow(/greater than max/);
  });
});
