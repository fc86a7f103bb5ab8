// avsc types for table schemas: the logical types a column can carry, and a long that keeps values beyond
// ±2^53 exact (as bigint). Decoding Avro binary with these yields the column model's representation directly
// (column-spec.ts): timestamps and dates stay numbers, decimals become exact strings ("12.30"), uuids strings,
// so a record read from binary needs no second conversion. Encoding accepts the same representation.
// Invariant: a logical type whose parameters are invalid throws at parse time (assertLogicalTypes) instead of
// silently falling back to its underlying type, so a schema never means something other than what it says.

import * as avro from 'avsc';
import { decimalFromNumber, decimalFromText, decimalFromUnscaled, decimalToUnscaled, maxFixedPrecision, unscaledFromBytes, unscaledToBytes, type DecimalSpec } from './decimal';

const UUID_TEXT = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;
const SAFE_MIN = BigInt(Number.MIN_SAFE_INTEGER);
const SAFE_MAX = BigInt(Number.MAX_SAFE_INTEGER);

export function isUuidText(s: string): boolean {
  return UUID_TEXT.test(s);
}

/** A long as the column model holds it: a number when exact, else a bigint. Undefined when out of int64 range. */
export function normalizeLong(v: bigint): number | bigint | undefined {
  if (v < INT64_MIN || v > INT64_MAX) return undefined;
  return v >= SAFE_MIN && v <= SAFE_MAX ? Number(v) : v;
}

function underlyingName(t: avro.types.LogicalType): string {
  return t.underlyingType.typeName === 'abstract:long' ? 'long' : t.underlyingType.typeName;
}

/** Resolution from a writer type: the same logical type (already converted by the writer's reader) passes
 *  through; the bare underlying primitive is converted. Anything else is not resolvable (avsc then throws). */
function resolveFrom(self: avro.types.LogicalType, writer: avro.Type, same: (w: avro.Type) => boolean, fromValue: (v: unknown) => unknown): ((v: unknown) => unknown) | undefined {
  if (writer.typeName === self.typeName && same(writer)) return (v) => v;
  const w = writer.typeName === 'abstract:long' ? 'long' : writer.typeName;
  if (w === underlyingName(self)) return fromValue;
  return undefined;
}

/** An integer logical type whose values stay integers (the column model's representation): timestamps, local
 *  timestamps, times and dates. `fromDate` also accepts a JS Date when encoding; `bigints` accepts bigints. */
function integerLogicalType(label: string, underlying: 'int' | 'long', fromDate: ((d: Date) => number) | undefined, bigints: boolean): typeof avro.types.LogicalType {
  return class extends avro.types.LogicalType {
    constructor(schema: avro.Schema, opts?: unknown) {
      super(schema, opts);
      if (underlyingName(this) !== underlying) throw new Error(`${label} annotates ${underlying}, not ${underlyingName(this)}`);
    }
    protected override _fromValue(v: number): number {
      return v;
    }
    protected override _toValue(v: unknown): unknown {
      if (v instanceof Date && fromDate !== undefined) return fromDate(v);
      // The underlying avsc long holds only safe integers; bigints in that range are accepted as numbers.
      if (bigints && typeof v === 'bigint') return normalizeLong(v);
      return v;
    }
    protected override _resolve(type: avro.Type): unknown {
      return resolveFrom(this, type, () => true, (v) => v);
    }
  };
}

export const TimestampMillisType = integerLogicalType('timestamp-millis', 'long', (d) => d.getTime(), false);
export const TimestampMicrosType = integerLogicalType('timestamp-micros', 'long', (d) => d.getTime() * 1000, true);
export const LocalTimestampMillisType = integerLogicalType('local-timestamp-millis', 'long', undefined, false);
export const LocalTimestampMicrosType = integerLogicalType('local-timestamp-micros', 'long', undefined, true);
export const TimeMillisType = integerLogicalType('time-millis', 'int', undefined, false);
export const TimeMicrosType = integerLogicalType('time-micros', 'long', undefined, true);
export const DateType = integerLogicalType('date', 'int', (d) => Math.floor(d.getTime() / 86_400_000), false);

export class DecimalType extends avro.types.LogicalType {
  readonly precision: number;
  readonly scale: number;
  /** Byte size for decimal on fixed; undefined on bytes. */
  readonly size: number | undefined;

  constructor(schema: avro.Schema, opts?: unknown) {
    super(schema, opts);
    const s = schema as { precision?: unknown; scale?: unknown };
    const under = underlyingName(this);
    if (under !== 'bytes' && under !== 'fixed') throw new Error(`decimal annotates bytes or fixed, not ${under}`);
    if (!Number.isInteger(s.precision) || (s.precision as number) < 1) throw new Error(`decimal needs an integer "precision" of at least 1 (got ${JSON.stringify(s.precision)})`);
    const scale = s.scale === undefined ? 0 : s.scale;
    if (!Number.isInteger(scale) || (scale as number) < 0 || (scale as number) > (s.precision as number)) {
      throw new Error(`decimal "scale" must be an integer from 0 to the precision ${String(s.precision)} (got ${JSON.stringify(s.scale)})`);
    }
    this.precision = s.precision as number;
    this.scale = scale as number;
    this.size = under === 'fixed' ? (this.underlyingType as unknown as { size: number }).size : undefined;
    if (this.size !== undefined && this.precision > maxFixedPrecision(this.size)) {
      throw new Error(`decimal precision ${this.precision} does not fit a fixed of ${this.size} bytes (at most ${maxFixedPrecision(this.size)})`);
    }
  }

  get spec(): DecimalSpec {
    return { precision: this.precision, scale: this.scale };
  }

