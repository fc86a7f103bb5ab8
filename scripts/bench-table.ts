// Benchmark of the Hudi table writer: N order records loaded (bulk_insert by default, commits of --batch
// records; --operation insert packs later commits into earlier small files, rewriting them), then 10% of
// them upserted; and, in the same run on the same records, DuckDB's C++ `COPY ... TO parquet` as the
// baseline. Prints rows/s, bytes written and the ratios (figures are machine-dependent; the ratios are
// what to compare). Usage: node dist/scripts/bench-table.js [--rows N] [--batch B] [--operation insert|bulk_insert|upsert]
//                                                           [--s3 [--rounds R] [--occ]]
//
// --s3 (`npm run bench:table -- --s3`): the same workload, in the same run on the same records, goes both to
// local disk and to a real S3 server: MinIO from scripts/s3.sh on 127.0.0.1, started under the lease
// bench-table-<pid> and released on every exit (error and SIGINT/SIGTERM included), through
// createS3Client/S3Storage as openTableStorage builds them for an s3:// tablePath. After an untimed warm-up,
// R rounds (default 4; 6 with --occ) rotate the order (local, S3 / S3, local / ...) so that a shared machine's drift falls
// on both sides; prints the rates of the mean times side by side with S3/local, each run's rates, the table's
// size on each, and the S3 requests of each phase of the first S3 run by kind (counted by SDK middleware). Each
// table is deleted after its run. About 1 min on 2 cores at the default 1,000,000 rows.
// --occ adds a third side, S3 with hoodie.write.concurrency.mode=optimistic_concurrency_control (one writer:
// the cost of heartbeats, the table lock and the conflict check per commit), with its requests by kind.

import { DeleteObjectsCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { hudiSinkConfigDef, hudiSinkSettings } from '../plugins/hudi/hudi-sink-config';
import { openTableDeps, openTableWriter } from '../plugins/hudi/hudi-sink-deps';
import { LocalStorage } from '../plugins/hudi/storage/local-storage';
import { S3Storage, createS3Client, parseS3Uri } from '../plugins/hudi/storage/s3-storage';
import type { Storage } from '../plugins/hudi/storage/storage';
import type { WriteOperation } from '../plugins/hudi/table/table-writer';
import { silentLogger } from '../runtime/observability/logger';

const STATUSES = ['CREATED', 'PAID', 'ACCEPTED', 'DELIVERING', 'FINISHED'];
const PRODUCTS = ['Kung Pao Chicken', 'Mapo Tofu', 'Dumplings (15 pcs)', 'Beef Noodle Soup', 'Hot Pot Set for Two', 'Margherita Pizza'];
const REPO = path.resolve(__dirname, '..', '..');
const S3_SCRIPT = path.join(REPO, 'scripts', 's3.sh');
const S3_LEASE = `bench-table-${process.pid}`;
const S3_BUCKET = 'tributary-bench';

function order(i: number, version: number): Record<string, unknown> {
  return {
    orderId: `ORD${String(i).padStart(10, '0')}`,
    orderStatus: STATUSES[i % STATUSES.length],
    userPhoneNo: `1${String((i * 2654435761) % 10_000_000_000).padStart(10, '0')}`,
    prodId: `P${1000 + (i % 50)}`,
    prodName: PRODUCTS[i % PRODUCTS.length],
    chargeMoney: ((i * 37) % 20000) / 100,
    chargeTime: 1_704_067_200_000 + i * 100,
    finishTime: version > 0 ? 1_704_067_200_000 + i * 100 + 3_600_000 : null,
    version,
    _hoodie_is_deleted: false,
  };
}

function dirBytes(dir: string): number {
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    n += e.isDirectory() ? dirBytes(p) : statSync(p).size;
  }
  return n;
}

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

// --- the workload ---------------------------------------------------------------------------------------------

