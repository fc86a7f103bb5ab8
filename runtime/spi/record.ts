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
  /** Bytes the record arrived with: message body + key + header names and values (UTF-8), filled by the
   *  runtime. Optional: records built elsewhere (tests, a plugin's own) may lack it; use recordSize(). */
  size?: number;
}

/** Offsets a sink has durably written: `offset` is the next offset to read (last written + 1). */
export interface QueueOffset extends TopicQueue {
  offset: number;
}

export function queueKey(q: TopicQueue): string {
  return `${q.topic}/${q.queue}`;
}

/** Bytes of a message as it travels: body + key + header names and values, in UTF-8. */
export function messageBytes(body: Uint8Array | string | null | undefined, key: string | null | undefined, headers: Headers): number {
  let n = body === null || body === undefined ? 0 : typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength;
  if (key !== null && key !== undefined) n += Buffer.byteLength(key);
  for (const [k, v] of Object.entries(headers)) n += Buffer.byteLength(k) + Buffer.byteLength(v);
  return n;
}

/** The record's `size` when the runtime filled it, else the bytes of its value and key as they would be
 *  sent (bytes as they are, strings in UTF-8, anything else as JSON) plus its headers. */
export function recordSize(r: ConnectRecord & { size?: number }): number {
  if (r.size !== undefined) return r.size;
  return valueBytes(r.value) + valueBytes(r.key) + messageBytes(null, null, r.headers ?? {});
}

function valueBytes(v: unknown): number {
  if (v === null || v === undefined) return 0;
  if (v instanceof Uint8Array) return v.byteLength;
  if (typeof v === 'string') return Buffer.byteLength(v);
  try {
    return Buffer.byteLength(JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x)) ?? '');
  } catch {
    return 0; // a cycle has no JSON form and so no size; the sink reports such a record as errant anyway
  }
}
