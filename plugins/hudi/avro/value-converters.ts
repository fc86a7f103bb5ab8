// One converter per table column, compiled once per schema: a JSON or JS value in, the column model's
// representation (column-spec.ts) out. Two flavours differ only where JSON is ambiguous: 'avro-json' reads
// bytes, fixed and decimals as ISO-8859-1 strings (Avro's JSON encoding, the seed's message format); 'json'
// reads bytes and fixed as base64 and decimals as numbers or decimal text. Both take already-typed JS values
// (Buffer, Date, bigint) and both accept unions wrapped ({"long": 5}) or not. A converter throws Mismatch
// (cheap: not an Error, no stack) and the caller turns it into a DataError naming the field.

import { unionMemberName, type ColumnSpec, type ColumnType } from '../parquet/column-spec';
import { decimalFromNumber, decimalFromText, decimalFromUnscaled, unscaledFromBytes } from './decimal';
import { isUuidText, normalizeLong } from './logical-types';

/** How a column's value is written in Avro: the wire type under the logical type, and for nested types the
 *  wire types inside (parallel to the column type). */
export interface WireType {
  readonly avro: 'string' | 'boolean' | 'int' | 'long' | 'float' | 'double' | 'bytes' | 'enum' | 'fixed' | 'record' | 'array' | 'map' | 'union';
  /** The name of this type as a union branch in Avro JSON: a primitive name, "array", "map", or a named type's full name. */
  readonly branch: string;
  readonly symbols?: readonly string[];
  readonly size?: number;
  /** record: its fields. */
  readonly fields?: readonly WireField[];
  /** array: the items; map: the values. */
  readonly element?: WireSlot;
  /** union of several types: the non-null branches, in order (parquet-avro's member0, member1, …). */
  readonly members?: readonly WireSlot[];
}

/** A place holding a value: a record field, array items, map values, a union member. */
export interface WireSlot {
  readonly type: ColumnType;
  readonly wire: WireType;
  readonly nullable: boolean;
}

export interface WireField extends WireSlot {
  readonly name: string;
  readonly hasDefault: boolean;
  /** The default in the column representation (only meaningful when hasDefault). */
  readonly defaultValue: unknown;
  readonly aliases: readonly string[];
}

export type JsonFlavor = 'avro-json' | 'json';
export type Converter = (v: unknown) => unknown;

/** How nested records treat fields they lack or do not know (the record coercer's options, at every depth). */
export interface NestedOptions {
  extraFields?: 'refuse' | 'ignore';
  missingNullable?: 'refuse' | 'null';
}

/** A value that does not fit; `reason` adds what a bare "expected T, got V" would not say. */
export class Mismatch {
  constructor(readonly reason?: string) {}
}

/** A mismatch inside a nested value: `path` from the enclosing value (".address.zip", "[2].sku", '["k"]'). */
export class PathMismatch extends Mismatch {
  constructor(
    readonly path: string,
    readonly expected: string,
    readonly value: unknown,
    reason?: string,
  ) {
    super(reason);
  }
}

const FLOAT_MAX = 3.4028234663852886e38;
const INT_STRING = /^-?\d{1,20}$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}(?:==)?|[A-Za-z0-9+/]{3}=?)?$/;
// Date, time to the minute at least, optional seconds and fraction, and a mandatory zone: without one
// the instant would depend on the worker's time zone.
const ISO_TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?(?:([Zz])|([+-])(\d{2}):?(\d{2}))$/;
const ISO_LOCAL_TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?()()$/;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const MS_PER_DAY = 86_400_000;
const NO_REASON = new Mismatch();

