// End-to-end benchmark over a real RocketMQ broker (scripts/rocketmq.sh, taken by a lease): the same M order
// messages go to two topics; a no-op consumer drains one (the baseline: what the broker and the transport's
// pull path deliver), a worker started with scripts/run_worker.sh drains the other into a Hudi table through
// the hudi-sink (upsert; GLOBAL_BLOOM on copy-on-write by default). Then, with the worker still running, messages are produced at a steady
// rate and the time until the table's timeline holds each one is measured. Prints records/s, the ratio sink /
// no-op, commit latency percentiles and peak RSS; asserts nothing (figures are machine-dependent).
//   node dist/scripts/bench-e2e.js [--messages 1000000] [--latency-seconds 20] [--rate 2000] [--queues 4]
//                                  [--commit-interval-ms 2000] [--commit-max-records 50000] [--max-file-mb 120]
//                                  [--profile DIR] [--sink-config key=value,key=value]
//                                  [--table-type COPY_ON_WRITE|MERGE_ON_READ] [--index GLOBAL_BLOOM|BLOOM|SIMPLE|...]
// --table-type MERGE_ON_READ needs a non-global index (BLOOM unless --index says otherwise): keys then stay in the
// partition of their first status, a different table from the copy-on-write run's, so compare rates, not contents.
// --sink-config adds (or overrides) keys of the hudi-sink connector, e.g. max.inflight.records=100000.
// --profile DIR runs the worker under `node --cpu-prof` (profiles, one per thread, and worker.log go to DIR) and
// prints scripts/cpuprofile-summary.ts's summary of the whole worker run (profiled rates are slower: do not quote).

import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { closeSync, copyFileSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { OrderSequence } from '../plugins/generator/order-sequence';
import { summariseProfiles } from './cpuprofile-summary';
import { workerEnvOverrides } from '../runtime/config/worker-config';
import { createLogger } from '../runtime/observability/logger';
import type { QueueOffset, TopicQueue } from '../runtime/spi';
import { FilePositionStore } from '../runtime/stores/file-position-store';
import { queueForKey } from '../runtime/transport/queue-for-key';
import { RocketMQTransport } from '../runtime/transport/rocketmq/rocketmq-transport';
import type { TransportMessage } from '../runtime/transport/transport';

const REPO = path.resolve(__dirname, '..', '..');
const ROCKETMQ_SH = path.join(REPO, 'scripts', 'rocketmq.sh');
const RUN_WORKER = path.join(REPO, 'scripts', 'run_worker.sh');
const LEASE = `bench-e2e-${process.pid}`;
/** Messages per transport.send while loading the topics (split by key into one ordered batch per queue). */
const SEND_BATCH = 1000;
/** What a sink task asks for per receive (the worker's max.poll.records default), so the baseline reads alike. */
const RECEIVE_MAX = 500;
const TIMELINE_POLL_MS = 50;
const PRODUCE_TICK_MS = 10;
/** A phase fails when nothing moves for this long (no message received, no new commit). */
const STALL_MS = 120_000;

interface Options {
  messages: number;
  latencySeconds: number;
  rate: number;
  queues: number;
  commitIntervalMs: number;
  commitMaxRecords: number;
  /** hoodie.parquet.max.file.size in MB: bounds a file group, which copy-on-write rewrites in memory. */
  maxFileMb: number;
  /** Where the worker's CPU profiles go (node --cpu-prof), if profiling. */
  profile: string | undefined;
  /** hoodie.table.type and hoodie.index.type of the sink. */
  tableType: string;
  index: string;
  /** Extra keys of the sink connector. */
  sinkConfig: Record<string, string>;
}

function options(): Options {
  let parsed;
  try {
    parsed = parseArgs({
      options: {
        messages: { type: 'string' },
        'latency-seconds': { type: 'string' },
        rate: { type: 'string' },
        queues: { type: 'string' },
        'commit-interval-ms': { type: 'string' },
        'commit-max-records': { type: 'string' },
        'max-file-mb': { type: 'string' },
        profile: { type: 'string' },
        'sink-config': { type: 'string' },
        'table-type': { type: 'string' },
        index: { type: 'string' },
      },
    });
  } catch (err) {
    throw new BenchError(`${(err as Error).message}; see the usage line at the top of scripts/bench-e2e.ts`);
  }
  const values = parsed.values;
  const int = (name: string, v: string | undefined, dflt: number): number => {
    if (v === undefined) return dflt;
    if (!/^[1-9]\d*$/.test(v)) throw new BenchError(`--${name} ${JSON.stringify(v)} is not a whole number >= 1; see the usage line at the top of scripts/bench-e2e.ts`);
    return Number(v);
  };
  return {
    messages: int('messages', values.messages, 1_000_000),
    latencySeconds: int('latency-seconds', values['latency-seconds'], 20),
    rate: int('rate', values.rate, 2000),
    queues: int('queues', values.queues, 4),
    commitIntervalMs: int('commit-interval-ms', values['commit-interval-ms'], 2000),
    commitMaxRecords: int('commit-max-records', values['commit-max-records'], 50_000),
    maxFileMb: int('max-file-mb', values['max-file-mb'], 120),
    profile: values.profile === undefined ? undefined : path.resolve(values.profile),
    tableType: values['table-type'] ?? 'COPY_ON_WRITE',
    index: values.index ?? (values['table-type'] === 'MERGE_ON_READ' ? 'BLOOM' : 'GLOBAL_BLOOM'),
    sinkConfig: Object.fromEntries(
      (values['sink-config'] ?? '').split(',').filter((kv) => kv.trim() !== '').map((kv) => {
        const at = kv.indexOf('=');
        if (at < 1) throw new BenchError(`--sink-config ${JSON.stringify(kv)} is not key=value; see the usage line at the top of scripts/bench-e2e.ts`);
        return [kv.slice(0, at).trim(), kv.slice(at + 1).trim()];
      }),
    ),
  };
}

/** A failure the benchmark explains itself: printed without a stack trace. */
class BenchError extends Error {}

// --- small helpers ------------------------------------------------------------------------------------------

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const perSec = (n: number, ms: number) => (n / ms) * 1000;

/** Runs scripts/rocketmq.sh with the lease tied to this process, so a crashed run does not pin the broker. */
function rocketmq(...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('bash', [ROCKETMQ_SH, ...args], { cwd: REPO, env: { ...process.env, TRIBUTARY_RMQ_LEASE_PID: String(process.pid) }, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      if (err) reject(new BenchError(`scripts/rocketmq.sh ${args.join(' ')} failed (${err.message.split('\n')[0]}):\n${stderr.slice(-3000)}`));
      else resolve(stdout);
    });
  });
}

