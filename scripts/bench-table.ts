// Benchmark of the Hudi table writer: N order records loaded (bulk_insert by default, commits of --batch
// records; --operation insert packs later commits into earlier small files, rewriting them), then 10% of
// them upserted (scripts/bench-table-workload.ts). Sides, on the same records in the same run:
//   - ours, in a child process (scripts/bench-table-writer.ts) after an untimed warm-up, so that its peak RSS
//     (VmHWM) is the writer's own; with --profile DIR under `node --cpu-prof`, then summarised by
//     scripts/cpuprofile-summary.ts per phase (profiled figures are slower: do not quote them);
//   - Apache Hudi's own writer: Spark 3.5 + the Hudi 0.15 bundle, local[2], the same operations and commits
//     after a JVM warm-up (scripts/readers/spark_hudi_bench.py), its driver JVM's VmHWM; it then reads both
//     tables and the run fails unless their data columns hold the same rows. Needs the readers
//     (`npm run readers:setup`); --no-spark skips it;
//   - DuckDB's C++ `COPY ... TO parquet` of the same records, loaded into DuckDB untimed (encoding only).
// Prints rows/s, the ratios against DuckDB and Spark Hudi, bytes on disk and peak RSS (figures are
// machine-dependent; the ratios are what to compare).
// Usage: node dist/scripts/bench-table.js [--rows N] [--batch B] [--operation insert|bulk_insert|upsert]
//                                         [--no-spark] [--spark-memory 1g] [--profile DIR] [--s3 [--rounds R] [--occ]]
//                                         [--table-type COPY_ON_WRITE|MERGE_ON_READ]
//
// --s3 (`npm run bench:table -- --s3`): the same workload, in the same run on the same records, goes both to
// local disk and to a real S3 server: MinIO from scripts/s3.sh on 127.0.0.1, started under the lease
// bench-table-<pid> and released on every exit (error and SIGINT/SIGTERM included), through
// createS3Client/S3Storage as openTableStorage builds them for an s3:// tablePath. Both run in this process
// (no Spark side, no child). After an untimed warm-up,
// R rounds (default 4; 6 with --occ) rotate the order (local, S3 / S3, local / ...) so that a shared machine's drift falls
// on both sides; prints the rates of the mean times side by side with S3/local, each run's rates, the table's
// size on each, and the S3 requests of each phase of the first S3 run by kind (counted by SDK middleware). Each
// table is deleted after its run. About 1 min on 2 cores at the default 1,000,000 rows.
// --occ adds a third side, S3 with hoodie.write.concurrency.mode=optimistic_concurrency_control (one writer:
// the cost of heartbeats, the table lock and the conflict check per commit), with its requests by kind.

import { DeleteObjectsCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { execFile, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { hudiSinkConfigDef, hudiSinkSettings } from '../plugins/hudi/hudi-sink-config';
import { openTableDeps } from '../plugins/hudi/hudi-sink-deps';
import { LocalStorage } from '../plugins/hudi/storage/local-storage';
import { S3Storage, createS3Client, parseS3Uri } from '../plugins/hudi/storage/s3-storage';
import type { Storage } from '../plugins/hudi/storage/storage';
import type { WriteOperation } from '../plugins/hudi/table/table-writer';
import { summariseProfiles } from './cpuprofile-summary';
import { dirBytes, loadRecord, runWorkload, tableConfig, updateCount, updateRecord, type WorkloadResult } from './bench-table-workload';
import type { WriterChildResult } from './bench-table-writer';

const REPO = path.resolve(__dirname, '..', '..');
const S3_SCRIPT = path.join(REPO, 'scripts', 's3.sh');
const S3_LEASE = `bench-table-${process.pid}`;
const S3_BUCKET = 'tributary-bench';

// --- the S3 server (scripts/s3.sh) --------------------------------------------------------------------------

const s3shEnv = () => ({ ...process.env, TRIBUTARY_S3_LEASE_PID: String(process.pid) });

async function s3sh(...args: string[]): Promise<string> {
  try {
    return (await promisify(execFile)('bash', [S3_SCRIPT, ...args], { cwd: REPO, env: s3shEnv(), maxBuffer: 16 << 20 })).stdout;
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`scripts/s3.sh ${args.join(' ')} failed: ${e.message}\n${(e.stderr ?? '').slice(-4000)}`);
  }
}

let leaseTaken = false;
/** Drops our lease (the server stops when no other live lease is left). Synchronous, so exit paths can use it. */
function releaseS3(): void {
  if (!leaseTaken) return;
  leaseTaken = false;
  try {
    execFileSync('bash', [S3_SCRIPT, 'stop', '--lease', S3_LEASE], { cwd: REPO, env: s3shEnv(), stdio: ['ignore', 'ignore', 'inherit'] });
  } catch (err) {
    console.error(`bench-table: scripts/s3.sh stop --lease ${S3_LEASE} failed: ${(err as Error).message}`);
  }
}

async function startS3(): Promise<Record<string, string>> {
  leaseTaken = true; // from here on, every exit path releases (stop is idempotent, even if start failed half-way)
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => {
      releaseS3();
      process.exit(128 + (sig === 'SIGINT' ? 2 : sig === 'SIGTERM' ? 15 : 1));
    });
  }
  process.once('exit', releaseS3);
  await s3sh('start', '--lease', S3_LEASE);
  const out = await s3sh('env');
  const env = Object.fromEntries(out.split('\n').filter((l) => /^[A-Z0-9_]+=/.test(l)).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
  await s3sh('bucket', S3_BUCKET);
  return env;
}

