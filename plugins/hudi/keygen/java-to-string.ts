// Java's `toString()` of the values a record key or partition path can be made of, because Hudi builds keys
// with `String.valueOf(fieldValue)`: Double/Float.toString, BigDecimal.toString, LocalDate.toString.
// Invariant: the output equals what the JVMs Spark 3.5 runs on (Java 8, 11, 17) print. For doubles and floats
// that is NOT the shortest round-trip form (JavaScript's, and Java 19+'s): JDK ≤ 18 prints integral values
// below 2^63 with all their digits (1.75296512E8f, 2.82879384806159008E17), sometimes keeps a digit too many
// (1.0E23 → 9.999999999999999E22) and breaks ties differently. The digit generator below reproduces that
// algorithm (the pre-JDK-19 FloatingDecimal: Steele & White free-format digits with a symmetric stopping test,
// its decimal-exponent estimate, and its int/long/big-integer paths) with exact BigInt arithmetic, wrapping to
// 32 or 64 bits where Java's int and long paths wrap. Checked against JDK 17 by test/fixtures/hudi/vectors.

const N5_BITS: readonly number[] = Array.from({ length: 27 }, (_, i) => (i === 0 ? 0 : (5n ** BigInt(i)).toString(2).length));
const MAX_SMALL_BIN_EXP = 62;
const MIN_SMALL_BIN_EXP = -21;

/** Decimal digits (most significant first) and exponent: value = 0.d1d2d3… × 10^decExponent. */
interface DecimalDigits {
  digits: number[];
  decExponent: number;
}

function trailingZeros(x: bigint): number {
  let n = 0;
  while ((x & 1n) === 0n) {
    x >>= 1n;
    n++;
  }
  return n;
}

/** How many low decimal digits of an integer with 2^p2 uncertainty are noise: floor(log10(2^p2)), for 1 < p2 < 64. */
function insignificantDigitsForPow2(p2: number): number {
  return p2 > 1 && p2 < 64 ? (2n ** BigInt(p2)).toString().length - 1 : 0;
}

/** Digits of an integral value, after rounding away `insignificant` low digits; trailing zeros dropped. */
function integerDigits(value: bigint, insignificant: number): DecimalDigits {
  if (insignificant !== 0) {
    const pow10 = 10n ** BigInt(insignificant);
    const residue = value % pow10;
    value /= pow10;
    if (residue >= pow10 >> 1n) value++;
  }
  const s = value.toString();
  return { digits: [...s.replace(/0+$/, '')].map(Number), decExponent: s.length + insignificant };
}

/** The pre-JDK-19 estimate of floor(log10(value)), which steers the digit loop (and its quirks). */
function estimateDecExp(fractBits: bigint, binExp: number): number {
  const d2 = 1 + Number(fractBits & 0xfffffffffffffn) / 2 ** 52;
  const d = (d2 - 1.5) * 0.289529654 + 0.176091259 + binExp * 0.301029995663981;
  return Math.floor(d) | 0;
}

/**
 * `fractBits` holds the significand with its leading 1 at bit 52; value = fractBits × 2^(binExp − 52).
 * `nSignificantBits` is 53 for normal doubles, 24 for normal floats, fewer for subnormals.
 */
