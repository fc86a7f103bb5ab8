// One converter per table column, compiled once per schema: a JSON or JS value in, the column model's
// representation (column-spec.ts) out. Two flavours differ only where JSON is ambiguous: 'avro-json' reads
// bytes, fixed and decimals as ISO-8859-1 strings (Avro's JSON encoding, the seed's message format); 'json'
// reads bytes and fixed as base64 and decimals as numbers or decimal text. Both take already-typed JS values
// (Buffer, Date, bigint) and both accept unions wrapped ({"long": 5}) or not. A converter throws Mismatch
// (cheap: not an Error, no stack) and the caller turns it into a DataError naming the field.

import type { ColumnSpec } from '../parquet/column-spec';
import { decimalFromNumber, decimalFromText, decimalFromUnscaled, unscaledFromBytes } from './decimal';
import { isUuidText, normalizeLong } from './logical-types';

/** How a column's value is written in Avro: the wire type under the logical type. */
export interface WireType {
  readonly avro: 'string' | 'boolean' | 'int' | 'long' | 'float' | 'double' | 'bytes' | 'enum' | 'fixed';
  /** The name of this type as a union branch in Avro JSON: a primitive name, or an enum's/fixed's full name. */
  readonly branch: string;
  readonly symbols?: readonly string[];
  readonly size?: number;
}

export type JsonFlavor = 'avro-json' | 'json';
export type Converter = (v: unknown) => unknown;

/** A value that does not fit; `reason` adds what a bare "expected T, got V" would not say. */
export class Mismatch {
  constructor(readonly reason?: string) {}
}

const FLOAT_MAX = 3.4028234663852886e38;
const INT_STRING = /^-?\d{1,20}$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}(?:==)?|[A-Za-z0-9+/]{3}=?)?$/;
// Date, time to the minute at least, optional seconds and fraction, and a mandatory zone: without one
// the instant would depend on the worker's time zone.
const ISO_TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?(?:([Zz])|([+-])(\d{2}):?(\d{2}))$/;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const MS_PER_DAY = 86_400_000;
const NO_REASON = new Mismatch();

/** The converter for a column in the given flavour, including null and union handling. */
export function compileConverter(column: ColumnSpec, wire: WireType, flavor: JsonFlavor): Converter {
  const base = baseConverter(column, wire, flavor);
  if (!column.nullable) return base;
  const branch = wire.branch;
  const shortBranch = branch.includes('.') ? branch.slice(branch.lastIndexOf('.') + 1) : undefined;
  return (v) => {
    if (v === null) return null;
    if (typeof v === 'object' && isPlainObject(v)) {
      // Avro JSON wraps a non-null union value in {"<branch>": value}.
      const key = singleKey(v as Record<string, unknown>);
      if (key === branch || (key !== undefined && key === shortBranch)) return base((v as Record<string, unknown>)[key]);
      if (key === 'null' && (v as Record<string, unknown>)['null'] === null) return null;
      throw NO_REASON;
    }
    return base(v);
  };
}

/** The converter for a value of the column's non-null type (a union default is one: Avro never wraps it). */
export function baseConverter(column: ColumnSpec, wire: WireType, flavor: JsonFlavor): Converter {
  const t = column.type;
  switch (t.kind) {
    case 'string':
      if (wire.avro === 'enum') {
        const symbols = new Set(wire.symbols);
        return (v) => {
          if (typeof v === 'string' && symbols.has(v)) return v;
          throw NO_REASON;
        };
      }
      return (v) => {
        if (typeof v === 'string') return v;
        throw NO_REASON;
      };
    case 'boolean':
      return (v) => {
        if (typeof v === 'boolean') return v;
        throw NO_REASON;
      };
    case 'int':
      return toInt;
    case 'long':
      return toLong;
    case 'float':
      return toFloat;
    case 'double':
      return toDouble;
    case 'bytes': {
      const size = wire.avro === 'fixed' ? wire.size : undefined;
      const read = flavor === 'avro-json' ? latin1Bytes : base64Bytes;
      return (v) => {
        const b = read(v);
        if (size !== undefined && b.length !== size) throw new Mismatch(`${b.length} bytes, the fixed type holds ${size}`);
        return b;
      };
    }
    case 'timestamp-millis':
      return toTimestampMillis;
    case 'timestamp-micros':
      return toTimestampMicros;
    case 'date':
      return toDate;
    case 'decimal': {
      const spec = { precision: t.precision, scale: t.scale };
      const size = wire.avro === 'fixed' ? wire.size : undefined;
      return (v) => {
        try {
          if (typeof v === 'string') {
            // In Avro JSON a decimal is its bytes; in plain JSON it is decimal text.
            if (flavor === 'json') return decimalFromText(v, spec);
            const b = latin1Bytes(v);
            if (size !== undefined && b.length !== size) throw new Mismatch(`${b.length} bytes, the fixed type holds ${size}`);
            return decimalFromUnscaled(unscaledFromBytes(b), spec);
          }
          if (typeof v === 'number') return decimalFromNumber(v, spec);
          if (typeof v === 'bigint') return decimalFromText(v.toString(), spec);
          if (v instanceof Uint8Array) return decimalFromUnscaled(unscaledFromBytes(v), spec);
        } catch (e) {
          if (e instanceof RangeError) throw new Mismatch(e.message);
          throw e;
        }
        throw NO_REASON;
      };
    }
    case 'uuid':
      return (v) => {
        if (typeof v === 'string' && isUuidText(v)) return v;
        throw NO_REASON;
      };
  }
}