  protected override _fromValue(v: Buffer): string {
    return decimalFromUnscaled(unscaledFromBytes(v), this.spec);
  }
  protected override _toValue(v: unknown): unknown {
    let text: string;
    if (typeof v === 'string') text = decimalFromText(v, this.spec);
    else if (typeof v === 'number') text = decimalFromNumber(v, this.spec);
    else if (typeof v === 'bigint') text = decimalFromText(v.toString(), this.spec);
    else return undefined;
    return unscaledToBytes(decimalToUnscaled(text, this.spec), this.size);
  }
  protected override _resolve(type: avro.Type): unknown {
    const same = (w: avro.Type): boolean => {
      const d = w as unknown as DecimalType;
      return d.precision === this.precision && d.scale === this.scale;
    };
    // A bare bytes/fixed writer holds unscaled integers at this scale (Avro's resolution ignores logical types).
    return resolveFrom(this, type, same, (v) => this._fromValue(v as Buffer));
  }
}

export class UuidType extends avro.types.LogicalType {
  constructor(schema: avro.Schema, opts?: unknown) {
    super(schema, opts);
    if (underlyingName(this) !== 'string') throw new Error(`uuid is supported on string only, not ${underlyingName(this)}`);
  }
  protected override _fromValue(v: string): string {
    if (!UUID_TEXT.test(v)) throw new Error(`not a UUID: ${JSON.stringify(v.slice(0, 60))}`);
    return v;
  }
  protected override _toValue(v: unknown): unknown {
    return typeof v === 'string' && UUID_TEXT.test(v) ? v : undefined;
  }
  protected override _resolve(type: avro.Type): unknown {
    return resolveFrom(this, type, () => true, (v) => this._fromValue(v as string));
  }
}

export const LOGICAL_TYPES = {
  'timestamp-millis': TimestampMillisType,
  'timestamp-micros': TimestampMicrosType,
  'local-timestamp-millis': LocalTimestampMillisType,
  'local-timestamp-micros': LocalTimestampMicrosType,
  'time-millis': TimeMillisType,
  'time-micros': TimeMicrosType,
  date: DateType,
  decimal: DecimalType,
  uuid: UuidType,
} as const;

/** Avro logical types the column model cannot hold yet. Avro would treat them as their underlying type, which
 *  would write e.g. a time-millis as a plain int column while the schema says time: refused instead. */
export const UNSUPPORTED_LOGICAL_TYPES: ReadonlySet<string> = new Set([
  'local-timestamp-nanos',
  'timestamp-nanos',
  'duration',
  'big-decimal',
]);

/** A long whose values beyond ±2^53 decode to bigint instead of failing ('potential precision loss'). */
const EXACT_LONG = avro.types.LongType.__with({
  fromBuffer(buf: Buffer): number | bigint {
    const lo = buf.readUInt32LE(0);
    const hi = buf.readInt32LE(4);
    // |hi| < 2^21 keeps hi·2^32 + lo within the safe range.
    if (hi >= -0x200000 && hi < 0x200000) return hi * 0x100000000 + lo;
    return normalizeLong(buf.readBigInt64LE(0)) as number | bigint;
  },
  toBuffer(v: number | bigint): Buffer {
    const buf = Buffer.alloc(8);
    buf.writeBigInt64LE(BigInt(v));
    return buf;
  },
  fromJSON(v: unknown): number | bigint {
    return typeof v === 'string' ? (normalizeLong(BigInt(v)) as number | bigint) : (v as number);
  },
  toJSON(v: number | bigint): number | string {
    return typeof v === 'bigint' ? v.toString() : v;
  },
  isValid(v: unknown): boolean {
    if (typeof v === 'number') return Number.isSafeInteger(v);
    return typeof v === 'bigint' && v >= INT64_MIN && v <= INT64_MAX;
  },
  compare(a: number | bigint, b: number | bigint): number {
    return a < b ? -1 : a > b ? 1 : 0;
  },
});

function exactLongHook(schema: unknown): avro.Type | undefined {
  if (schema === 'long') return EXACT_LONG;
  if (typeof schema === 'object' && schema !== null && !Array.isArray(schema)) {
    const s = schema as { type?: unknown; logicalType?: unknown };
    if (s.type === 'long' && s.logicalType === undefined) return EXACT_LONG;
  }
  return undefined;
}

export interface AvroTypeOptions {
  /** Wrap every union of several non-null types ({"int": 5}), leaving only [null, T] unwrapped. avsc's 'auto' leaves
   *  a union such as ["int", "long"] unwrapped because the exact long is an abstract type it does not bucket, and
   *  then cannot encode a number into it ("ambiguous conversion"); encoders of arbitrary schemas need this. */
  wrapUnionsOfSeveral?: boolean;
}

/** Parses an Avro schema (JSON value) into an avsc type with this module's logical types. Throws avsc's or a
 *  logical type's Error for an invalid schema. */
export function avroTypeFor(schema: unknown, options: AvroTypeOptions = {}): avro.Type {
  const hook = (s: unknown, opts: avro.ForSchemaOptions): avro.Type | undefined => {
    const long = exactLongHook(s);
    if (long !== undefined || !options.wrapUnionsOfSeveral || !Array.isArray(s) || s.filter((b) => b !== 'null').length < 2) return long;
    // Nested types inherit the wrapping, which decoders of wrapped unions handle at any depth.
    return avro.Type.forSchema(s as avro.Schema, { ...opts, wrapUnions: 'always', typeHook: ((x: unknown, o: avro.ForSchemaOptions) => (x === s ? undefined : hook(x, o))) as never });
  };
  return avro.Type.forSchema(schema as avro.Schema, {
    logicalTypes: LOGICAL_TYPES,
    assertLogicalTypes: true,
    typeHook: hook as never,
    wrapUnions: 'auto',
  });
}
