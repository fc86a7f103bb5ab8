// Keys of the hudi-sink connector: the seed's (RocketMQ Connect's Hudi sink) and Hudi's own
// `hoodie.*` write keys, each declared once. Seed keys that have no meaning here (Spark shuffle
// parallelism, the seed's record converter and source cluster) are declared in the group SEED_GROUP, so seed
// configs run unchanged and the reference says why they do nothing; the sink logs them once at start.
// No record key field = a keyless (append-only) table, whose default operation is insert, as in Hudi 0.14+.

import { ConfigError, defineConfig, validators, type ConfigValuesOf } from '../../runtime/spi';
import { DEFAULT_ROW_GROUP_ROWS } from './file-group/slice-output';
import { DEFAULT_HEARTBEAT } from './commit/heartbeat';
import { MAX_NUM_BUCKETS } from './index/bucket-id';
import { DEFAULT_NUM_BUCKETS, type BucketIndexSpec } from './index/bucket-index';
import type { IndexType } from './index/index-type';
import type { TableType } from './table/table-properties';
import type { ArchivalSettings } from './services/archival';
import type { CompactionSettings } from './services/compaction';

/** Group of the seed keys that are accepted and have no effect. */
export const SEED_GROUP = 'Seed keys without effect';

const MB = 1024 * 1024;

const PARALLELISM_DOC = (what: string) =>
  `Seed key (Spark shuffle parallelism of Hudi ${what}s); accepted and has no effect: a task is one writer with no Spark shuffle to size, and Parquet encoding threads are set by parquet.encoder.threads.`;

