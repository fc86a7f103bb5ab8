// file-sink: appends each record's value to one file as a JSON line. Written only against the SPI.
// Invariants: offsets are reported safe (preCommit) only for records whose lines have been written
// and fsynced; put may write without syncing, so after a crash the file can hold lines whose offsets
// were never committed — they are delivered again (at-least-once: duplicates, never loss); a torn
// last line from an interrupted write is cut off at start so the file stays valid JSON lines.

import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  ConfigDef,
  DataError,
  validators,
  type QueueOffset,
  type SinkConnector,
  type SinkRecord,
  type SinkTask,
  type SinkTaskContext,
} from '../../runtime/spi';
import { FILE_PLUGIN_VERSION, FileConnector } from './file-connector';

/** Buffered bytes above which put writes to the file (without fsync) instead of waiting for flush. */
const WRITE_THRESHOLD_BYTES = 1024 * 1024;

/** The connector's own keys. `connect.topicnames` is a framework key, declared by the runtime. */
export function fileSinkConfigDef(): ConfigDef {
  return new ConfigDef([
    {
      name: 'file',
      type: 'string',
      validator: validators.nonEmpty(),
      doc: 'File the records are appended to, one JSON line per record value: a path or file:// URL inside the worker\'s allowed roots. Created with its directories if missing. At start, an incomplete last line (the torn end of an interrupted write) is removed.',
      importance: 'high',
    },
  ]);
}

function parseFile(config: Record<string, string>, context: string): string {
  // Unknown keys are checked by the runtime against the full definition (framework keys included).
  return fileSinkConfigDef().parse(config, { allowUnknown: true, context })['file'] as string;
}

/**
 * The JSON line for a record value: strings as JSON strings, Buffers and byte arrays as base64
 * strings (also nested ones), bigints as numbers when exact and as strings otherwise, null/undefined
 * as `null`. Throws DataError when the value cannot be represented (e.g. a cycle).
 */
export function toJsonLine(value: unknown): string {
  let out: string | undefined;
  try {
    out = JSON.stringify(value ?? null, function (this: Record<string, unknown>, key: string, converted: unknown): unknown {
      // `this[key]` is the value before its toJSON ran; Buffer.toJSON would give {type, data}.
      const raw = this[key];
      if (raw instanceof Uint8Array) return Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('base64');
      if (typeof raw === 'bigint') return Number.isSafeInteger(Number(raw)) ? Number(raw) : raw.toString();
      return converted;
    });
  } catch (err) {
    throw new DataError(`record value cannot be written as JSON: ${(err as Error).message}`, err);
  }
  return out ?? 'null'; // a function or symbol value has no JSON form
}

export class FileSinkConnector extends FileConnector implements SinkConnector {
  readonly type = 'sink' as const;

  override config(): ConfigDef {
    return fileSinkConfigDef();
  }

  createTask(): SinkTask {
    return new FileSinkTask();
  }
}

export class FileSinkTask implements SinkTask {
  private context: SinkTaskContext | undefined;
  private file = '';
  private handle: fs.promises.FileHandle | undefined;
  /** Lines handed to put and not yet written. */
  private buffer: string[] = [];
  private bufferedBytes = 0;
  /** Written since the last fsync: not yet safe. */
  private unsynced = false;
  private linesWritten = 0;

  version(): string {
    return FILE_PLUGIN_VERSION;
  }

  async start(config: Record<string, string>, context: SinkTaskContext): Promise<void> {
    this.context = context;
    this.file = context.resolvePath(parseFile(config, `task ${context.taskId} of connector "${context.connectorName}"`), 'file');
    await fs.promises.mkdir(path.dirname(this.file), { recursive: true });
    const cut = await cutTornLine(this.file);
    if (cut > 0) context.logger.warn({ file: this.file, bytes: cut }, 'file-sink: removed an incomplete last line left by an interrupted write; its records were not committed and will be delivered again');
    this.handle = await fs.promises.open(this.file, 'a');
    context.logger.info({ file: this.file }, 'file-sink started');
  }