interface MemoryBreakdown {
  heapUsedMb: number;
  heapTotalMb: number;
  externalMb: number;
}

/** The worker main thread's heap and external memory from its /metrics (prom-client's default metrics). */
async function memoryBreakdown(base: string): Promise<MemoryBreakdown | undefined> {
  try {
    const text = await (await fetch(`${base}/metrics`)).text();
    const value = (name: string) => Number(new RegExp(`^tributary_process_${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text)?.[1] ?? NaN) / 2 ** 20;
    const b = { heapUsedMb: value('nodejs_heap_size_used_bytes'), heapTotalMb: value('nodejs_heap_size_total_bytes'), externalMb: value('nodejs_external_memory_bytes') };
    return Object.values(b).every(Number.isFinite) ? b : undefined;
  } catch {
    return undefined;
  }
}

/** Peak resident set size (VmHWM) of a process, in MB, or undefined if it is gone. */
function peakRssMb(pid: number | 'self'): number | undefined {
  return statusMb(pid, 'VmHWM');
}

/** A memory figure (kB) of /proc/PID/status in MB, or undefined if the process is gone. */
function statusMb(pid: number | 'self', field: 'VmHWM' | 'VmRSS'): number | undefined {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** The worker's node process: run_worker.sh execs node (same pid), but look through children in case a
 *  wrapper stays in between, so the RSS read is never the bash's. */
function workerNodePid(pid: number): number | undefined {
  const cmdline = (p: number) => {
    try {
      return readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0');
    } catch {
      return [];
    }
  };
  const isWorker = (p: number) => {
    const argv = cmdline(p);
    return path.basename(argv[0] ?? '') === 'node' && argv.some((a) => a.endsWith(path.join('dist', 'runtime', 'main.js')));
  };
  const queue = [pid];
  while (queue.length > 0) {
    const p = queue.shift()!;
    if (isWorker(p)) return p;
    let tasks: string[] = [];
    try {
      tasks = readdirSync(`/proc/${p}/task`);
    } catch {
      continue;
    }
    for (const t of tasks) {
      try {
        queue.push(...readFileSync(`/proc/${p}/task/${t}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number));
      } catch {
        // task ended meanwhile
      }
    }
  }
  return undefined;
}

