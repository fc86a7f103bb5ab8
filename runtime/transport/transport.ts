// Topics as the runtime sees them. A topic has a fixed set of queues; each queue is an ordered log with
// dense offsets. Source tasks send; sink tasks consume through a consumer of their connector's group with
// an explicit queue assignment computed by the worker. Implementations: embedded (durable, in-process,
// embedded-transport.ts) and RocketMQ (rocketmq/). The same connector configs run on either.

import type { Headers, QueueOffset, SourcePartition, SourcePosition, TopicQueue } from '../spi';

export interface TransportMessage {
  key: string | null;
  body: Buffer | null;
  headers: Headers;
  /** ms since epoch */
  timestamp: number;
}

export interface StoredMessage extends TransportMessage, TopicQueue {
  offset: number;
}

/** Source positions committed together with the messages they produced. */
export interface PositionUpdate {
  connector: string;
  partition: SourcePartition;
  position: SourcePosition;
}

export interface SendOptions {
  /** Source positions to commit with this batch. A transport that can (embedded) stores them in the same
   *  atomic write as the messages, so a crash never separates records from their positions; one that
   *  cannot stores them right after the messages are acknowledged (at-least-once). */
  positions?: PositionUpdate[];
}

export interface TopicConsumer {
  readonly group: string;
  /** Replace the assignment; new queues start at the group's committed offset (or the earliest). */
  assign(queues: TopicQueue[]): Promise<void>;
  assignment(): TopicQueue[];
  /** Next read of these queues starts at the given offsets. */
  seek(offsets: QueueOffset[]): void;
  pause(queues: TopicQueue[]): void;
  resume(queues: TopicQueue[]): void;
  /** Up to `max` messages across the assigned, unpaused queues, in offset order per queue. Waits at most
   *  `waitMs` for the first message. */
  receive(max: number, waitMs: number): Promise<StoredMessage[]>;
  /** Durably records the group's offsets (next offset to read per queue). */
  commit(offsets: QueueOffset[]): Promise<void>;
  close(): Promise<void>;
}

export interface Transport {
  readonly kind: 'embedded' | 'rocketmq';
  /** Creates the topic with the transport's default queue count if it does not exist; returns its queues. */
  ensureTopic(topic: string): Promise<TopicQueue[]>;
  queues(topic: string): Promise<TopicQueue[]>;
  topics(): Promise<string[]>;
  send(topic: string, messages: TransportMessage[], options?: SendOptions): Promise<void>;
  consumer(group: string): TopicConsumer;
  /** Offset the next message appended to the queue will get (for lag). */
  endOffset(queue: TopicQueue): Promise<number>;

  /** Committed source positions of a connector. */
  positions(connector: string): Promise<{ partition: SourcePartition; position: SourcePosition }[]>;
  /** Replace (position) or delete (null) source positions, e.g. through the offsets REST API. */
  putPositions(updates: { connector: string; partition: SourcePartition; position: SourcePosition | null }[]): Promise<void>;
  /** Committed offsets of a consumer group on the queues of these topics. */
  groupOffsets(group: string, topics: string[]): Promise<QueueOffset[]>;
  /** Replace (offset) or delete (null: back to the earliest offset) group offsets. */
  putGroupOffsets(group: string, updates: (TopicQueue & { offset: number | null })[]): Promise<void>;

  close(): Promise<void>;
}