function javaDigits(binExp: number, fractBits: bigint, nSignificantBits: number): DecimalDigits {
  const tailZeros = trailingZeros(fractBits);
  const nFractBits = 53 - tailZeros;
  const nTinyBits = Math.max(0, nFractBits - binExp - 1);
  if (binExp <= MAX_SMALL_BIN_EXP && binExp >= MIN_SMALL_BIN_EXP && nTinyBits === 0 && nFractBits < 64) {
    // An integer below 2^63: printed from its exact value, minus the digits below the precision.
    const insignificant = binExp > nSignificantBits ? insignificantDigitsForPow2(binExp - nSignificantBits - 1) : 0;
    const value = binExp >= 52 ? fractBits << BigInt(binExp - 52) : fractBits >> BigInt(52 - binExp);
    return integerDigits(value, insignificant);
  }

  // value = B / S × 10^decExp with 1 <= B/S < 10 (if the estimate is right); M is half an ULP, scaled like B.
  let decExp = estimateDecExp(fractBits, binExp);
  const B5 = Math.max(0, -decExp);
  let B2 = B5 + nTinyBits + binExp;
  const S5 = Math.max(0, decExp);
  let S2 = S5 + nTinyBits;
  const M5 = B5;
  let M2 = B2 - nSignificantBits;
  B2 -= nFractBits - 1;
  const common = Math.min(B2, S2);
  B2 -= common;
  S2 -= common;
  M2 -= common;
  if (nFractBits === 1) M2 -= 1; // a power of two: the next value below is only half as far
  if (M2 < 0) {
    B2 -= M2;
    S2 -= M2;
    M2 = 0;
  }
  const bBits = nFractBits + B2 + (B5 < N5_BITS.length ? N5_BITS[B5]! : B5 * 3);
  const tenSBits = S2 + 1 + (S5 + 1 < N5_BITS.length ? N5_BITS[S5 + 1]! : (S5 + 1) * 3);
  // Java picks int, long or big-integer arithmetic from these estimates; int and long wrap, and the
  // big-integer path ends the digits on b + m >= 10s where the others need b + m > 10s.
  const width = bBits < 64 && tenSBits < 64 ? (bBits < 32 && tenSBits < 32 ? 32 : 64) : 0;
  const wrap = width === 0 ? (x: bigint): bigint => x : (x: bigint): bigint => BigInt.asIntN(width, x);
  const isHigh = (b: bigint, m: bigint, tens: bigint): boolean => (width === 0 ? b + m >= tens : wrap(b + m) > tens);

  let b = wrap((fractBits >> BigInt(tailZeros)) * 5n ** BigInt(B5) << BigInt(B2));
  const s = wrap(5n ** BigInt(S5) << BigInt(S2));
  let m = wrap(5n ** BigInt(M5) << BigInt(M2));
  const tens = wrap(s * 10n);

  const digits: number[] = [];
  let q = Number(b / s);
  b = wrap(10n * (b % s));
  m = wrap(m * 10n);
  let low = b < m;
  let high = isHigh(b, m, tens);
  if (q === 0 && !high) decExp--; // the estimate was one too high
  else digits.push(q);
  // Java always prints a digit after the point, so E-form output needs a second digit.
  if (decExp < -3 || decExp >= 8) high = low = false;
  while (!low && !high) {
    q = Number(b / s);
    b = wrap(10n * (b % s));
    m = wrap(m * 10n);
    if (width === 0 || m > 0n) {
      low = b < m;
      high = isHigh(b, m, tens);
    } else {
      low = high = true; // Java's guard for an overflowed m
    }
    digits.push(q);
  }
  const lowDigitDifference = width === 0 ? (2n * b > tens ? 1n : 2n * b < tens ? -1n : 0n) : wrap(wrap(b << 1n) - tens);

  const out: DecimalDigits = { digits, decExponent: decExp + 1 };
  if (high && (!low || lowDigitDifference > 0n || (lowDigitDifference === 0n && (digits[digits.length - 1]! & 1) !== 0))) {
    roundUp(out);
  }
  return out;
}

/** Adds one to the last digit; a carry out of the first digit becomes 1 and a larger exponent, as in Java. */
function roundUp(d: DecimalDigits): void {
  let i = d.digits.length - 1;
  let q = d.digits[i]!;
  if (q === 9) {
    while (q === 9 && i > 0) {
      d.digits[i] = 0;
      q = d.digits[--i]!;
    }
    if (q === 9) {
      d.decExponent += 1;
      d.digits[0] = 1;
      return;
    }
  }
  d.digits[i] = q + 1;
}

/** Java's layout: plain for 10^-3 <= |v| < 10^7, otherwise d.dddE±n; always a digit after the point. */
function layout(negative: boolean, { digits, decExponent }: DecimalDigits): string {
  const ds = digits.join('');
  const n = ds.length;
  let out: string;
  if (decExponent > 0 && decExponent < 8) {
    const intLen = Math.min(n, decExponent);
    out = ds.slice(0, intLen);
    if (intLen < decExponent) out += '0'.repeat(decExponent - intLen) + '.0';
    else out += '.' + (intLen < n ? ds.slice(intLen) : '0');
  } else if (decExponent <= 0 && decExponent > -3) {
    out = '0.' + '0'.repeat(-decExponent) + ds;
  } else {
    out = ds[0]! + '.' + (n > 1 ? ds.slice(1) : '0') + 'E' + (decExponent <= 0 ? '-' + String(-decExponent + 1) : String(decExponent - 1));
  }
  return negative ? '-' + out : out;
}