export function hudiSinkConfigDef() {
  return defineConfig([
    { name: 'tablePath', type: 'string', doc: 'Base path of the Hudi table: a local path or file:// URL, or an S3 location s3://<bucket>/<prefix>, inside the worker\'s allowedRoots (S3 roots are listed there as s3:// URLs). Created if missing (the bucket must exist).', importance: 'high', group: 'Table' },
    { name: 'tableName', type: 'string', default: null, doc: 'hoodie.table.name; defaults to the last segment of tablePath.', importance: 'high', group: 'Table', aliases: ['hoodie.table.name'] },
    { name: 'schemaPath', type: 'string', doc: 'Avro schema (.avsc) of the records, inside allowedRoots. Message bodies may be Avro-JSON, plain JSON or (with value.converter=bytes) Avro binary.', importance: 'high', group: 'Table' },
    { name: 'hoodie.database.name', type: 'string', default: '', doc: 'Database name recorded in hoodie.properties (part of the table checksum).', importance: 'low', group: 'Table' },
    { name: 'hoodie.datasource.write.operation', type: 'string', default: null, validator: validators.oneOf('upsert', 'insert', 'delete', 'bulk_insert'), accepted: 'upsert, insert, delete, bulk_insert', doc: 'upsert: look keys up and update or insert; insert and bulk_insert: skip the index (faster; existing keys are duplicated); delete: delete the records\' keys. Unset: upsert with a record key, insert on a keyless table (as Hudi 0.14+ does). A keyless table takes insert, bulk_insert or upsert (which looks the position keys up, so a message written again by another connector or after its positions were lost overwrites its row); delete is refused there.', importance: 'high', group: 'Write' },
    { name: 'hoodie.datasource.write.recordkey.field', type: 'list', default: [], doc: 'Record key field(s), comma-separated. Several fields make a complex key "f1:v1,f2:v2" as Hudi\'s ComplexKeyGenerator does. Unset or empty: a keyless, append-only table, as Hudi 0.14+ writes tables with auto-generated keys (no hoodie.table.recordkey.fields, key generator inferred from the partition fields): every record becomes a row keyed by its source position "<topic>/<queue>/<offset, 19 digits>", so a re-delivered message keeps its key; delete markers are kept as data (there is no key to delete).', importance: 'high', group: 'Write' },
    { name: 'hoodie.datasource.write.precombine.field', type: 'string', default: null, doc: 'Field ordering versions of a key: the greatest value wins, also against rows already in the table; ties go to the later arrival. Without it the later arrival wins.', importance: 'high', group: 'Write' },
    { name: 'hoodie.datasource.write.partitionpath.field', type: 'list', default: [], doc: 'Partition path field(s); empty = non-partitioned table.', importance: 'medium', group: 'Write' },
    { name: 'hoodie.datasource.write.hive_style_partitioning', type: 'boolean', default: false, doc: 'Partition directories named field=value.', importance: 'low', group: 'Write' },
    { name: 'hoodie.datasource.write.partitionpath.urlencode', type: 'boolean', default: false, doc: 'URL-encode partition values.', importance: 'low', group: 'Write' },
    { name: 'hoodie.datasource.write.keygenerator.class', type: 'string', default: null, doc: 'Key generator (org.apache.hudi.keygen.SimpleKeyGenerator, ComplexKeyGenerator, NonpartitionedKeyGenerator); inferred from the key and partition fields when absent.', importance: 'low', group: 'Write' },
    { name: 'delete.marker.field', type: 'string', default: '_hoodie_is_deleted', doc: 'Field whose value marks a record as a delete, so one stream carries inserts, updates and deletes. Absent from the schema = no deletes by marker.', importance: 'medium', group: 'Write' },
    { name: 'delete.marker.values', type: 'list', default: ['true'], doc: 'Values of delete.marker.field that mean delete (compared as strings, e.g. true, or D,DELETE for an operation field).', importance: 'low', group: 'Write' },
    { name: 'hoodie.table.type', type: 'string', default: 'COPY_ON_WRITE', validator: validators.oneOf('COPY_ON_WRITE', 'MERGE_ON_READ'), accepted: 'COPY_ON_WRITE, MERGE_ON_READ', aliases: ['hoodie.datasource.write.table.type'], doc: 'COPY_ON_WRITE: every commit rewrites the base files it touches (reads are plain Parquet). MERGE_ON_READ: updates and deletes are appended as log files next to the base files in deltacommits (a commit costs what the batch costs, not what the touched file groups hold); readers merge them, read-optimized queries see base files only. Fixed when the table is created.', importance: 'high', group: 'Table' },
    { name: 'hoodie.compact.inline', type: 'boolean', default: true, doc: 'MERGE_ON_READ: compact in the writer, right after the deltacommit that makes a compaction due: every file group whose latest slice has log files gets a new base file with the log records merged in (streamed a row group at a time; untouched row groups are copied as they are). false: log files accumulate until another writer (e.g. Spark, or `tributary table compact`) compacts.', importance: 'medium', group: 'Compaction' },
    { name: 'hoodie.datasource.compaction.async.enable', type: 'boolean', default: true, doc: 'MERGE_ON_READ with hoodie.compact.inline: the compaction is planned right after the deltacommit that makes it due, and its base files are written beside the next deltacommits, so ingestion does not wait for it; it completes between two deltacommits, carrying the log files they appended to a compacted slice into the new slice. false: the compaction runs before the next write. With hoodie.write.concurrency.mode=optimistic_concurrency_control it always runs before the next write.', importance: 'low', group: 'Compaction' },
    { name: 'hoodie.compact.inline.max.delta.commits', type: 'int', default: 5, validator: validators.range(1), doc: 'MERGE_ON_READ: deltacommits since the last compaction that make one due (NUM_COMMITS, NUM_OR_TIME, NUM_AND_TIME).', importance: 'medium', group: 'Compaction' },
    { name: 'hoodie.compact.inline.max.delta.seconds', type: 'int', default: 3600, validator: validators.range(1), doc: 'MERGE_ON_READ: seconds since the first deltacommit after the last compaction that make one due (TIME_ELAPSED, NUM_OR_TIME, NUM_AND_TIME).', importance: 'low', group: 'Compaction' },
    { name: 'hoodie.compact.inline.trigger.strategy', type: 'string', default: 'NUM_COMMITS', validator: validators.oneOf('NUM_COMMITS', 'TIME_ELAPSED', 'NUM_OR_TIME', 'NUM_AND_TIME'), accepted: 'NUM_COMMITS, TIME_ELAPSED, NUM_OR_TIME, NUM_AND_TIME', doc: 'MERGE_ON_READ: which of the two limits makes a compaction due.', importance: 'low', group: 'Compaction' },
    { name: 'hoodie.index.type', type: 'string', default: 'BLOOM', validator: validators.oneOf('BLOOM', 'GLOBAL_BLOOM', 'SIMPLE', 'GLOBAL_SIMPLE', 'BUCKET'), accepted: 'BLOOM, GLOBAL_BLOOM, SIMPLE, GLOBAL_SIMPLE, BUCKET', doc: 'Where a key is looked up. BLOOM (Hudi\'s default): in its own partition, base files pruned by the key ranges and bloom filters in their footers. SIMPLE (Spark\'s default): in its own partition, by reading the key column of every base file (a join, no false positives to confirm). GLOBAL_BLOOM and GLOBAL_SIMPLE: table-wide, so a key has one row in the whole table and moves when its partition value changes (unless its current value, on merge-on-read with the log files merged in, is newer). BUCKET (Hudi\'s simple bucket index): nothing is looked up; the key\'s hash names one of hoodie.bucket.index.num.buckets file groups of its partition, with Hudi\'s hash and file-id encoding, so Spark writers with the same settings agree. Not global (a key is a row per partition); needs a record key; every file group of the table must be a bucket (choose it when the table is created); a bucket is one file group, so hoodie.parquet.max.file.size and small-file packing do not apply.', importance: 'medium', group: 'Index' },
    { name: 'hoodie.bucket.index.num.buckets', type: 'int', default: DEFAULT_NUM_BUCKETS, validator: validators.range(1, MAX_NUM_BUCKETS), doc: 'hoodie.index.type=BUCKET: buckets (file groups) per partition. Fixed for the life of the table: every writer must use the same number, and a table written with more buckets is refused. At most 10^8, the bucket numbers a file id\'s 8 digits carry (Hudi reads only those back).', importance: 'medium', group: 'Index' },
    { name: 'hoodie.bucket.index.hash.field', type: 'list', default: [], doc: 'hoodie.index.type=BUCKET: the record key fields whose values are hashed, comma-separated; a subset of hoodie.datasource.write.recordkey.field. Unset or empty: all record key fields (Hudi\'s default). As in Hudi the values are read back from the record key string and hashed in the key\'s field order.', importance: 'low', group: 'Index' },
    { name: 'hoodie.index.bucket.engine', type: 'string', default: 'SIMPLE', validator: validators.oneOf('SIMPLE'), accepted: 'SIMPLE', doc: 'hoodie.index.type=BUCKET: the bucket engine. Only SIMPLE (a fixed number of buckets) is implemented; Hudi\'s CONSISTENT_HASHING (buckets split and merged by clustering) is not.', importance: 'low', group: 'Index' },
    { name: 'hoodie.bloom.index.filter.type', type: 'string', default: 'DYNAMIC_V0', validator: validators.oneOf('DYNAMIC_V0', 'SIMPLE'), accepted: 'DYNAMIC_V0, SIMPLE', doc: 'Bloom filter written in each base file footer (Hudi\'s serialization).', importance: 'low', group: 'Index' },
    { name: 'hoodie.index.bloom.num_entries', type: 'int', default: 60000, validator: validators.range(1), doc: 'Expected keys per file for sizing the bloom filter.', importance: 'low', group: 'Index' },
    { name: 'hoodie.index.bloom.fpp', type: 'double', default: 0.000000001, validator: validators.range(0, 1), doc: 'Target false-positive rate of the bloom filter.', importance: 'low', group: 'Index' },
    { name: 'hoodie.bloom.index.filter.dynamic.max.entries', type: 'int', default: 100000, validator: validators.range(1), doc: 'Upper bound of keys of a DYNAMIC_V0 filter.', importance: 'low', group: 'Index' },
    { name: 'hoodie.archive.automatic', type: 'boolean', default: true, doc: 'Archive old instants of the timeline after commits: once more than hoodie.keep.max.commits completed commits are active, the oldest move to .hoodie/archived/ until hoodie.keep.min.commits remain (cleans and rollbacks likewise), so opening the table lists a bounded timeline. Never past a pending commit or compaction, a savepoint, the earliest commit the last clean retained, or the deltacommits a compaction trigger still counts.', importance: 'low', group: 'Timeline' },
    { name: 'hoodie.keep.min.commits', type: 'int', default: 20, validator: validators.range(2), doc: 'Completed commits (and cleans, and rollbacks) archival leaves on the active timeline. Must be greater than hoodie.clean.commits.retained (incremental and time-travel queries need the instants of the commits cleaning retains) and, on MERGE_ON_READ with inline compaction on a count trigger, than hoodie.compact.inline.max.delta.commits.', importance: 'low', group: 'Timeline' },
    { name: 'hoodie.keep.max.commits', type: 'int', default: 30, validator: validators.range(3), doc: 'Completed commits on the active timeline that start an archival (down to hoodie.keep.min.commits). Must be greater than hoodie.keep.min.commits.', importance: 'low', group: 'Timeline' },
    { name: 'hoodie.logfile.max.size', type: 'long', default: 1024 * MB, validator: validators.range(1), doc: 'MERGE_ON_READ: most bytes in one log file. Every deltacommit writes a new log file version of each file group it changes; when its records for one file group encode to more, they are split over several log file versions of at most this size (a single larger record goes alone), as Hudi rolls a log file over.', importance: 'low', group: 'Files' },
    { name: 'hoodie.parquet.max.file.size', type: 'long', default: 120 * MB, validator: validators.range(1024), doc: 'Target size of base files: inserts fill a file group up to this size.', importance: 'medium', group: 'Files' },
    { name: 'hoodie.parquet.small.file.limit', type: 'long', default: 100 * MB, validator: validators.range(0), doc: 'Base files smaller than this take new inserts before new file groups are opened (0 disables).', importance: 'medium', group: 'Files' },
    { name: 'hoodie.copyonwrite.record.size.estimate', type: 'int', default: 1024, validator: validators.range(1), doc: 'Bytes per record assumed until the table has commits to measure.', importance: 'low', group: 'Files' },
    { name: 'hoodie.parquet.compression.codec', type: 'string', default: 'snappy', validator: validators.oneOf('snappy', 'zstd', 'uncompressed'), accepted: 'snappy, zstd, uncompressed', doc: 'Parquet compression of base files.', importance: 'low', group: 'Files' },
    { name: 'parquet.row.group.rows', type: 'int', default: DEFAULT_ROW_GROUP_ROWS, validator: validators.range(1), doc: 'Rows per Parquet row group of the base files written. A copy-on-write merge streams a file group a row group at a time (read, merge, encode, write), so this bounds the rows a merge holds in memory whatever the file size; a row group the commit does not change (no changed key inside its key statistics) is carried into the new slice as it is, without decoding, unless it has fewer than half this many rows (those are merged into full ones). Files written by other writers are read in their own row groups.', importance: 'low', group: 'Files' },
    { name: 'parquet.encoder.threads', type: 'int', default: 1, validator: validators.range(0, 8), doc: 'Worker threads that encode Parquet files while the task merges the next file group; 0 encodes on the task\'s own thread.', importance: 'low', group: 'Files' },
    { name: 'hoodie.clean.commits.retained', type: 'int', default: 10, validator: validators.range(1), aliases: ['hoodie.cleaner.commits.retained'], doc: 'Cleaning keeps the file slices the last N commits need (KEEP_LATEST_COMMITS) and deletes older ones.', importance: 'medium', group: 'Files' },
    { name: 'hoodie.write.concurrency.mode', type: 'string', default: 'single_writer', validator: validators.oneOf('single_writer', 'optimistic_concurrency_control'), accepted: 'single_writer, optimistic_concurrency_control', doc: 'single_writer: this connector is the table\'s only writer; opening the table claims it (.hoodie/.writer/owner) and rolls back every unfinished commit, and a writer whose table another writer has opened since refuses to commit (fencing). optimistic_concurrency_control: several writers (connectors, workers) share the table: in-flight commits keep heartbeats, only abandoned ones are rolled back, and a commit that conflicts with one completed meanwhile (same file group or same key) is rolled back and written again. Every writer of the table must use it.', importance: 'medium', group: 'Concurrency' },
    { name: 'hoodie.client.heartbeat.interval_in_ms', type: 'long', default: DEFAULT_HEARTBEAT.intervalMs, validator: validators.range(100), doc: 'optimistic_concurrency_control: how often a writer rewrites the heartbeat of its in-flight commit (.hoodie/.heartbeat/<instant>).', importance: 'low', group: 'Concurrency' },
    { name: 'hoodie.client.heartbeat.tolerable.misses', type: 'int', default: DEFAULT_HEARTBEAT.tolerableMisses, validator: validators.range(2, 100), doc: 'optimistic_concurrency_control: a commit whose heartbeat is older than interval × misses counts as abandoned and is rolled back by the other writers. Writers\' clocks must agree well within one interval.', importance: 'low', group: 'Concurrency' },
    { name: 'hoodie.write.lock.storage.validity.timeout.secs', type: 'int', default: 60, validator: validators.range(5, 3600), doc: 'optimistic_concurrency_control: the table lock (.hoodie/.locks/, held only for the conflict check and the commit itself, and on merge-on-read for planning a compaction and for completing it) expires this long after it was taken if its holder stops without releasing it.', importance: 'low', group: 'Concurrency' },
    { name: 'hoodie.write.lock.wait_time_ms', type: 'long', default: 60000, validator: validators.range(0), doc: 'optimistic_concurrency_control: how long a commit waits for the table lock before it fails with a retriable error (the runtime retries it).', importance: 'low', group: 'Concurrency' },
    { name: 'hoodie.write.num.retries.on.conflict.failures', type: 'int', default: 3, validator: validators.range(0, 100), doc: 'optimistic_concurrency_control: how many times a conflicting commit is written again at once before it fails with a retriable error (the runtime then retries it with backoff).', importance: 'low', group: 'Concurrency' },
    { name: 'commit.max.records', type: 'int', default: 100000, validator: validators.range(1), doc: 'A commit is made when this many records are buffered, or commit.max.bytes of them are, or commit.interval.ms has passed since the first buffered record, whichever comes first; a commit holds at most this many records.', importance: 'medium', group: 'Commit cadence' },
    { name: 'commit.max.bytes', type: 'long', default: 64 * MB, validator: validators.range(1), doc: 'Bytes of buffered records, as they arrived (message body, key and headers), that trigger a commit; a commit holds at most this many bytes unless one record is larger (see commit.max.records).', importance: 'medium', group: 'Commit cadence' },
    { name: 'commit.interval.ms', type: 'long', default: 10000, validator: validators.range(0), doc: 'Milliseconds after the first buffered record that trigger a commit, on time even when no more records arrive (see commit.max.records); 0 commits every poll.', importance: 'medium', group: 'Commit cadence' },
    { name: 's3.endpoint', type: 'string', default: null, doc: 'S3 endpoint URL for an S3-compatible server (e.g. http://127.0.0.1:9000); unset = the worker\'s s3.endpoint, else AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL, else AWS S3.', importance: 'medium', group: 'S3' },
    { name: 's3.region', type: 'string', default: null, doc: 'S3 region; unset = the worker\'s s3.region, else AWS_REGION or AWS_DEFAULT_REGION from the environment, else us-east-1.', importance: 'low', group: 'S3' },
    { name: 's3.access.key', type: 'string', default: null, doc: 'Access key id; unset (with s3.secret.key) = the worker\'s s3.access.key and s3.secret.key, else the AWS default credential chain (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, profile, instance role). Give both keys or neither.', importance: 'medium', group: 'S3' },
    { name: 's3.secret.key', type: 'password', default: null, doc: 'Secret access key; never logged or shown by the REST API.', importance: 'medium', group: 'S3' },
    { name: 's3.path.style.access', type: 'boolean', default: null, doc: 'Bucket in the URL path instead of the host name; unset = the worker\'s s3.path.style.access, else true when an endpoint is set (S3-compatible servers), else false.', importance: 'low', group: 'S3' },
    { name: 's3.max.attempts', type: 'int', default: 8, validator: validators.range(1, 100), doc: 'Attempts per S3 request, the first included; 5xx, throttling, timeouts and cut connections are retried with exponential backoff and full jitter.', importance: 'low', group: 'S3' },
    { name: 's3.multipart.threshold.bytes', type: 'long', default: 16 * MB, validator: validators.range(5 * MB), doc: 'Files larger than this are uploaded in parts; the object appears only when the upload completes.', importance: 'low', group: 'S3' },
    { name: 's3.multipart.part.size.bytes', type: 'long', default: 8 * MB, validator: validators.range(5 * MB, 5 * 1024 * MB), doc: 'Part size of multipart uploads (S3 requires at least 5 MiB).', importance: 'low', group: 'S3' },
    { name: 'schema.ignore.unknown.fields', type: 'boolean', default: false, doc: 'Drop fields of a record that the schema does not declare instead of refusing the record.', importance: 'low', group: 'Table' },
    { name: 'insertShuffleParallelism', type: 'int', default: null, validator: validators.range(1), doc: PARALLELISM_DOC('insert'), importance: 'low', group: SEED_GROUP },
    { name: 'upsertShuffleParallelism', type: 'int', default: null, validator: validators.range(1), doc: PARALLELISM_DOC('upsert'), importance: 'low', group: SEED_GROUP },
    { name: 'deleteParallelism', type: 'int', default: null, validator: validators.range(1), doc: PARALLELISM_DOC('delete'), importance: 'low', group: SEED_GROUP },
    { name: 'bulkInsertShuffleParallelism', type: 'int', default: null, validator: validators.range(1), doc: PARALLELISM_DOC('bulk insert'), importance: 'low', group: SEED_GROUP },
    { name: 'source-record-converter', type: 'string', default: null, doc: 'Seed key (the Java class turning RocketMQ messages into records); accepted and has no effect: message bodies are read by value.converter (default json; Avro-JSON and plain JSON bodies both work).', importance: 'low', group: SEED_GROUP },
    { name: 'source-rocketmq', type: 'string', default: null, doc: 'Seed key (name server the seed\'s sink asked for topic routes); accepted and has no effect: topics are read through the worker\'s transport (namesrvAddr in the worker config, or the embedded transport).', importance: 'low', group: SEED_GROUP },
    { name: 'source-cluster', type: 'string', default: null, aliases: ['src-cluster'], doc: 'Seed key (RocketMQ cluster of the topics); accepted and has no effect: the worker\'s transport decides where topics are read.', importance: 'low', group: SEED_GROUP },
    { name: 'refresh-interval', type: 'long', default: null, aliases: ['refresh.interval'], validator: validators.range(0), doc: 'Seed key (milliseconds between the seed\'s topic-route refreshes); accepted and has no effect: the worker\'s transport follows queue changes itself. How often the table commits is commit.interval.ms.', importance: 'low', group: SEED_GROUP },
  ]);
}