/** The converter for a column in the given flavour, including null and union handling. */
export function compileConverter(column: ColumnSpec, wire: WireType, flavor: JsonFlavor, options: NestedOptions = {}): Converter {
  const base = baseConverter(column, wire, flavor, options);
  if (!column.nullable) return base;
  const branch = wire.branch;
  const shortBranch = branch.includes('.') ? branch.slice(branch.lastIndexOf('.') + 1) : undefined;
  // A union of several types unwraps its own branches.
  if (wire.avro === 'union') return (v) => (v === null || isWrappedNull(v) ? null : base(v));
  return (v) => {
    if (v === null) return null;
    if (typeof v === 'object' && isPlainObject(v)) {
      // Avro JSON wraps a non-null union value in {"<branch>": value}.
      const key = singleKey(v as Record<string, unknown>);
      if (key === branch || (key !== undefined && key === shortBranch)) return base((v as Record<string, unknown>)[key]);
      if (key === 'null' && (v as Record<string, unknown>)['null'] === null) return null;
      // A record or map value is itself an object: only a single key naming the branch is a wrapper.
      if (wire.avro !== 'record' && wire.avro !== 'map') throw NO_REASON;
    }
    return base(v);
  };
}

function isWrappedNull(v: unknown): boolean {
  return typeof v === 'object' && v !== null && isPlainObject(v) && singleKey(v as Record<string, unknown>) === 'null' && (v as Record<string, unknown>)['null'] === null;
}

/** The converter for a value of the column's non-null type (a union default is one: Avro never wraps it). */
export function baseConverter(column: ColumnSpec, wire: WireType, flavor: JsonFlavor, options: NestedOptions = {}): Converter {
  const t = column.type;
  switch (t.kind) {
    case 'record':
      return recordConverter(wire.fields ?? [], flavor, options);
    case 'array':
      return arrayConverter(wire.element!, flavor, options);
    case 'map':
      return mapConverter(wire.element!, flavor, options);
    case 'union':
      return unionConverter(wire.members ?? [], flavor, options);
    case 'time-millis':
      return toTimeMillis;
    case 'time-micros':
      return toTimeMicros;
    case 'local-timestamp-millis':
      return (v) => toTimestampMillis(v, true);
    case 'local-timestamp-micros':
      return (v) => toTimestampMicros(v, true);
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
      return (v) => toTimestampMillis(v, false);
    case 'timestamp-micros':
      return (v) => toTimestampMicros(v, false);
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

/** What a slot's converter expects, for messages. */
function slotExpected(slot: WireSlot): string {
  return describeExpected({ name: '', type: slot.type, nullable: slot.nullable }, slot.wire);
}

/** Runs `convert` on a value at `path`, turning a mismatch into one that names the path. */
function at(path: string, slot: WireSlot, convert: Converter, v: unknown): unknown {
  try {
    return convert(v);
  } catch (e) {
    if (e instanceof PathMismatch) throw new PathMismatch(path + e.path, e.expected, e.value, e.reason);
    if (e instanceof Mismatch) throw new PathMismatch(path, slotExpected(slot), v, e.reason);
    throw e;
  }
}

/** Sets a property, also one named like an Object.prototype member ("__proto__"), as an own data property. */
export function setOwn(o: Record<string, unknown>, key: string, value: unknown): void {
  if (key in Object.prototype) Object.defineProperty(o, key, { value, enumerable: true, writable: true, configurable: true });
  else o[key] = value;
}

function getOwn(o: Record<string, unknown>, key: string): unknown {
  return key in Object.prototype ? (Object.hasOwn(o, key) ? Object.getOwnPropertyDescriptor(o, key)?.value : undefined) : o[key];
}

const MISSING_FIELD = new Mismatch('missing, and the schema gives no default');

function recordConverter(fields: readonly WireField[], flavor: JsonFlavor, options: NestedOptions): Converter {
  const convs = fields.map((f) => compileConverter({ name: f.name, type: f.type, nullable: f.nullable }, f.wire, flavor, options));
  const known = new Set(fields.map((f) => f.name));
  const nullForMissing = options.missingNullable === 'null';
  const refuseExtra = (options.extraFields ?? 'refuse') === 'refuse';
  return (v) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v) || v instanceof Uint8Array || v instanceof Date) throw NO_REASON;
    const obj = v as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    let present = 0;
    for (let k = 0; k < fields.length; k++) {
      const f = fields[k]!;
      const x = getOwn(obj, f.name);
      let value: unknown;
      if (x === undefined) {
        if (f.hasDefault) value = f.defaultValue;
        else if (f.nullable && nullForMissing) value = null;
        else throw new PathMismatch(`.${f.name}`, slotExpected(f), undefined, MISSING_FIELD.reason);
      } else {
        present++;
        value = at(`.${f.name}`, f, convs[k]!, x);
      }
      setOwn(out, f.name, value);
    }
    if (refuseExtra && Object.keys(obj).length !== present) {
      const extra = Object.keys(obj).filter((key) => !known.has(key));
      if (extra.length > 0) throw new Mismatch(`field${extra.length > 1 ? 's' : ''} ${extra.slice(0, 10).join(', ')} not in the record schema`);
    }
    return out;
  };
}

