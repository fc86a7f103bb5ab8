// Coercion of nested Avro values (schemas/nested-event.avsc: records in arrays in maps, nullable at every
// level, enum, fixed, a union of several types, decimals on bytes and fixed, every logical type) from Avro JSON
// with wrapped unions, plain JSON and Avro binary into the same row; refusals name the field path.

import * as fs from 'node:fs';
import * as path from 'node:path';
import * as avro from 'avsc';
import { describe, expect, it } from 'vitest';
import { createRecordCoercer } from '../../../../../plugins/hudi/avro/record-coercer';
import { parseTableSchema, type TableSchema } from '../../../../../plugins/hudi/avro/table-schema';
import { repoRoot } from '../../../../helpers/build';

const SCHEMA: TableSchema = parseTableSchema(fs.readFileSync(path.join(repoRoot, 'schemas', 'nested-event.avsc'), 'utf8'), { source: 'nested-event.avsc' });

const GEO = Buffer.from([0x75, 0x39, 0x00, 0xff, 0x10, 0x20, 0x30, 0x40]);
const CHECKSUM = Buffer.from([0xde, 0xad, 0xbe, 0xef]);

/** The row every encoding below must become (column representation). */
const ROW = {
  eventId: 'e1',
  version: 3,
  region: 'eu',
  kind: 'UPDATED',
  occurredAt: 1_700_000_000_123_456,
  recordedAt: 1_700_000_000_123,
  localTime: 1_700_000_000_654_321,
  day: 19_700,
  timeOfDay: 45_296_789,
  timeOfDayMicros: 45_296_789_123,
  traceId: '7c9e6679-7425-40de-944b-e07fc1f90ae7',
  checksum: CHECKSUM,
  total: '1234.50',
  customer: { name: 'Ann', tier: 'GOLD', address: { street: null, zip: 1234, geo: GEO } },
  orders: {
    o1: [{ sku: 'A', qty: 2, price: '12.3400', tags: ['x', 'y'] }, null, { sku: 'B', qty: null, price: '-0.0001', tags: [] }],
    o2: null,
    o3: [],
  },
  attributes: { a: 1, b: null },
  payload: { member0: null, member1: null, member2: { x: 1.5, y: -2 } },
  _hoodie_is_deleted: false,
};

/** The same event as Java's JsonEncoder writes it: unions wrapped by branch name, bytes as ISO-8859-1. */
const AVRO_JSON = {
  eventId: 'e1',
  version: 3,
  region: 'eu',
  kind: 'UPDATED',
  occurredAt: 1_700_000_000_123_456,
  recordedAt: { long: 1_700_000_000_123 },
  localTime: { long: 1_700_000_000_654_321 },
  day: 19_700,
  timeOfDay: { int: 45_296_789 },
  timeOfDayMicros: { long: 45_296_789_123 },
  traceId: '7c9e6679-7425-40de-944b-e07fc1f90ae7',
  checksum: CHECKSUM.toString('latin1'),
  total: unscaledLatin1(123450n, 3),
  customer: { 'tributary.example.Customer': { name: 'Ann', tier: { 'tributary.example.Tier': 'GOLD' }, address: { 'tributary.example.Address': { street: null, zip: 1234, geo: { 'tributary.example.GeoHash': GEO.toString('latin1') } } } } },
  orders: {
    map: {
      o1: {
        array: [
          { 'tributary.example.Line': { sku: 'A', qty: { int: 2 }, price: unscaledLatin1(123400n, 9), tags: ['x', 'y'] } },
          null,
          { 'tributary.example.Line': { sku: 'B', qty: null, price: unscaledLatin1(-1n, 9), tags: [] } },
        ],
      },
      o2: null,
      o3: { array: [] },
    },
  },
  attributes: { a: { long: 1 }, b: null },
  payload: { 'tributary.example.Point': { x: 1.5, y: -2 } },
  _hoodie_is_deleted: false,
};

/** Plain JSON: unions unwrapped, ISO timestamps, decimal text, base64 bytes; defaults left out. */
const PLAIN_JSON = {
  eventId: 'e1',
  version: 3,
  region: 'eu',
  kind: 'UPDATED',
  occurredAt: '2023-11-14T22:13:20.123456Z',
  recordedAt: '2023-11-14T22:13:20.123Z',
  localTime: '2023-11-14T22:13:20.654321',
  day: '2023-12-09',
  timeOfDay: '12:34:56.789',
  timeOfDayMicros: '12:34:56.789123',
  traceId: '7c9e6679-7425-40de-944b-e07fc1f90ae7',
  checksum: CHECKSUM.toString('base64'),
  total: '1234.5',
  customer: { name: 'Ann', tier: 'GOLD', address: { zip: 1234, geo: GEO.toString('base64') } },
  orders: { o1: [{ sku: 'A', qty: 2, price: 12.34, tags: ['x', 'y'] }, null, { sku: 'B', price: '-0.0001' }], o2: null, o3: [] },
  attributes: { a: 1, b: null },
  payload: { x: 1.5, y: -2 },
};

function unscaledLatin1(v: bigint, size: number): string {
  const hex = BigInt.asUintN(size * 8, v).toString(16).padStart(size * 2, '0');
  return Buffer.from(hex, 'hex').toString('latin1');
}

function failure(value: unknown): string {
  try {
    createRecordCoercer(SCHEMA, { encoding: 'json' }).coerce(value);
  } catch (e) {
    expect((e as { code?: string }).code).toBe('CONVERSION_FAILED');
    return (e as Error).message;
  }
  throw new Error('expected coerce to throw');
}

