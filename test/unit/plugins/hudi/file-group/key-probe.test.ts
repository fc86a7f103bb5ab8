// KeyProbe against a brute-force oracle: random keys and bounds drawn from ASCII, BMP characters above the
// surrogates (U+E000..U+FFFF) and astral ones (surrogate pairs), where UTF-16 order and the statistics' UTF-8
// order disagree; anyWithin must equal "some key's UTF-8 bytes lie within [min, max]" every time.

import { describe, expect, it } from 'vitest';
import { KeyProbe } from '../../../../../plugins/hudi/file-group/key-probe';
import { mulberry32 } from '../../../../helpers/faulty-proxy';

const ALPHABET = ['a', 'b', 'k', '0', '9', '\u00e9', '\ue000', '\uffee', '\u{1f600}', '\u{10000}', '\u4e2d'];

function randomString(rand: () => number): string {
  const n = Math.floor(rand() * 4);
  let s = '';
  for (let i = 0; i < n; i++) s += ALPHABET[Math.floor(rand() * ALPHABET.length)];
  return s;
}

const bytes = (s: string) => Buffer.from(s, 'utf8');

describe('KeyProbe', () => {
  it('anyWithin equals the brute-force answer in UTF-8 byte order, over 3,000 random cases', () => {
    const rand = mulberry32(11);
    let hits = 0;
    for (let n = 0; n < 3000; n++) {
      const keys = Array.from({ length: Math.floor(rand() * 6) }, () => randomString(rand));
      const [lo, hi] = [bytes(randomString(rand)), bytes(randomString(rand))].sort(Buffer.compare);
      const expected = keys.some((k) => Buffer.compare(bytes(k), lo!) >= 0 && Buffer.compare(bytes(k), hi!) <= 0);
      expect(new KeyProbe(keys).anyWithin(lo!, hi!), `keys ${JSON.stringify(keys)} in [${JSON.stringify(lo!.toString())}, ${JSON.stringify(hi!.toString())}]`).toBe(expected);
      if (expected) hits++;
    }
    // Both answers occur often enough for the comparison to mean something.
    expect(hits).toBeGreaterThan(300);
    expect(hits).toBeLessThan(2700);
  });

  it('a surrogate-pair key sorts after U+FFEE as in UTF-8 (JS string order says before)', () => {
    expect('\u{1f600}' < '\uffee').toBe(true);
    expect(new KeyProbe(['\u{1f600}']).anyWithin(bytes('\ue000'), bytes('\uffee'))).toBe(false);
    expect(new KeyProbe(['\uffee']).anyWithin(bytes('\u{10000}'), bytes('\u{1f600}'))).toBe(false);
    expect(new KeyProbe(['\u{1f600}']).anyWithin(bytes('\uffee'), bytes('\u{1f601}'))).toBe(true);
  });

  it('bounds that are not valid UTF-8 (truncated statistics) answer "may hold"', () => {
    const cut = bytes('\u4e2d').subarray(0, 2);
    expect(new KeyProbe(['zzz']).anyWithin(bytes('a'), cut)).toBe(true);
  });

  it('no keys are never within', () => {
    expect(new KeyProbe([]).anyWithin(bytes(''), bytes('\u{10ffff}'))).toBe(false);
  });
});