export interface HudiSinkSettings {
  tablePath: string;
  tableName: string | undefined;
  schemaPath: string;
  databaseName: string;
  operation: 'upsert' | 'insert' | 'delete' | 'bulk_insert';
  recordKeyFields: string[];
  precombineField: string | undefined;
  partitionFields: string[];
  hiveStyle: boolean;
  urlEncode: boolean;
  keyGeneratorClass: string | undefined;
  deleteField: string;
  deleteValues: string[];
  indexType: IndexType;
  /** Used with indexType BUCKET; hashFields resolved (the record key fields when not set). */
  bucketIndex: BucketIndexSpec;
  bloomType: 'DYNAMIC_V0' | 'SIMPLE';
  bloomEntries: number;
  bloomFpp: number;
  bloomMaxEntries: number;
  maxFileSize: number;
  maxLogFileSize: number;
  smallFileLimit: number;
  recordSizeEstimate: number;
  compression: 'snappy' | 'zstd' | 'uncompressed';
  encoderThreads: number;
  rowGroupRows: number;
  s3: {
    endpoint: string | undefined;
    region: string | undefined;
    accessKeyId: string | undefined;
    secretAccessKey: string | undefined;
    forcePathStyle: boolean | undefined;
    maxAttempts: number;
    multipartThresholdBytes: number;
    partSizeBytes: number;
  };
  cleanRetained: number;
  archival: ArchivalSettings;
  tableType: TableType;
  compaction: CompactionSettings;
  concurrency: {
    mode: 'single_writer' | 'optimistic_concurrency_control';
    heartbeatIntervalMs: number;
    heartbeatTolerableMisses: number;
    lockValidityMs: number;
    lockWaitMs: number;
    conflictRetries: number;
  };
  commitMaxRecords: number;
  commitMaxBytes: number;
  commitIntervalMs: number;
  ignoreUnknownFields: boolean;
}