interface Result {
  insertMs: number;
  insertBytes: number;
  upsertMs: number;
  totalBytes: number;
  peakRss: number;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { rows: { type: 'string' }, batch: { type: 'string' }, operation: { type: 'string' }, s3: { type: 'boolean' }, rounds: { type: 'string' }, occ: { type: 'boolean' } } });
  const withS3 = values.s3 === true;
  const withOcc = values.occ === true;
  if (withOcc && !withS3) throw new Error('--occ compares against S3: give --s3 too');
  const N = Number(values.rows ?? 1_000_000);
  const batch = Number(values.batch ?? 100_000);
  const op = (values.operation ?? 'bulk_insert') as WriteOperation;
  if (!['insert', 'bulk_insert', 'upsert'].includes(op)) throw new Error(`--operation must be insert, bulk_insert or upsert, got ${op}`);
  const rounds = withS3 ? Number(values.rounds ?? (withOcc ? 6 : 4)) : 1;
  if (!(rounds >= 1 && Number.isInteger(rounds))) throw new Error(`--rounds must be a positive integer, got ${values.rounds}`);
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-table-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  const schemaPath = path.resolve(__dirname, '..', '..', 'schemas', 'order-generator.avsc');
  const raw: Record<string, string> = {
    tablePath: path.join(dir, 'orders'),
    schemaPath,
    'hoodie.datasource.write.recordkey.field': 'orderId',
    'hoodie.datasource.write.precombine.field': 'version',
    'hoodie.datasource.write.partitionpath.field': 'orderStatus',
  };
  const settings = hudiSinkSettings(hudiSinkConfigDef().parse(raw, { allowUnknown: true }));
  const deps = await openTableDeps(settings, schemaPath, raw);

  // Message values are made before the clock starts; coercion (as the sink does it) is timed.
  const inputs: Record<string, unknown>[] = [];
  for (let i = 0; i < N; i++) inputs.push(order(i, 0));
  const U = Math.floor(N / 10);
  const updates: Record<string, unknown>[] = [];
  for (let j = 0; j < U; j++) updates.push(order(j * 10, 1));

  /**
   * Loads the first n records, then upserts every 10th of them, into a new table on `storage`;
   * `phase(name)` is called as each phase ('open', the load operation, 'upsert') ends.
   */
  const occSettings = hudiSinkSettings(hudiSinkConfigDef().parse({ ...raw, 'hoodie.write.concurrency.mode': 'optimistic_concurrency_control' }, { allowUnknown: true }));
  const workload = async (storage: Storage, tableBytes: () => Promise<number>, phase: (name: string) => void = () => undefined, n = N, s = settings): Promise<Result> => {
    const writer = await openTableWriter(s, deps, storage, { tableName: 'orders', logger: silentLogger() });
    const write = async (from: number, to: number, source: Record<string, unknown>[], operation: WriteOperation) => {
      const rows = [];
      for (let i = from; i < to; i++) rows.push({ row: deps.schema.coerce(source[i]), isDelete: false });
      await writer.write(rows, operation, deps.schema.columns, deps.schema.schemaJson, {});
    };
    const u = Math.floor(n / 10);
    let peakRss = process.memoryUsage().rss;
    const sample = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
    try {
      phase('open');
      let t = performance.now();
      for (let i = 0; i < n; i += batch) await write(i, Math.min(n, i + batch), inputs, op);
      const insertMs = performance.now() - t;
      phase(op);
      const insertBytes = await tableBytes();

      t = performance.now();
      // Every 10th order gets a new version: upserts spread over all file groups, as a CDC stream does.
      for (let k = 0; k < u; k += batch) await write(k, Math.min(u, k + batch), updates, 'upsert');
      const upsertMs = performance.now() - t;
      phase('upsert');
      return { insertMs, insertBytes, upsertMs, totalBytes: await tableBytes(), peakRss };
    } finally {
      clearInterval(sample);
      writer.close();
    }
  };

  const locals: Result[] = [];
  const s3s: Result[] = [];
  const occs: Result[] = [];
  const requests = new Map<string, RequestCounts>(); // of the first S3 run, by phase
  const occRequests = new Map<string, RequestCounts>(); // of the first S3 run with --occ, by phase
  let endpoint = '';
  try {
    if (!withS3) {
      locals.push(await workload(new LocalStorage(raw['tablePath']!), async () => dirBytes(raw['tablePath']!)));
    } else {
      const env = await startS3();
      endpoint = env['S3_ENDPOINT'] ?? '';
      const s3Raw: Record<string, string> = { ...raw, tablePath: `s3://${S3_BUCKET}/t`, 's3.endpoint': endpoint, 's3.access.key': env['AWS_ACCESS_KEY_ID']!, 's3.secret.key': env['AWS_SECRET_ACCESS_KEY']! };
      if (env['AWS_REGION']) s3Raw['s3.region'] = env['AWS_REGION'];
      const s3Settings = hudiSinkSettings(hudiSinkConfigDef().parse(s3Raw, { allowUnknown: true })).s3;
      // As openTableStorage builds it for an s3:// tablePath, with counting middleware on the client.
      const client = createS3Client(s3Settings);
      const takeCounts = countRequests(client);
      const admin = createS3Client(s3Settings); // listing for sizes and the clean-up, not counted
      let run = 0;
      const runLocal = async (n = N) => {
        const tablePath = path.join(dir, `orders-${run++}`);
        try {
          return await workload(new LocalStorage(tablePath), async () => dirBytes(tablePath), undefined, n);
        } finally {
          rmSync(tablePath, { recursive: true, force: true });
        }
      };
      const runS3 = async (occ = false) => {
        const prefix = `bench-table-${process.pid}-${run++}/orders`;
        const storage = new S3Storage({ client, location: parseS3Uri(`s3://${S3_BUCKET}/${prefix}`), multipartThresholdBytes: s3Settings.multipartThresholdBytes, partSizeBytes: s3Settings.partSizeBytes });
        const counted = occ ? occRequests : requests;
        const first = counted.size === 0;
        try {
          return await workload(storage, async () => (await s3Keys(admin, prefix)).reduce((n, o) => n + o.size, 0), (name) => {
            const counts = takeCounts(); // the requests since the previous phase ended, i.e. of the phase just ended
            if (first && name !== 'open') counted.set(name, counts);
          }, N, occ ? occSettings : settings);
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
    }
  } finally {
    await deps.close();
    releaseS3();
  }

  // Baseline: DuckDB's C++ Parquet writer on the same records (loading them into DuckDB is not timed).
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  const jsonFile = path.join(dir, 'orders.jsonl');
  const lines: string[] = [];
  for (let i = 0; i < N; i++) lines.push(JSON.stringify(inputs[i]));
  writeFileSync(jsonFile, lines.join('\n'));
  await conn.run(`CREATE TABLE orders AS SELECT * FROM read_json_auto('${jsonFile}')`);
  const t = performance.now();
  await conn.run(`COPY orders TO '${path.join(dir, 'duck.parquet')}' (FORMAT parquet, COMPRESSION snappy)`);
  const duckMs = performance.now() - t;
  const duckBytes = statSync(path.join(dir, 'duck.parquet')).size;

  const rate = (n: number, ms: number) => Math.round((n / ms) * 1000);
  const fmt = (n: number) => n.toLocaleString('en-US');
  const mb = (b: number) => `${(b / 1024 / 1024).toFixed(1)} MB`;
  /** Over several runs: the rates of the summed times (the mean time per run), the sizes of the first run, the highest peak RSS. */
  const combine = (rs: Result[]): Result => ({
    insertMs: rs.reduce((s, r) => s + r.insertMs, 0) / rs.length,
    upsertMs: rs.reduce((s, r) => s + r.upsertMs, 0) / rs.length,
    insertBytes: rs[0]!.insertBytes,
    totalBytes: rs[0]!.totalBytes,
    peakRss: Math.max(...rs.map((r) => r.peakRss)),
  });
  const { insertMs, insertBytes, upsertMs, totalBytes, peakRss } = combine(locals);
  console.log(`bench-table: ${fmt(N)} order records, commits of ${fmt(batch)}, node ${process.version}, ${require('node:os').cpus().length} CPUs`);
  console.log(`  tributary ${op.padEnd(11)} ${fmt(rate(N, insertMs)).padStart(10)} rows/s   ${mb(insertBytes).padStart(9)} on disk`);
  console.log(`  tributary upsert 10%     ${fmt(rate(U, upsertMs)).padStart(10)} rows/s   (${fmt(U)} keys, every file group rewritten; table now ${mb(totalBytes)})`);
  console.log(`  duckdb COPY TO parquet   ${fmt(rate(N, duckMs)).padStart(10)} rows/s   ${mb(duckBytes).padStart(9)}`);
  console.log(`  ratio tributary ${op} / duckdb: ${(rate(N, insertMs) / rate(N, duckMs)).toFixed(2)}x rows/s, ${(insertBytes / duckBytes).toFixed(2)}x bytes`);
  console.log(`  peak RSS of the writer: ${mb(peakRss)}`);
  if (withS3) {
    const s3 = combine(s3s);
    const row = (label: string, l: string, s: string, ratio: string) => console.log(`  ${label.padEnd(24)} ${l.padStart(12)} ${s.padStart(12)} ${ratio.padStart(9)}`);
    const x = (a: number, b: number) => `${(a / b).toFixed(2)}x`;
    console.log(`local disk vs S3 (MinIO at ${endpoint}, same machine and process, same records; ${rounds} run${rounds > 1 ? 's' : ''} each, order rotated each round after a warm-up; rates of the mean time):`);
    row('', 'local', 'S3', 'S3/local');
    row(`${op} rows/s`, fmt(rate(N, insertMs)), fmt(rate(N, s3.insertMs)), x(rate(N, s3.insertMs), rate(N, insertMs)));
    row('upsert 10% rows/s', fmt(rate(U, upsertMs)), fmt(rate(U, s3.upsertMs)), x(rate(U, s3.upsertMs), rate(U, upsertMs)));
    row(`table after ${op}`, mb(insertBytes), mb(s3.insertBytes), x(s3.insertBytes, insertBytes));
    row('table after upsert', mb(totalBytes), mb(s3.totalBytes), x(s3.totalBytes, totalBytes));
    if (rounds > 1) {
      const each = (rs: Result[]) => rs.map((r) => `${fmt(rate(N, r.insertMs))}/${fmt(rate(U, r.upsertMs))}`).join(' ');
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
