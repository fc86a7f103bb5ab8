// The record types that flow between the transport, converters, transforms and tasks.
// Source tasks produce SourceRecords (with the position in their source they came from); sink tasks
// receive SinkRecords (with the topic queue and offset they were read from).

import type { Schema } from './schema';

export type Headers = Record<string, string>;

/** A source's own coordinates, chosen by the connector: e.g. partition {file: "/in.jsonl"}, position {offset: 1042}.
 *  Both must be JSON-serialisable; the runtime persists the latest committed position per partition. */
export type SourcePartition = Record<string, string | number | boolean>;
export type SourcePosition = Record<string, string | number | boolean | null>;

export interface ConnectRecord {
  topic: string;
  key?: unknown;
  keySchema?: Schema;
  value: unknown;
  /** Schema of `value`; absent for schemaless data. */
  schema?: Schema;
  /** Milliseconds since the epoch (event time if the source knows it, else the time it was read). */
  timestamp: number;
  headers: Headers;
}

export interface SourceRecord extends ConnectRecord {
  sourcePartition: SourcePartition;
  sourcePosition: SourcePosition;
}

/** One queue of a topic (a Kafka partition, a RocketMQ message queue). `queue` is an opaque, stable id. */
export interface TopicQueue {
  topic: string;
  queue: string;
}

export interface SinkRecord extends ConnectRecord {
  queue: string;
  /** Offset of this record in its queue; the next record to read after it is `offset + 1`. */
  offset: number;
}

/** Offsets a sink has durably written: `offset` is the next offset to read (last written + 1). */
export interface QueueOffset extends TopicQueue {
  offset: number;
}

export function queueKey(q: TopicQueue): string {
  return `${q.topic}/${q.queue}`;
}