describe('nested records', () => {
  it('coerce Avro JSON with wrapped unions at every depth yields the row', () => {
    expect(createRecordCoercer(SCHEMA).coerce(JSON.stringify(AVRO_JSON))).toEqual(ROW);
    expect(createRecordCoercer(SCHEMA, { encoding: 'avro-json' }).coerce(AVRO_JSON)).toEqual(ROW);
  });

  it('coerce plain JSON with unwrapped unions, text forms and nested defaults yields the row', () => {
    expect(createRecordCoercer(SCHEMA, { encoding: 'json' }).coerce(JSON.stringify(PLAIN_JSON))).toEqual(ROW);
  });

  it('coerce Avro binary written by plain avsc yields the row', () => {
    const writer = avro.Type.forSchema(JSON.parse(fs.readFileSync(path.join(repoRoot, 'schemas', 'nested-event.avsc'), 'utf8')) as avro.Schema, { wrapUnions: true });
    const buf = writer.toBuffer(writer.fromString(JSON.stringify(AVRO_JSON)));
    expect(createRecordCoercer(SCHEMA, { encoding: 'avro-binary' }).coerce(buf)).toEqual(ROW);
    expect(createRecordCoercer(SCHEMA).coerce(buf)).toEqual(ROW);
  });

  it('coerce typed JS values (Buffers, bigints, already-grouped unions) yields the row', () => {
    expect(createRecordCoercer(SCHEMA, { encoding: 'json' }).coerce({ ...ROW, occurredAt: 1_700_000_000_123_456n, payload: { 'tributary.example.Point': { x: 1.5, y: -2 } } })).toEqual(ROW);
  });

  it('coerce a multi-type union picks the branch by wrapper name or, unwrapped, the first that takes the value', () => {
    const c = createRecordCoercer(SCHEMA, { encoding: 'json' });
    const payload = (p: unknown) => c.coerce({ ...PLAIN_JSON, payload: p })['payload'];
    expect(payload(5)).toEqual({ member0: 5, member1: null, member2: null });
    expect(payload('five')).toEqual({ member0: null, member1: 'five', member2: null });
    // A string of digits is a long in plain JSON (how longs beyond 2^53 travel), and long is the first branch.
    expect(payload('5')).toEqual({ member0: 5, member1: null, member2: null });
    expect(payload({ string: 'five' })).toEqual({ member0: null, member1: 'five', member2: null });
    expect(payload({ long: '9007199254740993' })).toEqual({ member0: 9_007_199_254_740_993n, member1: null, member2: null });
    expect(payload(null)).toBeNull();
  });

  it('coerce refusals name the field path, the expected type and the value', () => {
    const withCustomer = (customer: unknown) => failure({ ...PLAIN_JSON, customer });
    expect(withCustomer({ name: 'Ann', address: { zip: 'x' } })).toBe('field customer.address.zip: expected int, got "x" (string)');
    expect(withCustomer({ name: 'Ann', address: { street: 'S' } })).toBe('field customer.address.zip: expected int, got no value (missing, and the schema gives no default)');
    expect(withCustomer({ name: 'Ann', tier: 'BRONZE' })).toBe('field customer.tier: expected enum Tier (GOLD, SILVER) or null, got "BRONZE" (string)');
    expect(withCustomer({ name: 'Ann', extra: 1 })).toBe('field customer: expected record Customer or null, got {"name":"Ann","extra":1} (object): field extra not in the record schema');
    expect(failure({ ...PLAIN_JSON, orders: { o1: [{ sku: 'A', price: '1.00001' }] } })).toBe(
      'field orders["o1"][0].price: expected decimal(20,4), got "1.00001" (string): more than 4 fraction digits',
    );
    expect(failure({ ...PLAIN_JSON, orders: { o1: [{ sku: 'A', price: '1', tags: [1] }] } })).toBe('field orders["o1"][0].tags[0]: expected string, got 1 (number)');
    expect(failure({ ...PLAIN_JSON, attributes: { a: 1.5 } })).toBe('field attributes["a"]: expected long or null, got 1.5 (number): not an integer');
    expect(failure({ ...PLAIN_JSON, payload: true })).toBe('field payload: expected one of long, string, record Point or null, got true (boolean)');
    expect(failure({ ...PLAIN_JSON, payload: { x: 1 } })).toBe('field payload.y: expected double, got no value (missing, and the schema gives no default)');
    expect(failure({ ...PLAIN_JSON, timeOfDay: 86_400_000 })).toBe('field timeOfDay: expected time-millis or null, got 86400000 (number): not a whole number of milliseconds after midnight (0 to 86399999)');
    expect(failure({ ...PLAIN_JSON, localTime: '2023-11-14T22:13:20Z' })).toBe(
      'field localTime: expected local-timestamp-micros or null, got "2023-11-14T22:13:20Z" (string): not epoch time or an ISO-8601 timestamp without a zone (a wall-clock time)',
    );
    expect(failure({ ...PLAIN_JSON, checksum: Buffer.alloc(3).toString('base64') })).toBe('field checksum: expected fixed Checksum (4 bytes), got "AAAA" (string): 3 bytes, the fixed type holds 4');
  });

  it('coerce broken nested Avro binary names the field where decoding stopped', () => {
    const writer = avro.Type.forSchema(JSON.parse(fs.readFileSync(path.join(repoRoot, 'schemas', 'nested-event.avsc'), 'utf8')) as avro.Schema, { wrapUnions: true });
    const buf = writer.toBuffer(writer.fromString(JSON.stringify(AVRO_JSON)));
    expect(() => createRecordCoercer(SCHEMA, { encoding: 'avro-binary' }).coerce(buf.subarray(0, buf.length - 8))).toThrow(/^field (attributes|payload|orders): expected .*got (no value|Avro binary)/);
  });
});
