// file-source: follows one file like `tail -F` and emits one record per complete line, as text or
// parsed JSON (jsonl). Written only against the SPI, as a third-party source would be.
// Invariants: the source partition is {file: <absolute path>} and the position is {offset: <byte offset
// after the line>}, so a restart resumes after the last committed line; a partial last line is not
// emitted until its newline arrives; an invalid jsonl line goes to the errant-record reporter with its
// line number and byte offset, never silently dropped.

import {
  defineConfig,
  DataError,
  validators,
  type Schema,
  type SourceConnector,
  type SourcePartition,
  type SourcePosition,
  type SourceRecord,
  type SourceTask,
  type SourceTaskContext,
} from '../../runtime/spi';
import { FILE_PLUGIN_VERSION, FileConnector } from './file-connector';
import { LineTailer, type TailedLine, type TailEvent } from './line-tailer';

// Re-exported: the version has always been importable from here.
export { FILE_PLUGIN_VERSION };

export type FileFormat = 'text' | 'jsonl';

const STRING_SCHEMA: Schema = Object.freeze({ type: 'string' }) as Schema;

/** The connector's own keys. `connect.topicname` is a framework key, declared by the runtime. */
export function fileSourceConfigDef() {
  return defineConfig([
    {
      name: 'file',
      type: 'string',
      validator: validators.nonEmpty(),
      doc: 'File to follow: a path or file:// URL inside the worker\'s allowed roots. It may not exist yet; reading starts when it appears.',
      importance: 'high',
    },
    {
      name: 'format',
      type: 'string',
      default: 'text',
      validator: validators.oneOf('text', 'jsonl'),
      accepted: 'text, jsonl',
      doc: 'text: each line is a string record value. jsonl: each line is a JSON document, the record value is the parsed value; blank lines are skipped and invalid lines go to the errant-record reporter.',
      importance: 'high',
    },
    {
      name: 'batch.size',
      type: 'int',
      default: 1000,
      validator: validators.range(1, 100000),
      doc: 'Most records returned by one poll.',
      importance: 'low',
    },
    {
      name: 'poll.interval.ms',
      type: 'int',
      default: 200,
      validator: validators.range(1, 1000),
      doc: 'How long a poll waits when the file has no new complete line before returning empty-handed.',
      importance: 'low',
    },
  ]);
}

interface FileSourceSettings {
  file: string;
  format: FileFormat;
  batchSize: number;
  pollIntervalMs: number;
}

function parseSettings(config: Record<string, string>, context: string): FileSourceSettings {
  // Unknown keys are the runtime's business: it validates the full config (framework keys included)
  // before calling us, so the connector only reads its own keys here.
  const parsed = fileSourceConfigDef().parse(config, { allowUnknown: true, context });
  return {
    file: parsed['file'],
    format: parsed['format'],
    batchSize: parsed['batch.size'],
    pollIntervalMs: parsed['poll.interval.ms'],
  };
}

export class FileSourceConnector extends FileConnector implements SourceConnector {
  readonly type = 'source' as const;

  override config() {
    return fileSourceConfigDef();
  }

  createTask(): SourceTask {
    return new FileSourceTask();
  }
}

export class FileSourceTask implements SourceTask {
  private context: SourceTaskContext | undefined;
  private settings: FileSourceSettings | undefined;
  private tailer: LineTailer | undefined;
  private partition: SourcePartition = {};
  private topic = '';
  private waitingForFile = false;
  private wake: (() => void) | undefined;
  private stopped = false;

  version(): string {
    return FILE_PLUGIN_VERSION;
  }

  async start(config: Record<string, string>, context: SourceTaskContext): Promise<void> {
    this.context = context;
    const s = parseSettings(config, `task ${context.taskId} of connector "${context.connectorName}"`);
    const file = context.resolvePath(s.file, 'file');
    this.settings = { ...s, file };
    // An empty topic lets the runtime apply the connector's connect.topicname (or its aliases).
    this.topic = config['connect.topicname'] ?? '';
    this.partition = { file };
    const offset = startOffset(await context.position(this.partition), file);
    this.tailer = new LineTailer(file, offset);
    context.logger.info({ file, offset, format: s.format }, 'file-source starting');
  }

  async poll(): Promise<SourceRecord[]> {
    const s = this.settings;
    const tailer = this.tailer;
    if (!s || !tailer || this.stopped) return [];
    const { lines, events } = await tailer.read(s.batchSize);
    this.logEvents(events);
    if (lines.length === 0) {
      await this.idle(s.pollIntervalMs);
      return [];
    }
    const records: SourceRecord[] = [];
    for (const line of lines) {
      const record = await this.toRecord(line, s);
      if (record) records.push(record);
    }
    return records;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.tailer?.close();
  }

  private async toRecord(line: TailedLine, s: FileSourceSettings): Promise<SourceRecord | undefined> {
    const base = {
      topic: this.topic,
      timestamp: Date.now(),
      headers: {},
      sourcePartition: this.partition,
      sourcePosition: { offset: line.end } as SourcePosition,
    };
    if (s.format === 'text') return { ...base, value: line.text, schema: STRING_SCHEMA };
    // Blank lines separate nothing in JSON lines; skipping them is not an error. Their bytes are
    // covered by the position of the next record.
    if (line.text.trim() === '') return undefined;
    try {
      return { ...base, value: JSON.parse(line.text) as unknown };
    } catch (err) {
      const error = new DataError(
        `${s.file} line ${line.line} (byte offset ${line.start}) is not valid JSON: ${(err as Error).message}; fix or remove the line (format=jsonl expects one JSON document per line)`,
        err,
      );
      // Resolves once the report is durable; rejects when the connector tolerates no errors, which
      // fails the task — the runtime's decision, not ours.
      await this.context!.errantRecordReporter({ ...base, value: line.text }, error);
      return undefined;
    }
  }

  private logEvents(events: TailEvent[]): void {
    const log = this.context!.logger;
    const file = this.settings!.file;
    for (const e of events) {
      if (e === 'missing') {
        if (!this.waitingForFile) log.info({ file }, 'file-source: file does not exist yet; waiting for it to appear');
        this.waitingForFile = true;
        continue;
      }
      if (e === 'truncated') log.warn({ file }, 'file-source: file was truncated; reading it again from the start');
      if (e === 'rotated') log.warn({ file }, 'file-source: file was replaced (rotated); reading the new file from the start');
      if (e === 'rewound') log.warn({ file }, 'file-source: the committed position lies beyond the end of the file (replaced or truncated while stopped); reading it from the start');
    }
    if (events.length === 0 && this.waitingForFile && this.tailer?.isOpen) {
      this.waitingForFile = false;
      log.info({ file }, 'file-source: file appeared; reading');
    }
  }

  private idle(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      const self = this;
      function done(): void {
        clearTimeout(timer);
        self.wake = undefined;
        resolve();
      }
      this.wake = done;
    });
  }
}

/** The byte offset to resume from: 0 without a committed position. */
function startOffset(position: SourcePosition | undefined, file: string): number {
  if (position === undefined) return 0;
  const offset = position['offset'];
  if (typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 0) {
    throw new DataError(
      `The committed position ${JSON.stringify(position)} of ${file} has no valid "offset" (a byte offset >= 0); ` +
        `stop the connector and set it with PATCH /connectors/<name>/offsets (e.g. {"offset": 0}) or reset the offsets.`,
    );
  }
  return offset;
}
