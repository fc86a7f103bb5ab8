// Independent readers of Hudi tables for conformance tests: hudi-rs (PyPI `hudi`), Spark 3.5 with the Hudi
// bundle, and DuckDB on the Parquet base files. The Python readers live in test/conformance/readers and are
// installed by scripts/readers/setup.sh into a cache outside the repo. Invariants: a reader that cannot be
// installed or run makes the calling test fail (never skip) with the reader's own error text; every reader
// returns rows in one convention (timestamps as epoch ms numbers, see reader_common.py), so rows compare as
// plain JSON.

import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const REPO = path.resolve(__dirname, '../..');
const READERS_DIR = path.join(REPO, 'test', 'conformance', 'readers');
const SETUP = path.join(REPO, 'scripts', 'readers', 'setup.sh');

/** A row as the readers print it: column name to JSON value. */
export type Row = Record<string, unknown>;

export interface ReaderEnv {
  cache: string;
  python: string;
  bundleJar: string;
  /** hadoop-aws and the AWS SDK jars Spark needs for s3:// tables, comma-separated. */
  s3aJars: string;
  hudiRsVersion: string;
  pysparkVersion: string;
  javaVersion: string;
}

/** A read: snapshot (optionally time travel to `asOf`, inclusive) or incremental over commits in (from, to]. */
export type ReadQuery = { type: 'snapshot'; asOf?: string } | { type: 'incremental'; from: string; to?: string } | { type: 'read_optimized' } | { type: 'timeline' };

export interface QueryResult {
  query: ReadQuery;
  rows?: Row[];
  /** Set when this query failed; the other queries of the same run still ran. */
  error?: string;
}

export interface TimelineInstant {
  timestamp: string;
  action: string;
  /** hudi-rs reports completed instants with state "" */
  state: string;
  epochMillis: number;
  metadata: Record<string, unknown> | null;
}

export interface SparkWriteResult {
  instant: string;
  operation: string;
  options: Record<string, string>;
  /** The completed commit file's JSON (HoodieCommitMetadata). */
  commit: Record<string, unknown>;
  /** The snapshot Spark read after the write, when asked for with readBack. */
  rows?: Row[];
}

export class ReaderError extends Error {
  constructor(
    message: string,
    readonly stderr = '',
  ) {
    super(message);
    this.name = 'ReaderError';
  }
}

let setupOnce: Promise<ReaderEnv> | undefined;

/**
 * Installs the readers (once per process; setup.sh is idempotent and locked, ~0.2 s when the cache is warm,
 * ~30 s cold) and resolves with their paths. Rejects with setup.sh's own error output when anything cannot
 * be installed, so a test awaiting it fails with that message.
 */
export function readersAvailable(): Promise<ReaderEnv> {
  setupOnce ??= new Promise<ReaderEnv>((resolve, reject) => {
    execFile('bash', [SETUP], { maxBuffer: 16 << 20, timeout: 15 * 60_000 }, (err, stdout, stderr) => {
      if (err) {
        reject(new ReaderError(`reader setup failed (scripts/readers/setup.sh, exit ${err.code ?? err.signal}):\n${tail(stderr, 60)}`, stderr));
        return;
      }
      const kv = Object.fromEntries(
        stdout
          .split('\n')
          .filter((l) => l.includes('='))
          .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
      );
      if (!kv.READERS_PYTHON || !kv.HUDI_BUNDLE_JAR) {
        reject(new ReaderError(`reader setup printed no READERS_PYTHON/HUDI_BUNDLE_JAR:\n${stdout}\n${tail(stderr, 30)}`, stderr));
        return;
      }
      resolve({
        cache: kv.TRIBUTARY_CACHE,
        python: kv.READERS_PYTHON,
        bundleJar: kv.HUDI_BUNDLE_JAR,
        s3aJars: kv.S3A_JARS ?? '',
        hudiRsVersion: kv.HUDI_RS_VERSION,
        pysparkVersion: kv.PYSPARK_VERSION,
        javaVersion: kv.JAVA_VERSION,
      });
    });
  });
  return setupOnce;
}

// ---------------------------------------------------------------------------------------------- hudi-rs

