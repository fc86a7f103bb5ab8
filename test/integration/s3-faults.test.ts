// Fault injection between Tributary and a real S3 server (MinIO from scripts/s3.sh): a reverse proxy
// (test/helpers/faulty-proxy.ts) answers 503 SlowDown / 500 InternalError without forwarding, cuts connections
// before forwarding, and — the dangerous case — forwards a request and cuts the connection after the server
// answered, so a write lands without the client knowing. Through it:
//   1. the proxy itself: signed requests pass unchanged (SigV4 over the Host the client signed), and each fault
//      looks to the SDK as it should;
//   2. S3Storage: many writes, conditional creates, reads and listings must all succeed and agree with a model;
//      a conditional create whose first attempt landed unseen still succeeds and never reports ALREADY_EXISTS
//      for its own write; multipart uploads complete or fail cleanly, never leaving a partial object;
//   3. a Hudi table (the sink's own table writer over S3Storage through the proxy): commits of inserts, upserts
//      and deletes; a write() that throws is called again with the same batch, as the runtime does; while faults
//      are on, a checker keeps verifying straight on MinIO that no completed commit references a missing data
//      file; at the end, with faults off, DuckDB on the latest slices (mirrored with the plain SDK) and hudi-rs
//      (straight from MinIO) must equal the oracle; and, made certain with scripted faults, commits that land
//      while requests around them fail (cleanup after the commit point; the .commit PUT landing unseen) must be
//      reported as done, never rolled back or written twice.
// Each test prints the proxy's counters on one line and requires every fault kind to have happened.
import {
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hudiSinkConfigDef, hudiSinkSettings } from '../../plugins/hudi/hudi-sink-config';
import { openTableDeps, openTableWriter } from '../../plugins/hudi/hudi-sink-deps';
import { PAYMENT_SCHEMA, type Payment } from '../helpers/hudi-table';
import { S3Storage, createS3Client, parseS3Uri } from '../../plugins/hudi/storage/s3-storage';
import type { HudiTableWriter, IncomingRecord, WriteOperation } from '../../plugins/hudi/table/table-writer';
import { silentLogger } from '../../runtime/observability/logger';
import { errorCode } from '../../runtime/spi';
import { FAULT_KINDS, FaultyProxy, mulberry32, type RequestInfo } from '../helpers/faulty-proxy';
import { completedCommits, duckdbRows, latestSliceFiles } from '../helpers/hudi-files';
import { oracle } from '../helpers/hudi-oracle';
import { acquireS3, readerStorageOptions, releaseS3 } from '../helpers/s3-server';
import { hudiRsSnapshot, readersAvailable } from '../helpers/table-readers';

const LEASE = `s3-faults-test-${process.pid}`;
const BUCKET = 'tributary-faults';
let env: Record<string, string>;
const proxies: FaultyProxy[] = [];
const clients: S3Client[] = [];

beforeAll(async () => {
  env = await acquireS3(LEASE, BUCKET);
  expect(env['S3_ENDPOINT']).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  await readersAvailable();
}, 900_000);

afterAll(async () => {
  for (const c of clients) c.destroy();
  for (const p of proxies) await p.close();
  await releaseS3(LEASE);
}, 120_000);

async function proxy(seed: number, rate = 0.2): Promise<FaultyProxy> {
  const p = await FaultyProxy.start({ upstream: env['S3_ENDPOINT']!, seed, rate });
  proxies.push(p);
  return p;
}

/** An S3 client for `endpoint` (the proxy's URL, or MinIO's when omitted). */
function client(endpoint?: string, maxAttempts?: number, secret?: string): S3Client {
  const c = createS3Client({ endpoint: endpoint ?? env['S3_ENDPOINT'], region: env['AWS_REGION'], accessKeyId: env['AWS_ACCESS_KEY_ID'], secretAccessKey: secret ?? env['AWS_SECRET_ACCESS_KEY'], ...(maxAttempts ? { maxAttempts } : {}) });
  clients.push(c);
  return c;
}

const unique = (p: string): string => `${p}-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e6).toString(36)}`;
const isConditionalPut = (r: RequestInfo): boolean => r.method === 'PUT' && r.headers['if-none-match'] === '*';

function report(what: string, p: FaultyProxy): void {
  console.log(`fault counters [${what}]: ${p.summary()}`);
}

function expectEveryFaultKind(p: FaultyProxy): void {
  for (const k of FAULT_KINDS) expect(p.counters[k], `${k} never happened: the test proved nothing about it`).toBeGreaterThan(0);
  expect(p.counters.landedUnseen, 'no write landed unseen (cut after forward on a successful write)').toBeGreaterThan(0);
}

async function bodyOf(c: S3Client, key: string): Promise<Buffer | undefined> {
  try {
    const res = await c.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
    return Buffer.from(await res.Body!.transformToByteArray());
  } catch (err) {
    if ((err as { name?: string }).name === 'NoSuchKey') return undefined;
    throw err;
  }
}

