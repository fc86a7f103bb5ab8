// The remoting frame, fastjson and store-message codecs of the RocketMQ transport, against byte layouts
// built here by hand from RocketMQ's MessageDecoder and RemotingCommand (not with the code under test).
import { crc32, deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decodeMessages, decodeProperties, encodeBatch, encodeProperties, uniqueMessageId } from '../../../runtime/transport/rocketmq/message-codec';
import { decodeCommand, encodeCommand, parseFastJson } from '../../../runtime/transport/rocketmq/remoting-client';

interface StoreMessage {
  topic: string;
  queueId: number;
  queueOffset: number;
  body: Buffer;
  properties: string;
  bornTimestamp?: number;
  sysFlag?: number;
  magic?: number;
  crc?: number;
}

/** One message as the broker stores and serves it (MessageDecoder layout, IPv4 hosts unless flagged). */
function storeMessage(m: StoreMessage): Buffer {
  const sysFlag = m.sysFlag ?? 0;
  const v2 = (m.magic ?? -626843481) === -626843477;
  const topic = Buffer.from(m.topic, 'utf8');
  const props = Buffer.from(m.properties, 'utf8');
  const bornHost = sysFlag & 0x10 ? 20 : 8;
  const storeHost = sysFlag & 0x20 ? 20 : 8;
  const size = 4 + 4 + 4 + 4 + 4 + 8 + 8 + 4 + 8 + bornHost + 8 + storeHost + 4 + 8 + 4 + m.body.length + (v2 ? 2 : 1) + topic.length + 2 + props.length;
  const b = Buffer.alloc(size);
  let p = 0;
  b.writeInt32BE(size, p); p += 4;
  b.writeInt32BE(m.magic ?? -626843481, p); p += 4;
  b.writeInt32BE(m.crc ?? (crc32(m.body) & 0x7fffffff), p); p += 4;
  b.writeInt32BE(m.queueId, p); p += 4;
  b.writeInt32BE(0, p); p += 4;
  b.writeBigInt64BE(BigInt(m.queueOffset), p); p += 8;
  b.writeBigInt64BE(123456n, p); p += 8;
  b.writeInt32BE(sysFlag, p); p += 4;
  b.writeBigInt64BE(BigInt(m.bornTimestamp ?? 1000), p); p += 8;
  p += bornHost;
  b.writeBigInt64BE(2000n, p); p += 8;
  p += storeHost;
  b.writeInt32BE(0, p); p += 4;
  b.writeBigInt64BE(0n, p); p += 8;
  b.writeInt32BE(m.body.length, p); p += 4;
  m.body.copy(b, p); p += m.body.length;
  if (v2) { b.writeInt16BE(topic.length, p); p += 2; } else { b.writeInt8(topic.length, p); p += 1; }
  topic.copy(b, p); p += topic.length;
  b.writeInt16BE(props.length, p); p += 2;
  props.copy(b, p);
  return b;
}

