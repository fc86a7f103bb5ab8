// Exact conversion between the column model's decimal strings ("12.30": exactly `scale` fraction digits)
// and 128-bit two's-complement unscaled integers, stored as four little-endian 32-bit words (Arrow's
// Decimal128 layout) or as big-endian bytes (Parquet DECIMAL in FIXED_LEN_BYTE_ARRAY). No value passes
// through a float: up to 15 digits the unscaled value is an exact JS integer, beyond that a bigint.
// Functions throw RangeError with a short reason; callers put it into their column-level error.

export interface DecimalShape {
  precision: number;
  scale: number;
}

const TWO_32 = 4294967296;
const MAX_128 = (1n << 127n) - 1n;
const MIN_128 = -(1n << 127n);

/** Largest precision Arrow's Decimal128 (and our 128-bit layout) holds. */
export const MAX_DECIMAL128_PRECISION = 38;

/**
 * The unscaled digits of `text` at `shape.scale`, without sign or leading zeros ("" for zero), and the
 * sign. Accepts "12.3", "-0.50", "+7", ".5"; refuses exponents, rounding and precision overflow, so a
 * value is stored exactly as written or not at all.
 */
function unscaledDigits(text: string, shape: DecimalShape): { negative: boolean; digits: string } {
  let i = 0;
  const n = text.length;
  let negative = false;
  const c0 = text.charCodeAt(0);
  if (c0 === 45 /* - */ || c0 === 43 /* + */) {
    negative = c0 === 45;
    i = 1;
  }
  const intStart = i;
  while (i < n && isDigit(text.charCodeAt(i))) i++;
  const intPart = text.slice(intStart, i);
  let frac = '';
  if (i < n && text.charCodeAt(i) === 46 /* . */) {
    const fracStart = ++i;
    while (i < n && isDigit(text.charCodeAt(i))) i++;
    frac = text.slice(fracStart, i);
  }
  if (i !== n || (intPart === '' && frac === '')) throw new RangeError('not a decimal number');
  if (frac.length > shape.scale) {
    // Trailing zeros beyond the scale lose nothing; any other digit would need rounding.
    for (let k = shape.scale; k < frac.length; k++) {
      if (frac.charCodeAt(k) !== 48) throw new RangeError(`more than ${shape.scale} fraction digits`);
    }
    frac = frac.slice(0, shape.scale);
  } else if (frac.length < shape.scale) {
    frac += '0'.repeat(shape.scale - frac.length);
  }
  let digits = intPart + frac;
  let lead = 0;
  while (lead < digits.length && digits.charCodeAt(lead) === 48) lead++;
  digits = digits.slice(lead);
  if (digits.length > shape.precision) throw new RangeError(`${digits.length} digits, more than precision ${shape.precision}`);
  return { negative: negative && digits !== '', digits };
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** The unscaled integer of a decimal string (see unscaledDigits for what is accepted). */
export function decimalToUnscaled(text: string, shape: DecimalShape): bigint {
  const { negative, digits } = unscaledDigits(text, shape);
  if (digits === '') return 0n;
  const v = BigInt(digits);
  return negative ? -v : v;
}

/**
 * Writes the unscaled value of `text` into `out[4*index .. 4*index+3]` (little-endian words, two's
 * complement), the layout of Arrow Decimal128 data.
 */
export function writeDecimalWords(text: string, shape: DecimalShape, out: Uint32Array, index: number): void {
  const { negative, digits } = unscaledDigits(text, shape);
  const o = index * 4;
  if (digits.length <= 15) {
    // Exact in a double: split into words without bigint allocation (the common money-sized case).
    const mag = digits === '' ? 0 : Number(digits);
    const v = negative ? -mag : mag;
    out[o] = v >>> 0; // ToUint32 is modulo 2^32, so this is the low word in two's complement too
    const hi = Math.floor(v / TWO_32);
    out[o + 1] = hi >>> 0;
    const ext = hi < 0 ? 0xffffffff : 0;
    out[o + 2] = ext;
    out[o + 3] = ext;
    return;
  }
  let v = BigInt(digits);
  if (negative) v = -v;
  if (v > MAX_128 || v < MIN_128) throw new RangeError('does not fit 128 bits');
  const u = BigInt.asUintN(128, v);
  out[o] = Number(u & 0xffffffffn);
  out[o + 1] = Number((u >> 32n) & 0xffffffffn);
  out[o + 2] = Number((u >> 64n) & 0xffffffffn);
  out[o + 3] = Number((u >> 96n) & 0xffffffffn);
}

/** The canonical decimal string ("-12.30", "0.00"; never "-0.00") of the words at `index`. */
export function readDecimalWords(words: Uint32Array, index: number, scale: number): string {
  const o = index * 4;
  const w0 = words[o]!;
  const w1 = words[o + 1]!;
  const w2 = words[o + 2]!;
  const w3 = words[o + 3]!;
  // Fast path: the value fits 53 bits (sign-extended upper words), so a double holds it exactly.
  if ((w2 === 0 && w3 === 0 && w1 < 0x200000) || (w2 === 0xffffffff && w3 === 0xffffffff && w1 >= 0xffe00000)) {
    const v = (w1 | 0) * TWO_32 + w0;
    return formatUnscaled(String(Math.abs(v)), v < 0, scale);
  }
  const u = (BigInt(w3) << 96n) | (BigInt(w2) << 64n) | (BigInt(w1) << 32n) | BigInt(w0);
  const v = BigInt.asIntN(128, u);
  return formatUnscaled((v < 0n ? -v : v).toString(), v < 0n, scale);
}

/** Big-endian two's complement in exactly `size` bytes (Parquet FIXED_LEN_BYTE_ARRAY DECIMAL). */
export function unscaledToFixedBytes(v: bigint, size: number): Uint8Array {
  const out = new Uint8Array(size);
  let u = BigInt.asUintN(size * 8, v);
  if (BigInt.asIntN(size * 8, u) !== v) throw new RangeError(`does not fit ${size} bytes`);
  for (let i = size - 1; i >= 0; i--) {
    out[i] = Number(u & 0xffn);
    u >>= 8n;
  }
  return out;
}

/** Bytes Parquet (and parquet-avro's fixed) needs for a decimal of `precision` digits. */
export function fixedBytesForPrecision(precision: number): number {
  let size = 1;
  // Smallest size whose signed range holds 10^precision - 1.
  const max = 10n ** BigInt(precision) - 1n;
  while ((1n << BigInt(8 * size - 1)) - 1n < max) size++;
  return size;
}

/** Formats unscaled digits (no sign) with `scale` fraction digits; zero is never negative. */
export function formatUnscaled(digits: string, negative: boolean, scale: number): string {
  let body: string;
  if (scale === 0) body = digits;
  else {
    const padded = digits.length > scale ? digits : digits.padStart(scale + 1, '0');
    body = `${padded.slice(0, padded.length - scale)}.${padded.slice(padded.length - scale)}`;
  }
  return negative && digits !== '0' && /[1-9]/.test(digits) ? `-${body}` : body;
}