describe('the fault-injecting proxy', () => {
  it('passes signed requests unchanged (SigV4 over the Host the client signed), and each fault reaches the SDK as it should', async () => {
    const p = await proxy(1);
    p.enabled = false;
    const via = client(p.url, 1);
    const direct = client();
    const key = `${unique('proxy')}/a b+c%.txt`;
    // Through the proxy, faults off: PUT, conditional PUT, GET, HEAD, LIST, DELETE all validate at MinIO.
    await via.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: 'hello' }));
    expect((await bodyOf(direct, key))?.toString()).toBe('hello');
    await expect(via.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: 'other', IfNoneMatch: '*' }))).rejects.toMatchObject({ $metadata: { httpStatusCode: 412 } });
    expect((await bodyOf(via, key))?.toString()).toBe('hello');
    expect((await via.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }))).ContentLength).toBe(5);
    const listed = await via.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: key.slice(0, key.indexOf('/') + 1) }));
    expect(listed.Contents?.map((o) => o.Key)).toEqual([key]);
    expect(p.events.every((e) => e.action === 'pass' && e.status !== undefined && e.status < 500)).toBe(true);
    // MinIO does check the signature of what comes through: a wrong secret is refused.
    const forged = client(p.url, 1, 'not-the-secret');
    await expect(forged.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }))).rejects.toMatchObject({ $metadata: { httpStatusCode: 403 } });
    await expect(forged.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }))).rejects.toMatchObject({ name: 'SignatureDoesNotMatch' });

    // Each fault, with retries off (maxAttempts 1), as the SDK sees it.
    p.force(['slowDown503']);
    await expect(via.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }))).rejects.toMatchObject({ name: 'SlowDown', $metadata: { httpStatusCode: 503 } });
    p.force(['internalError500']);
    await expect(via.send(new PutObjectCommand({ Bucket: BUCKET, Key: `${key}.2`, Body: 'x' }))).rejects.toMatchObject({ name: 'InternalError', $metadata: { httpStatusCode: 500 } });
    expect(await bodyOf(direct, `${key}.2`)).toBeUndefined();
    p.force(['slowDown503']);
    await expect(via.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }))).rejects.toMatchObject({ $metadata: { httpStatusCode: 503 } });
    p.force(['cutBeforeForward']);
    await expect(via.send(new PutObjectCommand({ Bucket: BUCKET, Key: `${key}.3`, Body: 'y' }))).rejects.toMatchObject({ code: expect.stringMatching(/ECONNRESET|EPIPE/) });
    expect(await bodyOf(direct, `${key}.3`)).toBeUndefined();
    p.force(['cutAfterForward']);
    await expect(via.send(new PutObjectCommand({ Bucket: BUCKET, Key: `${key}.4`, Body: 'landed' }))).rejects.toMatchObject({ code: 'ECONNRESET' });
    expect((await bodyOf(direct, `${key}.4`))?.toString(), 'the write landed although the client got no answer').toBe('landed');
    expect(p.counters.landedUnseen).toBe(1);
    // With the SDK's retries, the same faults are absorbed.
    const retrying = client(p.url, 4);
    p.force(['cutBeforeForward', 'slowDown503', 'internalError500']);
    expect((await bodyOf(retrying, key))?.toString()).toBe('hello');
    report('proxy self-test', p);
    expectEveryFaultKind(p);
  }, 60_000);
});