function arrayConverter(items: WireSlot, flavor: JsonFlavor, options: NestedOptions): Converter {
  const conv = compileConverter({ name: '', type: items.type, nullable: items.nullable }, items.wire, flavor, options);
  return (v) => {
    if (!Array.isArray(v)) throw NO_REASON;
    const out = new Array<unknown>(v.length);
    for (let k = 0; k < v.length; k++) out[k] = at(`[${k}]`, items, conv, v[k]);
    return out;
  };
}

function mapConverter(values: WireSlot, flavor: JsonFlavor, options: NestedOptions): Converter {
  const conv = compileConverter({ name: '', type: values.type, nullable: values.nullable }, values.wire, flavor, options);
  return (v) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v) || v instanceof Uint8Array || v instanceof Date) throw NO_REASON;
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(v)) setOwn(out, key, at(`[${JSON.stringify(key)}]`, values, conv, getOwn(v as Record<string, unknown>, key)));
    return out;
  };
}

/** A union of several types: Avro JSON names the branch ({"int": 5}); plain JSON gives the bare value, and the
 *  first branch that takes it wins (so put the narrower type first: ["int", "string"], not the reverse). */
function unionConverter(members: readonly WireSlot[], flavor: JsonFlavor, options: NestedOptions): Converter {
  const convs = members.map((m) => baseConverter({ name: '', type: m.type, nullable: false }, m.wire, flavor, options));
  const byBranch = new Map<string, number>();
  members.forEach((m, i) => {
    byBranch.set(m.wire.branch, i);
    const b = m.wire.branch;
    if (b.includes('.')) byBranch.set(b.slice(b.lastIndexOf('.') + 1), i);
  });
  const result = (i: number, value: unknown): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (let k = 0; k < members.length; k++) out[unionMemberName(k)] = k === i ? value : null;
    return out;
  };
  return (v) => {
    if (typeof v === 'object' && v !== null && isPlainObject(v)) {
      const key = singleKey(v as Record<string, unknown>);
      const i = key === undefined ? undefined : byBranch.get(key);
      if (i !== undefined) return result(i, at('', members[i]!, convs[i]!, (v as Record<string, unknown>)[key!]));
    }
    let deepest: PathMismatch | undefined;
    for (let i = 0; i < members.length; i++) {
      try {
        return result(i, convs[i]!(v));
      } catch (e) {
        if (!(e instanceof Mismatch)) throw e;
        // A record branch that took the value but failed inside explains more than "expected one of …".
        if (e instanceof PathMismatch && deepest === undefined) deepest = e;
      }
    }
    if (deepest !== undefined && members.filter((m) => m.wire.avro === 'record').length === 1) throw deepest;
    throw NO_REASON;
  };
}

function toTimeMillis(v: unknown): number {
  if (typeof v === 'number') {
    if (Number.isInteger(v) && v >= 0 && v < MS_PER_DAY) return v;
    throw new Mismatch('not a whole number of milliseconds after midnight (0 to 86399999)');
  }
  if (typeof v === 'string') {
    const t = parseIsoTime(v);
    return Math.floor(t / 1000);
  }
  if (typeof v === 'bigint' && v >= 0n && v < BigInt(MS_PER_DAY)) return Number(v);
  throw NO_REASON;
}