function toInt(v: unknown): number {
  if (typeof v === 'number') {
    if ((v | 0) === v) return v;
    throw new Mismatch(Number.isInteger(v) ? 'outside the 32-bit int range' : 'not an integer');
  }
  if (typeof v === 'bigint' && v >= -2147483648n && v <= 2147483647n) return Number(v);
  throw NO_REASON;
}

function toLong(v: unknown): number | bigint {
  if (typeof v === 'number') {
    if (Number.isSafeInteger(v)) return v;
    throw new Mismatch(Number.isInteger(v) ? 'beyond ±2^53, so precision was already lost; send such longs as strings' : 'not an integer');
  }
  if (typeof v === 'bigint' || (typeof v === 'string' && INT_STRING.test(v))) {
    const n = normalizeLong(BigInt(v));
    if (n === undefined) throw new Mismatch('outside the 64-bit long range');
    return n;
  }
  throw NO_REASON;
}

function toFloat(v: unknown): number {
  if (typeof v === 'number') {
    if (Number.isFinite(v) && Math.abs(v) > FLOAT_MAX) throw new Mismatch('outside the float range');
    return v;
  }
  return specialNumber(v);
}

function toDouble(v: unknown): number {
  if (typeof v === 'number') return v;
  return specialNumber(v);
}

/** JSON has no NaN or infinities; Java's Avro JSON encoder writes them as these strings. */
function specialNumber(v: unknown): number {
  if (v === 'NaN') return NaN;
  if (v === 'Infinity') return Infinity;
  if (v === '-Infinity') return -Infinity;
  throw NO_REASON;
}

function latin1Bytes(v: unknown): Buffer {
  if (typeof v === 'string') {
    for (let i = 0; i < v.length; i++) {
      if (v.charCodeAt(i) > 0xff) throw new Mismatch(`character ${i} is not ISO-8859-1, as Avro JSON bytes are`);
    }
    return Buffer.from(v, 'latin1');
  }
  return typedBytes(v);
}

function base64Bytes(v: unknown): Buffer {
  if (typeof v === 'string') {
    if (!BASE64.test(v)) throw new Mismatch('not base64');
    return Buffer.from(v, 'base64');
  }
  return typedBytes(v);
}

function typedBytes(v: unknown): Buffer {
  if (Buffer.isBuffer(v)) return v;
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  throw NO_REASON;
}

function toTimestampMillis(v: unknown): number {
  if (typeof v === 'number') {
    if (Number.isSafeInteger(v)) return v;
    throw new Mismatch('not a whole number of milliseconds since the epoch');
  }
  if (typeof v === 'string') {
    if (INT_STRING.test(v)) return safeNumber(BigInt(v));
    const t = parseIsoTimestamp(v);
    return t.ms;
  }
  if (v instanceof Date) return validDateMs(v);
  if (typeof v === 'bigint') return safeNumber(v);
  throw NO_REASON;
}

function toTimestampMicros(v: unknown): number | bigint {
  if (typeof v === 'number') {
    if (Number.isSafeInteger(v)) return v;
    throw new Mismatch(Number.isInteger(v) ? 'beyond ±2^53, so precision was already lost; send it as a string' : 'not a whole number of microseconds since the epoch');
  }
  if (typeof v === 'string') {
    if (INT_STRING.test(v)) return toLong(v);
    const t = parseIsoTimestamp(v);
    const micros = BigInt(t.ms) * 1000n + BigInt(t.extraMicros);
    return normalizeLong(micros) as number | bigint;
  }
  if (v instanceof Date) return validDateMs(v) * 1000;
  if (typeof v === 'bigint') return toLong(v);
  throw NO_REASON;
}

function toDate(v: unknown): number {
  if (typeof v === 'number') {
    if ((v | 0) === v) return v;
    throw new Mismatch(Number.isInteger(v) ? 'outside the 32-bit range of days' : 'not a whole number of days since the epoch');
  }
  if (typeof v === 'string') {
    const m = ISO_DATE.exec(v);
    if (m === null) throw new Mismatch('not a date as YYYY-MM-DD or days since the epoch');
    return utcDays(Number(m[1]), Number(m[2]), Number(m[3]));
  }
  if (v instanceof Date) return Math.floor(validDateMs(v) / MS_PER_DAY);
  throw NO_REASON;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (Date.UTC would read years 0–99 as 1900–1999). */
function utcDays(y: number, mo: number, d: number): number {
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo)) throw new Mismatch('not a calendar date');
  const yy = mo <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yearOfEra = yy - era * 400;
  const dayOfYear = Math.floor((153 * (mo > 2 ? mo - 3 : mo + 9) + 2) / 5) + d - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146097 + dayOfEra - 719468;
}

