// file-sink: appends each record's value to one file as a JSON line. Written only against the SPI, on the
// SPI's BatchSinkTask: each batch (batch.max.records / batch.max.bytes / batch.interval.ms) is written and
// fsynced in one go, and the base reports offsets safe only for batches that completed. After a crash the
// file can hold lines of a batch whose offsets were never committed: they are delivered again
// (at-least-once: duplicates, never loss); a torn last line from an interrupted write is cut off at start
// so the file stays valid JSON lines.

import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  BatchSinkTask,
  defineConfig,
  DataError,
  batchConfigKeys,
  batchPolicyOf,
  validators,
  type BatchPolicy,
  type SinkConnector,
  type SinkRecord,
  type SinkTask,
  type SinkTaskContext,
} from '../../runtime/spi';
import { FILE_PLUGIN_VERSION, FileConnector } from './file-connector';

const BATCH_DEFAULTS = { maxRecords: 10000, maxBytes: 1024 * 1024, intervalMs: 1000 };

/** The connector's own keys. `connect.topicnames` is a framework key, declared by the runtime. */
export function fileSinkConfigDef() {
  return defineConfig([
    {
      name: 'file',
      type: 'string',
      validator: validators.nonEmpty(),
      doc: 'File the records are appended to, one JSON line per record value: a path or file:// URL inside the worker\'s allowed roots. Created with its directories if missing. At start, an incomplete last line (the torn end of an interrupted write) is removed.',
      importance: 'high',
    },
    ...batchConfigKeys(BATCH_DEFAULTS),
  ]);
}

function parseConfig(config: Record<string, string>, context: string): { file: string; policy: BatchPolicy } {
  // Unknown keys are checked by the runtime against the full definition (framework keys included).
  const parsed = fileSinkConfigDef().parse(config, { allowUnknown: true, context });
  return { file: parsed['file'], policy: batchPolicyOf(parsed) };
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

  override config() {
    return fileSinkConfigDef();
  }

  createTask(): SinkTask {
    return new FileSinkTask();
  }
}

/** The lines of a batch: records whose value has no JSON form went to the errant-record reporter in put. */
export class FileSinkTask extends BatchSinkTask<string> {
  private file = '';
  private handle: fs.promises.FileHandle | undefined;
  private linesWritten = 0;

  version(): string {
    return FILE_PLUGIN_VERSION;
  }

  protected async onStart(config: Record<string, string>, context: SinkTaskContext): Promise<BatchPolicy> {
    const { file, policy } = parseConfig(config, `task ${context.taskId} of connector "${context.connectorName}"`);
    this.file = context.resolvePath(file, 'file');
    await fs.promises.mkdir(path.dirname(this.file), { recursive: true });
    const cut = await cutTornLine(this.file);
    if (cut > 0) context.logger.warn({ file: this.file, bytes: cut }, 'file-sink: removed an incomplete last line left by an interrupted write; its records were not committed and will be delivered again');
    this.handle = await fs.promises.open(this.file, 'a');
    context.logger.info({ file: this.file }, 'file-sink started');
    return policy;
  }

  protected override async prepare(record: SinkRecord): Promise<string | undefined> {
    try {
      return toJsonLine(record.value);
    } catch (err) {
      // Resolves once reported (dead-letter queue, log); rejects if the connector tolerates no errors.
      await this.context.errantRecordReporter(record, err as Error);
      return undefined;
    }
  }

  /** Appends the batch's lines and fsyncs: once this returns, the batch is durable. */
  protected async batchInsert(lines: string[]): Promise<void> {
    if (!this.handle) throw new DataError(`file-sink for ${this.file} is not started (or already stopped); the runtime calls start before put`);
    try {
      await this.handle.write(lines.join('\n') + '\n');
      await this.handle.sync();
    } catch (err) {
      // Not retriable: a retry after a partial write would duplicate or tear lines. The task fails;
      // on restart the torn tail is cut and uncommitted records are delivered again.
      throw new DataError(`writing ${lines.length} line(s) to ${this.file} failed: ${(err as Error).message}; check free space and permissions, then restart the task`, err);
    }
    this.linesWritten += lines.length;
  }

  async stop(): Promise<void> {
    // Lines still cached here were never flushed, so their offsets were never committed: they will be
    // delivered again. Writing them now would only add duplicates.
    const h = this.handle;
    this.handle = undefined;
    if (h) await h.close();
    this.context?.logger.info({ file: this.file, linesWritten: this.linesWritten }, 'file-sink stopped');
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
