import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { HOODIE_META_FIELDS, loadTableSchema, parseTableSchema, withHoodieMetaFields } from '../../../../../plugins/hudi/avro/table-schema';
import { repoRoot } from '../../../../helpers/build';

const schemaFile = (name: string): string => path.join(repoRoot, 'schemas', name);

function record(fields: unknown[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { type: 'record', name: 'T', namespace: 'ns', fields, ...extra };
}

/** The ConfigError a parse throws, for assertions on code and message. */
function parseError(schema: string | object): { code?: string; message: string; errors: { name: string; message: string }[] } {
  try {
    parseTableSchema(schema);
  } catch (e) {
    return e as { code?: string; message: string; errors: { name: string; message: string }[] };
  }
  throw new Error('expected parseTableSchema to throw');
}

describe('table schema', () => {
  it('loadTableSchema order.avsc yields the eight seed columns', async () => {
    const s = await loadTableSchema(schemaFile('order.avsc'));
    expect(s.name).toBe('example.avro.Order');
    expect(s.columns).toEqual([
      { name: 'orderId', type: { kind: 'string' }, nullable: false },
      { name: 'orderStatus', type: { kind: 'string' }, nullable: false },
      { name: 'userPhoneNo', type: { kind: 'string' }, nullable: false },
      { name: 'prodId', type: { kind: 'string' }, nullable: false },
      { name: 'prodName', type: { kind: 'string' }, nullable: false },
      { name: 'chargeMoney', type: { kind: 'double' }, nullable: false },
      { name: 'chargeTime', type: { kind: 'timestamp-millis' }, nullable: false },
      { name: 'finishTime', type: { kind: 'timestamp-millis' }, nullable: true },
    ]);
    expect(s.defaults).toEqual({ finishTime: null });
  });

  it('loadTableSchema user.avsc yields the seed columns, nullable with the type first', async () => {
    const s = await loadTableSchema(schemaFile('user.avsc'));
    expect(s.name).toBe('example.avro.User');
    expect(s.columns).toEqual([
      { name: 'name', type: { kind: 'string' }, nullable: false },
      { name: 'favorite_number', type: { kind: 'int' }, nullable: true },
      { name: 'favorite_color', type: { kind: 'string' }, nullable: true },
    ]);
    expect(s.fields.map((f) => f.hasDefault)).toEqual([false, false, false]);
    expect(s.schemaJson).toMatch(/^\{"type":"record","name":"User","namespace":"example\.avro","doc":"The seed's example schema/);
    expect(s.schemaJson).toMatch(/"fields":\[\{"name":"name","type":"string"\},\{"name":"favorite_number","type":\["int","null"\]\},\{"name":"favorite_color","type":\["string","null"\]\}\]\}$/);
  });

  it('loadTableSchema order-generator.avsc matches what the order generator emits', async () => {
    const s = await loadTableSchema(schemaFile('order-generator.avsc'));
    expect(s.columns.map((c) => c.name)).toEqual(['orderId', 'orderStatus', 'userPhoneNo', 'prodId', 'prodName', 'chargeMoney', 'chargeTime', 'finishTime', 'version', '_hoodie_is_deleted']);
    expect(s.defaults).toEqual({ finishTime: null, _hoodie_is_deleted: false });
  });

  it('loadTableSchema missing file throws ConfigError naming schemaPath and the path', async () => {
    const missing = path.join(os.tmpdir(), 'no-such-dir-tributary', 'x.avsc');
    await expect(loadTableSchema(missing)).rejects.toMatchObject({ code: 'CONFIG_INVALID', errors: [{ name: 'schemaPath' }] });
    await expect(loadTableSchema(missing)).rejects.toThrow(`cannot read ${missing} (ENOENT)`);
  });

  it('loadTableSchema invalid JSON names the file', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'avsc-'));
    const file = path.join(dir, 'bad.avsc');
    fs.writeFileSync(file, '{"type": "record",');
    await expect(loadTableSchema(file)).rejects.toThrow(`the schema in ${file} is not valid JSON`);
  });

  it('parseTableSchema maps every supported type to its column kind', () => {
    const s = parseTableSchema(
      record([
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
        { name: 'decf', type: { type: 'fixed', name: 'Money', size: 8, logicalType: 'decimal', precision: 18, scale: 4 } },
        { name: 'id', type: { type: 'string', logicalType: 'uuid' } },
        { name: 'custom', type: { type: 'string', logicalType: 'my-own-annotation' } },
        { name: 'again', type: 'Color' },
      ]),
    );
    expect(s.columns.map((c) => [c.name, c.type])).toEqual([
      ['s', { kind: 'string' }],
      ['b', { kind: 'boolean' }],
      ['i', { kind: 'int' }],
      ['l', { kind: 'long' }],
      ['f', { kind: 'float' }],
      ['d', { kind: 'double' }],
      ['by', { kind: 'bytes' }],
      ['e', { kind: 'string' }],
      ['fx', { kind: 'bytes' }],
      ['tms', { kind: 'timestamp-millis' }],
      ['tus', { kind: 'timestamp-micros' }],
      ['day', { kind: 'date' }],
      ['dec', { kind: 'decimal', precision: 10, scale: 2 }],
      ['decf', { kind: 'decimal', precision: 18, scale: 4 }],
      ['id', { kind: 'uuid' }],
      ['custom', { kind: 'string' }],
      ['again', { kind: 'string' }],
    ]);
    const wire = Object.fromEntries(s.fields.map((f) => [f.name, f.wire]));
    expect(wire['e']).toEqual({ avro: 'enum', branch: 'ns.Color', symbols: ['RED', 'GREEN'] });
    expect(wire['fx']).toEqual({ avro: 'fixed', branch: 'ns.Four', size: 4 });
    expect(wire['decf']).toEqual({ avro: 'fixed', branch: 'ns.Money', size: 8 });
    expect(wire['tms']).toEqual({ avro: 'long', branch: 'long' });
    expect(s.fields.map((f) => f.expected).slice(7, 15)).toEqual([
      'enum Color (RED, GREEN)',
      'fixed Four (4 bytes)',
      'timestamp-millis',
      'timestamp-micros',
      'date',
      'decimal(10,2)',
      'decimal(18,4)',
      'uuid',
    ]);
  });

  it('parseTableSchema nullable unions in either order are nullable columns', () => {
    const s = parseTableSchema(record([
      { name: 'a', type: ['null', 'double'], default: null },
      { name: 'b', type: ['double', 'null'], default: 1.5 },
      { name: 'c', type: ['null', { type: 'int', logicalType: 'date' }] },
    ]));
    expect(s.columns.map((c) => [c.name, c.nullable, c.type.kind])).toEqual([
      ['a', true, 'double'],
      ['b', true, 'double'],
      ['c', true, 'date'],
    ]);
    expect(s.fields.map((f) => f.expected)).toEqual(['double or null', 'double or null', 'date or null']);
    expect(s.defaults).toEqual({ a: null, b: 1.5 });
  });

  it('parseTableSchema converts defaults to the column representation', () => {
    const s = parseTableSchema(record([
      { name: 'by', type: 'bytes', default: '\u0000\u00ff' },
      { name: 'dec', type: { type: 'bytes', logicalType: 'decimal', precision: 6, scale: 2 }, default: '\u0004\u00ce' },
      { name: 'ts', type: { type: 'long', logicalType: 'timestamp-millis' }, default: 0 },
      { name: 'e', type: { type: 'enum', name: 'E', symbols: ['X', 'Y'] }, default: 'Y' },
      { name: 'big', type: 'long', default: 9007199254740991 },
      { name: 'flag', type: 'boolean', default: false },
    ]));
    expect(s.defaults['by']).toEqual(Buffer.from([0, 255]));
    expect(s.defaults['dec']).toBe('12.30');
    expect(s.defaults['ts']).toBe(0);
    expect(s.defaults['e']).toBe('Y');
    expect(s.defaults['big']).toBe(9007199254740991);
    expect(s.defaults['flag']).toBe(false);
  });

  it('parseTableSchema refuses an invalid default naming the field, as Avro Java does', () => {
    // avsc validates defaults while parsing; the field at fault is named all the same.
    const e1 = parseError(record([{ name: 'n', type: ['int', 'null'], default: null }]));
    expect(e1.code).toBe('CONFIG_INVALID');
    expect(e1.errors[0]?.name).toBe('schemaPath');
    expect(e1.message).toContain(`field n: incompatible field default null (invalid "int": null), union defaults must match the first branch's type ("int")`);
    expect(parseError(record([{ name: 'n', type: ['null', 'int'], default: 3 }])).message).toContain('field n: incompatible field default 3');
    expect(parseError(record([{ name: 'n', type: 'int', default: 1.5 }])).message).toContain('field n: incompatible field default 1.5 (invalid "int": 1.5)');
    expect(parseError(record([{ name: 'd', type: { type: 'bytes', logicalType: 'decimal', precision: 2, scale: 0 }, default: '\u0004\u00ce' }])).message).toContain(
      'field d: incompatible field default "\\u0004Î" (4 digits, more than precision 2)',
    );
    expect(parseError(record([{ name: 'u', type: { type: 'string', logicalType: 'uuid' }, default: 'nope' }])).message).toContain('field u: incompatible field default "nope" (not a UUID: "nope")');
  });

  it('parseTableSchema nested records, arrays, maps, enums, fixed and unions at any depth become nested columns', () => {
    const t = parseTableSchema(record([
      { name: 'address', type: { type: 'record', name: 'Address', fields: [{ name: 'city', type: 'string' }, { name: 'zip', type: ['null', 'int'], default: null }, { name: 'n', type: 'long', default: 7 }] } },
      { name: 'tags', type: { type: 'array', items: ['null', 'string'] } },
      { name: 'attrs', type: ['null', { type: 'map', values: { type: 'array', items: 'Address' } }], default: null },
      { name: 'either', type: ['int', 'string'], default: 3 },
      { name: 'maybeEither', type: ['null', 'int', { type: 'enum', name: 'E', symbols: ['A'] }, { type: 'fixed', name: 'F', size: 2 }] },
      { name: 'tm', type: { type: 'int', logicalType: 'time-millis' } },
      { name: 'lt', type: ['null', { type: 'long', logicalType: 'local-timestamp-micros' }] },
    ]));
    const address = { kind: 'record', fields: [{ name: 'city', type: { kind: 'string' }, nullable: false }, { name: 'zip', type: { kind: 'int' }, nullable: true }, { name: 'n', type: { kind: 'long' }, nullable: false, default: 7 }] };
    expect(t.columns).toEqual([
      { name: 'address', type: address, nullable: false },
      { name: 'tags', type: { kind: 'array', items: { kind: 'string' }, itemsNullable: true }, nullable: false },
      { name: 'attrs', type: { kind: 'map', values: { kind: 'array', items: address, itemsNullable: false }, valuesNullable: false }, nullable: true },
      { name: 'either', type: { kind: 'union', members: [{ kind: 'int' }, { kind: 'string' }] }, nullable: false, default: { member0: 3, member1: null } },
      { name: 'maybeEither', type: { kind: 'union', members: [{ kind: 'int' }, { kind: 'string' }, { kind: 'bytes' }] }, nullable: true },
      { name: 'tm', type: { kind: 'time-millis' }, nullable: false },
      { name: 'lt', type: { kind: 'local-timestamp-micros' }, nullable: true },
    ]);
    expect(t.defaults).toEqual({ attrs: null, either: { member0: 3, member1: null } });
    expect(t.fields.map((f) => f.expected)).toEqual([
      'record Address',
      'array of string or null',
      'map of array of record Address or null',
      'one of int, string',
      'one of int, enum E (A), fixed F (2 bytes) or null',
      'time-millis',
      'local-timestamp-micros or null',
    ]);
  });

  it('parseTableSchema refuses what the column model cannot hold, naming the field path', () => {
    const e = parseError(record([
      { name: 'ok', type: 'string' },
      { name: 'address', type: { type: 'record', name: 'Address', fields: [{ name: 'when', type: { type: 'long', logicalType: 'timestamp-nanos' } }] } },
      { name: 'tags', type: { type: 'array', items: { type: 'bytes', logicalType: 'decimal', precision: 40, scale: 0 } } },
      { name: 'nothing', type: 'null' },
      { name: 'empty', type: { type: 'record', name: 'Empty', fields: [] } },
    ]));
    expect(e.code).toBe('CONFIG_INVALID');
    expect(e.errors.map((x) => x.message)).toEqual([
      'field address.when: logicalType timestamp-nanos is not supported yet',
      'field tags[]: decimal precision 40 is more than 38, the most Parquet readers support',
      'field nothing: a field of type null holds no data and is not supported',
      'field empty: record ns.Empty has no fields (Parquet has no empty groups)',
    ]);
  });

  it('parseTableSchema refuses logical types the column model cannot hold', () => {
    expect(parseError(record([{ name: 't', type: { type: 'long', logicalType: 'timestamp-nanos' } }])).message).toContain('field t: logicalType timestamp-nanos is not supported yet');
    expect(parseError(record([{ name: 't', type: ['null', { type: 'fixed', name: 'D', size: 12, logicalType: 'duration' }] }])).message).toContain('field t: logicalType duration is not supported yet');
  });

  it('parseTableSchema invalid logical type parameters name the field', () => {
    const e = parseError(record([
      { name: 'fine', type: 'string' },
      { name: 'price', type: { type: 'bytes', logicalType: 'decimal', precision: 4, scale: 6 } },
    ]));
    expect(e.message).toContain('field price: decimal "scale" must be an integer from 0 to the precision 4 (got 6)');
    expect(parseError(record([{ name: 'ts', type: { type: 'int', logicalType: 'timestamp-millis' } }])).message).toContain('field ts: timestamp-millis annotates long, not int');
    expect(parseError(record([{ name: 'big', type: { type: 'bytes', logicalType: 'decimal', precision: 40, scale: 0 } }])).message).toContain('field big: decimal precision 40 is more than 38, the most Parquet readers support');
  });

  it('parseTableSchema refuses what is not a record schema', () => {
    expect(parseError('{"type": "string"}').message).toContain('must be an Avro record');
    expect(parseError('not json').message).toContain('the schema is not valid JSON');
    expect(parseError({ type: 'record', name: 'R' }).message).toContain('has no "fields" array');
    expect(parseError({ type: 'record', name: 'R', fields: [] }).message).toContain('the record has no fields');
    const badName = parseError({ type: 'record', name: '1bad', fields: [{ name: 'a', type: 'int' }] }).message;
    expect(badName).toContain('the schema is not a valid Avro schema: invalid name');
    expect(badName).not.toContain('field a');
    expect(parseError(record([{ name: '__proto__', type: 'int' }])).message).toContain('field __proto__: this field name is not supported');
    expect(parseError(record([{ name: 'x', type: 'nope' }])).message).toContain('field x: undefined type name: ns.nope');
  });

  it('parseTableSchema refuses Hudi meta fields unless asked to strip them', () => {
    const withMeta = record([{ name: '_hoodie_commit_time', type: ['null', 'string'], default: null }, { name: 'a', type: 'int' }]);
    expect(parseError(withMeta).message).toContain('field _hoodie_commit_time: Hudi meta fields are added by the writer');
    const s = parseTableSchema(withMeta, { stripHoodieMetaFields: true });
    expect(s.columns.map((c) => c.name)).toEqual(['a']);
    expect(s.schemaJson).toBe('{"type":"record","name":"T","namespace":"ns","fields":[{"name":"a","type":"int"}]}');
  });

  it('withHoodieMetaFields prepends the five meta fields as HoodieAvroUtils.addMetadataFields does', () => {
    const s = parseTableSchema(record([{ name: 'a', type: ['null', 'int'], default: null }]));
    const meta = HOODIE_META_FIELDS.map((n) => `{"name":"${n}","type":["null","string"],"doc":"","default":null}`).join(',');
    expect(withHoodieMetaFields(s.schemaJson)).toBe(`{"type":"record","name":"T","namespace":"ns","fields":[${meta},{"name":"a","type":["null","int"],"default":null}]}`);
  });

  it('withHoodieMetaFields replaces existing meta fields and drops what Hudi rebuilds away', () => {
    const json = JSON.stringify(record(
      [
        { name: '_hoodie_record_key', type: 'string' },
        { name: 'a', type: 'int', doc: 'kept', default: 1, order: 'descending', aliases: ['b'], 'x-prop': true },
      ],
      { doc: 'rec doc', aliases: ['Old'], 'connect.name': 'x' },
    ));
    const out = JSON.parse(withHoodieMetaFields(json)) as { fields: Record<string, unknown>[]; aliases?: unknown; doc?: string };
    expect(out.fields.map((f) => f['name'])).toEqual([...HOODIE_META_FIELDS, 'a']);
    expect(out.fields[5]).toEqual({ name: 'a', type: 'int', doc: 'kept', default: 1, 'x-prop': true });
    expect(out.doc).toBe('rec doc');
    expect(out.aliases).toBeUndefined();
    expect(out).not.toHaveProperty('connect.name');
  });
});
