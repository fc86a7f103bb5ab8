// Binary message formats of RocketMQ's store: the messages a PULL_MESSAGE response carries, and the body
// of a SEND_BATCH_MESSAGE request. Layouts follow org.apache.rocketmq.common.message.MessageDecoder.

import { randomBytes } from 'node:crypto';
import { crc32, inflateSync } from 'node:zlib';

const MAGIC_V1 = -626843481; // 0xDAA320A7: topic length in one byte
const MAGIC_V2 = -626843477; // 0xDAA320AB: topic length in two bytes

const COMPRESSED_FLAG = 0x1;
const BORNHOST_V6_FLAG = 0x1 << 4;
const STOREHOST_V6_FLAG = 0x1 << 5;
const COMPRESSION_TYPE_MASK = 0x7 << 8;
const COMPRESSION_ZLIB = 0x3 << 8;

const NAME_VALUE_SEPARATOR = '\u0001';
const PROPERTY_SEPARATOR = '\u0002';

/** Property names RocketMQ itself sets or reads (MessageConst); never user headers. */
export const SYSTEM_PROPERTIES = new Set([
  'KEYS', 'TAGS', 'WAIT', 'DELAY', 'RETRY_TOPIC', 'REAL_TOPIC', 'REAL_QID', 'TRAN_MSG', 'PGROUP', 'MIN_OFFSET', 'MAX_OFFSET',
  'BUYER_ID', 'ORIGIN_MESSAGE_ID', 'TRANSFER_FLAG', 'CORRECTION_FLAG', 'MQ2_FLAG', 'RECONSUME_TIME', 'MSG_REGION', 'TRACE_ON',
  'UNIQ_KEY', 'MAX_RECONSUME_TIMES', 'CONSUME_START_TIME', 'POP_CK', 'POP_CK_OFFSET', '1ST_POP_TIME', 'SHARDING_KEY',
  'TRAN_PREPARED_QUEUE_OFFSET', 'TRANSACTION_CHECK_TIMES', 'CHECK_IMMUNITY_TIME_IN_SECONDS', 'INSTANCE_ID', 'CORRELATION_ID',
  'REPLY_TO_CLIENT', 'TTL', 'ARRIVE_TIME', 'PUSH_REPLY_TIME', 'CLUSTER', 'MSG_TYPE', 'INNER_MULTI_DISPATCH',
  'INNER_MULTI_QUEUE_OFFSET', '__STARTDELIVERTIME', 'TIMER_DELIVER_MS', 'TIMER_DELAY_SEC', 'TIMER_DELAY_MS', 'TIMER_OUT_MS',
  'TIMER_ENQUEUE_MS', 'TIMER_DEQUEUE_MS', 'TIMER_ROLL_TIMES', 'TIMER_DEL_UNIQKEY', 'bname', '__BORNHOST', 'INNER_NUM',
  'INNER_BASE', 'TRACE_CONTEXT', 'DLQ_ORIGIN_TOPIC', 'DLQ_ORIGIN_MESSAGE_ID', 'CRC32', 'WAIT_STORE_MSG_OK',
]);

export interface DecodedMessage {
  topic: string;
  queueId: number;
  queueOffset: number;
  bornTimestamp: number;
  storeTimestamp: number;
  body: Buffer;
  properties: Record<string, string>;
}

export function decodeProperties(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of text.split(PROPERTY_SEPARATOR)) {
    if (pair.length === 0) continue;
    const i = pair.indexOf(NAME_VALUE_SEPARATOR);
    if (i <= 0) continue;
    out[pair.slice(0, i)] = pair.slice(i + 1);
  }
  return out;
}

export function encodeProperties(props: Record<string, string>): string {
  let s = '';
  for (const [k, v] of Object.entries(props)) {
    if (/[\u0001\u0002]/.test(k) || /[\u0001\u0002]/.test(v)) {
      throw new Error(`message property ${JSON.stringify(k)} contains a \\u0001 or \\u0002 character, which RocketMQ uses as a separator; remove it`);
    }
    s += k + NAME_VALUE_SEPARATOR + v + PROPERTY_SEPARATOR;
  }
  return s;
}

