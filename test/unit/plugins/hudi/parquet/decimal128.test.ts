// decimal128: exact string ↔ 128-bit two's complement conversion, on both the fast (<= 15 digits) and
// the bigint path, and the FIXED_LEN_BYTE_ARRAY sizes parquet-avro uses.

import { describe, expect, it } from 'vitest';
import {
  decimalToUnscaled,
  fixedBytesForPrecision,
  readDecimalWords,
  unscaledToFixedBytes,
  writeDecimalWords,
} from '../../../../../plugins/hudi/parquet/decimal128';

function roundTrip(text: string, precision: number, scale: number): string {
  const words = new Uint32Array(8);
  writeDecimalWords(text, { precision, scale }, words, 1);
  return readDecimalWords(words, 1, scale);
}

describe('decimal128', () => {
  it('round-trips values on the fast path and the bigint path', () => {
    expect(roundTrip('12.3', 10, 2)).toBe('12.30');
    expect(roundTrip('-12.30', 10, 2)).toBe('-12.30');
    expect(roundTrip('0', 10, 2)).toBe('0.00');
    expect(roundTrip('-0.00', 10, 2)).toBe('0.00');
    expect(roundTrip('999999999999999', 15, 0)).toBe('999999999999999');
    expect(roundTrip('-9999999999999999', 16, 0)).toBe('-9999999999999999');
    expect(roundTrip('99999999999999999999999999999999999999', 38, 0)).toBe('99999999999999999999999999999999999999');
    expect(roundTrip('-9999999999999999999999999999.9999999999', 38, 10)).toBe('-9999999999999999999999999999.9999999999');
    expect(roundTrip('0.001', 3, 3)).toBe('0.001');
    expect(roundTrip('4294967296', 12, 0)).toBe('4294967296');
    expect(roundTrip('-4294967296', 12, 0)).toBe('-4294967296');
  });

  it('writes two\'s complement words identical to bigint arithmetic', () => {
    for (const text of ['-1', '-4294967297', '123456789012345', '-123456789012345', '18446744073709551616', '-18446744073709551617']) {
      const words = new Uint32Array(4);
      writeDecimalWords(text, { precision: 38, scale: 0 }, words, 0);
      const u = BigInt.asUintN(128, BigInt(text));
      expect([...words]).toEqual([0, 1, 2, 3].map((k) => Number((u >> BigInt(32 * k)) & 0xffffffffn)));
    }
  });

  it('accepts trailing zeros beyond the scale and refuses anything that would round', () => {
    expect(decimalToUnscaled('1.2300', { precision: 5, scale: 2 })).toBe(123n);
    expect(() => decimalToUnscaled('1.231', { precision: 5, scale: 2 })).toThrow('more than 2 fraction digits');
    expect(() => decimalToUnscaled('1234.5', { precision: 5, scale: 2 })).toThrow('6 digits, more than precision 5');
    for (const bad of ['', '-', '.', '1.2.3', '1e5', ' 1', 'NaN', '0x10']) expect(() => decimalToUnscaled(bad, { precision: 10, scale: 2 })).toThrow('not a decimal number');
  });

  it('sizes FIXED_LEN_BYTE_ARRAY like parquet-avro (smallest that holds 10^p - 1)', () => {
    expect([1, 2, 3, 4, 9, 10, 18, 19, 38].map(fixedBytesForPrecision)).toEqual([1, 1, 2, 2, 4, 5, 8, 9, 16]);
    expect([...unscaledToFixedBytes(-2n, 3)]).toEqual([0xff, 0xff, 0xfe]);
    expect([...unscaledToFixedBytes(1230n, 5)]).toEqual([0, 0, 0, 0x04, 0xce]);
    expect(() => unscaledToFixedBytes(128n, 1)).toThrow('does not fit 1 bytes');
  });
});