/** Snapshot (or time travel with `asOf`) read with hudi-rs. Every column, _hoodie_* meta columns included. */
export async function hudiRsSnapshot(table: string, opts: { asOf?: string; storageOptions?: Record<string, string> } = {}): Promise<Row[]> {
  const args = ['--table', table];
  if (opts.asOf) args.push('--as-of', opts.asOf);
  const env: Record<string, string> = opts.storageOptions ? { HUDI_STORAGE_OPTIONS: JSON.stringify(opts.storageOptions) } : {};
  return jsonLines<Row>(await runReader('hudi_rs_read.py', args, 120_000, false, env));
}

/** Incremental read with hudi-rs: rows whose _hoodie_commit_time is in (from, to] (to: latest). */
export async function hudiRsIncremental(table: string, from: string, to?: string): Promise<Row[]> {
  const args = ['--table', table, '--incremental-from', from];
  if (to) args.push('--incremental-to', to);
  return jsonLines<Row>(await runReader('hudi_rs_read.py', args, 120_000));
}

/** How readers print timestamps: epoch ms (the default) or epoch µs (to compare microseconds exactly). */
export type TimestampUnit = 'ms' | 'micros';

function timestampEnv(unit: TimestampUnit | undefined): Record<string, string> {
  return unit === 'micros' ? { TRIBUTARY_READER_TIMESTAMPS: 'micros' } : {};
}

/** Several hudi-rs reads in one Python process; a failed query carries `error` instead of `rows`. */
export async function hudiRsRead(table: string, queries: ReadQuery[], opts: { timestamps?: TimestampUnit } = {}): Promise<QueryResult[]> {
  return allResults(queries, await runReader('hudi_rs_read.py', ['--table', table, '--queries', JSON.stringify(queries)], 300_000, true, timestampEnv(opts.timestamps)));
}

/** Completed commit/deltacommit/replacecommit instants as hudi-rs sees them, with their metadata JSON. */
export async function hudiRsTimeline(table: string): Promise<TimelineInstant[]> {
  return jsonLines<TimelineInstant>(await runReader('hudi_rs_read.py', ['--table', table, '--timeline'], 120_000));
}

export interface FileSliceInfo {
  partitionPath: string;
  fileId: string;
  creationInstantTime: string;
  baseFileName: string;
  baseFileSize: number;
  numRecords: number;
  logFileNames: string[];
}

/** The file slices a hudi-rs snapshot (as of `asOf`) reads. */
export async function hudiRsFileSlices(table: string, opts: { asOf?: string } = {}): Promise<FileSliceInfo[]> {
  const args = ['--table', table, '--file-slices'];
  if (opts.asOf) args.push('--as-of', opts.asOf);
  return jsonLines<FileSliceInfo>(await runReader('hudi_rs_read.py', args, 120_000));
}

// ------------------------------------------------------------------------------------------------ Spark

/**
 * Runs all `queries` in one Spark session (one JVM start, ~10-20 s on 2 cores). A failed query carries
 * `error` (e.g. time travel before the earliest retained commit); the others still return rows. An s3:// table
 * is read through Hadoop's s3a, with the store described by the same `storageOptions` hudiRsSnapshot takes.
 */
export async function sparkRead(table: string, queries: ReadQuery[], opts: { storageOptions?: Record<string, string>; timestamps?: TimestampUnit } = {}): Promise<QueryResult[]> {
  const env: Record<string, string> = { ...(opts.storageOptions ? { HUDI_STORAGE_OPTIONS: JSON.stringify(opts.storageOptions) } : {}), ...timestampEnv(opts.timestamps) };
  return allResults(queries, await runReader('spark_read.py', ['--table', table, '--queries', JSON.stringify(queries)], 600_000, true, env));
}

/** The rows of a query result; throws the query's error. */
export function rowsOf(result: QueryResult): Row[] {
  if (result.error !== undefined || !result.rows) throw new ReaderError(`query ${JSON.stringify(result.query)} failed: ${result.error}`);
  return result.rows;
}

/**
 * A Spark Hudi write of `rows` into the existing table at `table`: key, precombine, partition fields and key
 * generator come from the table's hoodie.properties; the index is BLOOM unless `index` says otherwise (BLOOM
 * reads the base files' footer bloom filters and min/max keys; Hudi 0.15's own Spark default, SIMPLE, reads
 * every _hoodie_record_key instead). With `createSchema` (an .avsc path) and no table at `table` yet, Spark
 * creates it: fields and table name then come from `options`.
 */
