// Wires the Hudi sink's layers from its settings: the table schema and record coercion (Avro), the
// key generator, the bloom filters and the Parquet codec. The one place that knows which concrete
// implementation backs each of the table writer's collaborators.

import path from 'node:path';
import { LocalStorage } from './storage/local-storage';
import { S3Storage, createS3Client, isS3Uri, parseS3Uri } from './storage/s3-storage';
import type { ConfigFieldError, PathOptions } from '../../runtime/spi';
import { ConfigError } from '../../runtime/spi';
import { createRecordCoercer } from './avro/record-coercer';
import { checkEvolution } from './avro/schema-evolution';
import { loadTableSchema, type TableSchema as AvroTableSchema } from './avro/table-schema';
import type { HudiSinkSettings } from './hudi-sink-config';
import { HudiBloomFilter } from './index/bloom-filter';
import { createKeyGenerator } from './keygen/key-generator';
import type { KeyFieldType } from './keygen/field-value';
import type { ColumnSpec, ColumnType, Row } from './parquet/column-spec';
import { EncoderPool } from './parquet/encoder-pool';
import { parquetCodec, type ParquetCompression } from './parquet/parquet-codec';
import type { Logger } from '../../runtime/spi';
import type { Storage } from './storage/storage';
import type { BloomFilterFactory, KeyGenerator, ParquetCodec } from './table/collaborators';
import { HudiTableWriter, type TableWriterOptions } from './table/table-writer';

/** The schema the sink writes with: data columns, the Avro schema string for commits, and coercion. */
export interface TableSchema {
  columns: ColumnSpec[];
  schemaJson: string;
  coerce(value: unknown): Row;
}

export function createParquetCodec(compression: ParquetCompression = 'snappy', encoder?: EncoderPool): ParquetCodec {
  return parquetCodec({ compression, ...(encoder ? { encoder } : {}) }) as ParquetCodec;
}

export function createBloomFactory(s: Pick<HudiSinkSettings, 'bloomType' | 'bloomEntries' | 'bloomFpp' | 'bloomMaxEntries'>): BloomFilterFactory {
  const create = () => HudiBloomFilter.create(s.bloomType, { numEntries: s.bloomEntries, fpp: s.bloomFpp, maxEntries: s.bloomMaxEntries });
  const like = create();
  return {
    create,
    deserialize: (serialized, typeCode) => HudiBloomFilter.deserialize(serialized, typeCode),
    canContinue: (filter, keys) => filter instanceof HudiBloomFilter && filter.continues(like, keys),
  };
}

/** The key generator's type of a column, or undefined for a nested one (it cannot feed a key). */
function keyFieldType(t: ColumnType): KeyFieldType | undefined {
  switch (t.kind) {
    case 'uuid':
      return 'string';
    case 'decimal':
      return `decimal(${t.precision},${t.scale})`;
    case 'local-timestamp-millis':
    case 'local-timestamp-micros':
      // Keyed by their long value, as Hudi's key generators do with consistent logical timestamps off.
      return 'long';
    case 'record':
    case 'array':
    case 'map':
    case 'union':
      return undefined;
    default:
      return t.kind;
  }
}

/** Record key, partition path and precombine fields must be top-level scalar fields: a nested column, or a
 *  nested path such as customer.id (which Hudi accepts), is refused naming the key and the field. */
function checkKeyFields(settings: HudiSinkSettings, columns: readonly ColumnSpec[]): void {
  const byName = new Map(columns.map((c) => [c.name, c]));
  const errors: ConfigFieldError[] = [];
  const roles: [string, string[]][] = [
    ['hoodie.datasource.write.recordkey.field', settings.recordKeyFields],
    ['hoodie.datasource.write.partitionpath.field', settings.partitionFields],
    ['hoodie.datasource.write.precombine.field', settings.precombineField === undefined ? [] : [settings.precombineField]],
  ];
  for (const [key, fields] of roles) {
    for (const f of fields) {
      const column = byName.get(f);
      if (column !== undefined && keyFieldType(column.type) === undefined) {
        errors.push({ name: key, message: `field ${f} is a ${column.type.kind}: key, partition and precombine fields must be top-level scalar fields (string, number, date, …)` });
      } else if (column === undefined && f.includes('.') && byName.has(f.slice(0, f.indexOf('.')))) {
        errors.push({ name: key, message: `field ${f} is a nested path: nested key, partition and precombine fields are not supported; copy the value into a top-level field` });
      }
    }
  }
  if (errors.length > 0) throw new ConfigError(errors, 'Invalid key fields');
}

function sinkSchema(avroSchema: AvroTableSchema, ignoreUnknown: boolean): TableSchema {
  const coercer = createRecordCoercer(avroSchema, { extraFields: ignoreUnknown ? 'ignore' : 'refuse' });
  return { columns: [...avroSchema.columns], schemaJson: avroSchema.schemaJson, coerce: (v) => coercer.coerce(v) };
}