describe('S3Storage under faults', () => {
  it('many writes, conditional creates, reads, listings and deletes all succeed and agree with a model; creates whose write landed unseen succeed', async () => {
    const p = await proxy(0x5eed01);
    const prefix = unique('ops');
    const s = new S3Storage({ client: client(p.url, 10), location: parseS3Uri(`s3://${BUCKET}/${prefix}`) });
    const rnd = mulberry32(42);
    const model = new Map<string, Buffer>();
    const bytes = (n: number, tag: string): Buffer => {
      const b = Buffer.alloc(n);
      for (let i = 0; i < n; i += 4) b.writeUInt32LE(Math.floor(rnd() * 2 ** 32) >>> 0, Math.min(i, n - 4));
      return Buffer.concat([Buffer.from(tag), b]);
    };
    const pick = (): string => [...model.keys()][Math.floor(rnd() * model.size)]!;
    const ops = { writeFile: 0, createExclusive: 0, createExisting: 0, readFile: 0, list: 0, stat: 0, delete: 0 };
    for (let i = 0; i < 240; i++) {
      const op = i < 10 ? 0 : Math.floor(rnd() * 7);
      if (op === 0) {
        const f = `data/${['eu', 'us'][i % 2]}/f${i}.bin`;
        const b = bytes(1 + Math.floor(rnd() * 200_000), f);
        await s.writeFile(f, b);
        model.set(f, b);
        ops.writeFile++;
      } else if (op === 1 || op === 2) {
        // A timeline file: must be created, never refused as if someone else had made it.
        const f = `.hoodie/${String(i).padStart(17, '0')}.commit`;
        const b = bytes(Math.floor(rnd() * 4000), f);
        await s.createExclusive(f, b).catch((err) => {
          throw new Error(`createExclusive ${f} failed (${errorCode(err)}): ${(err as Error).message}`);
        });
        model.set(f, b);
        ops.createExclusive++;
      } else if (op === 3) {
        // Creating what exists is refused, with other bytes or the same: equal bytes may be another writer's
        // (two writers' requested files are both empty), so they never pass for this create's own write.
        const f = pick();
        await expect(s.createExclusive(f, Buffer.concat([model.get(f)!, Buffer.from('x')]))).rejects.toSatisfy((e) => errorCode(e) === 'ALREADY_EXISTS');
        await expect(s.createExclusive(f, model.get(f)!)).rejects.toSatisfy((e) => errorCode(e) === 'ALREADY_EXISTS');
        ops.createExisting++;
      } else if (op === 4) {
        const f = pick();
        expect((await s.readFile(f)).equals(model.get(f)!), f).toBe(true);
        ops.readFile++;
      } else if (op === 5) {
        const dir = ['data/eu', 'data/us', '.hoodie'][i % 3]!;
        expect((await s.list(dir)).map((x) => x.path).sort()).toEqual([...model.keys()].filter((k) => k.startsWith(`${dir}/`)).sort());
        expect((await s.listTree('')).length).toBe(model.size);
        ops.list++;
      } else if (rnd() < 0.5) {
        const f = pick();
        expect((await s.stat(f))?.size).toBe(model.get(f)!.length);
        expect(await s.exists(`${f}.none`)).toBe(false);
        ops.stat++;
      } else {
        const f = pick();
        await s.delete(f);
        model.delete(f);
        ops.delete++;
      }
    }
    // The dangerous case made certain: five creates whose first attempt lands and whose answer is lost.
    for (let i = 0; i < 5; i++) {
      const f = `.hoodie/forced${i}.commit`;
      p.force(['cutAfterForward'], isConditionalPut);
      const landedBefore = p.counters.landedUnseenConditional;
      await s.createExclusive(f, `mine-${i}`);
      expect(p.counters.landedUnseenConditional).toBe(landedBefore + 1);
      model.set(f, Buffer.from(`mine-${i}`));
    }
    expect(p.pendingForced).toBe(0);
    report('S3Storage operations', p);
    console.log(`S3Storage operations done: ${JSON.stringify(ops)}`);
    p.enabled = false;
    // Faults off, straight from MinIO: exactly the model.
    const direct = new S3Storage({ client: client(), location: parseS3Uri(`s3://${BUCKET}/${prefix}`) });
    const tree = await direct.listTree('');
    expect(tree.map((f) => f.path).sort()).toEqual([...model.keys()].sort());
    for (const [f, b] of model) expect((await direct.readFile(f)).equals(b), f).toBe(true);
    expectEveryFaultKind(p);
    expect(p.counters.landedUnseenConditional).toBeGreaterThanOrEqual(5);
  }, 600_000);

  it('a create whose write landed unseen, then whose look-up of its own token fails, is not reported as ALREADY_EXISTS', async () => {
    const p = await proxy(7, 0);
    const prefix = unique('readback');
    const s = new S3Storage({ client: client(p.url, 3), location: parseS3Uri(`s3://${BUCKET}/${prefix}`) });
    // Attempt 1 lands unseen; attempt 2 gets 412; the HEAD reading the object's create token fails all 3 attempts.
    p.force(['cutAfterForward', 'pass'], isConditionalPut);
    p.force(['slowDown503', 'internalError500', 'cutBeforeForward'], (r) => r.method === 'HEAD');
    const outcome = await s.createExclusive('.hoodie/001.commit', 'ours').then(
      () => 'created',
      (err) => errorCode(err),
    );
    report('read-back failure', p);
    expect(p.counters.landedUnseenConditional).toBe(1);
    expect(p.pendingForced).toBe(0);
    // The object is ours. Saying ALREADY_EXISTS would tell a table writer that another writer won the instant.
    expect((await bodyOf(client(), `${prefix}/.hoodie/001.commit`))?.toString()).toBe('ours');
    expect(outcome, 'createExclusive reported our own write as ALREADY_EXISTS').not.toBe('ALREADY_EXISTS');
    expect(outcome, 'a failed look-up is a retriable failure').toBe('RETRIABLE');
    // A second call is another create, which finds the file made: the table writer never repeats a create
    // but settles the instant from the timeline (kept if completed, else rolled back).
    await expect(s.createExclusive('.hoodie/001.commit', 'ours')).rejects.toSatisfy((e) => errorCode(e) === 'ALREADY_EXISTS');
    expectEveryFaultKind(p);
  }, 120_000);

  it('multipart uploads under faults complete or fail cleanly: never a partial or foreign object', async () => {
    const p = await proxy(0x5eed02);
    const prefix = unique('mpu');
    const MIB = 1024 * 1024;
    const s = new S3Storage({ client: client(p.url, 10), location: parseS3Uri(`s3://${BUCKET}/${prefix}`), multipartThresholdBytes: 5 * MIB, partSizeBytes: 5 * MIB });
    const direct = client();
    const isComplete = (r: RequestInfo) => r.method === 'POST' && /[?&]uploadId=/.test(r.url);
    const isPart = (r: RequestInfo) => r.method === 'PUT' && /[?&]partNumber=/.test(r.url);
    const isCreate = (r: RequestInfo) => r.method === 'POST' && /[?&]uploads(=|&|$)/.test(r.url);
    const outcomes: string[] = [];
    for (let i = 0; i < 10; i++) {
      // Some uploads get a certain landed-unseen fault on one of their steps, on top of the random ones.
      if (i === 1) p.force(['cutAfterForward'], isComplete);
      if (i === 2) p.force(['cutAfterForward'], isPart);
      if (i === 3) p.force(['cutAfterForward'], isCreate);
      if (i === 4) p.force(['cutBeforeForward', 'slowDown503'], isComplete);
      const body = Buffer.alloc(11 * MIB + i * 1000 + 17, i + 1);
      for (let j = 0; j < body.length; j += 65536) body.writeUInt32BE(j ^ (i << 24), j);
      const f = `p/big${i}.parquet`;
      const result = await s.writeFile(f, body).then(
        () => 'ok',
        (err) => `${errorCode(err)}: ${(err as Error).message}`,
      );
      const seen = await bodyOf(direct, `${prefix}/${f}`);
      if (result === 'ok') {
        expect(seen?.equals(body), `${f}: completed, object must be whole`).toBe(true);
        outcomes.push('completed');
      } else {
        // Failed: the object must be absent or whole — never a part, never another body.
        if (seen !== undefined) expect(seen.equals(body), `${f}: failed upload left a different object`).toBe(true);
        outcomes.push(seen === undefined ? `failed, nothing visible (${result})` : `failed but the whole object is there (${result})`);
      }
    }
    expect(p.pendingForced).toBe(0);
    // MinIO lists in-progress uploads only for an exact object name.
    let open = 0;
    for (let i = 0; i < 10; i++) open += ((await direct.send(new ListMultipartUploadsCommand({ Bucket: BUCKET, Prefix: `${prefix}/p/big${i}.parquet` }))).Uploads ?? []).length;
    report('multipart', p);
    console.log(`multipart outcomes: ${JSON.stringify(outcomes)}; uploads left open (invisible; an abort-incomplete-uploads lifecycle rule removes them): ${open}`);
    expectEveryFaultKind(p);
    expect(p.counters.landedUnseenMultipart).toBeGreaterThanOrEqual(3);
  }, 600_000);
});