export async function sparkWrite(
  table: string,
  rows: Row[],
  op: 'upsert' | 'insert' | 'delete',
  opts: { readBack?: boolean; index?: 'BLOOM' | 'SIMPLE' | 'GLOBAL_BLOOM' | 'GLOBAL_SIMPLE' | 'BUCKET'; options?: Record<string, string>; createSchema?: string } = {},
): Promise<SparkWriteResult> {
  const dir = mkdtempSync(path.join(tmpdir(), 'spark-write-'));
  try {
    const file = path.join(dir, 'rows.json');
    writeFileSync(file, JSON.stringify(rows));
    const args = ['--table', table, '--rows', file, '--op', op];
    if (opts.readBack) args.push('--read-back');
    if (opts.index) args.push('--index', opts.index);
    if (opts.createSchema) args.push('--create-schema', opts.createSchema);
    for (const [k, v] of Object.entries(opts.options ?? {})) args.push('--option', `${k}=${v}`);
    const [result] = jsonLines<SparkWriteResult>(await runReader('spark_upsert.py', args, 600_000));
    if (!result) throw new ReaderError('spark_upsert.py printed no result');
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ------------------------------------------------------------------------------------------ bucket index

export interface HudiBucketCase {
  key: string;
  /** hoodie.bucket.index.hash.field as Hudi holds it (comma-separated). */
  hashFields: string;
  numBuckets: number;
}

export interface HudiBucketResult extends HudiBucketCase {
  bucket?: number;
  bucketByString?: number;
  hashKeys?: string[];
  bucketIdStr?: string;
  newFileIdPrefix?: string;
  bucketFromFileId?: number;
  /** Set when Hudi threw for this case. */
  error?: string;
}

/** Hudi 0.15's BucketIdentifier run in the bundle's JVM on each case (hudi_bucket.py), in order. */
export async function runHudiBucket(cases: HudiBucketCase[]): Promise<HudiBucketResult[]> {
  const dir = mkdtempSync(path.join(tmpdir(), 'hudi-bucket-'));
  try {
    const file = path.join(dir, 'cases.json');
    writeFileSync(file, JSON.stringify(cases));
    return jsonLines<HudiBucketResult>(await runReader('hudi_bucket.py', ['--cases', file], 300_000));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ------------------------------------------------------------------------------------------ bloom filter

export interface BloomCheck {
  file: string;
  rows: number;
  typeCode: string | null;
  minKey: string | null;
  maxKey: string | null;
  /** Empty when every record key is in the footer's bloom filter and min/max keys are right. */
  problems: string[];
  /** Whether the footer's filter is byte-identical to the one Hudi builds from these keys with its defaults. */
  identicalToHudiDefault?: boolean;
}

/**
 * Checks base files' Hudi footers without a JVM (hudi_bloom.py: Hudi's bloom filter reimplemented from its
 * Java source and checked byte-for-byte against it): every _hoodie_record_key is a member of the
 * `org.apache.hudi.bloomfilter` filter, and hoodie_min/max_record_key are the smallest/largest key.
 */
export async function checkBloomFilters(files: string[]): Promise<BloomCheck[]> {
  if (files.length === 0) return [];
  // Exit 1 means some file has problems: they are in the results.
  return jsonLines<BloomCheck>(await runReader('hudi_bloom.py', files.flatMap((f) => ['--file', f]), 120_000, true));
}

// ----------------------------------------------------------------------------------------------- DuckDB

/**
 * Reads Parquet files with DuckDB (`read_parquet`, union_by_name) and returns their rows in the readers'
 * convention: timestamps as epoch ms numbers, dates as 'YYYY-MM-DD', decimals as strings, blobs as base64,
 * 64-bit integers as numbers (strings beyond 2^53). With `withFileName`, each row gets `filename`.
 */
export async function duckdbReadBaseFiles(files: string[], opts: { withFileName?: boolean; timestamps?: TimestampUnit } = {}): Promise<Row[]> {
  if (files.length === 0) return [];
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  try {
    const list = `[${files.map((f) => `'${f.replaceAll("'", "''")}'`).join(', ')}]`;
    const source = `read_parquet(${list}, union_by_name = true${opts.withFileName ? ', filename = true' : ''})`;
    const described = (await conn.runAndReadAll(`DESCRIBE SELECT * FROM ${source}`)).getRowObjectsJS() as { column_name: string; column_type: string }[];
    const cols = described.map(({ column_name: name, column_type: type }) => {
      const q = `"${name.replaceAll('"', '""')}"`;
      if (type.startsWith('TIMESTAMP')) return `${opts.timestamps === 'micros' ? 'epoch_us' : 'epoch_ms'}(${q}) AS ${q}`;
      if (type === 'DATE' || type.startsWith('DECIMAL') || type === 'UUID') return `CAST(${q} AS VARCHAR) AS ${q}`;
      if (type === 'BLOB') return `base64(${q}) AS ${q}`;
      return q;
    });
    const reader = await conn.runAndReadAll(`SELECT ${cols.join(', ')} FROM ${source}`);
    return reader.getRowObjectsJS().map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, plainJs(v)])));
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

function plainJs(v: unknown): unknown {
  if (typeof v === 'bigint') return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString();
  if (Array.isArray(v)) return v.map(plainJs);
  if (v !== null && typeof v === 'object' && !(v instanceof Date)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plainJs(x)]));
  return v;
}