async function api(base: string, method: string, p: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(base + p, { method, headers: body === undefined ? {} : { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  try {
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  } catch {
    return { status: res.status, body: text };
  }
}

// --- the table's timeline, read from the files alone (as the tests' consumedByTable does) ---------------------

type Ranges = Record<string, [number, number][]>;

const COMPLETED_WRITE = /^\d{17}\.(commit|deltacommit)$/;

/** The last completed write that stores consumed positions (`<17 digits>.commit` or `.deltacommit`; a compaction's
 *  commit stores none), or undefined. Instant times sort as text. */
/** Log files of each file group's latest slice (merge-on-read): bounded when compaction keeps up. */
function logFilesPerSlice(table: string): { slices: number; max: number; mean: number } {
  const latest = new Map<string, string>();
  const logs = new Map<string, number>();
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.name === '.hoodie') continue;
      const full = path.join(dir, e.name);
      if (e.isDirectory()) {
        walk(full);
        continue;
      }
      const base = /^(.+)_[^_]+_(\d{17})\.parquet$/.exec(e.name);
      if (base) {
        const key = `${dir}/${base[1]}`;
        if ((latest.get(key) ?? '') < base[2]!) latest.set(key, base[2]!);
      }
      const log = /^\.(.+)_(\d{17})\.log\.\d+_/.exec(e.name);
      if (log) logs.set(`${dir}/${log[1]}@${log[2]}`, (logs.get(`${dir}/${log[1]}@${log[2]}`) ?? 0) + 1);
    }
  };
  walk(table);
  const counts = [...latest].map(([group, instant]) => logs.get(`${group}@${instant}`) ?? 0);
  return { slices: counts.length, max: Math.max(0, ...counts), mean: counts.reduce((a, b) => a + b, 0) / Math.max(1, counts.length) };
}

function lastCompletedCommit(table: string): string | undefined {
  let names: string[];
  try {
    names = readdirSync(path.join(table, '.hoodie')).filter((f) => COMPLETED_WRITE.test(f)).sort();
  } catch {
    return undefined; // no table yet
  }
  for (let i = names.length - 1; i >= 0; i--) if (Object.keys(commitRanges(table, names[i]!)).length > 0) return names[i];
  return undefined;
}

function completedCommitCount(table: string): number {
  return readdirSync(path.join(table, '.hoodie')).filter((f) => COMPLETED_WRITE.test(f)).length;
}

/** The consumed offset ranges (per `topic/queue`, half-open) a commit stores; each commit holds the union so far. */
function commitRanges(table: string, commitFile: string): Ranges {
  const meta = JSON.parse(readFileSync(path.join(table, '.hoodie', commitFile), 'utf8')) as { extraMetadata?: Record<string, string> };
  return JSON.parse(meta.extraMetadata?.['tributary.positions'] ?? '{}') as Ranges;
}

function rangeCount(ranges: Ranges): number {
  return Object.values(ranges).reduce((n, rs) => n + rs.reduce((m, [a, b]) => m + (b - a), 0), 0);
}

// --- the worker -----------------------------------------------------------------------------------------------

interface Worker {
  url: string;
  child: ChildProcess;
  pid: number;
  log: string;
  exited: Promise<number | string>;
  exitCode: number | string | undefined;
}

function logTail(file: string, lines = 40): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** Starts scripts/run_worker.sh in `dir` (its relative paths resolve there), logging to `<dir>/worker.log`,
 *  and waits for its "worker started" line. TRIBUTARY_<key> variables are dropped so the conf alone counts. */