/** Milliseconds of an ISO-8601 timestamp with a zone, plus the microseconds within the millisecond. */
export function parseIsoTimestamp(s: string): { ms: number; extraMicros: number } {
  const m = ISO_TIMESTAMP.exec(s);
  if (m === null) throw new Mismatch('not epoch time or an ISO-8601 timestamp with a zone (Z or ±hh:mm)');
  const [y, mo, d, h, mi] = [Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5])];
  const sec = m[6] === undefined ? 0 : Number(m[6]);
  if (h > 23 || mi > 59 || sec > 59) throw new Mismatch('not a valid time of day');
  const days = utcDays(y, mo, d);
  const frac = (m[7] ?? '').padEnd(6, '0');
  let offsetMin = 0;
  if (m[8] === undefined) {
    const oh = Number(m[10]);
    const om = Number(m[11]);
    if (oh > 23 || om > 59) throw new Mismatch('not a valid zone offset');
    offsetMin = (m[9] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  // Digits below a microsecond are dropped (Avro and Parquet hold no finer timestamps here).
  const ms = days * MS_PER_DAY + ((h * 60 + mi - offsetMin) * 60 + sec) * 1000 + Number(frac.slice(0, 3));
  return { ms, extraMicros: Number(frac.slice(3, 6)) };
}

function daysInMonth(y: number, mo: number): number {
  return mo === 2 ? ((y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28) : [4, 6, 9, 11].includes(mo) ? 30 : 31;
}

function validDateMs(d: Date): number {
  const ms = d.getTime();
  if (Number.isNaN(ms)) throw new Mismatch('an invalid Date');
  return ms;
}

function safeNumber(v: bigint): number {
  const n = normalizeLong(v);
  if (typeof n !== 'number') throw new Mismatch('beyond ±2^53 milliseconds');
  return n;
}

export function isPlainObject(v: object): boolean {
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function singleKey(o: Record<string, unknown>): string | undefined {
  let found: string | undefined;
  for (const k in o) {
    if (found !== undefined) return undefined;
    found = k;
  }
  return found;
}

/** How error messages show the expected type of a column: "double", "decimal(10,2) or null", "enum Status
 *  (CREATED, PAID)". */
export function describeExpected(column: ColumnSpec, wire: WireType): string {
  const t = column.type;
  let base: string;
  if (t.kind === 'decimal') base = `decimal(${t.precision},${t.scale})`;
  else if (wire.avro === 'enum') {
    const symbols = wire.symbols ?? [];
    const shown = symbols.length > 8 ? `${symbols.slice(0, 8).join(', ')}, … ${symbols.length - 8} more` : symbols.join(', ');
    base = `enum ${shortName(wire.branch)} (${shown})`;
  } else if (wire.avro === 'fixed') base = `fixed ${shortName(wire.branch)} (${wire.size} bytes)`;
  else base = t.kind;
  return column.nullable ? `${base} or null` : base;
}

function shortName(full: string): string {
  return full.slice(full.lastIndexOf('.') + 1);
}

const MAX_SHOWN = 60;

/** A value for an error message: its JSON-ish text, truncated, and its kind: `"12,5" (string)`. */
export function describeValue(v: unknown): string {
  if (v === undefined) return 'no value';
  if (v === null) return 'null';
  switch (typeof v) {
    case 'string':
      return `${truncate(JSON.stringify(v))} (string${v.length > MAX_SHOWN ? ` of ${v.length} characters` : ''})`;
    case 'number':
      return `${String(v)} (number)`;
    case 'bigint':
      return `${truncate(v.toString())} (bigint)`;
    case 'boolean':
      return `${String(v)} (boolean)`;
    case 'object': {
      if (v instanceof Uint8Array) {
        const hex = Buffer.from(v.buffer, v.byteOffset, Math.min(v.byteLength, 16)).toString('hex').replace(/(..)(?!$)/g, '$1 ');
        return `<${hex}${v.byteLength > 16 ? ' …' : ''}> (${v.byteLength} bytes)`;
      }
      if (v instanceof Date) return `${Number.isNaN(v.getTime()) ? 'Invalid Date' : v.toISOString()} (Date)`;
      let text: string;
      try {
        text = JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x)) ?? String(v);
      } catch {
        text = Object.prototype.toString.call(v);
      }
      return `${truncate(text)} (${Array.isArray(v) ? 'array' : 'object'})`;
    }
    default:
      return `${typeof v}`;
  }
}

function truncate(s: string): string {
  return s.length > MAX_SHOWN + 2 ? `${s.slice(0, MAX_SHOWN)}…` : s;
}