  async put(records: SinkRecord[]): Promise<void> {
    for (const record of records) {
      let line: string;
      try {
        line = toJsonLine(record.value);
      } catch (err) {
        // Resolves once reported (dead-letter queue, log); rejects if the connector tolerates no errors.
        await this.context!.errantRecordReporter(record, err as Error);
        continue;
      }
      this.buffer.push(line);
      this.bufferedBytes += Buffer.byteLength(line) + 1;
    }
    if (this.bufferedBytes >= WRITE_THRESHOLD_BYTES) await this.writeBuffered();
  }

  /** Writes everything put so far and fsyncs: after this, those records are durable. */
  async flush(_currentOffsets?: QueueOffset[]): Promise<void> {
    await this.writeBuffered();
    if (this.unsynced && this.handle) {
      await this.handle.sync();
      this.unsynced = false;
    }
  }

  /**
   * Flushes, then reports the offsets the fsync covers. Every record the runtime handed to put up to
   * `currentOffsets` is now on disk (records a filter dropped needed no writing), so those offsets are
   * exactly what has been fsynced. If flush throws, nothing is reported and nothing is committed.
   */
  async preCommit(currentOffsets: QueueOffset[]): Promise<QueueOffset[]> {
    await this.flush(currentOffsets);
    return currentOffsets.map((o) => ({ topic: o.topic, queue: o.queue, offset: o.offset }));
  }

  async stop(): Promise<void> {
    // Lines still buffered here were never flushed, so their offsets were never committed: they will
    // be delivered again. Writing them now would only add duplicates.
    this.buffer = [];
    this.bufferedBytes = 0;
    const h = this.handle;
    this.handle = undefined;
    if (h) await h.close();
    this.context?.logger.info({ file: this.file, linesWritten: this.linesWritten }, 'file-sink stopped');
  }

  private async writeBuffered(): Promise<void> {
    if (this.buffer.length === 0) return;
    if (!this.handle) throw new DataError(`file-sink for ${this.file} is not started (or already stopped); the runtime calls start before put`);
    const text = this.buffer.join('\n') + '\n';
    const count = this.buffer.length;
    try {
      await this.handle.write(text);
    } catch (err) {
      // Not retriable: a retry after a partial write would duplicate or tear lines. The task fails;
      // on restart the torn tail is cut and uncommitted records are delivered again.
      throw new DataError(`writing ${count} line(s) to ${this.file} failed: ${(err as Error).message}; check free space and permissions, then restart the task`, err);
    }
    this.buffer = [];
    this.bufferedBytes = 0;
    this.unsynced = true;
    this.linesWritten += count;
  }
}

/** Truncates `file` after its last '\n' when it ends mid-line (the torn end of an interrupted write).
 *  Returns the number of bytes removed. */
async function cutTornLine(file: string): Promise<number> {
  let handle: fs.promises.FileHandle;
  try {
    handle = await fs.promises.open(file, 'r+');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw err;
  }
  try {
    const { size } = await handle.stat();
    if (size === 0) return 0;
    const buf = Buffer.alloc(64 * 1024);
    // Scan backwards for the last newline.
    for (let end = size; end > 0; ) {
      const start = Math.max(0, end - buf.length);
      const { bytesRead } = await handle.read(buf, 0, end - start, start);
      const nl = buf.subarray(0, bytesRead).lastIndexOf(0x0a);
      if (nl >= 0) {
        const keep = start + nl + 1;
        if (keep === size) return 0;
        await handle.truncate(keep);
        await handle.sync();
        return size - keep;
      }
      end = start;
    }
    // No newline at all: this is not a file file-sink wrote (ours always end lines), so it is not
    // ours to cut. End its line so that our first record starts a line of its own.
    await handle.write('\n', size);
    await handle.sync();
    return 0;
  } finally {
    await handle.close();
  }
}