async function startWorker(dir: string, conf: string, profileDir?: string): Promise<Worker> {
  const env = { ...process.env };
  for (const o of workerEnvOverrides(process.env)) delete env[o.variable];
  // Node refuses --cpu-prof in NODE_OPTIONS: a profiled worker is started as run_worker.sh would exec it.
  const [cmd, args] = profileDir ? ['node', ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, path.join(REPO, 'dist', 'runtime', 'main.js'), conf]] : ['bash', [RUN_WORKER, conf]];
  const log = path.join(dir, 'worker.log');
  const fd = openSync(log, 'a');
  const child = spawn(cmd, args, { cwd: dir, env, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  const w: Worker = { url: '', child, pid: child.pid!, log, exitCode: undefined, exited: undefined as never };
  w.exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve((w.exitCode = code ?? signal ?? -1))));
  const deadline = Date.now() + 180_000; // a first run of run_worker.sh may build the project first
  while (!w.url) {
    for (const line of readFileSync(log, 'utf8').split('\n')) {
      try {
        const rec = JSON.parse(line) as { msg?: string; url?: string };
        if (rec.msg === 'worker started' && rec.url) w.url = rec.url;
      } catch {
        // not a JSON line (build output)
      }
    }
    if (w.url) break;
    if (w.exitCode !== undefined) throw new BenchError(`the worker exited with ${w.exitCode} before starting; ${log}:\n${logTail(log)}`);
    if (Date.now() > deadline) throw new BenchError(`the worker did not log "worker started" within 180 s; ${log}:\n${logTail(log)}`);
    await sleep(100);
  }
  w.pid = workerNodePid(child.pid!) ?? child.pid!;
  return w;
}

async function stopWorker(w: Worker): Promise<number | string> {
  if (w.exitCode !== undefined) return w.exitCode;
  const signal = (s: NodeJS.Signals) => {
    try {
      process.kill(w.pid, s);
    } catch {
      // already gone (a Ctrl-C reaches the worker too)
    }
  };
  signal('SIGTERM');
  const timer = setTimeout(() => {
    console.error(`worker ${w.pid} still running 60 s after SIGTERM: SIGKILL`);
    signal('SIGKILL');
  }, 60_000);
  const code = await w.exited;
  clearTimeout(timer);
  return code;
}

/** Throws when the worker died or the connector or its task failed (with the task's trace). */
async function checkAlive(w: Worker, connector: string): Promise<void> {
  if (w.exitCode !== undefined) throw new BenchError(`the worker exited with ${w.exitCode}; ${w.log}:\n${logTail(w.log)}`);
  const s = (await api(w.url, 'GET', `/connectors/${connector}/status`)).body as { connector?: { state: string; trace?: string }; tasks?: { id: number; state: string; trace?: string }[] } | undefined;
  const failed = [s?.connector, ...(s?.tasks ?? [])].find((x) => x?.state === 'FAILED');
  if (failed) throw new BenchError(`connector ${connector} has FAILED: ${failed.trace ?? JSON.stringify(s)}`);
}

// --- the benchmark ----------------------------------------------------------------------------------------------

const cleanups: (() => Promise<void> | void)[] = [];
let cleaning: Promise<void> | undefined;
let interrupted = false;
function cleanUp(): Promise<void> {
  cleaning ??= (async () => {
    for (const c of cleanups.reverse()) {
      try {
        await c();
      } catch (err) {
        console.error(`clean-up step failed: ${(err as Error).message}`);
      }
    }
  })();
  return cleaning;
}