// ------------------------------------------------------------------------------------------ a Hudi table

type Rec = Required<Payment>;
const SCHEMA = PAYMENT_SCHEMA;
const RETAINED = 3;

/** Commits of inserts, upserts (newer and older versions, several versions of one key in a batch), deletes,
 *  re-inserts of deleted keys and a new partition, generated from a seed. */
function makeBatches(n: number, seed: number): { op: WriteOperation; recs: Rec[] }[] {
  const rnd = mulberry32(seed);
  const live = new Map<string, Rec>();
  const deleted: string[] = [];
  let next = 0;
  const batches: { op: WriteOperation; recs: Rec[] }[] = [];
  const regions = (c: number) => (c >= 4 ? ['eu', 'us', 'ap', 'sa'] : ['eu', 'us', 'ap']);
  const fresh = (c: number, count: number): Rec[] => Array.from({ length: count }, () => {
    const id = `k${next++}`;
    return { id, region: regions(c)[Math.floor(rnd() * regions(c).length)]!, amount: Math.round(rnd() * 1e6) / 100, ver: c * 10 + 1, _hoodie_is_deleted: false };
  });
  const anyLive = (): Rec => [...live.values()][Math.floor(rnd() * live.size)]!;
  for (let c = 0; c < n; c++) {
    let recs: Rec[];
    let op: WriteOperation = 'upsert';
    if (c === 0) recs = fresh(c, 240);
    else if (c === 5) {
      op = 'insert'; // new keys only: insert skips the index
      recs = fresh(c, 60);
    } else {
      recs = fresh(c, 20 + Math.floor(rnd() * 20));
      for (let j = 0; j < 40; j++) {
        const r = anyLive();
        recs.push({ ...r, amount: Math.round(rnd() * 1e6) / 100, ver: c * 10 + 5 });
        if (j % 4 === 0) recs.push({ ...r, amount: -1, ver: c * 10 + 2 }); // an older version later in the batch: loses
      }
      for (let j = 0; j < 8; j++) recs.push({ ...anyLive(), amount: -2, ver: 0 }); // older than what the table holds: loses
      for (let j = 0; j < 12; j++) recs.push({ ...anyLive(), ver: c * 10 + 7, _hoodie_is_deleted: true });
      for (let j = 0; j < 3 && deleted.length > 0; j++) recs.push({ id: deleted.shift()!, region: 'eu', amount: 7, ver: c * 10 + 8, _hoodie_is_deleted: false });
    }
    // The model of what is live, only to pick keys for the next batches (the oracle decides what the table holds).
    for (const r of recs) {
      const prev = live.get(r.id);
      if (prev && r.ver < prev.ver) continue;
      if (r._hoodie_is_deleted) {
        if (live.delete(r.id)) deleted.push(r.id);
      } else live.set(r.id, r);
    }
    batches.push({ op, recs });
  }
  return batches;
}

