// How rocketmq-sink turns a SinkRecord into a RocketMQ message. The body is the record value encoded back to
// bytes the way the worker's converters decode it: bytes as they are (value.converter=bytes forwards bodies byte
// for byte), strings as UTF-8 (value.converter=string), anything else as JSON (value.converter=json; Buffers
// inside as base64). Tag, keys and FIFO message group come from fields or headers named in the config; headers
// become message properties, except the names RocketMQ reserves for itself, which it would refuse.
// Throws DataError naming the record (topic, queue, offset), the field and the value when a record cannot be sent.

import { DataError, type SinkRecord } from '../../runtime/spi';
import type { OutgoingMessage } from './client/rocketmq-clients';
import { extractField, type FieldRef } from './field-reference';

export interface MessageMapping {
  topic: string;
  tag?: string;
  tagField?: FieldRef;
  keysField?: FieldRef;
  groupField?: FieldRef;
  delayMs: number;
}

/** Property names RocketMQ 5.3's proxy refuses in user properties ("property is used by system", 40007, and two
 *  that fail otherwise), checked against the test broker. */
export const RESERVED_PROPERTIES: ReadonlySet<string> = new Set([
  'KEYS', 'TAGS', 'WAIT', 'DELAY', 'RETRY_TOPIC', 'REAL_TOPIC', 'REAL_QID', 'TRAN_MSG', 'PGROUP', 'MIN_OFFSET',
  'MAX_OFFSET', 'BUYER_ID', 'ORIGIN_MESSAGE_ID', 'TRANSFER_FLAG', 'CORRECTION_FLAG', 'MQ2_FLAG', 'RECONSUME_TIME',
  'MSG_REGION', 'TRACE_ON', 'UNIQ_KEY', 'EXTEND_UNIQ_INFO', 'MAX_RECONSUME_TIMES', 'CONSUME_START_TIME', 'INNER_NUM',
  'INNER_BASE', 'DUP_INFO', 'TRAN_PREPARED_QUEUE_OFFSET', 'INSTANCE_ID', 'CORRELATION_ID', 'REPLY_TO_CLIENT', 'TTL',
  'ARRIVE_TIME', 'PUSH_REPLY_TIME', 'CLUSTER', 'MSG_TYPE', 'POP_CK', 'POP_CK_OFFSET', '1ST_POP_TIME', '__SHARDINGKEY',
  'INNER_MULTI_QUEUE_OFFSET', 'TIMER_DELAY_SEC', 'TIMER_DELIVER_MS', '__BORNHOST', 'BORN_TIMESTAMP',
  'DLQ_ORIGIN_TOPIC', 'DLQ_ORIGIN_MESSAGE_ID', '__CRC32#', 'TIMER_OUT_MS', 'TIMER_ENQUEUE_MS', 'TIMER_DEQUEUE_MS',
  'TIMER_ROLL_TIMES', 'TIMER_DEL_UNIQKEY', 'TIMER_DELAY_LEVEL', 'TIMER_DELAY_MS',
]);

export interface MappedMessage {
  message: OutgoingMessage;
  /** Header names left out because RocketMQ reserves them. */
  skippedHeaders: string[];
}

export function where(record: SinkRecord): string {
  return `record ${record.topic}/${record.queue}@${record.offset}`;
}