/** The parsed values of hudiSinkConfigDef(), typed by its declarations. */
export type HudiSinkConfig = ConfigValuesOf<ReturnType<typeof hudiSinkConfigDef>>;

/** The operation a connector writes with: the configured one, else upsert with a record key and insert without
 *  (Hudi 0.14+'s default for auto-generated keys). Delete needs keys to match, so it is refused on a keyless table. */
function operationOf(p: HudiSinkConfig, keyless: boolean): HudiSinkSettings['operation'] {
  const configured = p['hoodie.datasource.write.operation'];
  if (keyless && configured === 'delete') {
    throw new ConfigError([
      {
        name: 'hoodie.datasource.write.operation',
        message:
          '"delete" needs a record key, and this table is keyless (hoodie.datasource.write.recordkey.field is not set): its rows are keyed by ' +
          'source position, so a message has nothing to match a row by. Set hoodie.datasource.write.recordkey.field to the field(s) that ' +
          'identify the records to delete, or use insert (the default without a record key), bulk_insert or upsert',
      },
    ]);
  }
  return configured ?? (keyless ? 'insert' : 'upsert');
}

/** The bucket index settings, checked as Hudi's HoodieIndexConfig does (hash fields ⊆ record key fields), and
 *  refused on a keyless table: its keys are source positions, so no field could be hashed, and an append-only
 *  table has no updates to route (BLOOM or SIMPLE cost nothing there: insert skips the index). */