function want(recs: Rec[]): Record<string, string> {
  const o = oracle(recs.map((r) => ({ key: r.id, ordering: r.ver, isDelete: r._hoodie_is_deleted, row: { ...r } })));
  return Object.fromEntries([...o].map(([k, r]) => [k, `${r['region']}|${Number(r['amount'])}|${Number(r['ver'])}`]));
}

/** Rows by record key, and the keys that appear more than once. */
function project(rows: Record<string, unknown>[]): { rows: Record<string, string>; duplicates: string[] } {
  const out: Record<string, string> = {};
  const duplicates: string[] = [];
  for (const r of rows) {
    const key = String(r['_hoodie_record_key']);
    if (out[key] !== undefined) duplicates.push(key);
    out[key] = `${r['region']}|${Number(r['amount'])}|${Number(r['ver'])}`;
  }
  return { rows: out, duplicates };
}

async function listKeys(c: S3Client, prefix: string, delimiter?: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await c.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix, ContinuationToken: token, ...(delimiter ? { Delimiter: delimiter } : {}) }));
    for (const o of page.Contents ?? []) keys.push(o.Key!);
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return keys;
}

/** Copies the table straight from MinIO (plain SDK, no proxy, no Tributary code) to a local directory. */
async function mirror(c: S3Client, prefix: string): Promise<string> {
  const dir = mkdtempSync(path.join(tmpdir(), 's3-faults-mirror-'));
  for (const key of await listKeys(c, `${prefix}/`)) {
    const target = path.join(dir, key.slice(prefix.length + 1));
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, (await bodyOf(c, key))!);
  }
  return dir;
}

/** Instants of the timeline with no completed file (`<ts>.commit`, `<ts>.clean`, `<ts>.rollback`). */
async function unfinishedInstants(c: S3Client, prefix: string): Promise<string[]> {
  const names = (await listKeys(c, `${prefix}/.hoodie/`, '/')).map((k) => k.slice(k.lastIndexOf('/') + 1));
  const completed = new Set(names.filter((n) => /^\d{17}\.[a-z]+$/.test(n) && !n.endsWith('.inflight')));
  const out = new Set<string>();
  for (const n of names) {
    const m = /^(\d{17})\.(?:([a-z]+)\.(requested|inflight)|(inflight))$/.exec(n);
    if (!m) continue;
    const action = m[2] ?? 'commit';
    if (!completed.has(`${m[1]}.${action}`)) out.add(`${m[1]}.${action}`);
  }
  return [...out].sort();
}

/** How a read differs from the oracle, in one line. */
function differences(expected: Record<string, string>, got: { rows: Record<string, string>; duplicates: string[] }): string {
  const missing = Object.keys(expected).filter((k) => got.rows[k] === undefined);
  const extra = Object.keys(got.rows).filter((k) => expected[k] === undefined);
  const wrong = Object.keys(expected).filter((k) => got.rows[k] !== undefined && got.rows[k] !== expected[k]);
  return `${Object.keys(got.rows).length} keys (oracle ${Object.keys(expected).length}): ${got.duplicates.length} in the table twice, ${missing.length} missing, ${extra.length} not in the oracle (${extra.slice(0, 5).join(' ')}), ${wrong.length} with other values`;
}

interface CommitFile {
  instant: string;
  batch: string | undefined;
  files: { path: string; fileId: string }[];
}

/**
 * "No partial commit is visible", checked straight on MinIO: every data file a reader of the latest completed
 * timeline needs exists. That is every file of the last RETAINED completed commits (cleaning keeps those) and,
 * per file group, its newest slice. A file found missing is looked for again against a fresh timeline before it
 * counts, so a clean that ran in between is not mistaken for a loss. And a completed commit, once seen, never
 * disappears (nothing here archives the timeline).
 */
class CommitChecker {
  checks = 0;
  filesChecked = 0;
  readonly violations: string[] = [];
  private readonly cache = new Map<string, CommitFile>();
  private readonly seen = new Set<string>();

  constructor(private readonly c: S3Client, private readonly prefix: string) {}

  async commits(): Promise<CommitFile[]> {
    const names = (await listKeys(this.c, `${this.prefix}/.hoodie/`, '/')).map((k) => k.slice(this.prefix.length + '/.hoodie/'.length)).filter((n) => /^\d{17}\.commit$/.test(n)).sort();
    const out: CommitFile[] = [];
    for (const name of names) {
      let cf = this.cache.get(name);
      if (!cf) {
        const meta = JSON.parse((await bodyOf(this.c, `${this.prefix}/.hoodie/${name}`))!.toString('utf8')) as { partitionToWriteStats: Record<string, { path: string; fileId: string }[]>; extraMetadata: Record<string, string> };
        cf = { instant: name.slice(0, 17), batch: meta.extraMetadata['test.batch'], files: Object.values(meta.partitionToWriteStats).flat().map((s) => ({ path: s.path, fileId: s.fileId })) };
        this.cache.set(name, cf);
      }
      out.push(cf);
    }
    return out;
  }

