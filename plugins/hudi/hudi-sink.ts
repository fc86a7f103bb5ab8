// The hudi-sink connector: records of its topics become rows of one Hudi copy-on-write table.
// Exactly-once: the positions a commit covers are stored in that commit's extraMetadata; on start the
// task seeks to where the last completed commit ends and skips any re-delivered record the table
// already holds; positions are reported safe to the runtime only after the commit completed.
// Batching is the SPI's BatchSinkTask: one batch (commit.max.records / commit.max.bytes /
// commit.interval.ms, whichever first) is one table commit.
// One task per connector. Several connectors may write one table with
// hoodie.write.concurrency.mode=optimistic_concurrency_control; each resumes from its own commits.
// Keyless tables (no record key field): every record becomes a row keyed by its source position; the skip of
// re-delivered positions above is what makes each message land once with the default insert operation.

import {
  BatchSinkTask,
  ConfigError,
  DataError,
  type BatchPolicy,
  type ConfigFieldError,
  type ConnectorContext,
  type Logger,
  type QueueOffset,
  type SinkConnector,
  type SinkRecord,
  type SinkTask,
  type SinkTaskContext,
  type TopicQueue,
  type ValidationContext,
} from '../../runtime/spi';
import { SEED_GROUP, hudiSinkConfigDef, hudiSinkSettings, type HudiSinkSettings } from './hudi-sink-config';
import { openTableDeps, openTableStorage, openTableWriter, type TableSchema } from './hudi-sink-deps';
import { ConsumedRanges, POSITIONS_KEY, WRITER_KEY } from './table/consumed-ranges';
import type { HudiTableWriter, IncomingRecord } from './table/table-writer';
import type { RecordEncoder } from './write/encoded-record';

export const HUDI_PLUGIN_VERSION = '0.1.0';

function settingsOf(config: Record<string, string>, context: string): HudiSinkSettings {
  return hudiSinkSettings(hudiSinkConfigDef().parse(config, { allowUnknown: true, context }));
}

const CREDENTIALS = ['s3.access.key', 's3.secret.key'];

/**
 * The connector's config over the worker's s3.* defaults (worker config), applied only where it is used,
 * never stored in task configs. A connector's own key wins; credentials go as a pair, so a connector's
 * access key is never combined with the worker's secret.
 */
function withWorkerDefaults(config: Record<string, string>, defaults: Readonly<Record<string, string>> = {}): Record<string, string> {
  const own = (k: string) => config[k] !== undefined && config[k] !== '';
  const ownCredentials = CREDENTIALS.some(own);
  const out = { ...config };
  for (const [k, v] of Object.entries(defaults)) {
    if (k.startsWith('s3.') && !own(k) && !(ownCredentials && CREDENTIALS.includes(k))) out[k] = v;
  }
  return out;
}

export class HudiSinkConnector implements SinkConnector {
  readonly type = 'sink' as const;
  private connectorConfig: Record<string, string> = {};

  version(): string {
    return HUDI_PLUGIN_VERSION;
  }

  config() {
    return hudiSinkConfigDef();
  }

  /** Every hoodie.* key is accepted (as Hudi's writers accept them); the ones we do not implement are logged at start. */
  acceptsKey(key: string): boolean {
    return key.startsWith('hoodie.');
  }

  async validate(given: Record<string, string>, context: ValidationContext): Promise<ConfigFieldError[]> {
    const config = withWorkerDefaults(given, context.clientDefaults);
    const errors: ConfigFieldError[] = [];
    for (const key of ['tablePath', 'schemaPath']) {
      if (config[key] === undefined) continue;
      try {
        context.resolvePath(config[key]!, key, { allowS3: key === 'tablePath' });
      } catch (err) {
        errors.push(...((err as ConfigError).errors ?? [{ name: key, message: (err as Error).message }]));
      }
    }
    const keys = [config['s3.access.key'], config['s3.secret.key']].map((v) => v !== undefined && v !== '');
    if (keys[0] !== keys[1]) errors.push({ name: keys[0] ? 's3.secret.key' : 's3.access.key', message: 'give both s3.access.key and s3.secret.key, or neither (then the AWS default credential chain is used)' });
    if (errors.length > 0 || config['schemaPath'] === undefined) return errors;
    try {
      const s = settingsOf(config, 'hudi-sink config');
      const deps = await openTableDeps({ ...s, encoderThreads: 0 }, context.resolvePath(s.schemaPath, 'schemaPath'), config);
      checkFields(s, deps.schema);
    } catch (err) {
      const fields = (err as { errors?: ConfigFieldError[] }).errors;
      if (Array.isArray(fields)) errors.push(...fields);
      else errors.push({ name: 'schemaPath', message: (err as Error).message });
    }
    return errors;
  }

