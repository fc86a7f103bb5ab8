import { describe, expect, it } from 'vitest';
import { DataError, type SinkRecord } from '../../../../runtime/spi';
import { extractField, parseFieldRef, type FieldRef } from '../../../../plugins/rocketmq/field-reference';
import { RESERVED_PROPERTIES, messageBody, toOutgoingMessage, type MessageMapping } from '../../../../plugins/rocketmq/sink-message-mapping';
import { queueName, toSourceRecord } from '../../../../plugins/rocketmq/source-record-mapping';
import { message } from './fake-rocketmq';

function ref(text: string): FieldRef {
  const r = parseFieldRef(text);
  if (!('ref' in r)) throw new Error(r.error);
  return r.ref;
}

function rec(value: unknown, over: Partial<SinkRecord> = {}): SinkRecord {
  return { topic: 'in', queue: '2', offset: 41, value, timestamp: 0, headers: {}, ...over };
}

const mapping: MessageMapping = { topic: 'out', delayMs: 0 };

describe('toSourceRecord', () => {
  it('toSourceRecord carries key, body bytes, born time, partition, position and every rocketmq header', () => {
    const m = message(5, { keys: ['k1', 'k2'], properties: { seq: '5', 'unicode ✓': 'grüße' }, deliveryAttempt: 2 });
    const r = toSourceRecord(m, '', 99);
    expect(r).toEqual({
      topic: '',
      key: 'k1',
      keySchema: { type: 'string' },
      value: Buffer.from('{"n":5}'),
      schema: { type: 'bytes' },
      timestamp: 1_700_000_000_005,
      headers: {
        seq: '5',
        'unicode ✓': 'grüße',
        'rocketmq.tag': 'created',
        'rocketmq.keys': 'k1,k2',
        'rocketmq.message.id': 'MSG5',
        'rocketmq.born.timestamp': '1700000000005',
        'rocketmq.queue': 'broker-a:1',
        'rocketmq.offset': '2',
        'rocketmq.delivery.attempt': '2',
      },
      sourcePartition: { topic: 'orders', queue: 'broker-a:1' },
      sourcePosition: { offset: 2 },
    });
  });

  it('toSourceRecord without keys, tag or born time has a null key, no such headers and the fallback time', () => {
    const { bornTimestamp: _b, tag: _t, ...rest } = message(1, { keys: [] });
    const r = toSourceRecord(rest, 'lines', 1234);
    expect(r.key).toBeNull();
    expect(r.keySchema).toBeUndefined();
    expect(r.topic).toBe('lines');
    expect(r.timestamp).toBe(1234);
    expect(Object.keys(r.headers).filter((h) => h.startsWith('rocketmq.')).sort()).toEqual(['rocketmq.delivery.attempt', 'rocketmq.message.id', 'rocketmq.offset', 'rocketmq.queue']);
  });

  it('toSourceRecord rocketmq headers win over user properties of the same name', () => {
    const r = toSourceRecord(message(0, { properties: { 'rocketmq.tag': 'forged', 'rocketmq.queue': 'x' } }), '', 0);
    expect(r.headers['rocketmq.tag']).toBe('created');
    expect(r.headers['rocketmq.queue']).toBe('broker-a:0');
  });

  it('queueName of a redelivery names the retry queue, so it never collides with the topic queue', () => {
    expect(queueName({ brokerName: 'broker-a', queueId: 3, offset: 7, retry: false })).toBe('broker-a:3');
    expect(queueName({ brokerName: 'broker-a', queueId: 0, offset: 7, retry: true })).toBe('broker-a:retry:0');
  });
});

describe('field references', () => {
  it('parseFieldRef reads header:, value: and bare paths and explains bad ones', () => {
    expect(ref('header:rocketmq.tag')).toEqual({ kind: 'header', name: 'rocketmq.tag', text: 'header:rocketmq.tag' });
    expect(ref('value:a.b')).toEqual({ kind: 'value', path: ['a', 'b'], text: 'value:a.b' });
    expect(ref(' kind ')).toEqual({ kind: 'value', path: ['kind'], text: 'kind' });
    expect(parseFieldRef('value:')).toEqual({ error: expect.stringContaining('names no field') });
    expect(parseFieldRef('')).toEqual({ error: expect.stringContaining('is empty') });
  });

  it('extractField finds struct fields, nested fields, map entries, dotted names and headers', () => {
    const r = rec({ kind: 'order', customer: { id: 7 }, 'a.b': 'dotted', a: { b: 'nested' }, m: new Map([['x', 'from-map']]), nil: null }, { headers: { h: 'hv' } });
    expect(extractField(r, ref('kind'))).toBe('order');
    expect(extractField(r, ref('customer.id'))).toBe(7);
    expect(extractField(r, ref('a.b'))).toBe('dotted');
    expect(extractField(r, ref('m.x'))).toBe('from-map');
    expect(extractField(r, ref('header:h'))).toBe('hv');
    expect(extractField(r, ref('nil'))).toBeUndefined();
    expect(extractField(r, ref('missing.deeper'))).toBeUndefined();
    expect(extractField(rec('a string value'), ref('kind'))).toBeUndefined();
    expect(extractField(rec(new Map([['kind', 'mapped']])), ref('kind'))).toBe('mapped');
  });
});

