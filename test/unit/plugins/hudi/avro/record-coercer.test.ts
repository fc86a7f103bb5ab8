import * as fs from 'node:fs';
import * as path from 'node:path';
import * as avro from 'avsc';
import { describe, expect, it } from 'vitest';
import { unscaledToBytes } from '../../../../../plugins/hudi/avro/decimal';
import { createRecordCoercer, type RecordCoercerOptions } from '../../../../../plugins/hudi/avro/record-coercer';
import { parseTableSchema, type TableSchema } from '../../../../../plugins/hudi/avro/table-schema';
import { repoRoot } from '../../../../helpers/build';

const load = (name: string): TableSchema => parseTableSchema(fs.readFileSync(path.join(repoRoot, 'schemas', name), 'utf8'), { source: name });
const ORDER = load('order.avsc');
const USER = load('user.avsc');

const ORDER_ROW = {
  orderId: 'ORD0000000001',
  orderStatus: 'FINISHED',
  userPhoneNo: '13800000000',
  prodId: 'P1001',
  prodName: 'Kung Pao Chicken',
  chargeMoney: 35.5,
  chargeTime: 1_704_067_200_000,
  finishTime: 1_704_069_000_000,
};

/** Avro JSON as Java's GenericDatumWriter + JsonEncoder writes an order (the seed's message format). */
const ORDER_AVRO_JSON =
  '{"orderId":"ORD0000000001","orderStatus":"FINISHED","userPhoneNo":"13800000000","prodId":"P1001","prodName":"Kung Pao Chicken","chargeMoney":35.5,"chargeTime":1704067200000,"finishTime":{"long":1704069000000}}';

/** The message the seed's Producer.java sends (user.avsc). */
const USER_AVRO_JSON = '{"name":"osgoo","favorite_number":{"int":256},"favorite_color":{"string":"white"}}';

/** The DataError message a coercion throws. */
function failure(schema: TableSchema, value: unknown, options?: RecordCoercerOptions): string {
  try {
    createRecordCoercer(schema, options).coerce(value);
  } catch (e) {
    expect((e as { code?: string }).code).toBe('CONVERSION_FAILED');
    expect((e as Error).name).toBe('DataError');
    return (e as Error).message;
  }
  throw new Error('expected coerce to throw');
}

const ALL = parseTableSchema({
  type: 'record',
  name: 'All',
  namespace: 'ns',
  fields: [
    { name: 's', type: 'string' },
    { name: 'b', type: 'boolean' },
    { name: 'i', type: 'int' },
    { name: 'l', type: 'long' },
    { name: 'f', type: 'float' },
    { name: 'd', type: 'double' },
    { name: 'by', type: 'bytes' },
    { name: 'e', type: { type: 'enum', name: 'Color', symbols: ['RED', 'GREEN'] } },
    { name: 'fx', type: { type: 'fixed', name: 'Four', size: 4 } },
    { name: 'tms', type: { type: 'long', logicalType: 'timestamp-millis' } },
    { name: 'tus', type: { type: 'long', logicalType: 'timestamp-micros' } },
    { name: 'day', type: { type: 'int', logicalType: 'date' } },
    { name: 'dec', type: { type: 'bytes', logicalType: 'decimal', precision: 10, scale: 2 } },
    { name: 'decf', type: { type: 'fixed', name: 'Money', size: 5, logicalType: 'decimal', precision: 11, scale: 3 } },
    { name: 'id', type: { type: 'string', logicalType: 'uuid' } },
    { name: 'ne', type: ['null', 'Color'], default: null },
    { name: 'nfx', type: ['null', 'Four'], default: null },
    { name: 'ndec', type: ['null', { type: 'bytes', logicalType: 'decimal', precision: 4, scale: 1 }], default: null },
  ],
});

/** One value of every type, as the coercer returns them. */
const ALL_ROW = {
  s: 'text',
  b: true,
  i: -7,
  l: 2 ** 40,
  f: 1.5,
  d: -0.25,
  by: Buffer.from([0, 0x7f, 0xff]),
  e: 'GREEN',
  fx: Buffer.from('abcd'),
  tms: 1_704_067_200_123,
  tus: 1_704_067_200_123_456,
  day: 19_723,
  dec: '-12.30',
  decf: '12345678.901',
  id: '123e4567-e89b-12d3-a456-426614174000',
  ne: 'RED',
  nfx: Buffer.from('wxyz'),
  ndec: '99.9',
};

