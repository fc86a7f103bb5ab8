// Measures what justifies the embedded transport's storage: the SQLite transport against the simplest
// alternative, a length-prefixed append-only file per queue plus a positions file, in one process and run,
// with the same messages, batch size and durability (fsync per batch). Prints messages/s; asserts nothing.
//   node dist/scripts/bench-transport.js [--messages 200000] [--batch 500] [--size 300] [--queues 4] [--rounds 3] [--dir DIR]

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { silentLogger } from '../runtime/observability/logger';
import { JsonFile } from '../runtime/stores/json-file';
import { EmbeddedTransport } from '../runtime/transport/embedded-transport';
import type { PositionUpdate, StoredMessage, TransportMessage } from '../runtime/transport/transport';

interface Options {
  messages: number;
  batch: number;
  size: number;
  queues: number;
  rounds: number;
  dir: string;
}

function parseArgs(argv: string[]): Options {
  const opts: Options = { messages: 200_000, batch: 500, size: 300, queues: 4, rounds: 3, dir: '' };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (flag === '--dir' && value) opts.dir = value;
    else if ((flag === '--messages' || flag === '--batch' || flag === '--size' || flag === '--queues' || flag === '--rounds') && value && /^[1-9]\d*$/.test(value)) {
      opts[flag.slice(2) as 'messages' | 'batch' | 'size' | 'queues' | 'rounds'] = Number(value);
    } else {
      throw new Error(`unknown or invalid argument ${JSON.stringify(flag)} ${JSON.stringify(value)}; see the usage line at the top of scripts/bench-transport.ts`);
    }
  }
  return opts;
}

/** Order-like JSON bodies of exactly `size` bytes, all different, built before any timing starts. */
function makeBatches(o: Options): { messages: TransportMessage[]; positions: PositionUpdate[] }[] {
  const batches: { messages: TransportMessage[]; positions: PositionUpdate[] }[] = [];
  const t0 = Date.now();
  for (let start = 0; start < o.messages; start += o.batch) {
    const messages: TransportMessage[] = [];
    for (let n = start; n < Math.min(start + o.batch, o.messages); n++) {
      const json = JSON.stringify({ order_id: `o-${n}`, customer: `c-${n % 9973}`, amount: (n % 10000) / 100, currency: 'EUR', status: 'NEW', ts: t0 + n, note: '' });
      const body = Buffer.alloc(o.size, 0x20);
      body.write(json.slice(0, o.size));
      messages.push({ key: null, body, headers: { source: 'bench' }, timestamp: t0 + n });
    }
    batches.push({ messages, positions: [{ connector: 'bench', partition: { file: '/in/orders.jsonl' }, position: { line: start + messages.length } }] });
  }
  return batches;
}

/**
 * The alternative: one append-only file per queue of frames
 * [u32 frame length][f64 timestamp][i32 key length, -1 = null][key][u32 headers length][headers JSON][i32 body length, -1 = null][body],
 * fsync of every queue file a batch touched, then the positions file replaced with the crash-safe JsonFile.
 * It is not atomic: a crash between the data fsync and the positions write leaves records without their
 * position (duplicates on restart), and a torn last frame needs a recovery scan; neither costs anything here.
 */
class FileLog {
  private readonly fds: number[] = [];
  private readonly ends: number[] = [];
  private rr = 0;
  private readonly positionsFile: JsonFile<Record<string, unknown>>;
  private readonly positions: Record<string, unknown> = {};

  constructor(
    private readonly dir: string,
    private readonly queues: number,
  ) {
    fs.mkdirSync(dir, { recursive: true });
    for (let q = 0; q < queues; q++) {
      this.fds.push(fs.openSync(this.file(q), 'a'));
      this.ends.push(0);
    }
    this.positionsFile = new JsonFile(path.join(dir, 'positions.json'));
  }

  file(q: number): string {
    return path.join(this.dir, `queue-${q}.log`);
  }