const view = new DataView(new ArrayBuffer(8));

/** `Double.toString(v)` as printed by Java 8–18. */
export function javaDoubleToString(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return 'Infinity';
  if (v === -Infinity) return '-Infinity';
  view.setFloat64(0, v);
  const bits = view.getBigUint64(0);
  const negative = bits >> 63n === 1n;
  let binExp = Number((bits >> 52n) & 0x7ffn);
  const mantissa = bits & 0xfffffffffffffn;
  if (binExp === 0 && mantissa === 0n) return negative ? '-0.0' : '0.0';
  let fractBits: bigint;
  let nSignificantBits: number;
  if (binExp === 0) {
    const leadingZeros = 64 - mantissa.toString(2).length;
    const shift = leadingZeros - 11;
    fractBits = mantissa << BigInt(shift);
    binExp = 1 - shift;
    nSignificantBits = 64 - leadingZeros;
  } else {
    fractBits = mantissa | (1n << 52n);
    nSignificantBits = 53;
  }
  return layout(negative, javaDigits(binExp - 1023, fractBits, nSignificantBits));
}

/** `Float.toString(f)` as printed by Java 8–18; `v` is rounded to float precision first (Math.fround). */
export function javaFloatToString(v: number): string {
  const f = Math.fround(v);
  if (Number.isNaN(f)) return 'NaN';
  if (f === Infinity) return 'Infinity';
  if (f === -Infinity) return '-Infinity';
  view.setFloat32(0, f);
  const bits = view.getUint32(0);
  const negative = bits >>> 31 === 1;
  let binExp = (bits >>> 23) & 0xff;
  const mantissa = bits & 0x7fffff;
  if (binExp === 0 && mantissa === 0) return negative ? '-0.0' : '0.0';
  let fract: number;
  let nSignificantBits: number;
  if (binExp === 0) {
    const leadingZeros = Math.clz32(mantissa);
    const shift = leadingZeros - 8;
    fract = mantissa << shift;
    binExp = 1 - shift;
    nSignificantBits = 32 - leadingZeros;
  } else {
    fract = mantissa | (1 << 23);
    nSignificantBits = 24;
  }
  return layout(negative, javaDigits(binExp - 127, BigInt(fract) << 29n, nSignificantBits));
}

/** `new BigDecimal(unscaled, scale).toString()`: plain unless the exponent is below -6 or the scale negative. */
export function javaBigDecimalToString(unscaled: bigint, scale: number): string {
  const negative = unscaled < 0n;
  const coeff = (negative ? -unscaled : unscaled).toString();
  const sign = negative ? '-' : '';
  if (scale === 0) return sign + coeff;
  const adjusted = -scale + (coeff.length - 1);
  if (scale > 0 && adjusted >= -6) {
    const point = coeff.length - scale;
    return sign + (point > 0 ? `${coeff.slice(0, point)}.${coeff.slice(point)}` : `0.${'0'.repeat(-point)}${coeff}`);
  }
  let out = sign + coeff[0]! + (coeff.length > 1 ? '.' + coeff.slice(1) : '');
  if (adjusted !== 0) out += 'E' + (adjusted > 0 ? '+' : '') + String(adjusted);
  return out;
}

/** `LocalDate.ofEpochDay(days).toString()`: yyyy-MM-dd, '+' before years above 9999, '-' and 4 digits below 0. */
export function javaLocalDateToString(epochDay: number): string {
  // Proleptic Gregorian civil date from days since 1970-01-01 (eras of 400 years = 146097 days).
  const z = epochDay + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  const abs = Math.abs(year);
  let y: string;
  if (abs < 1000) y = (year < 0 ? '-' : '') + String(abs).padStart(4, '0');
  else y = (year > 9999 ? '+' : '') + String(year);
  return `${y}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}
