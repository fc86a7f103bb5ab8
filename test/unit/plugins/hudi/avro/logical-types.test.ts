import * as avro from 'avsc';
import { describe, expect, it } from 'vitest';
import { avroTypeFor, normalizeLong } from '../../../../../plugins/hudi/avro/logical-types';
import { unscaledToBytes } from '../../../../../plugins/hudi/avro/decimal';

const RECORD = {
  type: 'record',
  name: 'AllLogical',
  fields: [
    { name: 'tsMs', type: { type: 'long', logicalType: 'timestamp-millis' } },
    { name: 'tsUs', type: { type: 'long', logicalType: 'timestamp-micros' } },
    { name: 'day', type: { type: 'int', logicalType: 'date' } },
    { name: 'price', type: { type: 'bytes', logicalType: 'decimal', precision: 10, scale: 2 } },
    { name: 'amount', type: { type: 'fixed', name: 'Amount', size: 5, logicalType: 'decimal', precision: 11, scale: 3 } },
    { name: 'id', type: { type: 'string', logicalType: 'uuid' } },
    { name: 'big', type: 'long' },
    { name: 'maybe', type: ['null', { type: 'long', logicalType: 'timestamp-millis' }] },
  ],
};

const ROW = {
  tsMs: 1_700_000_000_123,
  tsUs: 1_700_000_000_123_456,
  day: 19_675,
  price: '-12.30',
  amount: '12345678.901',
  id: '123e4567-e89b-12d3-a456-426614174000',
  big: 2n ** 60n + 1n,
  maybe: null,
};

describe('logical types', () => {
  it('avroTypeFor decodes Avro binary straight into the column representation', () => {
    const type = avroTypeFor(RECORD);
    const decoded = type.fromBuffer(type.toBuffer(ROW)) as Record<string, unknown>;
    expect({ ...decoded }).toEqual(ROW);
  });

  it('avroTypeFor reads bytes written by plain avsc (no logical types) with the same meaning', () => {
    // An independent writer: avsc without our classes writes the underlying values.
    const plain = avro.Type.forSchema(RECORD as avro.Schema);
    const buf = plain.toBuffer({
      tsMs: 1_700_000_000_123,
      tsUs: 1_700_000_000_123_456,
      day: 19_675,
      price: unscaledToBytes(-1230n),
      amount: unscaledToBytes(12_345_678_901n, 5),
      id: '123e4567-e89b-12d3-a456-426614174000',
      big: 42,
      maybe: 5,
    });
    const decoded = avroTypeFor(RECORD).fromBuffer(buf) as Record<string, unknown>;
    expect({ ...decoded }).toEqual({ ...ROW, big: 42, maybe: 5 });
  });

  it('avroTypeFor encodes what plain avsc decodes to the same underlying values', () => {
    const bytes = avroTypeFor(RECORD).toBuffer({ ...ROW, tsMs: new Date(1_700_000_000_123), big: -7 });
    const back = avro.Type.forSchema(RECORD as avro.Schema).fromBuffer(bytes) as Record<string, unknown>;
    expect(back['tsMs']).toBe(1_700_000_000_123);
    expect((back['price'] as Buffer).equals(unscaledToBytes(-1230n))).toBe(true);
    expect((back['amount'] as Buffer).length).toBe(5);
    expect(back['big']).toBe(-7);
  });

  it('avroTypeFor resolves a writer that used the bare underlying type', () => {
    const writer = avro.Type.forSchema({ type: 'record', name: 'AllLogical', fields: [{ name: 'tsMs', type: 'long' }, { name: 'price', type: 'bytes' }] });
    const reader = avroTypeFor({ type: 'record', name: 'AllLogical', fields: [RECORD.fields[0], RECORD.fields[3]] });
    const resolver = reader.createResolver(writer);
    const decoded = reader.fromBuffer(writer.toBuffer({ tsMs: 5, price: unscaledToBytes(250n) }), resolver) as Record<string, unknown>;
    expect({ ...decoded }).toEqual({ tsMs: 5, price: '2.50' });
  });

  it('avroTypeFor refuses a decimal whose scale differs from the writer', () => {
    const writer = avroTypeFor({ type: 'bytes', logicalType: 'decimal', precision: 10, scale: 3 });
    const reader = avroTypeFor({ type: 'bytes', logicalType: 'decimal', precision: 10, scale: 2 });
    expect(() => reader.createResolver(writer)).toThrow();
  });

  it('avroTypeFor throws for invalid logical type parameters instead of ignoring them', () => {
    expect(() => avroTypeFor({ type: 'int', logicalType: 'timestamp-millis' })).toThrow('timestamp-millis annotates long, not int');
    expect(() => avroTypeFor({ type: 'long', logicalType: 'date' })).toThrow('date annotates int, not long');
    expect(() => avroTypeFor({ type: 'bytes', logicalType: 'decimal' })).toThrow('"precision"');
    expect(() => avroTypeFor({ type: 'bytes', logicalType: 'decimal', precision: 4, scale: 5 })).toThrow('"scale"');
    expect(() => avroTypeFor({ type: 'fixed', name: 'F', size: 2, logicalType: 'decimal', precision: 5 })).toThrow('does not fit a fixed of 2 bytes (at most 4)');
    expect(() => avroTypeFor({ type: 'fixed', name: 'U', size: 16, logicalType: 'uuid' })).toThrow('uuid is supported on string only');
  });

  it('uuid decoding refuses a string that is not a UUID', () => {
    const buf = avro.Type.forSchema('string').toBuffer('not-a-uuid');
    expect(() => avroTypeFor({ type: 'string', logicalType: 'uuid' }).fromBuffer(buf)).toThrow('not a UUID');
  });

  it('long keeps values beyond 2^53 exact as bigint and safe values as numbers', () => {
    const t = avroTypeFor('long');
    for (const v of [0, -1, 2 ** 53 - 1, -(2 ** 53 - 1), 2n ** 63n - 1n, -(2n ** 63n), 2n ** 53n]) {
      expect(t.fromBuffer(t.toBuffer(v))).toBe(v);
    }
    expect(t.isValid(2n ** 63n)).toBe(false);
    expect(t.isValid(1.5)).toBe(false);
    expect(normalizeLong(5n)).toBe(5);
    expect(normalizeLong(2n ** 64n)).toBeUndefined();
  });
});
