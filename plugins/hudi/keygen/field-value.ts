// Reads a (possibly nested, dot-separated) field of a row and renders it as the string Hudi's key generators
// make of it: `String.valueOf` of the Avro value after HoodieAvroUtils' logical-type conversion (dates become
// yyyy-MM-dd, decimals BigDecimal.toString, timestamps stay their long value). That string is the record key
// or partition path part, so it must be Hudi's to the character.
// Invariants: a missing field, a null, or a path through a non-record reads as null (Hudi's
// returnNullIfNotFound); the JS value's type is interpreted through the field's Avro type when the caller
// gives one — without it, a JS number that is an integer renders as an int/long and any other as a double.

import { DataError } from '../../../runtime/spi';
import {
  javaBigDecimalToString,
  javaDoubleToString,
  javaFloatToString,
  javaLocalDateToString,
} from './java-to-string';

/** The Avro type of a key field, as the table schema declares it (nullable unions unwrapped). */
export type KeyFieldType =
  | 'string'
  | 'int'
  | 'long'
  | 'float'
  | 'double'
  | 'boolean'
  | 'bytes'
  | 'date'
  | 'time-millis'
  | 'time-micros'
  | 'timestamp-millis'
  | 'timestamp-micros'
  | `decimal(${number},${number})`
  | { type: 'decimal'; scale: number };

/** Which part of the Hudi key a field feeds, for messages. */
export type KeyRole = 'record key' | 'partition path';

export type FieldReader = (row: Readonly<Record<string, unknown>>) => string | null;

const MS_PER_DAY = 86_400_000;

function isRecord(v: unknown): v is Readonly<Record<string, unknown>> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date) && !ArrayBuffer.isView(v);
}

function describe(v: unknown): string {
  if (typeof v === 'bigint') return `${v}n (bigint)`;
  if (v instanceof Date) return `${Number.isNaN(v.getTime()) ? 'Invalid Date' : v.toISOString()} (Date)`;
  if (ArrayBuffer.isView(v)) return `${v.byteLength} bytes (${v.constructor.name})`;
  let json: string | undefined;
  try {
    json = JSON.stringify(v);
  } catch {
    json = undefined;
  }
  const text = json === undefined ? String(v) : json.length > 80 ? `${json.slice(0, 77)}...` : json;
  return `${text} (${Array.isArray(v) ? 'array' : typeof v})`;
}

function hex(bytes: ArrayBufferView): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

function decimalScale(type: KeyFieldType): number | undefined {
  if (typeof type === 'object') return type.scale;
  const m = /^decimal\(\s*\d+\s*,\s*(-?\d+)\s*\)$/.exec(type);
  return m ? Number(m[1]) : undefined;
}

/** Checks a field type given by the caller; returns a problem description or undefined. */
export function keyFieldTypeProblem(type: unknown): string | undefined {
  if (typeof type === 'object' && type !== null) {
    const t = type as { type?: unknown; scale?: unknown };
    return t.type === 'decimal' && Number.isInteger(t.scale) ? undefined : `${JSON.stringify(type)} is not { type: 'decimal', scale: <integer> }`;
  }
  const known = ['string', 'int', 'long', 'float', 'double', 'boolean', 'bytes', 'date', 'time-millis', 'time-micros', 'timestamp-millis', 'timestamp-micros'];
  if (typeof type === 'string' && (known.includes(type) || decimalScale(type as KeyFieldType) !== undefined)) return undefined;
  return `${JSON.stringify(type)} is not one of ${known.join(', ')}, decimal(<precision>,<scale>)`;
}

/** A decimal given as bigint (unscaled), string or number, at the schema's scale; undefined if it does not fit. */
function unscaledAt(v: unknown, scale: number): bigint | undefined {
  if (typeof v === 'bigint') return v;
  let text: string;
  if (typeof v === 'number' && Number.isFinite(v)) text = String(v);
  else if (typeof v === 'string') text = v.trim();
  else return undefined;
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) return undefined;
  let digits = (m[2] ?? '') + (m[3] ?? '');
  let fracLen = (m[3] ?? '').length - Number(m[4] ?? 0); // digits after the point
  if (fracLen < scale) {
    digits += '0'.repeat(scale - fracLen);
    fracLen = scale;
  }
  const extra = digits.slice(digits.length - (fracLen - scale));
  if (fracLen > scale && /[1-9]/.test(extra)) return undefined; // would need rounding; Avro refuses that too
  const kept = fracLen > scale ? digits.slice(0, digits.length - (fracLen - scale)) : digits;
  const unscaled = BigInt(kept === '' ? '0' : kept);
  return m[1] === '-' ? -unscaled : unscaled;
}

