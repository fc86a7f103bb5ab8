// How rocketmq-source turns a received RocketMQ message into a SourceRecord. Like file-source, which hands
// lines on as strings with a string schema for the worker's value converter to encode, this hands the body on
// as bytes with a bytes schema: value.converter=bytes (or string) writes it unchanged.
// Invariants: the source partition is {topic, queue} and the position {offset}, where queue is
// "<brokerName>:<queueId>" ("<brokerName>:retry:<queueId>" for a redelivery, which RocketMQ serves from the
// group's retry topic); rocketmq.* headers are set after the user properties, so they win on a clash.

import type { Headers, Schema, SourceRecord } from '../../runtime/spi';
import type { QueuePosition, ReceivedMessage } from './client/rocketmq-clients';

const BYTES_SCHEMA: Schema = Object.freeze({ type: 'bytes' }) as Schema;
const STRING_SCHEMA: Schema = Object.freeze({ type: 'string' }) as Schema;

export const HEADER = {
  tag: 'rocketmq.tag',
  keys: 'rocketmq.keys',
  messageId: 'rocketmq.message.id',
  bornTimestamp: 'rocketmq.born.timestamp',
  queue: 'rocketmq.queue',
  offset: 'rocketmq.offset',
  deliveryAttempt: 'rocketmq.delivery.attempt',
} as const;

export function queueName(p: QueuePosition): string {
  return p.retry ? `${p.brokerName}:retry:${p.queueId}` : `${p.brokerName}:${p.queueId}`;
}

/**
 * @param topic the record's topic; '' lets the runtime apply the connector's connect.topicname.
 * @param now   the timestamp when the message carries no born time.
 */
export function toSourceRecord(m: ReceivedMessage, topic: string, now: number): SourceRecord {
  const queue = queueName(m.position);
  const headers: Headers = { ...m.properties };
  if (m.tag !== undefined && m.tag !== '') headers[HEADER.tag] = m.tag;
  if (m.keys.length > 0) headers[HEADER.keys] = m.keys.join(',');
  headers[HEADER.messageId] = m.messageId;
  if (m.bornTimestamp !== undefined) headers[HEADER.bornTimestamp] = String(m.bornTimestamp);
  headers[HEADER.queue] = queue;
  headers[HEADER.offset] = String(m.position.offset);
  if (m.deliveryAttempt !== undefined) headers[HEADER.deliveryAttempt] = String(m.deliveryAttempt);
  const key = m.keys[0];
  return {
    topic,
    ...(key !== undefined ? { key, keySchema: STRING_SCHEMA } : { key: null }),
    value: m.body,
    schema: BYTES_SCHEMA,
    timestamp: m.bornTimestamp ?? now,
    headers,
    sourcePartition: { topic: m.topic, queue },
    sourcePosition: { offset: m.position.offset },
  };
}