describe('RocketMQ remoting codecs', () => {
  it('parseFastJson quotes integer map keys outside strings and leaves strings alone', () => {
    const text = '{"brokerDatas":[{"brokerAddrs":{0:"127.0.0.1:10911",1:"127.0.0.1:10921"},"brokerName":"b,0:x"}],"n":-1,"m":{-1:"neg"}}';
    expect(parseFastJson(text)).toEqual({ brokerDatas: [{ brokerAddrs: { 0: '127.0.0.1:10911', 1: '127.0.0.1:10921' }, brokerName: 'b,0:x' }], n: -1, m: { '-1': 'neg' } });
    expect(parseFastJson('{"s":"a \\" {1:2}"}')).toEqual({ s: 'a " {1:2}' });
    expect(() => parseFastJson('{0:}')).toThrow();
  });

  it('a remoting frame is length, JSON-type header length, header, body', () => {
    const frame = encodeCommand({ code: 11, flag: 0, opaque: 7, extFields: { topic: 't' }, body: Buffer.from('xy') });
    expect(frame.readInt32BE(0)).toBe(frame.length - 4);
    const headerLength = frame.readInt32BE(4);
    expect(headerLength >>> 24).toBe(0);
    const header = JSON.parse(frame.subarray(8, 8 + headerLength).toString('utf8'));
    expect(header).toMatchObject({ code: 11, opaque: 7, flag: 0, extFields: { topic: 't' } });
    expect(frame.subarray(8 + headerLength).toString()).toBe('xy');
    const back = decodeCommand(frame.subarray(4));
    expect(back).toMatchObject({ code: 11, opaque: 7, extFields: { topic: 't' } });
    expect(back.body!.toString()).toBe('xy');
    const rocketmqBinary = Buffer.from(frame.subarray(4));
    rocketmqBinary.writeUInt8(1, 0);
    expect(() => decodeCommand(rocketmqBinary)).toThrow(/serialization type 1/);
  });

  it('decodes stored messages: both magic codes, IPv6 hosts, zlib bodies, properties', () => {
    const props = 'KEYS\u0001k1\u0002TAGS\u0001t\u0002color\u0001red\u0002';
    const buf = Buffer.concat([
      storeMessage({ topic: 'orders', queueId: 2, queueOffset: 41, body: Buffer.from('{"a":1}'), properties: props, bornTimestamp: 1_700_000_000_123 }),
      storeMessage({ topic: 'orders', queueId: 2, queueOffset: 42, body: Buffer.from('v2'), properties: '', magic: -626843477, sysFlag: 0x10 | 0x20 }),
      storeMessage({ topic: 'orders', queueId: 2, queueOffset: 43, body: deflateSync(Buffer.from('zipped')), properties: '', sysFlag: 0x1 }),
    ]);
    const msgs = decodeMessages(buf);
    expect(msgs.map((m) => [m.queueOffset, m.body.toString()])).toEqual([[41, '{"a":1}'], [42, 'v2'], [43, 'zipped']]);
    expect(msgs[0]).toMatchObject({ topic: 'orders', queueId: 2, bornTimestamp: 1_700_000_000_123, storeTimestamp: 2000, properties: { KEYS: 'k1', TAGS: 't', color: 'red' } });
  });

  it('refuses corrupt bodies, foreign data and compression it cannot read, naming the message', () => {
    expect(() => decodeMessages(storeMessage({ topic: 't', queueId: 0, queueOffset: 9, body: Buffer.from('x'), properties: '', crc: 5 }))).toThrow(/message 9 of queue 0: body CRC mismatch/);
    const foreign = storeMessage({ topic: 't', queueId: 0, queueOffset: 0, body: Buffer.from('x'), properties: '' });
    foreign.writeInt32BE(1234, 4);
    expect(() => decodeMessages(foreign)).toThrow(/magic code 1234/);
    expect(() => decodeMessages(storeMessage({ topic: 't', queueId: 0, queueOffset: 3, body: Buffer.from('x'), properties: '', sysFlag: 0x1 | (0x1 << 8) }))).toThrow(/LZ4 or ZSTD/);
  });

  it('properties round trip; separators inside a name or value are refused', () => {
    const p = { a: '1', 'b.c': 'x y', empty: '' };
    expect(decodeProperties(encodeProperties(p))).toEqual(p);
    expect(() => encodeProperties({ 'bad\u0001': 'v' })).toThrow(/separator/);
  });

  it('a batch body is size, magic, crc, flag, body length, body, properties length, properties per message', () => {
    const b = encodeBatch([{ body: Buffer.from('ab'), properties: { k: 'v' } }, { body: Buffer.alloc(0), properties: {} }]);
    const first = b.readInt32BE(0);
    expect(first).toBe(4 * 5 + 2 + 2 + 'k\u0001v\u0002'.length);
    expect(b.readInt32BE(16)).toBe(2);
    expect(b.subarray(20, 22).toString()).toBe('ab');
    expect(b.readInt16BE(22)).toBe(4);
    expect(b.readInt32BE(first)).toBe(22);
    expect(b.length).toBe(first + 22);
  });

  it('unique message ids are 32 hex digits and distinct', () => {
    const ids = new Set(Array.from({ length: 1000 }, () => uniqueMessageId()));
    expect(ids.size).toBe(1000);
    for (const id of ids) expect(id).toMatch(/^[0-9A-F]{32}$/);
  });
});