  start(config: Record<string, string>, context: ConnectorContext): void {
    const s = settingsOf(withWorkerDefaults(config, context.clientDefaults), `connector "${context.connectorName}"`);
    const def = hudiSinkConfigDef();
    const ignored = Object.keys(config).filter((k) => def.key(k)?.group === SEED_GROUP || (k.startsWith('hoodie.') && !def.key(k)));
    if (ignored.length > 0) context.logger.info({ keys: ignored }, 'accepted but not used by this sink (Spark-specific or not implemented); they have no effect');
    if (s.recordKeyFields.length === 0) {
      context.logger.info({ operation: s.operation }, 'no record key (hoodie.datasource.write.recordkey.field): keyless, append-only table; each row is keyed by its source position <topic>/<queue>/<offset>');
    }
    this.connectorConfig = { ...config };
  }

  taskConfigs(): Record<string, string>[] {
    return [{ ...this.connectorConfig }];
  }

  createTask(): SinkTask {
    return new HudiSinkTask();
  }

  stop(): void {}
}

/** Every key, precombine and partition field must be a column of the schema. */
function checkFields(s: HudiSinkSettings, schema: TableSchema): void {
  const names = new Set(schema.columns.map((c) => c.name));
  const errors: ConfigFieldError[] = [];
  for (const f of s.recordKeyFields) if (!names.has(f)) errors.push({ name: 'hoodie.datasource.write.recordkey.field', message: `field ${JSON.stringify(f)} is not in the schema (fields: ${[...names].join(', ')})` });
  if (s.precombineField !== undefined && !names.has(s.precombineField)) errors.push({ name: 'hoodie.datasource.write.precombine.field', message: `field ${JSON.stringify(s.precombineField)} is not in the schema (fields: ${[...names].join(', ')})` });
  for (const f of s.partitionFields) if (!names.has(f)) errors.push({ name: 'hoodie.datasource.write.partitionpath.field', message: `field ${JSON.stringify(f)} is not in the schema (fields: ${[...names].join(', ')})` });
  if (errors.length > 0) throw new ConfigError(errors);
}

/** What a batch carries per record: its position, and its row, or no row for a record that went to the
 *  errant-record reporter (its position is committed with the batch all the same). The record itself is not
 *  kept: the row is its only copy while it waits for its commit. */
interface BatchedRecord {
  position: { topic: string; queue: string; offset: number };
  row?: IncomingRecord;
}

export class HudiSinkTask extends BatchSinkTask<BatchedRecord> {
  private settings!: HudiSinkSettings;
  private logger!: Logger;
  private writer!: HudiTableWriter;
  private closeDeps: () => Promise<void> = async () => undefined;
  private schema!: TableSchema;
  private committed = new ConsumedRanges();
  private encoder: RecordEncoder | undefined;

  version(): string {
    return HUDI_PLUGIN_VERSION;
  }

  private get keyless(): boolean {
    return this.settings.recordKeyFields.length === 0;
  }