async function main(): Promise<void> {
  const o = options();
  const M = o.messages;
  const L = o.rate * o.latencySeconds;
  const command = `node dist/scripts/bench-e2e.js ${process.argv.slice(2).join(' ')}`.trim();
  const runStart = performance.now();
  const root = mkdtempSync(path.join(os.tmpdir(), 'bench-e2e-'));
  cleanups.push(() => rmSync(root, { recursive: true, force: true }));

  // 1. Broker (shared with tests through leases: released at the end, never stopped outright).
  let t = performance.now();
  cleanups.push(async () => void (await rocketmq('stop', '--lease', LEASE)));
  const env = Object.fromEntries((await rocketmq('start', '--lease', LEASE)).split('\n').filter((l) => /^[A-Z_]+=/.test(l)).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
  const namesrv = env['ROCKETMQ_NAMESRV_ADDR'];
  if (!namesrv) throw new BenchError(`scripts/rocketmq.sh start printed no ROCKETMQ_NAMESRV_ADDR: ${JSON.stringify(env)}`);
  console.log(
    `bench-e2e: ${fmt(M)} order messages (generator defaults: 20% updates, 5% deletes), ${o.queues} queues per topic, ` +
      `RocketMQ ${env['ROCKETMQ_VERSION'] ?? ''} at ${namesrv} (ready in ${secs(performance.now() - t)}), node ${process.version}, ${os.cpus().length} CPUs`,
  );

  const positions = new FilePositionStore({ dir: path.join(root, 'producer') });
  await positions.load();
  const transport = new RocketMQTransport({ namesrvAddrs: [namesrv], queuesPerTopic: o.queues, producerGroup: `bench-e2e-${process.pid}`, positions, logger: createLogger({ level: 'warn', name: 'bench-e2e' }) });
  cleanups.push(() => transport.close());
  await transport.connect();
  const id = `${Date.now().toString(36)}_${process.pid}`;
  const topicA = `bench_e2e_sink_${id}`;
  const topicB = `bench_e2e_noop_${id}`;
  const queuesA = await transport.ensureTopic(topicA);
  const queuesB = await transport.ensureTopic(topicB);
  if (queuesA.length !== o.queues || queuesB.length !== o.queues) throw new BenchError(`topics have ${queuesA.length} and ${queuesB.length} queues, expected ${o.queues} each`);

  // The order-generator's stream with its default parameters (inserts, updates and deletes of orders, key = orderId).
  const seq = new OrderSequence({ seed: 42, updateRatio: 0.2, deleteRatio: 0.05, window: 1000, startTimestampMs: 1_704_067_200_000, eventIntervalMs: 100, orderIdPrefix: 'ORD' });
  const message = (n: number): TransportMessage => {
    const e = seq.event(n);
    return { key: e.value.orderId, body: Buffer.from(JSON.stringify(e.value)), headers: {}, timestamp: e.timestamp };
  };
  // Both topics get each batch in turn, so only one batch is held at a time; only the sends are timed.
  let produceA = 0;
  let produceB = 0;
  for (let i = 0; i < M; i += SEND_BATCH) {
    const batch = Array.from({ length: Math.min(SEND_BATCH, M - i) }, (_, j) => message(i + j));
    let t0 = performance.now();
    await transport.send(topicA, batch);
    produceA += performance.now() - t0;
    t0 = performance.now();
    await transport.send(topicB, batch);
    produceB += performance.now() - t0;
  }
  console.log(`  produce → ${topicA} (sink)   ${fmt(perSec(M, produceA)).padStart(9)} msg/s  (${secs(produceA)} in send(), sequential sends of ${SEND_BATCH}, one ordered batch per queue)`);
  console.log(`  produce → ${topicB} (no-op)  ${fmt(perSec(M, produceB)).padStart(9)} msg/s  (${secs(produceB)})`);

  // 2. Baseline: a fresh group drains topic B and does nothing with the messages but count them.
  const consumer = transport.consumer(`bench-e2e-noop-${id}`);
  t = performance.now();
  await consumer.assign(queuesB);
  const next = new Map<string, QueueOffset>();
  let received = 0;
  let lastProgress = Date.now();
  while (received < M) {
    const got = await consumer.receive(RECEIVE_MAX, 500);
    if (got.length > 0) lastProgress = Date.now();
    else if (Date.now() - lastProgress > STALL_MS) throw new BenchError(`no-op consumer stalled: ${fmt(received)} of ${fmt(M)} messages after ${secs(performance.now() - t)}`);
    received += got.length;
    for (const m of got) next.set(m.queue, { topic: m.topic, queue: m.queue, offset: m.offset + 1 });
  }
  await consumer.commit([...next.values()]);
  const noopMs = performance.now() - t;
  await consumer.close();
  const noopRate = perSec(M, noopMs);
  console.log(`  no-op consumer  ← ${topicB}  ${fmt(noopRate).padStart(9)} records/s  (${secs(noopMs)}, receive ${RECEIVE_MAX} at a time, offsets committed at the end)`);

  // 3. A worker on the RocketMQ transport, a hudi-sink on topic A: from connector creation until the last
  //    completed commit covers all M messages (so task start-up and the first, empty-table commit count).
  const dir = path.join(root, 'worker');
  mkdirSync(path.join(dir, 'data'), { recursive: true });
  copyFileSync(path.join(REPO, 'schemas', 'order-generator.avsc'), path.join(dir, 'data', 'order.avsc'));
  const conf = path.join(dir, 'worker.conf');
  // offsetCommitIntervalMs=500 (the demo's): the sink commits a due batch as soon as records arrive, but a tail
  // batch with nothing after it waits for the offset-commit timer (default 5 s), which would pad both figures.
  const workerConf = { workerId: `bench-e2e-${process.pid}`, storePathRootDir: 'data/store', httpHost: '127.0.0.1', httpPort: '0', allowedRoots: 'data', offsetCommitIntervalMs: '500', namesrvAddr: namesrv, queuesPerTopic: String(o.queues) };
  writeFileSync(conf, Object.entries(workerConf).map(([k, v]) => `${k}=${v}`).join('\n') + '\n');
  t = performance.now();
  if (o.profile) mkdirSync(o.profile, { recursive: true });
  const worker = await startWorker(dir, conf, o.profile);
  cleanups.push(async () => void (await stopWorker(worker)));
  console.log(`  worker started in ${secs(performance.now() - t)} (node pid ${worker.pid}, ${worker.url}, log in ${worker.log})`);

  const table = path.join(dir, 'data', 'orders');
  const connector = 'orders-lake';
  const sinkConfig = {
    'connector.class': 'hudi-sink',
    topicNames: topicA,
    tablePath: 'data/orders',
    tableName: 'orders',
    schemaPath: 'data/order.avsc',
    'hoodie.datasource.write.operation': 'upsert',
    'hoodie.datasource.write.recordkey.field': 'orderId',
    'hoodie.datasource.write.precombine.field': 'version',
    'hoodie.datasource.write.partitionpath.field': 'orderStatus',
    'hoodie.table.type': o.tableType,
    'hoodie.index.type': o.index,
    'commit.interval.ms': String(o.commitIntervalMs),
    'commit.max.records': String(o.commitMaxRecords),
    'hoodie.parquet.max.file.size': String(o.maxFileMb * 1024 * 1024),
    'hoodie.parquet.small.file.limit': String(Math.floor((o.maxFileMb * 1024 * 1024 * 5) / 6)),
    ...o.sinkConfig,
  };
  t = performance.now();
  const created = await api(worker.url, 'POST', '/connectors', { name: connector, config: sinkConfig });
  if (created.status !== 201) throw new BenchError(`creating the hudi-sink answered ${created.status}: ${JSON.stringify(created.body)}`);
  let consumed = 0;
  let lastCommit: string | undefined;
  let lastCheck = 0;
  lastProgress = Date.now();
  // The worker's resident set while it works through the backlog, sampled about once a second: flat or growing.
  const rssSamples: { done: number; mb: number }[] = [];
  // At the largest sample: how much of it the main thread's JS heap and external memory (Buffers, Arrow, WASM) were.
  let peakSample: { mb: number; heap: MemoryBreakdown | undefined } = { mb: 0, heap: undefined };
  let lastRss = 0;
  while (consumed < M) {
    await sleep(TIMELINE_POLL_MS);
    if (Date.now() - lastRss >= 1000) {
      lastRss = Date.now();
      const mb = statusMb(worker.pid, 'VmRSS');
      if (mb !== undefined) {
        rssSamples.push({ done: consumed / M, mb });
        if (mb > peakSample.mb) peakSample = { mb, heap: await memoryBreakdown(worker.url) };
      }
    }
    const c = lastCompletedCommit(table);
    if (c !== undefined && c !== lastCommit) {
      consumed = rangeCount(commitRanges(table, c));
      lastCommit = c;
      lastProgress = Date.now();
    }
    if (Date.now() - lastCheck > 2000) {
      lastCheck = Date.now();
      await checkAlive(worker, connector);
    }
    if (Date.now() - lastProgress > STALL_MS) throw new BenchError(`timed out: the table holds ${fmt(consumed)} of ${fmt(M)} messages and no commit completed for ${secs(STALL_MS)}; ${worker.log}:\n${logTail(worker.log)}`);
  }
  const sinkMs = performance.now() - t;
  if (consumed !== M) throw new BenchError(`the table's commits cover ${fmt(consumed)} messages, expected exactly ${fmt(M)}`);
  const sinkRate = perSec(M, sinkMs);
  const loadCommits = completedCommitCount(table);
  console.log(`  hudi-sink       ← ${topicA}  ${fmt(sinkRate).padStart(9)} records/s  (${secs(sinkMs)} from connector creation to the commit covering all; ${loadCommits} commits)`);
  console.log(`  ratio hudi-sink / no-op: ${(sinkRate / noopRate).toFixed(3)}`);
  // Largest RSS sampled in each quarter of the backlog (by messages committed when sampled).
  const quarters = [0, 1, 2, 3].map((q) => Math.max(0, ...rssSamples.filter((r) => Math.min(3, Math.floor(r.done * 4)) === q).map((r) => r.mb)));
  const rssByQuarter = quarters.map((mb) => (mb > 0 ? `${fmt(mb)}` : '–')).join(' / ');
  console.log(`  worker RSS through the backlog, largest sample per quarter committed: ${rssByQuarter} MB`);
  const heapAtPeak = peakSample.heap ? `${fmt(peakSample.heap.heapUsedMb)} MB JS heap used (${fmt(peakSample.heap.heapTotalMb)} MB reserved), ${fmt(peakSample.heap.externalMb)} MB external, of ${fmt(peakSample.mb)} MB RSS` : '(metrics unavailable)';
  console.log(`  at the largest sample, the main thread's share: ${heapAtPeak}`);

  // 4. Commit latency at a steady rate. Each message's (queue, offset) is known exactly: the transport routes
  //    a key to queueForKey(key, queue count) over the sorted queue list and appends each queue's part of a
  //    send in order, sends are sequential, and nobody else writes to topic A; the broker's end offsets are
  //    checked against it afterwards. A message is visible when the first completed commit whose ranges hold
  //    its offset is seen by the timeline poll (every 50 ms, so up to ~50 ms late); latency = that moment −
  //    the moment its send() was called.
  const base = await Promise.all(queuesA.map((q) => transport.endOffset(q)));
  const perQueue = queuesA.map(() => 0);
  const latencyMessages = Array.from({ length: L }, (_, i) => message(M + i));
  const queueOf = new Int32Array(L);
  const offsetOf = new Float64Array(L);
  for (let i = 0; i < L; i++) {
    const q = queueForKey(latencyMessages[i]!.key!, queuesA.length);
    queueOf[i] = q;
    offsetOf[i] = base[q]! + perQueue[q]!++;
  }
  const producedAt = new Float64Array(L).fill(NaN);
  const visibleAt = new Float64Array(L).fill(NaN);
  let visible = 0;
  let producing = true;
  let latencyCommits = 0;

  // Pending message indices per queue; each newly seen commit retires those whose offsets its ranges hold.
  const pending: number[][] = queuesA.map(() => []);
  for (let i = 0; i < L; i++) pending[queueOf[i]!]!.push(i);
  const contains = (rs: [number, number][] | undefined, off: number) => (rs ?? []).some(([a, b]) => off >= a && off < b);
  const watchTimeline = async (): Promise<void> => {
    let seen = lastCompletedCommit(table);
    lastProgress = Date.now();
    while (visible < L) {
      await sleep(TIMELINE_POLL_MS);
      const c = lastCompletedCommit(table);
      if (c !== undefined && c !== seen) {
        const now = performance.now();
        let ranges: Ranges;
        try {
          ranges = commitRanges(table, c);
        } catch {
          continue; // not fully readable yet: next poll
        }
        seen = c;
        latencyCommits++;
        lastProgress = Date.now();
        queuesA.forEach((tq: TopicQueue, q) => {
          const rs = ranges[`${tq.topic}/${tq.queue}`];
          pending[q] = pending[q]!.filter((i) => {
            if (!contains(rs, offsetOf[i]!)) return true;
            visibleAt[i] = now;
            visible++;
            return false;
          });
        });
      }
      if (worker.exitCode !== undefined) throw new BenchError(`the worker exited with ${worker.exitCode}; ${worker.log}:\n${logTail(worker.log)}`);
      if (!producing && Date.now() - lastProgress > STALL_MS) {
        throw new BenchError(`timed out: ${fmt(visible)} of ${fmt(L)} latency messages visible and no commit completed for ${secs(STALL_MS)}; ${worker.log}:\n${logTail(worker.log)}`);
      }
    }
  };
  const watcher = watchTimeline();
  watcher.catch(() => undefined); // awaited below; avoids an unhandled rejection while producing
  const start = performance.now();
  let sent = 0;
  while (sent < L) {
    const due = Math.min(L, Math.floor(((performance.now() - start) / 1000) * o.rate));
    if (due > sent) {
      const at = performance.now();
      await transport.send(topicA, latencyMessages.slice(sent, due));
      producedAt.fill(at, sent, due);
      sent = due;
    } else {
      await sleep(PRODUCE_TICK_MS);
    }
  }
  const produceMs = performance.now() - start;
  producing = false;
  lastProgress = Date.now();
  await watcher;
  const end = await Promise.all(queuesA.map((q) => transport.endOffset(q)));
  queuesA.forEach((tq, q) => {
    if (end[q] !== base[q]! + perQueue[q]!) throw new BenchError(`queue ${tq.queue} of ${topicA} ends at offset ${end[q]}, expected ${base[q]! + perQueue[q]!}: the message → offset mapping does not hold`);
  });
  const latencies = Array.from({ length: L }, (_, i) => visibleAt[i]! - producedAt[i]!).sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.max(0, Math.ceil(p * L) - 1)]!;
  const lat = { p50: pct(0.5), p99: pct(0.99), max: latencies[L - 1]! };
  console.log(
    `  commit latency: ${fmt(L)} messages at ${fmt(o.rate)} msg/s (${fmt(perSec(L, produceMs))} achieved over ${secs(produceMs)}), ${latencyCommits} commits seen: ` +
      `p50 ${fmt(lat.p50)} ms, p99 ${fmt(lat.p99)} ms, max ${fmt(lat.max)} ms`,
  );
  console.log(`    (send() call → first completed commit holding its exact queue offset, seen by a ${TIMELINE_POLL_MS} ms timeline poll)`);

  // 5. Peak RSS, read before the worker stops.
  const workerRss = peakRssMb(worker.pid);
  const benchRss = peakRssMb('self');
  if (workerRss === undefined) throw new BenchError(`cannot read /proc/${worker.pid}/status of the worker`);
  console.log(`  peak RSS (VmHWM): worker ${workerRss.toFixed(0)} MB (pid ${worker.pid}), benchmark process ${benchRss?.toFixed(0) ?? '?'} MB`);

  const stopped = await stopWorker(worker);
  if (stopped !== 0) console.log(`  note: the worker exited with ${stopped} after SIGTERM (expected 0); ${worker.log}:\n${logTail(worker.log, 20)}`);
  const wall = performance.now() - runStart;
  const sliceLogs = logFilesPerSlice(table);
  console.log(`  log files per latest file slice at the end: max ${sliceLogs.max}, mean ${sliceLogs.mean.toFixed(1)} over ${sliceLogs.slices} file groups`);
  if (o.profile) {
    copyFileSync(worker.log, path.join(o.profile, 'worker.log'));
    console.log(`  profiled run (node --cpu-prof on the worker): rates above are slowed by the profiler; profiles and worker.log in ${o.profile}`);
    console.log(summariseProfiles(o.profile));
  }

  // 6. Summary.
  const rows: [string, string][] = [
    ['command', `\`${command}\``],
    ['messages (M)', fmt(M)],
    ['queues per topic', String(o.queues)],
    ['produce rate (sink topic / no-op topic)', `${fmt(perSec(M, produceA))} / ${fmt(perSec(M, produceB))} msg/s`],
    ['no-op consumer', `${fmt(noopRate)} records/s`],
    [`hudi-sink (upsert, ${o.tableType}, ${o.index}, commit every ${o.commitIntervalMs} ms / ${fmt(o.commitMaxRecords)} records, files up to ${o.maxFileMb} MB)`, `${fmt(sinkRate)} records/s (${loadCommits} commits)`],
    ['ratio hudi-sink / no-op', (sinkRate / noopRate).toFixed(3)],
    ['worker RSS through the backlog, per quarter (MB)', rssByQuarter],
    ['at the largest RSS sample: main thread JS heap used / external', peakSample.heap ? `${fmt(peakSample.heap.heapUsedMb)} / ${fmt(peakSample.heap.externalMb)} MB of ${fmt(peakSample.mb)} MB` : '–'],
    [`commit latency at ${fmt(o.rate)} msg/s for ${o.latencySeconds} s: p50 / p99 / max`, `${fmt(lat.p50)} / ${fmt(lat.p99)} / ${fmt(lat.max)} ms`],
    ['peak RSS worker / benchmark process', `${workerRss.toFixed(0)} / ${benchRss?.toFixed(0) ?? '?'} MB`],
    ['log files per latest file slice at the end: max / mean', `${sliceLogs.max} / ${sliceLogs.mean.toFixed(1)} (${sliceLogs.slices} file groups)`],
    ['wall time', secs(wall)],
  ];
  console.log('\n| figure | value |\n|---|---|');
  for (const [k, v] of rows) console.log(`| ${k} | ${v} |`);
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    interrupted = true;
    console.error(`\nbench-e2e: ${signal}: stopping the worker and releasing the broker lease`);
    void cleanUp().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  });
}

main()
  .catch((err: unknown) => {
    if (interrupted) return; // the run was cut short on purpose; what broke meanwhile is no news
    console.error(err instanceof BenchError ? `bench-e2e: FAILED: ${err.message}` : err);
    process.exitCode = 1;
  })
  .finally(() => cleanUp());