describe('toOutgoingMessage', () => {
  it('toOutgoingMessage takes tag, keys and group from fields, headers from the record', () => {
    const r = rec({ kind: 'paid', ids: ['o-1', 2, ''], region: 'eu' }, { headers: { trace: 't-1' }, key: 'ignored-when-keys-field-set' });
    const { message: m, skippedHeaders } = toOutgoingMessage(r, { ...mapping, tagField: ref('kind'), keysField: ref('ids'), groupField: ref('region') }, 0);
    expect(m).toEqual({ topic: 'out', body: Buffer.from(JSON.stringify({ kind: 'paid', ids: ['o-1', 2, ''], region: 'eu' })), tag: 'paid', keys: ['o-1', '2'], messageGroup: 'eu', properties: { trace: 't-1' } });
    expect(skippedHeaders).toEqual([]);
  });

  it('toOutgoingMessage falls back to the fixed tag and uses the record key as message key by default', () => {
    const { message: m } = toOutgoingMessage(rec('text', { key: 'k-9' }), { ...mapping, tag: 'fixed', tagField: ref('header:tag') }, 0);
    expect(m.tag).toBe('fixed');
    expect(m.keys).toEqual(['k-9']);
    const { message: h } = toOutgoingMessage(rec('text', { headers: { tag: 'from-header' } }), { ...mapping, tag: 'fixed', tagField: ref('header:tag') }, 0);
    expect(h.tag).toBe('from-header');
    expect(h.keys).toBeUndefined();
  });

  it('toOutgoingMessage with a delay sets the delivery time; headers RocketMQ reserves are left out and reported', () => {
    const { message: m, skippedHeaders } = toOutgoingMessage(rec('x', { headers: { KEYS: 'a', UNIQ_KEY: 'b', ok: 'c' } }), { ...mapping, delayMs: 5000 }, 1000);
    expect(m.deliveryTimestamp).toBe(6000);
    expect(m.properties).toEqual({ ok: 'c' });
    expect(skippedHeaders).toEqual(['KEYS', 'UNIQ_KEY']);
    expect(RESERVED_PROPERTIES.has('__STARTDELIVERTIME')).toBe(false);
  });

  it('toOutgoingMessage refuses a record without a message group, a non-scalar tag and a tag with |, naming the record', () => {
    const group = () => toOutgoingMessage(rec({ other: 1 }), { ...mapping, groupField: ref('region') }, 0);
    expect(group).toThrow(DataError);
    expect(group).toThrow('record in/2@41 has no message group: rocketmq.message.group.field=region is missing');
    expect(() => toOutgoingMessage(rec({ kind: { a: 1 } }), { ...mapping, tagField: ref('kind') }, 0)).toThrow('rocketmq.tag.field=kind is an object, expected a string or number');
    expect(() => toOutgoingMessage(rec({ kind: 'a|b' }), { ...mapping, tagField: ref('kind') }, 0)).toThrow("contains '|'");
    expect(() => toOutgoingMessage(rec({ ids: [{}] }), { ...mapping, keysField: ref('ids') }, 0)).toThrow('holds an object, expected a string or number, or an array of them');
  });

  it('messageBody keeps bytes, encodes strings as UTF-8 and other values as JSON; refuses empty bodies', () => {
    const bytes = Buffer.from([0, 1, 255]);
    expect(messageBody(rec(bytes))).toBe(bytes);
    expect(messageBody(rec(new Uint8Array([1, 2])))).toEqual(Buffer.from([1, 2]));
    expect(messageBody(rec('grüße ✓')).toString('utf8')).toBe('grüße ✓');
    expect(messageBody(rec({ a: 1, b: Buffer.from('hi'), c: 10n })).toString()).toBe('{"a":1,"b":"aGk=","c":"10"}');
    expect(messageBody(rec(42)).toString()).toBe('42');
    expect(() => messageBody(rec(null))).toThrow('record in/2@41 has no value (null); RocketMQ refuses messages with an empty body');
    expect(() => messageBody(rec(''))).toThrow('empty value');
  });
});