// ---------------------------------------------------------------------------------------------- helpers

/** Sorts rows by the given columns (default: partition path, record key, commit time) for comparisons. */
export function sortRows(rows: Row[], by: string[] = ['_hoodie_partition_path', '_hoodie_record_key', '_hoodie_commit_time']): Row[] {
  const key = (r: Row) => by.map((c) => String(r[c] ?? ''));
  return [...rows].sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    for (let i = 0; i < ka.length; i++) if (ka[i] !== kb[i]) return ka[i] < kb[i] ? -1 : 1;
    return 0;
  });
}

/** Keeps only `columns` of each row (missing columns become null), e.g. to drop reader-specific extras. */
export function project(rows: Row[], columns: string[]): Row[] {
  return rows.map((r) => Object.fromEntries(columns.map((c) => [c, r[c] ?? null])));
}

async function runReader(script: string, args: string[], timeoutMs: number, allowQueryErrors = false, extraEnv: Record<string, string> = {}): Promise<string> {
  const env = await readersAvailable();
  return new Promise<string>((resolve, reject) => {
    const child = spawn(env.python, [path.join(READERS_DIR, script), ...args], {
      env: { ...process.env, ...extraEnv, TRIBUTARY_CACHE: env.cache, HUDI_BUNDLE_JAR: env.bundleJar, S3A_JARS: env.s3aJars, PYTHONUNBUFFERED: '1', PYTHONDONTWRITEBYTECODE: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (err += d.toString('utf8')));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new ReaderError(`${script} ${args.join(' ')} timed out after ${timeoutMs} ms; stderr:\n${tail(err, 40)}`, err));
    }, timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new ReaderError(`${script} could not start: ${e.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      // With --queries, exit 1 after all queries ran means some query failed; its error is in its result.
      if (code === 0 || (allowQueryErrors && code === 1 && out.trim().length > 0)) resolve(out);
      else reject(new ReaderError(`${script} ${args.join(' ')} failed (exit ${code ?? signal}): ${errorLine(err)}\n${causes(err)}${tail(err, 40)}`, err));
    });
  });
}

function allResults(queries: ReadQuery[], out: string): QueryResult[] {
  const results = jsonLines<QueryResult>(out);
  if (results.length !== queries.length) throw new ReaderError(`expected ${queries.length} query results, got ${results.length}:\n${tail(out, 20)}`);
  return results;
}

function jsonLines<T>(text: string): T[] {
  return text
    .split('\n')
    .filter((l) => l.trim().length > 0)
    .map((l) => JSON.parse(l) as T);
}

function errorLine(stderr: string): string {
  const lines = stderr.split('\n').filter((l) => l.startsWith('error: '));
  return lines.length ? lines[lines.length - 1].slice(7) : '(no error line)';
}

/** The distinct "Caused by:" lines of a Java stack trace: the root cause is usually the last. */
function causes(stderr: string): string {
  const lines = [...new Set(stderr.split('\n').filter((l) => l.startsWith('Caused by:')))];
  return lines.length ? `${lines.slice(-8).join('\n')}\n` : '';
}

function tail(text: string, n: number): string {
  return text.split('\n').slice(-n).join('\n');
}