export async function openTableDeps(settings: HudiSinkSettings, schemaFile: string, rawConfig: Record<string, string>): Promise<{
  schema: TableSchema;
  codec: ParquetCodec;
  blooms: BloomFilterFactory;
  keygen: KeyGenerator;
  /** The schema to write with, given the schema of the table's last commit: refuses an incompatible change. */
  evolve(previousSchemaJson: string | undefined): TableSchema;
  /** Stops the encoder threads. */
  close(): Promise<void>;
}> {
  const avroSchema = await loadTableSchema(schemaFile);
  const schema = sinkSchema(avroSchema, settings.ignoreUnknownFields);
  checkKeyFields(settings, avroSchema.columns);
  const fieldTypes: Record<string, KeyFieldType> = {};
  for (const c of avroSchema.columns) {
    const t = keyFieldType(c.type);
    if (t !== undefined) fieldTypes[c.name] = t;
  }
  const keygen = createKeyGenerator(rawConfig, { fieldTypes }) as KeyGenerator;
  // Encoding on a worker thread lets the second core encode while this thread merges the next file group.
  const pool = settings.encoderThreads > 0 ? new EncoderPool({ workers: settings.encoderThreads }) : undefined;
  return {
    schema,
    codec: createParquetCodec(settings.compression, pool),
    close: async () => {
      await pool?.close();
    },
    blooms: createBloomFactory(settings),
    keygen,
    evolve: (previous) => {
      if (previous === undefined || previous === schema.schemaJson) return schema;
      try {
        checkEvolution(previous, schema.schemaJson);
      } catch (err) {
        const fields = (err as { errors?: ConfigFieldError[] }).errors;
        throw new ConfigError((fields ?? [{ name: 'schemaPath', message: (err as Error).message }]).map((e) => ({ name: 'schemaPath', message: `${e.name}: ${e.message}` })), `The schema ${schemaFile} is not a compatible evolution of the table's schema`);
      }
      return schema;
    },
  };
}

/** Opens the table writer for these settings: the table identity and every writer option come from the
 *  connector's keys, so the sink, the benchmark and the tests open tables the same way. */
export function openTableWriter(
  settings: HudiSinkSettings,
  deps: { codec: ParquetCodec; blooms: BloomFilterFactory; keygen: KeyGenerator },
  storage: Storage,
  options: { tableName: string; logger: Logger; now?: () => number; faultPoint?: TableWriterOptions['faultPoint']; writerName?: string; indexLimits?: TableWriterOptions['indexLimits'] },
): Promise<HudiTableWriter> {
  const c = settings.concurrency;
  return HudiTableWriter.open({
    storage,
    identity: {
      tableName: options.tableName,
      databaseName: settings.databaseName,
      recordKeyFields: settings.recordKeyFields,
      precombineField: settings.precombineField,
      partitionFields: settings.partitionFields,
      keyGeneratorClass: deps.keygen.className,
      hiveStylePartitioning: settings.hiveStyle,
      tableType: settings.tableType,
      urlEncodePartitioning: settings.urlEncode,
    },
    codec: deps.codec,
    blooms: deps.blooms,
    keygen: deps.keygen,
    logger: options.logger,
    now: options.now ?? (() => Date.now()),
    indexType: settings.indexType,
    bucketIndex: settings.bucketIndex,
    maxFileSize: settings.maxFileSize,
    maxLogFileSize: settings.maxLogFileSize,
    smallFileLimit: settings.smallFileLimit,
    recordSizeEstimate: settings.recordSizeEstimate,
    cleanCommitsRetained: settings.cleanRetained,
    archival: settings.archival,
    compaction: settings.compaction,
    rowGroupRows: settings.rowGroupRows,
    faultPoint: options.faultPoint,
    indexLimits: options.indexLimits,
    concurrency:
      c.mode === 'single_writer'
        ? undefined
        : {
            owner: `${options.writerName ?? 'tributary'} (pid ${process.pid})`,
            heartbeat: { intervalMs: c.heartbeatIntervalMs, tolerableMisses: c.heartbeatTolerableMisses },
            lockValidityMs: c.lockValidityMs,
            lockWaitMs: c.lockWaitMs,
            conflictRetries: c.conflictRetries,
          },
  });
}

/**
 * The table's storage: S3 for an s3:// tablePath, else local disk. `resolvePath` is the worker's guard
 * (allowedRoots), which also confines S3 locations. The returned close() releases the S3 client.
 */
export function openTableStorage(settings: HudiSinkSettings, resolvePath: (value: string, key: string, options?: PathOptions) => string): { storage: Storage; tableDirName: string; close(): void } {
  const resolved = resolvePath(settings.tablePath, 'tablePath', { allowS3: true });
  if (!isS3Uri(resolved)) return { storage: new LocalStorage(resolved), tableDirName: path.basename(resolved), close: () => undefined };
  const s3 = settings.s3;
  if ((s3.accessKeyId === undefined) !== (s3.secretAccessKey === undefined)) {
    throw new ConfigError([{ name: s3.accessKeyId === undefined ? 's3.access.key' : 's3.secret.key', message: 'give both s3.access.key and s3.secret.key, or neither (then the AWS default credential chain is used)' }]);
  }
  const location = parseS3Uri(resolved);
  const client = createS3Client(s3);
  const storage = new S3Storage({ client, location, multipartThresholdBytes: s3.multipartThresholdBytes, partSizeBytes: s3.partSizeBytes });
  return { storage, tableDirName: location.prefix.split('/').pop() || location.bucket, close: () => client.destroy() };
}
