// What the runtime offers connectors and tasks: a logger, the ability to ask for reconfiguration, to
// read their committed positions or offsets, and to report records they could not process.

import type { QueueOffset, SinkRecord, SourcePartition, SourcePosition, SourceRecord, TopicQueue } from './record';

/** pino-compatible subset. Never log secrets: the runtime redacts `password`-typed config values itself. */
export interface PathOptions {
  /** Accept s3:// locations (for keys naming object-storage locations, such as a table path). */
  allowS3?: boolean;
}

export interface Logger {
  debug(obj: object | string, msg?: string): void;
  info(obj: object | string, msg?: string): void;
  warn(obj: object | string, msg?: string): void;
  error(obj: object | string, msg?: string): void;
  child(bindings: Record<string, unknown>): Logger;
}

export interface ConnectorContext {
  readonly connectorName: string;
  readonly logger: Logger;
  /** Ask the runtime to call taskConfigs() again and restart the tasks with the result
   *  (e.g. the set of input files changed). */
  requestTaskReconfiguration(): void;
  /** Fail the connector from a background activity; the connector becomes FAILED with this trace. */
  raiseError(error: Error): void;
  /** Resolves a user-given path or file:// URL (the value of config key `key`) to an absolute path inside
   *  the worker's allowed roots (`allowedRoots`). Throws ConfigError naming the key when it is outside.
   *  With `allowS3`, an s3://bucket/prefix location is accepted too, if it lies inside an S3 root of
   *  allowedRoots, and returned normalised (s3://, no trailing '/'). */
  resolvePath(path: string, key: string, options?: PathOptions): string;
  /** The worker's defaults for clients a plugin opens (worker config keys such as s3.endpoint), by key; a
   *  plugin applies them under its connector config, whose own keys win. May hold secrets: never log them. */
  readonly clientDefaults?: Readonly<Record<string, string>>;
}

/** Reports a record that failed (conversion, transform, or the task itself) to the dead-letter handling
 *  configured for the connector (`errors.tolerance`, `errors.deadletterqueue.*`). Resolves once the
 *  report is durable; rejects if the connector does not tolerate errors, which fails the task. */
export type ErrantRecordReporter = (record: SinkRecord | SourceRecord, error: Error) => Promise<void>;

export interface TaskContext {
  readonly connectorName: string;
  readonly taskId: number;
  readonly logger: Logger;
  readonly errantRecordReporter: ErrantRecordReporter;
  /** Same contract as ConnectorContext.resolvePath. */
  resolvePath(path: string, key: string, options?: PathOptions): string;
  /** Same as ConnectorContext.clientDefaults. */
  readonly clientDefaults?: Readonly<Record<string, string>>;
}

export interface SourceTaskContext extends TaskContext {
  /** The last committed position of a source partition, or undefined if none was ever committed. */
  position(partition: SourcePartition): Promise<SourcePosition | undefined>;
}

export interface SinkTaskContext extends TaskContext {
  /** The queues currently assigned to this task. */
  assignment(): TopicQueue[];
  /** The offsets last committed for this connector's group on the assigned queues (next offset to read);
   *  queues never committed are absent. */
  committedOffsets(): Promise<QueueOffset[]>;
  /** Rewind or skip: the next `put` for these queues starts at the given offsets. Used by sinks that keep
   *  their own positions (e.g. in a table commit) to resume exactly where their durable output ends. */
  seek(offsets: QueueOffset[]): void;
  /** Ask the runtime to call preCommit (or flush) soon: at once without an argument (e.g. a batch is full),
   *  or within `delayMs` from now (e.g. when a batch window closes). The runtime cuts its wait for new
   *  records to the earliest time asked for, so the call comes on time even when no records arrive; a
   *  commit made earlier for another reason ends the request, so ask again if still needed.
   *  `delayMs` is optional (added later): runtimes without it commit on their own interval. */
  requestCommit(delayMs?: number): void;
  /** Pause / resume fetching from queues (backpressure). The runtime keeps the task's own pauses apart from
   *  the ones it makes when the task falls behind: a queue is read only when neither holds it. */
  pause(queues: TopicQueue[]): void;
  resume(queues: TopicQueue[]): void;
}
