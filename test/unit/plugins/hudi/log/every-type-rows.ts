// Rows of every type the record coercer supports, nested, with nulls at every level: the shared input of the log
// block round-trip unit tests and the cross-check against Hudi's own Java reader and writer.

import { createRecordCoercer } from '../../../../../plugins/hudi/avro/record-coercer';
import { parseTableSchema, withHoodieMetaFields } from '../../../../../plugins/hudi/avro/table-schema';
import type { Row } from '../../../../../plugins/hudi/parquet/column-spec';

/** Every type the record coercer supports, nested, with nulls possible at every level. */
export const EVERY_TYPE_SCHEMA = {
  type: 'record',
  name: 'Everything',
  namespace: 'test.log',
  fields: [
    { name: 'id', type: 'string' },
    { name: 'flag', type: ['null', 'boolean'], default: null },
    { name: 'i', type: 'int' },
    { name: 'l', type: 'long' },
    { name: 'f', type: 'float' },
    { name: 'd', type: ['null', 'double'] },
    { name: 'b', type: ['null', 'bytes'] },
    { name: 'fx', type: ['null', { type: 'fixed', name: 'Four', size: 4 }] },
    { name: 'color', type: ['null', { type: 'enum', name: 'Color', symbols: ['RED', 'GREEN'] }] },
    { name: 'ts_ms', type: ['null', { type: 'long', logicalType: 'timestamp-millis' }] },
    { name: 'ts_us', type: { type: 'long', logicalType: 'timestamp-micros' } },
    { name: 'lts_ms', type: ['null', { type: 'long', logicalType: 'local-timestamp-millis' }] },
    { name: 'lts_us', type: ['null', { type: 'long', logicalType: 'local-timestamp-micros' }] },
    { name: 't_ms', type: ['null', { type: 'int', logicalType: 'time-millis' }] },
    { name: 't_us', type: ['null', { type: 'long', logicalType: 'time-micros' }] },
    { name: 'day', type: ['null', { type: 'int', logicalType: 'date' }] },
    { name: 'amount', type: ['null', { type: 'bytes', logicalType: 'decimal', precision: 12, scale: 2 }] },
    { name: 'big', type: ['null', { type: 'fixed', name: 'Dec16', size: 16, logicalType: 'decimal', precision: 38, scale: 10 }] },
    { name: 'uid', type: ['null', { type: 'string', logicalType: 'uuid' }] },
    {
      name: 'address',
      type: [
        'null',
        {
          type: 'record',
          name: 'Address',
          fields: [
            { name: 'street', type: ['null', 'string'] },
            { name: 'geo', type: ['null', { type: 'record', name: 'Geo', fields: [{ name: 'lat', type: 'double' }, { name: 'seen', type: ['null', { type: 'long', logicalType: 'timestamp-micros' }] }] }] },
            { name: 'tags', type: ['null', { type: 'array', items: ['null', 'string'] }] },
          ],
        },
      ],
    },
    { name: 'lines', type: ['null', { type: 'array', items: ['null', { type: 'record', name: 'Line', fields: [{ name: 'sku', type: 'string' }, { name: 'price', type: ['null', { type: 'bytes', logicalType: 'decimal', precision: 9, scale: 3 }] }, { name: 'attrs', type: ['null', { type: 'map', values: ['null', 'long'] }] }] }] }] },
    { name: 'scores', type: ['null', { type: 'map', values: ['null', { type: 'array', items: ['null', 'int'] }] }] },
    { name: 'choice', type: ['null', 'int', 'string', 'Geo'] },
    { name: 'numbers', type: ['null', 'int', 'long'] },
    { name: 'choices', type: ['null', { type: 'array', items: ['null', 'string', { type: 'int', logicalType: 'date' }] }] },
  ],
};

const FULL = {
  id: 'k1',
  flag: true,
  i: -7,
  l: 9007199254740993n, // beyond 2^53: kept exact as a bigint
  f: 1.5,
  d: 2.25,
  b: 'AAEC/w==',
  fx: 'AQIDBA==',
  color: 'GREEN',
  ts_ms: '2024-05-06T07:08:09.123Z',
  ts_us: '2024-05-06T07:08:09.123456Z',
  lts_ms: '2024-05-06T07:08:09.123',
  lts_us: '2024-05-06T07:08:09.123456',
  t_ms: '13:14:15.167',
  t_us: '13:14:15.167891',
  day: '1999-12-31',
  amount: '-12.30',
  big: '1234567890123456789012345678.0123456789',
  uid: '123e4567-e89b-12d3-a456-426614174000',
  address: { street: 'Main', geo: { lat: 1.25, seen: '2020-01-01T00:00:00.000001Z' }, tags: ['a', null, 'c'] },
  lines: [{ sku: 's1', price: '1.500', attrs: { x: 1, y: null } }, null, { sku: 's2', price: null, attrs: null }],
  scores: { m: [1, null, 3], empty: [], none: null },
  choice: { 'test.log.Geo': { lat: 3.5, seen: null } },
  numbers: { long: 5 },
  choices: ['x', null, { int: 19000 }],
};

const NULLS = {
  id: 'k2', flag: null, i: 0, l: 0, f: 0, d: null, b: null, fx: null, color: null, ts_ms: null, ts_us: 0, lts_ms: null, lts_us: null,
  t_ms: null, t_us: null, day: null, amount: null, big: null, uid: null, address: null, lines: null, scores: null, choice: null, numbers: null, choices: null,
};

const NESTED_NULLS = { ...NULLS, id: 'k3', address: { street: null, geo: null, tags: null }, lines: [null], scores: { a: null, b: [null] }, choice: { string: 'txt' }, numbers: { int: 1 }, choices: [null] };

export function metaRow(row: Row, key: string, commitTime: string): Row {
  return { _hoodie_commit_time: commitTime, _hoodie_commit_seqno: `${commitTime}_0_${key}`, _hoodie_record_key: key, _hoodie_partition_path: '', _hoodie_file_name: null, ...row };
}

/** The writer schema (meta fields included) and the coerced rows, keyed k1 (every value), k2 (top-level nulls),
 *  k3 (nulls inside nested values). */
export function everyTypeRows(commitTime = '20240506070809123'): { schema: string; rows: Row[] } {
  const table = parseTableSchema(EVERY_TYPE_SCHEMA);
  const coercer = createRecordCoercer(table, { encoding: 'json' });
  const rows = [FULL, NULLS, NESTED_NULLS].map((v) => metaRow(coercer.coerce(v), (v as { id: string }).id, commitTime));
  return { schema: withHoodieMetaFields(table.schemaJson), rows };
}
