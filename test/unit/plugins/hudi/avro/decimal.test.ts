import { describe, expect, it } from 'vitest';
import {
  decimalFromNumber,
  decimalFromText,
  decimalFromUnscaled,
  decimalToUnscaled,
  maxFixedPrecision,
  unscaledFromBytes,
  unscaledToBytes,
} from '../../../../../plugins/hudi/avro/decimal';

const D10_2 = { precision: 10, scale: 2 };

describe('decimal', () => {
  it('decimalFromText pads, strips zeros and reads exponents', () => {
    expect(decimalFromText('12.3', D10_2)).toBe('12.30');
    expect(decimalFromText('0012', D10_2)).toBe('12.00');
    expect(decimalFromText('-0.5', D10_2)).toBe('-0.50');
    expect(decimalFromText('.5', D10_2)).toBe('0.50');
    expect(decimalFromText('5.', D10_2)).toBe('5.00');
    expect(decimalFromText('+1.5e2', D10_2)).toBe('150.00');
    expect(decimalFromText('1250E-3', D10_2)).toBe('1.25');
    expect(decimalFromText('1.2300', D10_2)).toBe('1.23');
    expect(decimalFromText('-0', D10_2)).toBe('0.00');
    expect(decimalFromText('-0.000', D10_2)).toBe('0.00');
    expect(decimalFromText('42', { precision: 5, scale: 0 })).toBe('42');
  });

  it('decimalFromText refuses rounding, excess precision and non-numbers with a reason', () => {
    expect(() => decimalFromText('1.234', D10_2)).toThrow('more than 2 fraction digits');
    expect(() => decimalFromText('123456789.1', D10_2)).toThrow('11 digits, more than precision 10');
    expect(() => decimalFromText('1e400', D10_2)).toThrow('more than precision 10');
    expect(() => decimalFromText('12,5', D10_2)).toThrow('not a decimal number');
    expect(() => decimalFromText('', D10_2)).toThrow('not a decimal number');
    expect(() => decimalFromText('.', D10_2)).toThrow('not a decimal number');
    expect(() => decimalFromText('1.2.3', D10_2)).toThrow(RangeError);
  });

  it('decimalFromNumber uses the shortest round-trip form of the number', () => {
    expect(decimalFromNumber(12.3, D10_2)).toBe('12.30');
    expect(decimalFromNumber(1e-7, { precision: 10, scale: 8 })).toBe('0.00000010');
    expect(() => decimalFromNumber(0.1 + 0.2, D10_2)).toThrow('more than 2 fraction digits');
    expect(() => decimalFromNumber(NaN, D10_2)).toThrow('not a finite number');
  });

  it('unscaled values convert both ways', () => {
    expect(decimalFromUnscaled(1230n, D10_2)).toBe('12.30');
    expect(decimalFromUnscaled(-5n, D10_2)).toBe('-0.05');
    expect(decimalFromUnscaled(0n, D10_2)).toBe('0.00');
    expect(() => decimalFromUnscaled(10n ** 10n, D10_2)).toThrow('precision 10');
    expect(decimalToUnscaled('12.3', D10_2)).toBe(1230n);
    expect(decimalToUnscaled('-0.05', D10_2)).toBe(-5n);
  });

  it('two-s complement bytes are minimal, sign-extended for fixed, and read back', () => {
    expect([...unscaledToBytes(0n)]).toEqual([0]);
    expect([...unscaledToBytes(127n)]).toEqual([0x7f]);
    expect([...unscaledToBytes(128n)]).toEqual([0x00, 0x80]);
    expect([...unscaledToBytes(-1n)]).toEqual([0xff]);
    expect([...unscaledToBytes(-129n)]).toEqual([0xff, 0x7f]);
    expect([...unscaledToBytes(-2n, 4)]).toEqual([0xff, 0xff, 0xff, 0xfe]);
    expect([...unscaledToBytes(1230n, 5)]).toEqual([0, 0, 0, 0x04, 0xce]);
    expect(() => unscaledToBytes(1n << 40n, 5)).toThrow('needs 6 bytes, the fixed type holds 5');
    for (const v of [0n, 1n, -1n, 127n, -128n, 255n, -256n, 123456789012345678901234567890n, -(1n << 100n)]) {
      expect(unscaledFromBytes(unscaledToBytes(v))).toBe(v);
      expect(unscaledFromBytes(unscaledToBytes(v, 16))).toBe(v);
    }
    expect(unscaledFromBytes(new Uint8Array())).toBe(0n);
  });

  it('maxFixedPrecision follows the Avro specification', () => {
    expect([1, 2, 3, 4, 5, 8, 16].map(maxFixedPrecision)).toEqual([2, 4, 6, 9, 11, 18, 38]);
  });
});