function bucketIndexOf(p: HudiSinkConfig, recordKeyFields: string[]): BucketIndexSpec {
  const configured = p['hoodie.bucket.index.hash.field'];
  const spec = { numBuckets: p['hoodie.bucket.index.num.buckets'], hashFields: configured.length > 0 ? configured : recordKeyFields };
  if (p['hoodie.index.type'] !== 'BUCKET') return spec;
  if (recordKeyFields.length === 0) {
    throw new ConfigError([
      {
        name: 'hoodie.index.type',
        message:
          '"BUCKET" hashes record key fields, and this table is keyless (hoodie.datasource.write.recordkey.field is not set). ' +
          'Set hoodie.datasource.write.recordkey.field, or use BLOOM or SIMPLE (a keyless table is append-only: insert does not consult the index)',
      },
    ]);
  }
  const strangers = configured.filter((f) => !recordKeyFields.includes(f));
  if (strangers.length > 0) {
    throw new ConfigError([
      {
        name: 'hoodie.bucket.index.hash.field',
        message: `${strangers.map((f) => JSON.stringify(f)).join(', ')} ${strangers.length > 1 ? 'are not record key fields' : 'is not a record key field'} (hoodie.datasource.write.recordkey.field: ${recordKeyFields.join(',')}); the bucket hash is read from the record key, so the hash fields must be a subset of it. Leave the key unset to hash the whole record key`,
      },
    ]);
  }
  return spec;
}

