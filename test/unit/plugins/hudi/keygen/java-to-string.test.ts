// Spot checks of Java's toString forms; the bulk comparison with the JDK is in key-generator.test.ts
// (test/fixtures/hudi/vectors/key-generator.json, numberFormats and the typed cases).

import { describe, expect, it } from 'vitest';
import {
  javaBigDecimalToString,
  javaDoubleToString,
  javaFloatToString,
  javaLocalDateToString,
} from '../../../../../plugins/hudi/keygen/java-to-string';

describe('javaDoubleToString', () => {
  it('plain between 10^-3 and 10^7, with at least one digit after the point', () => {
    expect(javaDoubleToString(0)).toBe('0.0');
    expect(javaDoubleToString(-0)).toBe('-0.0');
    expect(javaDoubleToString(1)).toBe('1.0');
    expect(javaDoubleToString(100)).toBe('100.0');
    expect(javaDoubleToString(0.001)).toBe('0.001');
    expect(javaDoubleToString(9999999)).toBe('9999999.0');
    expect(javaDoubleToString(-2.25)).toBe('-2.25');
  });

  it('computerized scientific notation outside that range', () => {
    expect(javaDoubleToString(1e7)).toBe('1.0E7');
    expect(javaDoubleToString(0.0009999)).toBe('9.999E-4');
    expect(javaDoubleToString(Number.MAX_VALUE)).toBe('1.7976931348623157E308');
    expect(javaDoubleToString(Number.MIN_VALUE)).toBe('4.9E-324');
  });

  it('reproduces the digits of Java 8–18, which are not always the shortest', () => {
    expect(javaDoubleToString(1e23)).toBe('9.999999999999999E22');
    expect(javaDoubleToString(2.82879384806159e17)).toBe('2.82879384806159008E17');
    expect(javaDoubleToString(123456789012345680)).toBe('1.2345678901234568E17');
  });

  it('NaN and infinities', () => {
    expect(javaDoubleToString(NaN)).toBe('NaN');
    expect(javaDoubleToString(Infinity)).toBe('Infinity');
    expect(javaDoubleToString(-Infinity)).toBe('-Infinity');
  });
});

describe('javaFloatToString', () => {
  it('formats the float nearest the number', () => {
    expect(javaFloatToString(0.1)).toBe('0.1');
    expect(javaFloatToString(3.4028234663852886e38)).toBe('3.4028235E38');
    expect(javaFloatToString(1.401298464324817e-45)).toBe('1.4E-45');
    expect(javaFloatToString(16777216)).toBe('1.6777216E7');
    expect(javaFloatToString(175296512)).toBe('1.75296512E8');
  });
});

describe('javaBigDecimalToString', () => {
  it('plain notation unless the adjusted exponent is below -6', () => {
    expect(javaBigDecimalToString(1234n, 2)).toBe('12.34');
    expect(javaBigDecimalToString(-5n, 2)).toBe('-0.05');
    expect(javaBigDecimalToString(0n, 2)).toBe('0.00');
    expect(javaBigDecimalToString(12n, 0)).toBe('12');
    expect(javaBigDecimalToString(1n, 6)).toBe('0.000001');
    expect(javaBigDecimalToString(1n, 10)).toBe('1E-10');
    expect(javaBigDecimalToString(1000n, 10)).toBe('1.000E-7');
    expect(javaBigDecimalToString(123n, -2)).toBe('1.23E+4');
  });
});

describe('javaLocalDateToString', () => {
  it('ISO dates, with Java year formatting outside 0000..9999', () => {
    expect(javaLocalDateToString(0)).toBe('1970-01-01');
    expect(javaLocalDateToString(19737)).toBe('2024-01-15');
    expect(javaLocalDateToString(-1)).toBe('1969-12-31');
    expect(javaLocalDateToString(11016)).toBe('2000-02-29');
    expect(javaLocalDateToString(-719528)).toBe('0000-01-01');
    expect(javaLocalDateToString(-719893)).toBe('-0001-01-01');
    expect(javaLocalDateToString(2932897)).toBe('+10000-01-01');
  });
});