export function toOutgoingMessage(record: SinkRecord, m: MessageMapping, now: number): MappedMessage {
  const body = messageBody(record);
  const message: OutgoingMessage = { topic: m.topic, body };

  const tag = m.tagField ? scalar(record, m.tagField, 'rocketmq.tag.field') : undefined;
  if (tag !== undefined && tag !== '') message.tag = tag;
  else if (m.tag !== undefined) message.tag = m.tag;
  if (message.tag !== undefined && message.tag.includes('|')) {
    throw new DataError(`${where(record)}: tag ${JSON.stringify(message.tag)} contains '|', which RocketMQ refuses in tags; change the value of ${m.tagField?.text ?? 'rocketmq.tag'}`);
  }

  const keys = m.keysField ? keyList(record, m.keysField) : recordKey(record);
  if (keys.length > 0) message.keys = keys;

  if (m.groupField) {
    const group = scalar(record, m.groupField, 'rocketmq.message.group.field');
    if (group === undefined || group === '') {
      throw new DataError(`${where(record)} has no message group: rocketmq.message.group.field=${m.groupField.text} is missing or empty in it; every record sent to a FIFO topic needs one`);
    }
    message.messageGroup = group;
  }
  if (m.delayMs > 0) message.deliveryTimestamp = now + m.delayMs;

  const skippedHeaders: string[] = [];
  const properties: Record<string, string> = {};
  for (const [k, v] of Object.entries(record.headers ?? {})) {
    if (RESERVED_PROPERTIES.has(k)) skippedHeaders.push(k);
    else if (typeof v === 'string') properties[k] = v;
  }
  if (Object.keys(properties).length > 0) message.properties = properties;
  return { message, skippedHeaders };
}

/** The record value as message bytes; RocketMQ refuses an empty body, so null and empty values are errors. */
export function messageBody(record: SinkRecord): Buffer {
  const v = record.value;
  let body: Buffer;
  if (v === null || v === undefined) {
    throw new DataError(`${where(record)} has no value (null); RocketMQ refuses messages with an empty body, so it cannot be sent — drop such records with a filter or set errors.tolerance=all`);
  } else if (Buffer.isBuffer(v)) body = v;
  else if (v instanceof Uint8Array) body = Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  else if (typeof v === 'string') body = Buffer.from(v, 'utf8');
  else {
    let json: string | undefined;
    try {
      json = JSON.stringify(v, jsonReplacer);
    } catch (err) {
      throw new DataError(`${where(record)}: value cannot be written as JSON: ${(err as Error).message}`, err);
    }
    if (json === undefined) throw new DataError(`${where(record)}: value of type ${typeof v} has no JSON form`);
    body = Buffer.from(json, 'utf8');
  }
  if (body.length === 0) throw new DataError(`${where(record)} has an empty value; RocketMQ refuses messages with an empty body`);
  return body;
}

/** As the JSON converter writes: Buffers as base64, bigints as decimal strings. */
function jsonReplacer(this: unknown, key: string, value: unknown): unknown {
  const raw = (this as Record<string, unknown>)[key];
  if (raw instanceof Uint8Array) return Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('base64');
  if (typeof raw === 'bigint') return raw.toString();
  if (raw instanceof Map) return Object.fromEntries(raw);
  return value;
}

function scalar(record: SinkRecord, ref: FieldRef, key: string): string | undefined {
  const v = extractField(record, ref);
  if (v === undefined) return undefined;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  throw new DataError(`${where(record)}: ${key}=${ref.text} is ${describe(v)}, expected a string or number`);
}

function keyList(record: SinkRecord, ref: FieldRef): string[] {
  const v = extractField(record, ref);
  if (v === undefined) return [];
  const items = Array.isArray(v) ? v : [v];
  const keys: string[] = [];
  for (const item of items) {
    if (item === null || item === undefined) continue;
    if (typeof item === 'string' || typeof item === 'number' || typeof item === 'bigint' || typeof item === 'boolean') {
      const s = String(item);
      if (s !== '') keys.push(s);
    } else {
      throw new DataError(`${where(record)}: rocketmq.keys.field=${ref.text} holds ${describe(item)}, expected a string or number, or an array of them`);
    }
  }
  return keys;
}

function recordKey(record: SinkRecord): string[] {
  const k = record.key;
  if (typeof k === 'string') return k === '' ? [] : [k];
  if (typeof k === 'number' || typeof k === 'bigint') return [String(k)];
  return [];
}

function describe(v: unknown): string {
  if (Array.isArray(v)) return 'an array';
  if (Buffer.isBuffer(v) || v instanceof Uint8Array) return 'bytes';
  if (typeof v === 'object') return 'an object';
  return `a ${typeof v}`;
}
