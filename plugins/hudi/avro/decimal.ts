// Exact decimal arithmetic for the Avro `decimal` logical type. The column model carries a decimal as a
// string with exactly `scale` fraction digits ("12.30"), so nothing is lost between Avro (an unscaled
// two's-complement integer in bytes or fixed) and Parquet DECIMAL. Functions throw RangeError with a short
// reason ("more than 2 fraction digits") that callers put into their own field-level error.

export interface DecimalSpec {
  precision: number;
  scale: number;
}

// Sign, integer digits, fraction digits, exponent: covers "12", "-0.5", ".5", "1e-7", "1.5E+21".
const DECIMAL_TEXT = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/** Decimal text ("12.3", "-1e-2") to the canonical string with `scale` fraction digits. Refuses values that
 *  would need rounding or more than `precision` digits, as Avro's Java decimal conversion does. */
export function decimalFromText(text: string, spec: DecimalSpec): string {
  const m = DECIMAL_TEXT.exec(text);
  if (m === null || (m[2] === '' && (m[3] === undefined || m[3] === ''))) throw new RangeError('not a decimal number');
  const negative = m[1] === '-';
  const frac = m[3] ?? '';
  let digits = (m[2] + frac).replace(/^0+/, '');
  // exp: power of ten that `digits` is multiplied by.
  const exp = (m[4] === undefined ? 0 : Number(m[4])) - frac.length;
  if (digits === '') return formatUnscaled('0', false, spec.scale);
  const shift = exp + spec.scale;
  if (shift >= 0) {
    // Guard before building the string: a huge exponent cannot fit any precision.
    if (digits.length + shift > spec.precision) throw new RangeError(precisionReason(digits.length + shift, spec));
    digits += '0'.repeat(shift);
  } else {
    const cut = -shift;
    const dropped = cut >= digits.length ? digits : digits.slice(digits.length - cut);
    if (/[^0]/.test(dropped)) throw new RangeError(`more than ${spec.scale} fraction digits`);
    digits = cut >= digits.length ? '0' : digits.slice(0, digits.length - cut);
  }
  digits = digits.replace(/^0+(?=\d)/, '');
  if (digits !== '0' && digits.length > spec.precision) throw new RangeError(precisionReason(digits.length, spec));
  return formatUnscaled(digits, negative, spec.scale);
}

/** A JS number as the user wrote it (its shortest round-trip form, so 12.3 is "12.3", not 12.2999…). */
export function decimalFromNumber(value: number, spec: DecimalSpec): string {
  if (!Number.isFinite(value)) throw new RangeError('not a finite number');
  return decimalFromText(String(value), spec);
}

/** The decimal whose unscaled value is `unscaled` (value = unscaled × 10^-scale). */
export function decimalFromUnscaled(unscaled: bigint, spec: DecimalSpec): string {
  const negative = unscaled < 0n;
  const digits = (negative ? -unscaled : unscaled).toString();
  if (digits !== '0' && digits.length > spec.precision) throw new RangeError(precisionReason(digits.length, spec));
  return formatUnscaled(digits, negative, spec.scale);
}

/** The unscaled integer of a canonical (or any valid) decimal string at `scale`. */
export function decimalToUnscaled(text: string, spec: DecimalSpec): bigint {
  const canonical = decimalFromText(text, spec);
  return BigInt(canonical.replace('.', ''));
}

/** Big-endian two's complement, as Avro stores decimals in bytes and fixed. */
export function unscaledFromBytes(bytes: Uint8Array): bigint {
  if (bytes.length === 0) return 0n;
  let hex = '';
  for (let i = 0; i < bytes.length; i++) hex += (bytes[i]! < 16 ? '0' : '') + bytes[i]!.toString(16);
  let v = BigInt('0x' + hex);
  if (bytes[0]! & 0x80) v -= 1n << BigInt(bytes.length * 8);
  return v;
}

/** Minimal big-endian two's complement of `v`, or exactly `size` bytes (sign-extended) for a fixed type. */
export function unscaledToBytes(v: bigint, size?: number): Buffer {
  let len = 1;
  while (v < -(1n << BigInt(len * 8 - 1)) || v >= 1n << BigInt(len * 8 - 1)) len++;
  if (size !== undefined) {
    if (len > size) throw new RangeError(`needs ${len} bytes, the fixed type holds ${size}`);
    len = size;
  }
  const modulus = 1n << BigInt(len * 8);
  const hex = (((v % modulus) + modulus) % modulus).toString(16).padStart(len * 2, '0');
  return Buffer.from(hex, 'hex');
}

/** The largest precision a fixed of `size` bytes holds (Avro spec: floor(log10(2^(8·size−1) − 1))). */
export function maxFixedPrecision(size: number): number {
  if (size < 1) return 0;
  return ((1n << BigInt(8 * size - 1)) - 1n).toString().length - 1;
}

function formatUnscaled(digits: string, negative: boolean, scale: number): string {
  let body: string;
  if (scale === 0) body = digits;
  else {
    const padded = digits.padStart(scale + 1, '0');
    body = `${padded.slice(0, padded.length - scale)}.${padded.slice(padded.length - scale)}`;
  }
  // No "-0.00": zero has one representation, so equal values compare equal as strings.
  return negative && /[1-9]/.test(digits) ? `-${body}` : body;
}

function precisionReason(digits: number, spec: DecimalSpec): string {
  return `${digits} digits, more than precision ${spec.precision}`;
}
