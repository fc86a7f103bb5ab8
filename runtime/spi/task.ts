// Tasks do the copying. The runtime creates one task instance per task config, calls start once, then
// poll/put repeatedly on a single logical thread (calls never overlap), and stop once.
// Error contract for every method: a RetriableError means "try the same call again later" (the runtime
// backs off and retries, without losing or reordering records); any other error fails the task, which
// becomes FAILED with the error trace in its status and can be restarted through the REST API.

import type { SinkTaskContext, SourceTaskContext } from './context';
import type { QueueOffset, SinkRecord, SourceRecord, TopicQueue } from './record';

export interface Task {
  version(): string;
  stop(): void | Promise<void>;
}

export interface SourceTask extends Task {
  /** Called once with this task's config (one entry of the connector's taskConfigs()). */
  start(config: Record<string, string>, context: SourceTaskContext): void | Promise<void>;
  /** Return the next records, or an empty array when none are ready. Should not block for more than about
   *  a second, so that pause and stop take effect promptly. */
  poll(): Promise<SourceRecord[]>;
  /** The records up to and including these positions are durably in their topics; the source may
   *  release what it held for them (acknowledge upstream, delete spooled files). Optional. */
  commit?(): void | Promise<void>;
  /** Called for each record once the transport has durably accepted it. Optional. */
  commitRecord?(record: SourceRecord): void | Promise<void>;
}

export interface SinkTask extends Task {
  start(config: Record<string, string>, context: SinkTaskContext): void | Promise<void>;
  /** Queues were assigned to this task. Sinks that store their own positions call context.seek() here. */
  open?(queues: TopicQueue[]): void | Promise<void>;
  /** Records for queues in the assignment, in offset order per queue. May buffer; a batch handed to put
   *  is owned by the task until a later flush/preCommit reports it written. Sinks that write in batches
   *  extend BatchSinkTask (batch-sink-task.ts) instead of buffering themselves. */
  put(records: SinkRecord[]): void | Promise<void>;
  /** Make everything passed to put durable, up to the given offsets. Called before preCommit when the task
   *  is paused, closed or stopped and when it holds max.inflight.records / max.inflight.bytes unreported
   *  (backpressure); at every commit when the task has no preCommit. */
  flush?(currentOffsets: QueueOffset[]): void | Promise<void>;
  /** Returns the offsets that are safe to commit (next offset to read per queue). Called on the commit
   *  interval and when the task asked with context.requestCommit (at once or by a deadline). The default
   *  calls flush and returns currentOffsets; a sink that commits asynchronously returns what has actually
   *  landed. */
  preCommit?(currentOffsets: QueueOffset[]): QueueOffset[] | Promise<QueueOffset[]>;
  /** Queues were taken away from this task (rebalance, stop). Flush has been called for them. */
  close?(queues: TopicQueue[]): void | Promise<void>;
}