  protected async onStart(config: Record<string, string>, context: SinkTaskContext): Promise<BatchPolicy> {
    this.logger = context.logger;
    this.settings = settingsOf(withWorkerDefaults(config, context.clientDefaults), `task ${context.taskId} of connector "${context.connectorName}"`);
    const table = openTableStorage(this.settings, context.resolvePath);
    const deps = await openTableDeps(this.settings, context.resolvePath(this.settings.schemaPath, 'schemaPath'), config);
    checkFields(this.settings, deps.schema);
    this.schema = deps.schema;
    this.closeDeps = async () => {
      try {
        this.writer?.close();
        // A compaction running in the background stops (and is rolled back) before the encoders close under it.
        await this.writer?.drained();
        await deps.close();
      } finally {
        table.close();
      }
    };
    const crashAt = process.env['TRIBUTARY_HUDI_CRASH_AT'];
    this.writer = await openTableWriter(this.settings, deps, table.storage, {
      tableName: this.settings.tableName ?? table.tableDirName,
      logger: this.logger,
      // Crash tests only: kill this process at a named point of a commit (see test/integration).
      faultPoint: crashAt ? (point) => { if (point === crashAt) process.kill(process.pid, 'SIGKILL'); } : undefined,
      writerName: `connector "${context.connectorName}" task ${context.taskId}`,
    });
    const last = await this.writer.lastCommitMetadata();
    // Positions come from this connector's own last commit: other writers (another connector, Spark) may
    // have committed after it. Commits without a writer name predate the key and were this sink's.
    const name = context.connectorName;
    const mine = await this.writer.lastCommitMetadata((m) => m.extraMetadata[POSITIONS_KEY] !== undefined && (m.extraMetadata[WRITER_KEY] ?? name) === name);
    this.committed = ConsumedRanges.parse(mine?.extraMetadata[POSITIONS_KEY]);
    this.schema = deps.evolve(last?.extraMetadata['schema']);
    this.encoder = this.writer.recordEncoder(this.schema.columns, this.schema.schemaJson);
    return { maxRecords: this.settings.commitMaxRecords, maxBytes: this.settings.commitMaxBytes, intervalMs: this.settings.commitIntervalMs };
  }

  /** Resume exactly where the table's last completed commit ends. */
  open(queues: TopicQueue[]): void {
    const resume = this.committed.resumeOffsets().filter((o) => queues.some((q) => q.topic === o.topic && q.queue === o.queue));
    if (resume.length > 0) {
      this.logger.info({ resume }, 'resuming from the positions of the last completed commit');
      this.context.seek(resume);
    }
  }

  /** Drops a re-delivered record the table holds; a record that does not fit the schema is reported now and
   *  rides along without a row, so its position is committed with the batch. */
  protected override prepare(r: SinkRecord): BatchedRecord | undefined | Promise<BatchedRecord> {
    if (this.committed.contains(r.topic, r.queue, r.offset)) return undefined; // already in the table
    const position = { topic: r.topic, queue: r.queue, offset: r.offset };
    try {
      const row = this.schema.coerce(r.value);
      // A keyless table has no key to delete by: a marked record is kept as a row, its marker as data.
      const marker = this.keyless ? undefined : row[this.settings.deleteField];
      const isDelete = marker !== undefined && marker !== null && this.settings.deleteValues.includes(String(marker));
      // Merge-on-read: the row waits for its commit encoded, its key worked out (a key the generator refuses is
      // this record's error, reported now, not its batch's at commit time).
      return { position, row: this.encoder ? this.encoder.encode(row, isDelete, position) : { row, isDelete, position } };
    } catch (err) {
      return Promise.resolve(this.context.errantRecordReporter(r, err instanceof DataError ? err : new DataError((err as Error).message, err))).then(() => ({ position }));
    }
  }

  /** Writes the batch as one commit with the positions it covers. A batch whose records were all errant
   *  (skipped under errors.tolerance=all) still commits, with no data files, so its positions are not
   *  re-delivered and reported again after a restart. */
  protected async batchInsert(batch: BatchedRecord[]): Promise<void> {
    const positions = this.committed.clone();
    const rows: IncomingRecord[] = [];
    for (const { position, row } of batch) {
      positions.add(position.topic, position.queue, position.offset);
      if (row) rows.push(row);
    }
    await this.writer.write(rows, this.settings.operation, this.schema.columns, this.schema.schemaJson, { [POSITIONS_KEY]: positions.toJSON(), [WRITER_KEY]: this.context.connectorName });
    this.committed = positions;
  }

  /** Reports safe only what completed commits hold: never past the end of the committed ranges. */
  override async preCommit(current: QueueOffset[]): Promise<QueueOffset[]> {
    const safe = await super.preCommit(current);
    const resume = new Map(this.committed.resumeOffsets().map((o) => [`${o.topic}/${o.queue}`, o.offset]));
    return safe.filter((o) => resume.has(`${o.topic}/${o.queue}`)).map((o) => ({ ...o, offset: Math.min(o.offset, resume.get(`${o.topic}/${o.queue}`)!) }));
  }

  override async close(): Promise<void> {
    await this.flush([]);
  }

  async stop(): Promise<void> {
    try {
      if (this.writer) await this.flush([]);
    } finally {
      await this.closeDeps();
    }
  }
}