  async send(messages: TransportMessage[], positions: PositionUpdate[]): Promise<void> {
    const perQueue: Buffer[][] = Array.from({ length: this.queues }, () => []);
    for (const m of messages) {
      const q = this.rr;
      this.rr = (this.rr + 1) % this.queues;
      const key = m.key === null ? null : Buffer.from(m.key, 'utf8');
      const headers = Buffer.from(JSON.stringify(m.headers), 'utf8');
      const bodyLen = m.body === null ? 0 : m.body.length;
      const len = 8 + 4 + (key?.length ?? 0) + 4 + headers.length + 4 + bodyLen;
      const frame = Buffer.allocUnsafe(4 + len);
      let p = frame.writeUInt32LE(len, 0);
      p = frame.writeDoubleLE(m.timestamp, p);
      p = frame.writeInt32LE(key === null ? -1 : key.length, p);
      if (key) p += key.copy(frame, p);
      p = frame.writeUInt32LE(headers.length, p);
      p += headers.copy(frame, p);
      p = frame.writeInt32LE(m.body === null ? -1 : bodyLen, p);
      if (m.body) m.body.copy(frame, p);
      perQueue[q]!.push(frame);
      this.ends[q]!++;
    }
    for (let q = 0; q < this.queues; q++) {
      if (perQueue[q]!.length === 0) continue;
      const buf = Buffer.concat(perQueue[q]!);
      for (let off = 0; off < buf.length; ) off += fs.writeSync(this.fds[q]!, buf, off);
      fs.fsyncSync(this.fds[q]!);
    }
    for (const p of positions) this.positions[JSON.stringify(p.partition)] = p.position;
    await this.positionsFile.write(this.positions);
  }

  /** Reads every queue back into StoredMessage objects (bodies are views into the read buffer, no copy). */
  readAll(topic: string): StoredMessage[] {
    const out: StoredMessage[] = [];
    for (let q = 0; q < this.queues; q++) {
      const buf = fs.readFileSync(this.file(q));
      const queue = String(q);
      let p = 0;
      let offset = 0;
      while (p + 4 <= buf.length) {
        const len = buf.readUInt32LE(p);
        const end = p + 4 + len;
        if (end > buf.length) break; // torn tail
        p += 4;
        const timestamp = buf.readDoubleLE(p);
        p += 8;
        const keyLen = buf.readInt32LE(p);
        p += 4;
        const key = keyLen < 0 ? null : buf.toString('utf8', p, p + keyLen);
        p += Math.max(0, keyLen);
        const hLen = buf.readUInt32LE(p);
        p += 4;
        const headers = JSON.parse(buf.toString('utf8', p, p + hLen)) as Record<string, string>;
        p += hLen;
        const bodyLen = buf.readInt32LE(p);
        p += 4;
        const body = bodyLen < 0 ? null : buf.subarray(p, p + bodyLen);
        p = end;
        out.push({ topic, queue, offset: offset++, key, body, headers, timestamp });
      }
    }
    return out;
  }

  close(): void {
    for (const fd of this.fds) fs.closeSync(fd);
  }
}

function rate(count: number, ms: number): string {
  return `${Math.round((count / ms) * 1000).toLocaleString('en-US')} msg/s`;
}

function dirBytes(dir: string): number {
  return fs.readdirSync(dir).reduce((sum, f) => sum + fs.statSync(path.join(dir, f)).size, 0);
}

interface Result {
  appendMs: number;
  readMs: number;
  diskBytes: number;
}

async function runSqlite(dir: string, o: Options, batches: ReturnType<typeof makeBatches>, payload: number): Promise<Result> {
  const transport = new EmbeddedTransport({ dir, queuesPerTopic: o.queues, logger: silentLogger() });
  await transport.ensureTopic('bench');
  let t = performance.now();
  for (const b of batches) await transport.send('bench', b.messages, { positions: b.positions });
  const appendMs = performance.now() - t;
  const consumer = transport.consumer('bench-reader');
  await consumer.assign(await transport.queues('bench'));
  t = performance.now();
  let count = 0;
  let bytes = 0;
  for (;;) {
    const got = await consumer.receive(5000, 0);
    if (got.length === 0) break;
    count += got.length;
    for (const m of got) bytes += m.body?.length ?? 0;
  }
  const readMs = performance.now() - t;
  await consumer.close();
  await transport.close();
  check('sqlite transport', count, bytes, o.messages, payload);
  return { appendMs, readMs, diskBytes: dirBytes(dir) };
}