function integral(v: unknown): string | undefined {
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number' && Number.isInteger(v)) return Number.isSafeInteger(v) ? String(v) : BigInt(v).toString();
  return undefined;
}

/**
 * The string Hudi makes of `value` for a field of `type`; null for null/undefined. Throws DataError naming
 * the field, the value and what to do when the value cannot be a key part.
 */
export function keyPartString(value: unknown, type: KeyFieldType | undefined, field: string, role: KeyRole): string | null {
  if (value === null || value === undefined) return null;
  const refuse = (expected: string): never => {
    throw new DataError(
      `${role === 'record key' ? 'Record key' : 'Partition path'} field "${field}" holds ${describe(value)}, which ` +
        `cannot be ${expected}; fix the record or the field's type in the schema, or choose another field for the ${role}`,
    );
  };
  if (type !== undefined) {
    switch (type) {
      case 'string':
        if (typeof value === 'string') return value;
        break;
      case 'int':
      case 'long':
      case 'time-millis':
      case 'time-micros':
      case 'timestamp-millis':
        if (value instanceof Date) return type === 'timestamp-millis' ? String(value.getTime()) : refuse(`an Avro ${type}`);
        return integral(value) ?? refuse(`an Avro ${type} (an integer)`);
      case 'timestamp-micros':
        if (value instanceof Date) return (BigInt(value.getTime()) * 1000n).toString();
        return integral(value) ?? refuse('an Avro timestamp-micros (an integer)');
      case 'float':
        if (typeof value === 'number') return javaFloatToString(value);
        if (typeof value === 'bigint') return javaFloatToString(Number(value));
        return refuse('an Avro float');
      case 'double':
        if (typeof value === 'number') return javaDoubleToString(value);
        if (typeof value === 'bigint') return javaDoubleToString(Number(value));
        return refuse('an Avro double');
      case 'boolean':
        if (typeof value === 'boolean') return String(value);
        return refuse('an Avro boolean');
      case 'date':
        if (typeof value === 'string') return value;
        if (value instanceof Date) return javaLocalDateToString(Math.floor(value.getTime() / MS_PER_DAY));
        if (typeof value === 'number' && Number.isSafeInteger(value)) return javaLocalDateToString(value);
        return refuse('an Avro date (days since 1970-01-01, or a Date)');
      case 'bytes':
        if (ArrayBuffer.isView(value)) return hex(value);
        return refuse('Avro bytes');
      default: {
        const scale = decimalScale(type);
        if (scale === undefined) break;
        const unscaled = unscaledAt(value, scale);
        if (unscaled === undefined) return refuse(`an Avro decimal with scale ${scale} without rounding`);
        return javaBigDecimalToString(unscaled, scale);
      }
    }
  }
  // No declared type (or a string field holding another JS type): go by the JS value.
  if (typeof value === 'string') return value;
  if (typeof value === 'number') {
    if (Number.isSafeInteger(value)) return String(value);
    return javaDoubleToString(value);
  }
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'boolean') return String(value);
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) return refuse('a timestamp (it is an invalid Date)');
    return String(value.getTime());
  }
  if (ArrayBuffer.isView(value)) return hex(value);
  return refuse('a string, number, bigint, boolean, Date or bytes value');
}

/** A reader for `field` ("a" or "a.b.c") that returns Hudi's string of its value, or null. */
export function fieldReader(field: string, type: KeyFieldType | undefined, role: KeyRole): FieldReader {
  const path = field.split('.');
  if (path.length === 1) {
    return (row) => keyPartString(row[field], type, field, role);
  }
  return (row) => {
    let v: unknown = row;
    for (const part of path) {
      if (!isRecord(v)) return null;
      v = v[part];
    }
    return keyPartString(v, type, field, role);
  };
}