describe('record coercer', () => {
  describe('order.avsc', () => {
    it('coerce Avro JSON text (the seed format) yields the row', () => {
      expect(createRecordCoercer(ORDER).coerce(ORDER_AVRO_JSON)).toEqual(ORDER_ROW);
    });

    it('coerce Avro JSON as a UTF-8 message body yields the row', () => {
      expect(createRecordCoercer(ORDER).coerce(Buffer.from(ORDER_AVRO_JSON))).toEqual(ORDER_ROW);
      expect(createRecordCoercer(ORDER, { encoding: 'avro-json' }).coerce(Buffer.from(ORDER_AVRO_JSON))).toEqual(ORDER_ROW);
    });

    it('coerce an already parsed Avro JSON object yields the row', () => {
      expect(createRecordCoercer(ORDER).coerce(JSON.parse(ORDER_AVRO_JSON))).toEqual(ORDER_ROW);
    });

    it('coerce plain JSON with ISO-8601 timestamps and an unwrapped union yields the row', () => {
      const plain = { ...ORDER_ROW, chargeTime: '2024-01-01T00:00:00Z', finishTime: '2024-01-01T08:30:00+08:00' };
      expect(createRecordCoercer(ORDER, { encoding: 'json' }).coerce(JSON.stringify(plain))).toEqual(ORDER_ROW);
    });

    it('coerce typed JS values (Date) yields the row', () => {
      const typed = { ...ORDER_ROW, chargeTime: new Date(ORDER_ROW.chargeTime), finishTime: new Date(ORDER_ROW.finishTime) };
      expect(createRecordCoercer(ORDER).coerce(typed)).toEqual(ORDER_ROW);
    });

    it('coerce Avro binary written by plain avsc yields the row', () => {
      const buf = avro.Type.forSchema(ORDER.avsc as avro.Schema).toBuffer(ORDER_ROW);
      expect(createRecordCoercer(ORDER).coerce(buf)).toEqual(ORDER_ROW);
      expect(createRecordCoercer(ORDER, { encoding: 'avro-binary' }).coerce(buf)).toEqual(ORDER_ROW);
    });

    it('coerce a missing nullable field with a default takes the default', () => {
      const { finishTime: _omit, ...open } = ORDER_ROW;
      expect(createRecordCoercer(ORDER).coerce(open)).toEqual({ ...open, finishTime: null });
    });

    it('coerce the wrong type names the field, the expected type and the value', () => {
      expect(failure(ORDER, { ...ORDER_ROW, chargeMoney: '12,5' })).toBe('field chargeMoney: expected double, got "12,5" (string)');
      expect(failure(ORDER, { ...ORDER_ROW, chargeTime: 1.5 })).toBe('field chargeTime: expected timestamp-millis, got 1.5 (number): not a whole number of milliseconds since the epoch');
      expect(failure(ORDER, { ...ORDER_ROW, finishTime: { int: 5 } })).toBe('field finishTime: expected timestamp-millis or null, got {"int":5} (object)');
      expect(failure(ORDER, { ...ORDER_ROW, orderId: null })).toBe('field orderId: expected string, got null');
      expect(failure(ORDER, { ...ORDER_ROW, orderId: 42 })).toBe('field orderId: expected string, got 42 (number)');
      expect(failure(ORDER, { ...ORDER_ROW, chargeTime: '2024-01-01T00:00:00' })).toBe(
        'field chargeTime: expected timestamp-millis, got "2024-01-01T00:00:00" (string): not epoch time or an ISO-8601 timestamp with a zone (Z or ±hh:mm)',
      );
    });

    it('coerce a missing field without default is refused', () => {
      const { orderId: _omit, ...rest } = ORDER_ROW;
      expect(failure(ORDER, rest)).toBe('field orderId: expected string, got no value (missing, and the schema gives no default)');
    });

    it('coerce a long value is truncated in the message', () => {
      const msg = failure(ORDER, { ...ORDER_ROW, chargeMoney: 'x'.repeat(500) });
      expect(msg).toBe(`field chargeMoney: expected double, got "${'x'.repeat(59)}… (string of 500 characters)`);
    });

    it('coerce extra fields is refused naming them, or ignored when asked', () => {
      expect(failure(ORDER, { ...ORDER_ROW, coupon: 'X', tip: 1 })).toBe(
        'record example.avro.Order: fields coupon, tip not in the table schema (remove them, add them to the schema, or set extra fields to ignore)',
      );
      expect(createRecordCoercer(ORDER, { extraFields: 'ignore' }).coerce({ ...ORDER_ROW, coupon: 'X' })).toEqual(ORDER_ROW);
    });

    it('coerce a field holding undefined counts as missing, not as extra', () => {
      expect(createRecordCoercer(ORDER).coerce({ ...ORDER_ROW, finishTime: undefined })).toEqual({ ...ORDER_ROW, finishTime: null });
    });

    it('coerce what is not a record is refused', () => {
      expect(failure(ORDER, '[1,2]')).toBe('record example.avro.Order: expected a JSON object, got [1,2] (array)');
      expect(failure(ORDER, 42)).toBe('record example.avro.Order: expected a JSON object, JSON text or Avro binary, got 42 (number)');
      expect(failure(ORDER, '{"orderId": ')).toMatch(/^record example\.avro\.Order: expected JSON text, got "\{\\"orderId\\": " \(string\): /);
    });

    it('coerce broken Avro binary names the field where decoding stopped', () => {
      const buf = avro.Type.forSchema(ORDER.avsc as avro.Schema).toBuffer(ORDER_ROW);
      expect(failure(ORDER, buf.subarray(0, 40), { encoding: 'avro-binary' })).toMatch(/^field prodId: expected string, got no value \(the Avro binary body ends at byte 40/);
      expect(failure(ORDER, Buffer.concat([buf, Buffer.from([1, 2])]), { encoding: 'avro-binary' })).toBe(
        `record example.avro.Order: expected Avro binary of this schema, got 2 bytes after the last field (${buf.length + 2} in all): the body was written with another schema or is not Avro binary`,
      );
      const badUnion = Buffer.concat([buf.subarray(0, buf.length - 7), Buffer.from([0x08])]);
      expect(failure(ORDER, badUnion, { encoding: 'avro-binary' })).toMatch(/^field finishTime: expected timestamp-millis or null, got Avro binary that does not decode as it at byte \d+: invalid union index: 4/);
    });
  });

  describe('user.avsc', () => {
    it('coerce the seed Producer message yields the row', () => {
      expect(createRecordCoercer(USER).coerce(Buffer.from(USER_AVRO_JSON))).toEqual({ name: 'osgoo', favorite_number: 256, favorite_color: 'white' });
    });

    it('coerce nulls and plain JSON values of nullable unions yields the row', () => {
      expect(createRecordCoercer(USER).coerce('{"name":"a","favorite_number":null,"favorite_color":null}')).toEqual({ name: 'a', favorite_number: null, favorite_color: null });
      expect(createRecordCoercer(USER).coerce({ name: 'a', favorite_number: 7, favorite_color: 'red' })).toEqual({ name: 'a', favorite_number: 7, favorite_color: 'red' });
    });

    it('coerce a missing nullable field without default is refused unless missingNullable is null', () => {
      expect(failure(USER, { name: 'a', favorite_number: 7 })).toBe('field favorite_color: expected string or null, got no value (missing, and the schema gives no default)');
      expect(createRecordCoercer(USER, { missingNullable: 'null' }).coerce({ name: 'a' })).toEqual({ name: 'a', favorite_number: null, favorite_color: null });
      expect(failure(USER, { favorite_number: 7 }, { missingNullable: 'null' })).toBe('field name: expected string, got no value (missing, and the schema gives no default)');
    });

    it('coerce Avro binary of user.avsc yields the row', () => {
      const buf = avro.Type.forSchema(USER.avsc as avro.Schema).toBuffer({ name: 'osgoo', favorite_number: 256, favorite_color: null });
      expect(createRecordCoercer(USER).coerce(buf)).toEqual({ name: 'osgoo', favorite_number: 256, favorite_color: null });
    });

    it('coerce an int outside 32 bits or a fraction names the reason', () => {
      expect(failure(USER, { name: 'a', favorite_number: 2 ** 31, favorite_color: null })).toBe('field favorite_number: expected int or null, got 2147483648 (number): outside the 32-bit int range');
      expect(failure(USER, { name: 'a', favorite_number: 1.5, favorite_color: null })).toBe('field favorite_number: expected int or null, got 1.5 (number): not an integer');
      expect(failure(USER, { name: 'a', favorite_number: { long: 5 }, favorite_color: null })).toBe('field favorite_number: expected int or null, got {"long":5} (object)');
    });
  });

  describe('every type', () => {
    /** ALL_ROW in Avro JSON (Java's JsonEncoder: bytes as ISO-8859-1, unions wrapped with the branch's full name). */
    const avroJson = {
      ...ALL_ROW,
      by: '\u0000\u007f\u00ff',
      fx: 'abcd',
      dec: unscaledToBytes(-1230n).toString('latin1'),
      decf: unscaledToBytes(12_345_678_901n, 5).toString('latin1'),
      ne: { 'ns.Color': 'RED' },
      nfx: { 'ns.Four': 'wxyz' },
      ndec: { bytes: unscaledToBytes(999n).toString('latin1') },
    };
    /** ALL_ROW in plain JSON (base64 bytes, decimal text, ISO timestamps, YYYY-MM-DD dates, unwrapped unions). */
    const plainJson = {
      ...ALL_ROW,
      by: Buffer.from([0, 0x7f, 0xff]).toString('base64'),
      fx: Buffer.from('abcd').toString('base64'),
      tms: '2024-01-01T00:00:00.123Z',
      tus: '2024-01-01T00:00:00.123456Z',
      day: '2024-01-01',
      dec: '-12.3',
      decf: 12345678.901,
      nfx: Buffer.from('wxyz').toString('base64'),
      ndec: '99.90',
    };

    it('coerce Avro JSON of every type yields the row', () => {
      expect(createRecordCoercer(ALL, { encoding: 'avro-json' }).coerce(JSON.stringify(avroJson))).toEqual(ALL_ROW);
    });

    it('coerce Avro JSON of every type is recognised by its wrapped unions in auto mode', () => {
      expect(createRecordCoercer(ALL).coerce(JSON.stringify(avroJson))).toEqual(ALL_ROW);
    });

    it('coerce plain JSON of every type yields the row', () => {
      expect(createRecordCoercer(ALL, { encoding: 'json' }).coerce(JSON.stringify(plainJson))).toEqual(ALL_ROW);
      expect(createRecordCoercer(ALL).coerce(JSON.stringify(plainJson))).toEqual(ALL_ROW);
    });

    it('coerce typed JS values of every type yields the row', () => {
      const typed = { ...ALL_ROW, l: BigInt(2 ** 40), tms: new Date(ALL_ROW.tms), tus: BigInt(ALL_ROW.tus), dec: -12.3, decf: 12345678901n * 1n, ndec: 99.9 };
      expect(createRecordCoercer(ALL).coerce({ ...typed, decf: '12345678.901' })).toEqual(ALL_ROW);
      expect(createRecordCoercer(ALL).coerce({ ...ALL_ROW, by: new Uint8Array([0, 0x7f, 0xff]), dec: unscaledToBytes(-1230n) })).toEqual(ALL_ROW);
    });

    it('coerce Avro binary of every type round-trips through avsc', () => {
      const buf = ALL.avroType.toBuffer(ALL_ROW);
      const row = createRecordCoercer(ALL).coerce(buf);
      expect(row).toEqual(ALL_ROW);
      expect(Object.keys(row)).toEqual(ALL.columns.map((c) => c.name));
      // Decoded bytes are copies, not views of the message body.
      expect((row['by'] as Buffer).buffer).not.toBe(buf.buffer);
    });

    it('coerce long values keep precision or are refused', () => {
      const c = createRecordCoercer(ALL, { extraFields: 'ignore' });
      expect(c.coerce({ ...ALL_ROW, l: '9223372036854775807' })['l']).toBe(9223372036854775807n);
      expect(c.coerce({ ...ALL_ROW, l: '-42' })['l']).toBe(-42);
      expect(failure(ALL, { ...ALL_ROW, l: 2 ** 60 })).toBe('field l: expected long, got 1152921504606847000 (number): beyond ±2^53, so precision was already lost; send such longs as strings');
      expect(failure(ALL, { ...ALL_ROW, l: '9223372036854775808' })).toBe('field l: expected long, got "9223372036854775808" (string): outside the 64-bit long range');
      const big = createRecordCoercer(ALL).coerce(ALL.avroType.toBuffer({ ...ALL_ROW, l: 2n ** 62n }));
      expect(big['l']).toBe(2n ** 62n);
    });

    it('coerce float, double special values and the float range', () => {
      const c = createRecordCoercer(ALL, { encoding: 'avro-json' });
      const row = c.coerce({ ...ALL_ROW, f: 'NaN', d: '-Infinity', by: '', fx: 'abcd', dec: '\u0000', decf: '\u0000\u0000\u0000\u0000\u0000', nfx: null, ndec: null, ne: null });
      expect(row['f']).toBeNaN();
      expect(row['d']).toBe(-Infinity);
      expect(row['dec']).toBe('0.00');
      expect(failure(ALL, { ...ALL_ROW, f: 1e39 })).toBe('field f: expected float, got 1e+39 (number): outside the float range');
    });

    it('coerce timestamp and date forms', () => {
      const c = createRecordCoercer(ALL, { encoding: 'json' });
      const at = (v: Partial<typeof plainJson>) => c.coerce({ ...plainJson, ...v });
      expect(at({ tms: '2024-01-01 08:00:00+08:00' })['tms']).toBe(1_704_067_200_000);
      expect(at({ tms: '2024-01-01T00:00Z' })['tms']).toBe(1_704_067_200_000);
      expect(at({ tms: '2024-01-01T00:00:00.1239Z' })['tms']).toBe(1_704_067_200_123);
      expect(at({ tms: '1704067200000' } as never)['tms']).toBe(1_704_067_200_000);
      expect(at({ tus: '1969-12-31T23:59:59.999999Z' })['tus']).toBe(-1);
      expect(at({ tus: '2024-01-01T00:00:00.123456789-01:30' })['tus']).toBe(1_704_072_600_123_456);
      expect(at({ day: '1970-01-01' })['day']).toBe(0);
      expect(at({ day: '1969-12-31' })['day']).toBe(-1);
      expect(at({ day: '0001-01-01' })['day']).toBe(-719_162);
      expect(at({ day: '2000-02-29' })['day']).toBe(11_016);
      expect(at({ tms: '0099-12-31T23:59:59Z' })['tms']).toBe(Date.parse('0099-12-31T23:59:59Z'));
      expect(at({ day: 19_723 } as never)['day']).toBe(19_723);
      expect(failure(ALL, { ...plainJson, day: '2023-02-29' }, { encoding: 'json' })).toBe('field day: expected date, got "2023-02-29" (string): not a calendar date');
      expect(failure(ALL, { ...plainJson, day: '01/02/2024' }, { encoding: 'json' })).toBe('field day: expected date, got "01/02/2024" (string): not a date as YYYY-MM-DD or days since the epoch');
      expect(failure(ALL, { ...plainJson, tms: '2024-01-01T24:00:00Z' }, { encoding: 'json' })).toBe('field tms: expected timestamp-millis, got "2024-01-01T24:00:00Z" (string): not a valid time of day');
      expect(failure(ALL, { ...plainJson, tms: new Date(NaN) }, { encoding: 'json' })).toBe('field tms: expected timestamp-millis, got Invalid Date (Date): an invalid Date');
    });

    it('coerce decimal, uuid, enum, fixed and bytes refusals name the reason', () => {
      const json = { encoding: 'json' } as const;
      expect(failure(ALL, { ...plainJson, dec: 0.1 + 0.2 }, json)).toBe('field dec: expected decimal(10,2), got 0.30000000000000004 (number): more than 2 fraction digits');
      expect(failure(ALL, { ...plainJson, dec: '123456789.1' }, json)).toBe('field dec: expected decimal(10,2), got "123456789.1" (string): 11 digits, more than precision 10');
      expect(failure(ALL, { ...plainJson, dec: true }, json)).toBe('field dec: expected decimal(10,2), got true (boolean)');
      expect(failure(ALL, { ...plainJson, id: 'not-a-uuid' }, json)).toBe('field id: expected uuid, got "not-a-uuid" (string)');
      expect(failure(ALL, { ...plainJson, e: 'BLUE' }, json)).toBe('field e: expected enum Color (RED, GREEN), got "BLUE" (string)');
      expect(failure(ALL, { ...plainJson, fx: 'YWJj' }, json)).toBe('field fx: expected fixed Four (4 bytes), got "YWJj" (string): 3 bytes, the fixed type holds 4');
      expect(failure(ALL, { ...plainJson, by: 'not base64!' }, json)).toBe('field by: expected bytes, got "not base64!" (string): not base64');
      expect(failure(ALL, { ...avroJson, by: 'snow ☃' }, { encoding: 'avro-json' })).toBe('field by: expected bytes, got "snow ☃" (string): character 5 is not ISO-8859-1, as Avro JSON bytes are');
      expect(failure(ALL, { ...avroJson, ne: { 'ns.Four': 'abcd' } }, { encoding: 'avro-json' })).toBe('field ne: expected enum Color (RED, GREEN) or null, got {"ns.Four":"abcd"} (object)');
      expect(failure(ALL, { ...plainJson, fx: Buffer.alloc(20) }, json)).toBe('field fx: expected fixed Four (4 bytes), got <00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 …> (20 bytes): 20 bytes, the fixed type holds 4');
    });

    it('coerce an Avro JSON union branch given by its short name is accepted', () => {
      expect(createRecordCoercer(ALL, { encoding: 'avro-json' }).coerce({ ...avroJson, ne: { Color: 'GREEN' } })['ne']).toBe('GREEN');
    });
  });

  describe('schema evolution in binary', () => {
    it('coerce Avro binary written with an older schema resolves to the table schema', () => {
      const older = { type: 'record', name: 'User', namespace: 'example.avro', fields: [{ name: 'name', type: 'string' }] };
      const newer = parseTableSchema({ ...older, fields: [...older.fields, { name: 'age', type: ['null', 'int'], default: null }] });
      const buf = avro.Type.forSchema(older as avro.Schema).toBuffer({ name: 'a' });
      expect(createRecordCoercer(newer, { encoding: 'avro-binary', writerSchema: JSON.stringify(older) }).coerce(buf)).toEqual({ name: 'a', age: null });
    });

    it('createRecordCoercer a writer schema that cannot be resolved is a ConfigError', () => {
      const table = parseTableSchema({ type: 'record', name: 'User', fields: [{ name: 'name', type: 'string' }, { name: 'age', type: 'int' }] });
      const writer = { type: 'record', name: 'User', fields: [{ name: 'name', type: 'string' }] };
      expect(() => createRecordCoercer(table, { writerSchema: writer })).toThrow(/^Invalid writer schema: writerSchema: cannot read Avro binary written with it as User: /);
      expect(() => createRecordCoercer(table, { writerSchema: '{oops' })).toThrow(/^Invalid writer schema: /);
    });
  });

  describe('field names of Object.prototype members', () => {
    it('coerce fields named constructor or toString read own properties only', () => {
      const s = parseTableSchema({ type: 'record', name: 'P', fields: [{ name: 'constructor', type: ['null', 'string'], default: null }, { name: 'toString', type: 'int' }] });
      const row = createRecordCoercer(s).coerce('{"toString": 5}');
      expect(Object.keys(row)).toEqual(['constructor', 'toString']);
      expect(row['constructor']).toBeNull();
      expect(row['toString']).toBe(5);
      expect(() => createRecordCoercer(s).coerce('{"constructor": "x"}')).toThrow('field toString: expected int, got no value');
      const bin = createRecordCoercer(s).coerce(s.avroType.toBuffer({ constructor: 'x', toString: 1 }));
      expect({ ...bin }).toEqual({ constructor: 'x', toString: 1 });
    });
  });
});