async function runFileLog(dir: string, o: Options, batches: ReturnType<typeof makeBatches>, payload: number): Promise<Result> {
  const log = new FileLog(dir, o.queues);
  let t = performance.now();
  for (const b of batches) await log.send(b.messages, b.positions);
  const appendMs = performance.now() - t;
  t = performance.now();
  const read = log.readAll('bench');
  const readMs = performance.now() - t;
  log.close();
  check('file log', read.length, read.reduce((s, m) => s + (m.body?.length ?? 0), 0), o.messages, payload);
  return { appendMs, readMs, diskBytes: dirBytes(dir) };
}

function check(what: string, count: number, bytes: number, messages: number, payload: number): void {
  if (count !== messages || bytes !== payload) throw new Error(`${what} read back ${count} messages / ${bytes} body bytes, expected ${messages} / ${payload}`);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const root = o.dir || fs.mkdtempSync(path.join(os.tmpdir(), 'tributary-bench-'));
  const batches = makeBatches(o);
  const payload = batches.reduce((s, b) => s + b.messages.reduce((x, m) => x + (m.body?.length ?? 0), 0), 0);
  console.log(
    `bench-transport: ${o.messages} messages of ${o.size} bytes, batches of ${o.batch} (${batches.length} fsynced commits), ` +
      `${o.queues} queues, ${o.rounds} rounds (order alternates), node ${process.version}, ${os.cpus().length} CPUs, dir ${root}`,
  );

  const sqlite: Result[] = [];
  const fileLog: Result[] = [];
  for (let round = 0; round < o.rounds; round++) {
    const sqliteDir = path.join(root, `sqlite-${round}`);
    const logDir = path.join(root, `filelog-${round}`);
    // Start from empty stores, also when --dir names a directory used before.
    for (const d of [sqliteDir, logDir]) fs.rmSync(d, { recursive: true, force: true });
    // Alternate which goes first, so neither always meets a warmer (or dirtier) page cache.
    if (round % 2 === 0) {
      sqlite.push(await runSqlite(sqliteDir, o, batches, payload));
      fileLog.push(await runFileLog(logDir, o, batches, payload));
    } else {
      fileLog.push(await runFileLog(logDir, o, batches, payload));
      sqlite.push(await runSqlite(sqliteDir, o, batches, payload));
    }
    for (const d of [sqliteDir, logDir]) fs.rmSync(d, { recursive: true, force: true });
  }

  const summary = (rs: Result[]) => ({
    append: median(rs.map((r) => r.appendMs)),
    read: median(rs.map((r) => r.readMs)),
    appendRange: rs.map((r) => Math.round((o.messages / r.appendMs) * 1000 / 1000)).join('/'),
    disk: rs[0]!.diskBytes,
  });
  const a = summary(sqlite);
  const b = summary(fileLog);
  console.log('median over rounds          append              read     on disk   append per round (k msg/s)');
  const line = (name: string, r: ReturnType<typeof summary>) =>
    console.log(`${name.padEnd(20)}${rate(o.messages, r.append).padStart(18)}${rate(o.messages, r.read).padStart(18)}${`${(r.disk / 1e6).toFixed(1)} MB`.padStart(12)}   ${r.appendRange}`);
  line('sqlite transport', a);
  line('file log + json', b);
  console.log(`${'sqlite / file log'.padEnd(20)}${`${(b.append / a.append).toFixed(2)}x`.padStart(18)}${`${(b.read / a.read).toFixed(2)}x`.padStart(18)}`);
  console.log(
    `per batch: sqlite ${(a.append / batches.length).toFixed(2)} ms (1 atomic commit: messages + positions), ` +
      `file log ${(b.append / batches.length).toFixed(2)} ms (${o.queues} file fsyncs + positions file replace, not atomic)`,
  );
  if (!o.dir) fs.rmSync(root, { recursive: true, force: true });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
