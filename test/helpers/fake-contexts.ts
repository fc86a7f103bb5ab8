// Fake SPI contexts for unit tests of connectors and tasks: everything the runtime would provide,
// recorded so tests can assert on it (logs, errant records, seeks, commit requests). Built only on
// the SPI types, like the plugins they test.

import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  ConfigError,
  type ConnectorContext,
  type Logger,
  type QueueOffset,
  type SinkRecord,
  type SinkTaskContext,
  type SourcePartition,
  type SourcePosition,
  type SourceRecord,
  type SourceTaskContext,
  type TopicQueue,
} from '../../runtime/spi';

export interface LogEntry {
  level: 'debug' | 'info' | 'warn' | 'error';
  obj: object | string;
  msg?: string;
  bindings: Record<string, unknown>;
}

export interface FakeLogger extends Logger {
  readonly entries: LogEntry[];
  messages(level?: LogEntry['level']): string[];
}

export function fakeLogger(entries: LogEntry[] = [], bindings: Record<string, unknown> = {}): FakeLogger {
  const at = (level: LogEntry['level']) => (obj: object | string, msg?: string): void => {
    entries.push({ level, obj, msg, bindings });
  };
  return {
    entries,
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: (more) => fakeLogger(entries, { ...bindings, ...more }),
    messages: (level) => entries.filter((e) => level === undefined || e.level === level).map((e) => e.msg ?? (typeof e.obj === 'string' ? e.obj : '')),
  };
}

/** Like the worker's path guard: relative paths resolve against `baseDir`, and must stay inside `roots`. */
export function fakeResolvePath(baseDir: string, roots: string[] = [baseDir]): (p: string, key: string) => string {
  return (value: string, key: string): string => {
    const p = value.startsWith('file:') ? fileURLToPath(value) : value;
    const abs = path.resolve(baseDir, p);
    if (!roots.some((r) => abs === path.resolve(r) || abs.startsWith(path.resolve(r) + path.sep))) {
      throw new ConfigError([{ name: key, message: `${JSON.stringify(value)} is outside the allowed roots ${roots.join(', ')}` }]);
    }
    return abs;
  };
}

export interface CommonOptions {
  connectorName?: string;
  taskId?: number;
  /** Relative paths resolve here; default process.cwd(). */
  baseDir?: string;
  /** Allowed roots for resolvePath; default [baseDir]. */
  roots?: string[];
  /** false = the errant-record reporter rejects (errors.tolerance=none); default true. */
  tolerateErrors?: boolean;
}

export interface ErrantReport {
  record: SinkRecord | SourceRecord;
  error: Error;
}

export interface FakeConnectorContext extends ConnectorContext {
  readonly logger: FakeLogger;
  reconfigurationRequests: number;
  raised: Error[];
}

export function fakeConnectorContext(options: CommonOptions = {}): FakeConnectorContext {
  const baseDir = options.baseDir ?? process.cwd();
  const ctx: FakeConnectorContext = {
    connectorName: options.connectorName ?? 'test-connector',
    logger: fakeLogger(),
    reconfigurationRequests: 0,
    raised: [],
    requestTaskReconfiguration: () => {
      ctx.reconfigurationRequests++;
    },
    raiseError: (error: Error) => {
      ctx.raised.push(error);
    },
    resolvePath: fakeResolvePath(baseDir, options.roots),
  };
  return ctx;
}

function reporter(errant: ErrantReport[], tolerate: boolean) {
  return async (record: SinkRecord | SourceRecord, error: Error): Promise<void> => {
    errant.push({ record, error });
    if (!tolerate) throw new Error(`errant record not tolerated: ${error.message}`, { cause: error });
  };
}

export interface FakeSourceTaskContext extends SourceTaskContext {
  readonly logger: FakeLogger;
  readonly errant: ErrantReport[];
  /** Committed positions by JSON of the partition; tests set them to simulate a restart. */
  readonly positions: Map<string, SourcePosition>;
  commit(partition: SourcePartition, position: SourcePosition): void;
}

/** Keys sorted, so {a, b} and {b, a} are the same partition. */
export function partitionKey(partition: SourcePartition): string {
  return JSON.stringify(Object.keys(partition).sort().map((k) => [k, partition[k]]));
}

export function fakeSourceTaskContext(options: CommonOptions & { positions?: { partition: SourcePartition; position: SourcePosition }[] } = {}): FakeSourceTaskContext {
  const baseDir = options.baseDir ?? process.cwd();
  const positions = new Map<string, SourcePosition>();
  for (const p of options.positions ?? []) positions.set(partitionKey(p.partition), p.position);
  const errant: ErrantReport[] = [];
  return {
    connectorName: options.connectorName ?? 'test-connector',
    taskId: options.taskId ?? 0,
    logger: fakeLogger(),
    errant,
    positions,
    errantRecordReporter: reporter(errant, options.tolerateErrors ?? true),
    resolvePath: fakeResolvePath(baseDir, options.roots),
    position: async (partition) => positions.get(partitionKey(partition)),
    commit: (partition, position) => {
      positions.set(partitionKey(partition), position);
    },
  };
}

export interface FakeSinkTaskContext extends SinkTaskContext {
  readonly logger: FakeLogger;
  readonly errant: ErrantReport[];
  readonly seeks: QueueOffset[][];
  /** requestCommit() calls asking for a commit at once. */
  commitRequests: number;
  /** The delays of requestCommit(delayMs) calls asking for a commit later. */
  readonly commitDelays: number[];
  paused: TopicQueue[];
  assigned: TopicQueue[];
}

export function fakeSinkTaskContext(options: CommonOptions & { assignment?: TopicQueue[] } = {}): FakeSinkTaskContext {
  const baseDir = options.baseDir ?? process.cwd();
  const errant: ErrantReport[] = [];
  const ctx: FakeSinkTaskContext = {
    connectorName: options.connectorName ?? 'test-connector',
    taskId: options.taskId ?? 0,
    logger: fakeLogger(),
    errant,
    seeks: [],
    commitRequests: 0,
    commitDelays: [],
    paused: [],
    assigned: [...(options.assignment ?? [])],
    errantRecordReporter: reporter(errant, options.tolerateErrors ?? true),
    resolvePath: fakeResolvePath(baseDir, options.roots),
    assignment: () => [...ctx.assigned],
    committedOffsets: async () => [],
    seek: (offsets) => {
      ctx.seeks.push(offsets.map((o) => ({ ...o })));
    },
    requestCommit: (delayMs) => {
      if (delayMs === undefined || delayMs <= 0) ctx.commitRequests++;
      else ctx.commitDelays.push(delayMs);
    },
    pause: (queues) => {
      ctx.paused.push(...queues);
    },
    resume: (queues) => {
      ctx.paused = ctx.paused.filter((p) => !queues.some((q) => q.topic === p.topic && q.queue === p.queue));
    },
  };
  return ctx;
}

/** Sink records for one queue with consecutive offsets starting at `from`. */
export function sinkRecords(values: unknown[], options: { topic?: string; queue?: string; from?: number } = {}): SinkRecord[] {
  const topic = options.topic ?? 'topic-a';
  const queue = options.queue ?? '0';
  const from = options.from ?? 0;
  return values.map((value, i) => ({ topic, queue, offset: from + i, value, timestamp: 0, headers: {} }));
}