function toTimeMicros(v: unknown): number {
  if (typeof v === 'number' || typeof v === 'bigint') {
    const n = Number(v);
    if (Number.isInteger(n) && n >= 0 && n < MS_PER_DAY * 1000) return n;
    throw new Mismatch('not a whole number of microseconds after midnight (0 to 86399999999)');
  }
  if (typeof v === 'string') return parseIsoTime(v);
  throw NO_REASON;
}

const ISO_TIME = /^(\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?$/;

/** Microseconds after midnight of "HH:MM[:SS[.ffffff]]". */
function parseIsoTime(s: string): number {
  const m = ISO_TIME.exec(s);
  if (m === null) throw new Mismatch('not a time of day as HH:MM:SS[.ffffff] or a number');
  const [h, mi, sec] = [Number(m[1]), Number(m[2]), m[3] === undefined ? 0 : Number(m[3])];
  if (h > 23 || mi > 59 || sec > 59) throw new Mismatch('not a valid time of day');
  const frac = (m[4] ?? '').padEnd(6, '0').slice(0, 6);
  return ((h * 60 + mi) * 60 + sec) * 1_000_000 + Number(frac);
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

/** `local`: a wall-clock timestamp (local-timestamp-*), whose text form has no zone. */
function toTimestampMillis(v: unknown, local: boolean): number {
  if (typeof v === 'number') {
    if (Number.isSafeInteger(v)) return v;
    throw new Mismatch('not a whole number of milliseconds since the epoch');
  }
  if (typeof v === 'string') {
    if (INT_STRING.test(v)) return safeNumber(BigInt(v));
    const t = parseIsoTimestamp(v, local);
    return t.ms;
  }
  if (v instanceof Date) return validDateMs(v);
  if (typeof v === 'bigint') return safeNumber(v);
  throw NO_REASON;
}

function toTimestampMicros(v: unknown, local: boolean): number | bigint {
  if (typeof v === 'number') {
    if (Number.isSafeInteger(v)) return v;
    throw new Mismatch(Number.isInteger(v) ? 'beyond ±2^53, so precision was already lost; send it as a string' : 'not a whole number of microseconds since the epoch');
  }
  if (typeof v === 'string') {
    if (INT_STRING.test(v)) return toLong(v);
    const t = parseIsoTimestamp(v, local);
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

/** Milliseconds of an ISO-8601 timestamp with a zone, plus the microseconds within the millisecond. A `local`
 *  (wall-clock) timestamp is written without a zone instead, and read as if it were UTC, as Avro defines it. */
export function parseIsoTimestamp(s: string, local = false): { ms: number; extraMicros: number } {
  const m = (local ? ISO_LOCAL_TIMESTAMP : ISO_TIMESTAMP).exec(s);
  if (m === null) throw new Mismatch(local ? 'not epoch time or an ISO-8601 timestamp without a zone (a wall-clock time)' : 'not epoch time or an ISO-8601 timestamp with a zone (Z or ±hh:mm)');
  const [y, mo, d, h, mi] = [Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5])];
  const sec = m[6] === undefined ? 0 : Number(m[6]);
  if (h > 23 || mi > 59 || sec > 59) throw new Mismatch('not a valid time of day');
  const days = utcDays(y, mo, d);
  const frac = (m[7] ?? '').padEnd(6, '0');
  let offsetMin = 0;
  if (m[8] === undefined && m[9] !== undefined) {
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
  else if (wire.avro === 'record') base = `record ${shortName(wire.branch)}`;
  else if (wire.avro === 'array') base = `array of ${slotExpected(wire.element!)}`;
  else if (wire.avro === 'map') base = `map of ${slotExpected(wire.element!)}`;
  else if (wire.avro === 'union') base = `one of ${(wire.members ?? []).map(slotExpected).join(', ')}`;
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