  private async required(commits?: CommitFile[]): Promise<Set<string>> {
    commits ??= await this.commits();
    const need = new Set<string>();
    for (const cf of commits.slice(-RETAINED)) for (const f of cf.files) need.add(f.path);
    const newest = new Map<string, string>();
    for (const cf of commits) for (const f of cf.files) newest.set(f.fileId, f.path);
    for (const p of newest.values()) need.add(p);
    return need;
  }

  private async missing(paths: Iterable<string>): Promise<string[]> {
    const list = [...paths];
    const out: string[] = [];
    for (let i = 0; i < list.length; i += 16) {
      await Promise.all(list.slice(i, i + 16).map(async (p) => {
        try {
          await this.c.send(new HeadObjectCommand({ Bucket: BUCKET, Key: `${this.prefix}/${p}` }));
        } catch (err) {
          if ((err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) out.push(p);
          else throw err;
        }
      }));
    }
    this.filesChecked += list.length;
    return out;
  }

  async check(when: string): Promise<void> {
    this.checks++;
    const commits = await this.commits();
    const now = new Set(commits.map((c) => c.instant));
    for (const instant of this.seen) if (!now.has(instant)) this.violations.push(`${when}: completed commit ${instant} disappeared`);
    for (const instant of now) this.seen.add(instant);
    const first = await this.missing(await this.required(commits));
    if (first.length === 0) return;
    const still = await this.required();
    for (const p of await this.missing(first.filter((f) => still.has(f)))) this.violations.push(`${when}: completed commit references missing ${p}`);
  }
}

async function tableSetup(prefix: string): Promise<{ settings: ReturnType<typeof hudiSinkSettings>; deps: Awaited<ReturnType<typeof openTableDeps>> }> {
  const dir = mkdtempSync(path.join(tmpdir(), 's3-faults-'));
  writeFileSync(path.join(dir, 'payment.avsc'), JSON.stringify(SCHEMA));
  const raw = {
    tablePath: `s3://${BUCKET}/${prefix}`,
    tableName: 'payments',
    schemaPath: path.join(dir, 'payment.avsc'),
    'hoodie.datasource.write.recordkey.field': 'id',
    'hoodie.datasource.write.precombine.field': 'ver',
    'hoodie.datasource.write.partitionpath.field': 'region',
    // Inserts open new file groups instead of filling small ones: more files per commit, and inserts that a
    // stale view of the table would place a second time.
    'hoodie.parquet.small.file.limit': '0',
    'hoodie.clean.commits.retained': String(RETAINED),
  };
  const settings = hudiSinkSettings(hudiSinkConfigDef().parse(raw, { allowUnknown: true }));
  return { settings, deps: await openTableDeps(settings, raw.schemaPath, raw) };
}

describe('a Hudi table on S3 through the faulty proxy', () => {
  it('commits of inserts, upserts and deletes under 20% faults: every commit lands, none is ever partly visible, the table equals the oracle in DuckDB and hudi-rs', async () => {
    const t0 = Date.now();
    const p = await proxy(0xc0ffee);
    const prefix = `${unique('hudi')}/payments`;
    const tableUrl = `s3://${BUCKET}/${prefix}`;
    const direct = client();
    const { settings, deps } = await tableSetup(prefix);
    const checker = new CommitChecker(direct, prefix);
    const batches = makeBatches(12, 2024);
    const written: Rec[] = [];
    const failures: string[] = [];
    const attemptsPerBatch: number[] = [];

    const open = async (maxAttempts: number): Promise<HudiTableWriter> => {
      const storage = new S3Storage({ client: client(p.url, maxAttempts), location: parseS3Uri(tableUrl) });
      for (let attempt = 1; ; attempt++) {
        try {
          return await openTableWriter(settings, deps, storage, { tableName: 'payments', logger: silentLogger() });
        } catch (err) {
          failures.push(`open: ${errorCode(err)}: ${(err as Error).message.slice(0, 160)}`);
          if (attempt >= 10) throw err;
        }
      }
    };
    // As the runtime does with a sink's commit: a write that throws is called again with the same batch.
    const commit = async (writer: HudiTableWriter, i: number): Promise<void> => {
      const { op, recs } = batches[i]!;
      const incoming: IncomingRecord[] = recs.map((r) => ({ row: deps.schema.coerce(r), isDelete: r._hoodie_is_deleted }));
      for (let attempt = 1; ; attempt++) {
        try {
          await writer.write(incoming, op, deps.schema.columns, deps.schema.schemaJson, { 'test.batch': String(i) });
          attemptsPerBatch.push(attempt);
          written.push(...recs);
          return;
        } catch (err) {
          failures.push(`batch ${i} attempt ${attempt}: ${errorCode(err)}: ${(err as Error).message.slice(0, 160)}`);
          if (attempt >= 10) throw err;
        }
      }
    };
    const readBack = async (): Promise<{ rows: Record<string, string>; duplicates: string[] }> => {
      const local = await mirror(direct, prefix);
      return project(await duckdbRows(latestSliceFiles(local)));
    };

    // The checker runs on MinIO directly all the while the writer works through the proxy.
    let writing = true;
    const background = (async () => {
      while (writing) {
        await checker.check('during a commit');
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    try {
      // Phase A: the S3 client as the sink configures it by default (8 attempts per request).
      let writer = await open(8);
      for (let i = 0; i < 6; i++) {
        await commit(writer, i);
        await checker.check(`after batch ${i}`);
        if (i === 2 || i === 5) {
          const r = await readBack();
          expect.soft(r.duplicates, `after batch ${i} (faults on): duplicate keys in DuckDB`).toEqual([]);
          expect.soft(r.rows, `after batch ${i} (faults on): DuckDB on the latest slices`).toEqual(want(written));
        }
      }
      // Phase B: 3 attempts per request, so that whole write() calls fail and are called again; the writer is
      // opened anew under faults (its open rolls back what phase A left pending, if anything).
      writer = await open(3);
      for (let i = 6; i < batches.length; i++) {
        await commit(writer, i);
        await checker.check(`after batch ${i}`);
        if (i === 8) {
          const r = await readBack();
          expect.soft(r.duplicates, `after batch ${i} (faults on): duplicate keys in DuckDB`).toEqual([]);
          expect.soft(r.rows, `after batch ${i} (faults on): DuckDB on the latest slices`).toEqual(want(written));
        }
      }
    } finally {
      writing = false;
      await background;
      report('Hudi table', p);
      console.log(`Hudi table: ${batches.length} batches, write() calls per batch ${JSON.stringify(attemptsPerBatch)}; ${failures.length} failed calls${failures.length ? `: ${JSON.stringify(failures)}` : ''}; invariant checks ${checker.checks} (${checker.filesChecked} HEADs), violations ${checker.violations.length}`);
      const commits = await checker.commits();
      console.log(`Hudi table: completed commits (instant→batch): ${commits.map((c) => `${c.instant}→${c.batch}`).join(' ')}`);
    }
    p.enabled = false;
    expect(checker.violations).toEqual([]);
    expectEveryFaultKind(p);
    expect(p.counters.landedUnseenConditional, 'no timeline file landed unseen').toBeGreaterThan(0);

    // Faults off. Every batch is in exactly one completed commit.
    const commits = await checker.commits();
    const perBatch = new Map<string, string[]>();
    for (const c of commits) perBatch.set(c.batch ?? '?', [...(perBatch.get(c.batch ?? '?') ?? []), c.instant]);
    const pending = await unfinishedInstants(direct, prefix);
    console.log(`Hudi table: ${commits.length} completed commits; instant files of unfinished attempts left on the timeline: ${pending.length ? pending.join(' ') : 'none'}`);
    const twice = [...perBatch].filter(([, list]) => list.length > 1).map(([b, list]) => `batch ${b}: ${list.join(', ')}`);
    console.log(`Hudi table: batches in more than one completed commit (a write() that threw after its commit point, called again): ${twice.length ? twice.join('; ') : 'none'}`);
    for (let i = 0; i < batches.length; i++) expect(perBatch.get(String(i))?.length, `batch ${i} is in no completed commit`).toBeGreaterThanOrEqual(1);

    const storageOptions = readerStorageOptions(env);
    const expected = want(written);
    const local = await mirror(direct, prefix);
    expect(completedCommits(local).length).toBeGreaterThanOrEqual(batches.length);
    const duck = project(await duckdbRows(latestSliceFiles(local)));
    const rs = project(await hudiRsSnapshot(tableUrl, { storageOptions }));
    console.log(`Hudi table, faults off: DuckDB ${differences(expected, duck)}; hudi-rs ${differences(expected, rs)}`);
    expect.soft(duck.duplicates, 'DuckDB: duplicate keys').toEqual([]);
    expect.soft(duck.rows, 'DuckDB on the latest slices').toEqual(expected);
    expect.soft(rs.duplicates, 'hudi-rs: duplicate keys').toEqual([]);
    expect.soft(rs.rows, 'hudi-rs from MinIO').toEqual(expected);

    // A writer opened now rolls back whatever unfinished attempts are left; the table is unchanged.
    const reopened = await open(8);
    expect(reopened.lastCommitTime()).toBe(commits[commits.length - 1]!.instant);
    expect(await unfinishedInstants(direct, prefix)).toEqual([]);
    const local2 = await mirror(direct, prefix);
    expect(project(await duckdbRows(latestSliceFiles(local2))), 'DuckDB after the reopen: the same table').toEqual(duck);
    expect(project(await hudiRsSnapshot(tableUrl, { storageOptions })), 'hudi-rs after the reopen: the same table').toEqual(rs);
    await deps.close();
    console.log(`Hudi table test took ${((Date.now() - t0) / 1000).toFixed(1)} s; table has ${Object.keys(expected).length} live keys`);
  }, 900_000);

  it('a commit that lands while requests around it fail: write() reports success, so nothing is written twice, and no completed commit loses its files or vanishes', async () => {
    // Two certain ways for a commit to land while requests around it fail. A write() that threw here would be
    // called again with the same batch (as the runtime's retry of a sink's commit does) and write it twice, so
    // the writer must report success in both:
    //   batch 1: the cleanup after the commit point (deleting .hoodie/.temp/<instant>) fails every attempt;
    //   batch 2: the .commit PUT lands unseen and its retries fail; the writer must find the completed file
    //            and keep the commit, not roll it back (a rollback deletes the data files of a complete commit).
    const p = await proxy(11, 0);
    const prefix = `${unique('hudi-landed')}/payments`;
    const tableUrl = `s3://${BUCKET}/${prefix}`;
    const direct = client();
    const { settings, deps } = await tableSetup(prefix);
    const storage = new S3Storage({ client: client(p.url, 3), location: parseS3Uri(tableUrl) });
    const writer = await openTableWriter(settings, deps, storage, { tableName: 'payments', logger: silentLogger() });
    const checker = new CommitChecker(direct, prefix);
    const batches = makeBatches(4, 77);
    const written: Rec[] = [];
    const isTempListing = (r: RequestInfo) => r.method === 'GET' && r.url.includes('list-type=2') && decodeURIComponent(r.url).includes('/.hoodie/.temp/');
    const timelineFile = (re: RegExp) => (r: RequestInfo) => isConditionalPut(r) && re.test(r.url.split('?')[0]!);
    const thrown: string[] = [];
    const log: string[] = [];
    for (let i = 0; i < batches.length; i++) {
      const { op, recs } = batches[i]!;
      const incoming: IncomingRecord[] = recs.map((r) => ({ row: deps.schema.coerce(r), isDelete: r._hoodie_is_deleted }));
      if (i === 1) p.force(['internalError500', 'slowDown503', 'cutBeforeForward'], isTempListing);
      if (i === 2) p.force(['cutAfterForward', 'slowDown503', 'internalError500'], timelineFile(/\/\.hoodie\/\d{17}\.commit$/));
      for (let attempt = 1; ; attempt++) {
        try {
          await writer.write(incoming, op, deps.schema.columns, deps.schema.schemaJson, { 'test.batch': String(i) });
          break;
        } catch (err) {
          thrown.push(`batch ${i}: ${errorCode(err)}: ${(err as Error).message.slice(0, 120)}`);
          if (attempt >= 3) throw err;
          // What a reader sees now, before the retry.
          const before = checker.violations.length;
          await checker.check(`batch ${i}, after write() threw`);
          const commits = await checker.commits();
          log.push(`batch ${i} threw; completed commits then: ${commits.map((c) => `${c.instant}→${c.batch}`).join(' ')}; new violations: ${JSON.stringify(checker.violations.slice(before))}`);
        }
      }
      written.push(...recs);
      await checker.check(`after batch ${i}`);
    }
    expect(p.pendingForced).toBe(0);
    report('Hudi, writes that landed unseen', p);
    const commits = await checker.commits();
    console.log(`Hudi, writes that landed unseen: write() threw ${thrown.length}x ${JSON.stringify(thrown)}`);
    for (const l of log) console.log(`Hudi, writes that landed unseen: ${l}`);
    console.log(`Hudi, writes that landed unseen: completed commits at the end (instant→batch): ${commits.map((c) => `${c.instant}→${c.batch}`).join(' ')}; unfinished instants: ${JSON.stringify(await unfinishedInstants(direct, prefix))}`);
    expect(thrown, 'write() threw although its commit landed').toEqual([]);
    expect((await listKeys(direct, `${prefix}/.hoodie/`, '/')).filter((k) => k.includes('.rollback')), 'no rollback was attempted').toEqual([]);
    const expected = want(written);
    const duck = project(await duckdbRows(latestSliceFiles(await mirror(direct, prefix))));
    const storageOptions = readerStorageOptions(env);
    const rs = project(await hudiRsSnapshot(tableUrl, { storageOptions }));
    console.log(`Hudi, writes that landed unseen: DuckDB ${differences(expected, duck)}; hudi-rs ${differences(expected, rs)}`);
    await deps.close();
    expectEveryFaultKind(p);
    expect.soft(checker.violations, 'a completed commit lost data files or vanished').toEqual([]);
    expect.soft(duck.duplicates, 'DuckDB: keys in the table twice').toEqual([]);
    expect.soft(rs.duplicates, 'hudi-rs: keys in the table twice').toEqual([]);
    expect.soft(duck.rows, 'DuckDB on the latest slices').toEqual(expected);
    expect.soft(rs.rows, 'hudi-rs').toEqual(expected);
  }, 300_000);
});