/** S3 requests by kind, counted by SDK middleware: commands (once per call) and HTTP attempts (retries included). */
interface RequestCounts {
  commands: Map<string, number>;
  attempts: number;
  uploadedBytes: number;
}

function countRequests(client: S3Client): () => RequestCounts {
  let c: RequestCounts = { commands: new Map(), attempts: 0, uploadedBytes: 0 };
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const kind = String(context.commandName ?? 'unknown').replace(/Command$/, '');
      c.commands.set(kind, (c.commands.get(kind) ?? 0) + 1);
      const body = (args.input as { Body?: unknown }).Body;
      if (body instanceof Uint8Array) c.uploadedBytes += body.byteLength;
      else if (typeof body === 'string') c.uploadedBytes += Buffer.byteLength(body);
      return next(args);
    },
    { step: 'initialize', name: 'benchCountCommands' },
  );
  // The deserialize step runs once per HTTP attempt (the retry middleware sits before it).
  client.middlewareStack.add(
    (next) => async (args) => {
      c.attempts++;
      return next(args);
    },
    { step: 'deserialize', name: 'benchCountAttempts' },
  );
  /** The counts since the last call. */
  return () => {
    const r = c;
    c = { commands: new Map(), attempts: 0, uploadedBytes: 0 };
    return r;
  };
}

async function s3Keys(client: S3Client, prefix: string): Promise<{ key: string; size: number }[]> {
  const keys: { key: string; size: number }[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(new ListObjectsV2Command({ Bucket: S3_BUCKET, Prefix: `${prefix}/`, ContinuationToken: token }));
    for (const o of page.Contents ?? []) keys.push({ key: o.Key!, size: o.Size ?? 0 });
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return keys;
}

// --- the sides ----------------------------------------------------------------------------------------------

/** Runs one side's child process and resolves with its stdout; rejects with its command and stderr's tail on a non-zero exit. */
function run(side: string, command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: REPO, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (err += d.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code === 0) resolve(out);
      else reject(new Error(`bench-table: the ${side} side failed (exit ${code ?? signal}): ${command} ${args.join(' ')}\n${err.split('\n').slice(-40).join('\n')}`));
    });
  });
}