/** HoodieWriteConfig's archival checks: archival must leave what cleaning retains and what a compaction
 *  trigger still counts, and have room between its two bounds. */
function archivalOf(p: HudiSinkConfig): ArchivalSettings {
  const min = p['hoodie.keep.min.commits'];
  const max = p['hoodie.keep.max.commits'];
  const retained = p['hoodie.clean.commits.retained'];
  const problems: { name: string; message: string }[] = [];
  if (max <= min) problems.push({ name: 'hoodie.keep.max.commits', message: `${max} must be greater than hoodie.keep.min.commits (${min}): archival starts above the maximum and stops at the minimum. Raise hoodie.keep.max.commits or lower hoodie.keep.min.commits` });
  if (min <= retained) problems.push({ name: 'hoodie.keep.min.commits', message: `${min} must be greater than hoodie.clean.commits.retained (${retained}): archival would remove instants of commits cleaning keeps for incremental and time-travel queries. Raise hoodie.keep.min.commits (and hoodie.keep.max.commits) or lower hoodie.clean.commits.retained` });
  const trigger = p['hoodie.compact.inline.trigger.strategy'];
  const deltas = p['hoodie.compact.inline.max.delta.commits'];
  if (p['hoodie.table.type'] === 'MERGE_ON_READ' && p['hoodie.compact.inline'] && (trigger === 'NUM_COMMITS' || trigger === 'NUM_AND_TIME') && min <= deltas) {
    problems.push({ name: 'hoodie.keep.min.commits', message: `${min} must be greater than hoodie.compact.inline.max.delta.commits (${deltas}) on a MERGE_ON_READ table: the compaction trigger counts deltacommits on the active timeline. Raise hoodie.keep.min.commits or lower hoodie.compact.inline.max.delta.commits` });
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return { enabled: p['hoodie.archive.automatic'], minCommits: min, maxCommits: max };
}

export function hudiSinkSettings(p: HudiSinkConfig): HudiSinkSettings {
  const recordKeyFields = p['hoodie.datasource.write.recordkey.field'];
  return {
    tablePath: p['tablePath'],
    tableName: p['tableName'],
    schemaPath: p['schemaPath'],
    databaseName: p['hoodie.database.name'],
    operation: operationOf(p, recordKeyFields.length === 0),
    recordKeyFields,
    precombineField: p['hoodie.datasource.write.precombine.field'],
    partitionFields: p['hoodie.datasource.write.partitionpath.field'],
    hiveStyle: p['hoodie.datasource.write.hive_style_partitioning'],
    urlEncode: p['hoodie.datasource.write.partitionpath.urlencode'],
    keyGeneratorClass: p['hoodie.datasource.write.keygenerator.class'],
    deleteField: p['delete.marker.field'],
    deleteValues: p['delete.marker.values'],
    tableType: p['hoodie.table.type'],
    compaction: {
      enabled: p['hoodie.compact.inline'],
      maxDeltaCommits: p['hoodie.compact.inline.max.delta.commits'],
      maxDeltaSeconds: p['hoodie.compact.inline.max.delta.seconds'],
      trigger: p['hoodie.compact.inline.trigger.strategy'],
      async: p['hoodie.datasource.compaction.async.enable'],
    },
    indexType: p['hoodie.index.type'],
    bucketIndex: bucketIndexOf(p, recordKeyFields),
    bloomType: p['hoodie.bloom.index.filter.type'],
    bloomEntries: p['hoodie.index.bloom.num_entries'],
    bloomFpp: p['hoodie.index.bloom.fpp'],
    bloomMaxEntries: p['hoodie.bloom.index.filter.dynamic.max.entries'],
    maxFileSize: p['hoodie.parquet.max.file.size'],
    maxLogFileSize: p['hoodie.logfile.max.size'],
    smallFileLimit: p['hoodie.parquet.small.file.limit'],
    recordSizeEstimate: p['hoodie.copyonwrite.record.size.estimate'],
    compression: p['hoodie.parquet.compression.codec'],
    encoderThreads: p['parquet.encoder.threads'],
    rowGroupRows: p['parquet.row.group.rows'],
    s3: {
      endpoint: p['s3.endpoint'],
      region: p['s3.region'],
      accessKeyId: p['s3.access.key'],
      secretAccessKey: p['s3.secret.key'],
      forcePathStyle: p['s3.path.style.access'],
      maxAttempts: p['s3.max.attempts'],
      multipartThresholdBytes: p['s3.multipart.threshold.bytes'],
      partSizeBytes: p['s3.multipart.part.size.bytes'],
    },
    cleanRetained: p['hoodie.clean.commits.retained'],
    archival: archivalOf(p),
    concurrency: {
      mode: p['hoodie.write.concurrency.mode'],
      heartbeatIntervalMs: p['hoodie.client.heartbeat.interval_in_ms'],
      heartbeatTolerableMisses: p['hoodie.client.heartbeat.tolerable.misses'],
      lockValidityMs: p['hoodie.write.lock.storage.validity.timeout.secs'] * 1000,
      lockWaitMs: p['hoodie.write.lock.wait_time_ms'],
      conflictRetries: p['hoodie.write.num.retries.on.conflict.failures'],
    },
    commitMaxRecords: p['commit.max.records'],
    commitMaxBytes: p['commit.max.bytes'],
    commitIntervalMs: p['commit.interval.ms'],
    ignoreUnknownFields: p['schema.ignore.unknown.fields'],
  };
}