/** Decodes the messages of a pull response body. Checks each body against its stored CRC. */
export function decodeMessages(buf: Buffer): DecodedMessage[] {
  const out: DecodedMessage[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const start = pos;
    const totalSize = buf.readInt32BE(pos);
    const magic = buf.readInt32BE(pos + 4);
    if (magic !== MAGIC_V1 && magic !== MAGIC_V2) throw new Error(`message at byte ${start} of a pull response has magic code ${magic}, not a RocketMQ message`);
    const bodyCrc = buf.readInt32BE(pos + 8);
    const queueId = buf.readInt32BE(pos + 12);
    pos += 20; // total, magic, crc, queueId, flag
    const queueOffset = Number(buf.readBigInt64BE(pos));
    pos += 16; // queue offset, physical offset
    const sysFlag = buf.readInt32BE(pos);
    pos += 4;
    const bornTimestamp = Number(buf.readBigInt64BE(pos));
    pos += 8;
    pos += (sysFlag & BORNHOST_V6_FLAG ? 16 : 4) + 4;
    const storeTimestamp = Number(buf.readBigInt64BE(pos));
    pos += 8;
    pos += (sysFlag & STOREHOST_V6_FLAG ? 16 : 4) + 4;
    pos += 4 + 8; // reconsume times, prepared transaction offset
    const bodyLength = buf.readInt32BE(pos);
    pos += 4;
    let body = Buffer.from(buf.subarray(pos, pos + bodyLength));
    pos += bodyLength;
    if (((crc32(body) & 0x7fffffff) >>> 0) !== bodyCrc && bodyCrc !== 0) {
      throw new Error(`message ${queueOffset} of queue ${queueId}: body CRC mismatch (stored ${bodyCrc}); the message is corrupt`);
    }
    const topicLength = magic === MAGIC_V2 ? buf.readInt16BE(pos) : buf.readInt8(pos);
    pos += magic === MAGIC_V2 ? 2 : 1;
    const topic = buf.toString('utf8', pos, pos + topicLength);
    pos += topicLength;
    const propsLength = buf.readInt16BE(pos);
    pos += 2;
    const properties = decodeProperties(buf.toString('utf8', pos, pos + propsLength));
    pos = start + totalSize;
    if (sysFlag & COMPRESSED_FLAG) {
      const type = sysFlag & COMPRESSION_TYPE_MASK;
      if (type !== 0 && type !== COMPRESSION_ZLIB) {
        throw new Error(`message ${queueOffset} of ${topic} queue ${queueId} is compressed with type ${type >> 8} (LZ4 or ZSTD), which this transport cannot read; produce with zlib or no compression`);
      }
      body = inflateSync(body);
    }
    out.push({ topic, queueId, queueOffset, bornTimestamp, storeTimestamp, body, properties });
  }
  return out;
}

export interface OutgoingMessage {
  body: Buffer;
  properties: Record<string, string>;
}

/** A client-side unique message id (UNIQ_KEY), 32 hex digits: random prefix + time + counter. */
let counter = 0;
const prefix = randomBytes(6).toString('hex').toUpperCase();
export function uniqueMessageId(): string {
  counter = (counter + 1) & 0xffffffff;
  return prefix + Date.now().toString(16).toUpperCase().padStart(12, '0').slice(-12) + counter.toString(16).toUpperCase().padStart(8, '0');
}

/** Body of a SEND_BATCH_MESSAGE request (MessageDecoder.encodeMessage per message). */
export function encodeBatch(messages: OutgoingMessage[]): Buffer {
  const parts: Buffer[] = [];
  for (const m of messages) {
    const props = Buffer.from(encodeProperties(m.properties), 'utf8');
    if (props.length > 0x7fff) throw new Error(`message properties are ${props.length} bytes; RocketMQ allows at most 32767`);
    const size = 4 + 4 + 4 + 4 + 4 + m.body.length + 2 + props.length;
    const b = Buffer.allocUnsafe(size);
    let p = 0;
    b.writeInt32BE(size, p); p += 4;
    b.writeInt32BE(0, p); p += 4; // magic (unused in batches)
    b.writeInt32BE(0, p); p += 4; // body CRC (computed by the broker)
    b.writeInt32BE(0, p); p += 4; // flag
    b.writeInt32BE(m.body.length, p); p += 4;
    m.body.copy(b, p); p += m.body.length;
    b.writeInt16BE(props.length, p); p += 2;
    props.copy(b, p);
    parts.push(b);
  }
  return Buffer.concat(parts);
}