/** The readers' environment (scripts/readers/env.sh); throws, saying how to set them up, when they are not installed. */
async function readersEnv(): Promise<Record<string, string>> {
  let out: string;
  try {
    out = (await promisify(execFile)('bash', [path.join(REPO, 'scripts', 'readers', 'env.sh')], { cwd: REPO })).stdout;
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(
      `bench-table: the Spark Hudi side needs the readers (pyspark 3.5 and the Hudi 0.15 bundle, in ${process.env['TRIBUTARY_CACHE'] ?? '~/.cache/tributary'}), ` +
        `and they are not set up (scripts/readers/env.sh: ${(e.stderr ?? e.message).trim()}). Set them up with \`npm run readers:setup\` ` +
        `(scripts/readers/setup.sh), or pass --no-spark to run without the Spark side.`,
    );
  }
  return Object.fromEntries(out.split('\n').filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
}

interface SparkResult {
  sparkVersion: string;
  warmupMs: number;
  loadRows: number;
  upsertRows: number;
  loadCommitMs: number[];
  upsertCommitMs: number[];
  loadBytes: number;
  totalBytes: number;
  jvm: { pid: number; peakRss: number; rssAfterWarmup: number; gcMsTimed: number };
  options: Record<string, string>;
  fingerprint: { spark: Record<string, string>; ours: Record<string, string> };
}

/** Writes the workload as JSON lines, one file per commit (load-NNNNN, upsert-NNNNN), for Spark and DuckDB. */
function writeInputs(dir: string, n: number, batch: number): void {
  mkdirSync(dir, { recursive: true });
  const u = updateCount(n);
  const files: [string, number, number, (k: number) => Record<string, unknown>][] = [];
  for (let i = 0, f = 0; i < n; i += batch, f++) files.push([`load-${String(f).padStart(5, '0')}.jsonl`, i, Math.min(n, i + batch), loadRecord]);
  for (let k = 0, f = 0; k < u; k += batch, f++) files.push([`upsert-${String(f).padStart(5, '0')}.jsonl`, k, Math.min(u, k + batch), updateRecord]);
  for (const [name, from, to, make] of files) {
    const lines: string[] = [];
    for (let k = from; k < to; k++) lines.push(JSON.stringify(make(k)));
    writeFileSync(path.join(dir, name), `${lines.join('\n')}\n`);
  }
}

function gitCommit(): string {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: REPO, encoding: 'utf8' }).trim() !== '';
    return dirty ? `${head} (with uncommitted changes)` : head;
  } catch {
    return 'unknown';
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      rows: { type: 'string' },
      batch: { type: 'string' },
      operation: { type: 'string' },
      s3: { type: 'boolean' },
      rounds: { type: 'string' },
      occ: { type: 'boolean' },
      'no-spark': { type: 'boolean' },
      'spark-memory': { type: 'string' },
      profile: { type: 'string' },
      'table-type': { type: 'string' },
    },
  });
  const tableType = (values['table-type'] ?? 'COPY_ON_WRITE') as 'COPY_ON_WRITE' | 'MERGE_ON_READ';
  if (tableType !== 'COPY_ON_WRITE' && tableType !== 'MERGE_ON_READ') throw new Error(`--table-type must be COPY_ON_WRITE or MERGE_ON_READ, got ${String(values['table-type'])}`);
  const withS3 = values.s3 === true;
  const withOcc = values.occ === true;
  if (withOcc && !withS3) throw new Error('--occ compares against S3: give --s3 too');
  const withSpark = !withS3 && values['no-spark'] !== true;
  if (withS3 && values.profile) throw new Error('--profile profiles the writer child of the local run: it does not combine with --s3');
  const N = Number(values.rows ?? 1_000_000);
  if (!(N >= 10 && Number.isInteger(N))) throw new Error(`--rows must be an integer >= 10, got ${values.rows}`);
  const batch = Number(values.batch ?? 100_000);
  if (!(batch >= 1 && Number.isInteger(batch))) throw new Error(`--batch must be a positive integer, got ${values.batch}`);
  const op = (values.operation ?? 'bulk_insert') as WriteOperation;
  if (!['insert', 'bulk_insert', 'upsert'].includes(op)) throw new Error(`--operation must be insert, bulk_insert or upsert, got ${op}`);
  const rounds = withS3 ? Number(values.rounds ?? (withOcc ? 6 : 4)) : 1;
  if (!(rounds >= 1 && Number.isInteger(rounds))) throw new Error(`--rounds must be a positive integer, got ${values.rounds}`);
  // Fail before minutes of work, not after.
  const readers = withSpark ? await readersEnv() : undefined;
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-table-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  const raw = tableConfig(path.join(dir, 'orders'), tableType);
  const U = updateCount(N);

  const locals: WorkloadResult[] = [];
  const s3s: WorkloadResult[] = [];
  const occs: WorkloadResult[] = [];
  const requests = new Map<string, RequestCounts>(); // of the first S3 run, by phase
  const occRequests = new Map<string, RequestCounts>(); // of the first S3 run with --occ, by phase
  let endpoint = '';
  let child: WriterChildResult | undefined;
  let spark: SparkResult | undefined;
  // The machine is shared: the 1-minute load average as each side starts says how quiet it was.
  const load: string[] = [];
  const noteLoad = (side: string) => load.push(`${side} ${loadavg()[0]!.toFixed(1)}`);
  if (!withS3) {
    // Ours, in a child process of its own.
    const profileDir = values.profile ? path.resolve(values.profile) : undefined;
    if (profileDir) mkdirSync(profileDir, { recursive: true });
    const nodeArgs = profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : [];
    noteLoad('tributary');
    const out = await run('tributary writer', process.execPath, [...nodeArgs, path.join(__dirname, 'bench-table-writer.js'), '--table', raw['tablePath']!, '--rows', String(N), '--batch', String(batch), '--operation', op, '--table-type', tableType]);
    child = JSON.parse(out.trim().split('\n').pop()!) as WriterChildResult;
    locals.push(child);
    if (profileDir) writeFileSync(path.join(profileDir, 'phases.json'), JSON.stringify(child.marks));

    const inputDir = path.join(dir, 'input');
    writeInputs(inputDir, N, batch);
    if (withSpark) {
      const sparkTable = path.join(dir, 'spark-orders');
      const args = [path.join(REPO, 'scripts', 'readers', 'spark_hudi_bench.py'), '--table', sparkTable, '--input', inputDir, '--operation', op, '--table-type', tableType, '--verify-against', raw['tablePath']!];
      if (values['spark-memory']) args.push('--driver-memory', values['spark-memory']);
      noteLoad('Spark');
      const sparkOut = await run('Spark Hudi', readers!['READERS_PYTHON']!, args, { ...process.env, ...readers, PYTHONUNBUFFERED: '1', PYTHONDONTWRITEBYTECODE: '1' });
      spark = JSON.parse(sparkOut.trim().split('\n').pop()!) as SparkResult;
      if (spark.loadRows !== N || spark.upsertRows !== U) throw new Error(`Spark read ${spark.loadRows} load and ${spark.upsertRows} upsert records from ${inputDir}, expected ${N} and ${U}`);
      const [a, b] = [JSON.stringify(spark.fingerprint.spark), JSON.stringify(spark.fingerprint.ours)];
      if (a !== b || spark.fingerprint.ours['rows'] !== String(N)) throw new Error(`the two tables do not hold the same rows (Spark read both): Spark Hudi's ${a}, ours ${b}, expected ${N} rows`);
    }
  } else {
    const settings = hudiSinkSettings(hudiSinkConfigDef().parse(raw, { allowUnknown: true }));
    const occSettings = hudiSinkSettings(hudiSinkConfigDef().parse({ ...raw, 'hoodie.write.concurrency.mode': 'optimistic_concurrency_control' }, { allowUnknown: true }));
    const deps = await openTableDeps(settings, raw['schemaPath']!, raw);
    try {
      const env = await startS3();
      endpoint = env['S3_ENDPOINT'] ?? '';
      const s3Raw: Record<string, string> = { ...raw, tablePath: `s3://${S3_BUCKET}/t`, 's3.endpoint': endpoint, 's3.access.key': env['AWS_ACCESS_KEY_ID']!, 's3.secret.key': env['AWS_SECRET_ACCESS_KEY']! };
      if (env['AWS_REGION']) s3Raw['s3.region'] = env['AWS_REGION'];
      const s3Settings = hudiSinkSettings(hudiSinkConfigDef().parse(s3Raw, { allowUnknown: true })).s3;
      // As openTableStorage builds it for an s3:// tablePath, with counting middleware on the client.
      const client = createS3Client(s3Settings);
      const takeCounts = countRequests(client);
      const admin = createS3Client(s3Settings); // listing for sizes and the clean-up, not counted
      let runNo = 0;
      const workload = (storage: Storage, tableBytes: () => Promise<number>, n: number, s = settings, phase?: (name: string) => void) =>
        runWorkload({ settings: s, deps, storage, tableBytes, rows: n, batch, operation: op, ...(phase ? { phase } : {}) });
      const runLocal = async (n = N) => {
        const tablePath = path.join(dir, `orders-${runNo++}`);
        try {
          return await workload(new LocalStorage(tablePath), async () => dirBytes(tablePath), n);
        } finally {
          rmSync(tablePath, { recursive: true, force: true });
        }
      };
      const runS3 = async (occ = false) => {
        const prefix = `bench-table-${process.pid}-${runNo++}/orders`;
        const storage = new S3Storage({ client, location: parseS3Uri(`s3://${S3_BUCKET}/${prefix}`), multipartThresholdBytes: s3Settings.multipartThresholdBytes, partSizeBytes: s3Settings.partSizeBytes });
        const counted = occ ? occRequests : requests;
        const first = counted.size === 0;
        try {
          return await workload(storage, async () => (await s3Keys(admin, prefix)).reduce((n, o) => n + o.size, 0), N, occ ? occSettings : settings, (name) => {
            const counts = takeCounts(); // the requests since the previous phase ended, i.e. of the phase just ended
            if (first && name !== 'open') counted.set(name, counts);
          });
        } finally {
          const keys = await s3Keys(admin, prefix).catch(() => []);
          for (let i = 0; i < keys.length; i += 1000) {
            await admin.send(new DeleteObjectsCommand({ Bucket: S3_BUCKET, Delete: { Objects: keys.slice(i, i + 1000).map((o) => ({ Key: o.key })), Quiet: true } })).catch(() => undefined);
          }
        }
      };
      try {
        // Untimed warm-up (JIT, encoder threads) so that no side pays it; then the rounds, rotating the order so
        // that drift on a shared machine falls on every side alike.
        await runLocal(Math.min(N, 200_000));
        const sides: (() => Promise<void>)[] = [async () => void locals.push(await runLocal()), async () => void s3s.push(await runS3())];
        if (withOcc) sides.push(async () => void occs.push(await runS3(true)));
        // Each round starts one side later (A B / B A, or A B C / B C A / C A B), so that every side takes every
        // position equally often over a multiple of the side count.
        for (let r = 0; r < rounds; r++) {
          for (let i = 0; i < sides.length; i++) await sides[(r + i) % sides.length]!();
        }
      } finally {
        client.destroy();
        admin.destroy();
      }
    } finally {
      await deps.close();
      releaseS3();
    }
    writeInputs(path.join(dir, 'input'), N, batch);
  }

  // Baseline: DuckDB's C++ Parquet writer on the same load records (loading them into DuckDB is not timed).
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  const columns = "{orderId: 'VARCHAR', orderStatus: 'VARCHAR', userPhoneNo: 'VARCHAR', prodId: 'VARCHAR', prodName: 'VARCHAR', chargeMoney: 'DOUBLE', chargeTime: 'BIGINT', finishTime: 'BIGINT', version: 'BIGINT', _hoodie_is_deleted: 'BOOLEAN'}";
  await conn.run(
    `CREATE TABLE orders AS SELECT * REPLACE (epoch_ms(chargeTime) AS chargeTime, epoch_ms(finishTime) AS finishTime) ` +
      `FROM read_json('${path.join(dir, 'input', 'load-*.jsonl')}', format = 'newline_delimited', columns = ${columns})`,
  );
  const [{ n: duckRows }] = (await conn.runAndReadAll('SELECT count(*)::INTEGER AS n FROM orders')).getRowObjectsJS() as { n: number }[];
  if (duckRows !== N) throw new Error(`DuckDB loaded ${duckRows} records, expected ${N}`);
  noteLoad('DuckDB');
  const t = performance.now();
  await conn.run(`COPY orders TO '${path.join(dir, 'duck.parquet')}' (FORMAT parquet, COMPRESSION snappy)`);
  const duckMs = performance.now() - t;
  const duckBytes = statSync(path.join(dir, 'duck.parquet')).size;
  conn.closeSync();
  db.closeSync();

  const rate = (n: number, ms: number) => Math.round((n / ms) * 1000);
  const fmt = (n: number) => n.toLocaleString('en-US');
  const mb = (b: number) => `${(b / 1024 / 1024).toFixed(1)} MB`;
  const x = (a: number, b: number) => `${(a / b).toFixed(2)}x`;
  /** Over several runs: the rates of the summed times (the mean time per run), the sizes of the first run, the highest sampled RSS. */
  const combine = (rs: WorkloadResult[]): WorkloadResult => ({
    insertMs: rs.reduce((s, r) => s + r.insertMs, 0) / rs.length,
    upsertMs: rs.reduce((s, r) => s + r.upsertMs, 0) / rs.length,
    insertBytes: rs[0]!.insertBytes,
    totalBytes: rs[0]!.totalBytes,
    sampledPeakRss: Math.max(...rs.map((r) => r.sampledPeakRss)),
    marks: rs[0]!.marks,
  });
  const { insertMs, insertBytes, upsertMs, totalBytes, sampledPeakRss } = combine(locals);
  const sum = (a: number[]) => a.reduce((s, v) => s + v, 0);
  console.log(`bench-table: ${fmt(N)} order records in commits of ${fmt(batch)} into 5 partitions, then ${fmt(U)} upserted; ${tableType}; commit ${gitCommit()}; node ${process.version}, ${cpus().length} CPUs`);
  const duckRate = rate(N, duckMs);
  const sparkLoadRate = spark ? rate(N, sum(spark.loadCommitMs)) : undefined;
  const sparkUpsertRate = spark ? rate(U, sum(spark.upsertCommitMs)) : undefined;
  const cols = ['', 'rows/s', 'vs DuckDB', 'vs Spark Hudi', 'on disk', 'peak RSS'];
  const widths = [36, 11, 10, 14, 10, 10];
  const line = (cells: string[]) => console.log(`  ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' ')}`);
  line(cols);
  const oursRss = child ? mb(child.peakRss) : `${mb(sampledPeakRss)}*`;
  line([`tributary ${op}`, fmt(rate(N, insertMs)), x(rate(N, insertMs), duckRate), sparkLoadRate ? x(rate(N, insertMs), sparkLoadRate) : '-', mb(insertBytes), oursRss]);
  if (spark) line([`Spark Hudi ${op}`, fmt(sparkLoadRate!), x(sparkLoadRate!, duckRate), '1.00x', mb(spark.loadBytes), mb(spark.jvm.peakRss)]);
  line(['DuckDB COPY TO parquet (encode only)', fmt(duckRate), '1.00x', sparkLoadRate ? x(duckRate, sparkLoadRate) : '-', mb(duckBytes), '-']);
  line(['tributary upsert 10%', fmt(rate(U, upsertMs)), '-', sparkUpsertRate ? x(rate(U, upsertMs), sparkUpsertRate) : '-', mb(totalBytes), '(same)']);
  if (spark) line(['Spark Hudi upsert 10%', fmt(sparkUpsertRate!), '-', '1.00x', mb(spark.totalBytes), '(same)']);
  if (child) {
    console.log(`  tributary: writer child process, timed after an untimed warm-up of ${fmt(child.warmupRows)} records; peak RSS = its VmHWM (${mb(child.rssAfterWarmup)} after the warm-up, before the timed load)`);
  } else {
    console.log(`  * peak RSS sampled every 50 ms in this process (--s3 runs every side in-process, inputs and all)`);
  }
  if (spark) {
    console.log(
      `  Spark ${spark.sparkVersion} + Hudi 0.15 bundle, local[2], ${spark.options['hoodie.index.type'] ?? ''} index, timed after a warm-up (${(spark.warmupMs / 1000).toFixed(1)} s); ` +
        `peak RSS = driver JVM VmHWM (${mb(spark.jvm.rssAfterWarmup)} after the warm-up); JVM GC during the timed writes ${fmt(Math.round(spark.jvm.gcMsTimed))} ms`,
    );
    console.log(`  Spark commit times (ms): load ${spark.loadCommitMs.map((m) => Math.round(m)).join(' ')}; upsert ${spark.upsertCommitMs.map((m) => Math.round(m)).join(' ')}`);
    console.log(`  same data: Spark read both tables after the writes: ${JSON.stringify(spark.fingerprint.ours)} (rows, keys, sums and xxhash64 of every data column) on both`);
  }
  console.log(`  DuckDB: COPY of an in-memory table (both cores); on disk = the Hudi tables' files (timeline included, Hadoop's .crc files not), DuckDB's one Parquet file`);
  noteLoad('end');
  console.log(`  load average (1 min, ${cpus().length} CPUs) as each side started: ${load.join(', ')}`);
  if (values.profile) {
    console.log(`  profiled run (node --cpu-prof): the rates above are slowed by the profiler; profiles in ${path.resolve(values.profile)}`);
    console.log(summariseProfiles(path.resolve(values.profile)));
  }
  if (withS3) {
    const s3 = combine(s3s);
    const row = (label: string, l: string, s: string, ratio: string) => console.log(`  ${label.padEnd(24)} ${l.padStart(12)} ${s.padStart(12)} ${ratio.padStart(9)}`);
    console.log(`local disk vs S3 (MinIO at ${endpoint}, same machine and process, same records; ${rounds} run${rounds > 1 ? 's' : ''} each, order rotated each round after a warm-up; rates of the mean time):`);
    row('', 'local', 'S3', 'S3/local');
    row(`${op} rows/s`, fmt(rate(N, insertMs)), fmt(rate(N, s3.insertMs)), x(rate(N, s3.insertMs), rate(N, insertMs)));
    row('upsert 10% rows/s', fmt(rate(U, upsertMs)), fmt(rate(U, s3.upsertMs)), x(rate(U, s3.upsertMs), rate(U, upsertMs)));
    row(`table after ${op}`, mb(insertBytes), mb(s3.insertBytes), x(s3.insertBytes, insertBytes));
    row('table after upsert', mb(totalBytes), mb(s3.totalBytes), x(s3.totalBytes, totalBytes));
    if (rounds > 1) {
      const each = (rs: WorkloadResult[]) => rs.map((r) => `${fmt(rate(N, r.insertMs))}/${fmt(rate(U, r.upsertMs))}`).join(' ');
      console.log(`  each run (${op}/upsert rows/s): local ${each(locals)}; S3 ${each(s3s)}`);
    }
    const printRequests = (label: string, m: Map<string, RequestCounts>) => {
      for (const [phase, c] of m) {
        const kinds = [...c.commands].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${fmt(n)}`).join(', ');
        const total = [...c.commands.values()].reduce((a, b) => a + b, 0);
        console.log(`  ${label}, ${phase}: ${fmt(total)} (${kinds}); ${fmt(c.attempts)} HTTP attempts; ${mb(c.uploadedBytes)} in request bodies`);
      }
    };
    printRequests('S3 requests', requests);
    if (withOcc) {
      const o = combine(occs);
      console.log(`S3 with optimistic_concurrency_control (one writer: heartbeats, table lock, conflict check) vs S3 single_writer, same rounds:`);
      row('', 'S3', 'S3 OCC', 'OCC/S3');
      row(`${op} rows/s`, fmt(rate(N, s3.insertMs)), fmt(rate(N, o.insertMs)), x(rate(N, o.insertMs), rate(N, s3.insertMs)));
      row('upsert 10% rows/s', fmt(rate(U, s3.upsertMs)), fmt(rate(U, o.upsertMs)), x(rate(U, o.upsertMs), rate(U, s3.upsertMs)));
      if (rounds > 1) console.log(`  each run (${op}/upsert rows/s): S3 OCC ${occs.map((r) => `${fmt(rate(N, r.insertMs))}/${fmt(rate(U, r.upsertMs))}`).join(' ')}`);
      printRequests('S3 OCC requests', occRequests);
    }
  }
  rmSync(dir, { recursive: true, force: true });
}

main().catch((err) => {
  console.error(err);
  releaseS3();
  process.exit(1);
});
