// Several writers on one Hudi table on a real S3 server (MinIO from scripts/s3.sh), with
// hoodie.write.concurrency.mode=optimistic_concurrency_control:
//   1. two table writers, each with its own S3 client, commit overlapping upserts at the same time, on a
//      clock coarse enough that they keep choosing the same instant time. Each instant is won by exactly
//      one (the other takes the next), conflicts are written again on the winner's commit, and every
//      batch lands exactly once; the table read by hudi-rs straight from S3 equals the oracle (greatest
//      version per key), which a lost update (a slice built on a stale view) would break;
//   2. a worker runs two hudi-sink connectors on one s3:// table, each from its own topic, with the S3
//      connection from the worker config (no credentials in the connectors, none in REST or logs); after
//      a restart each resumes from its own commits (insert operation: a connector that resumed from the
//      other's positions would write its records again, as duplicate keys).
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { appendFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hudiSinkConfigDef, hudiSinkSettings } from '../../plugins/hudi/hudi-sink-config';
import { openTableDeps, openTableWriter } from '../../plugins/hudi/hudi-sink-deps';
import { S3Storage, createS3Client, parseS3Uri } from '../../plugins/hudi/storage/s3-storage';
import type { HudiTableWriter } from '../../plugins/hudi/table/table-writer';
import { errorCode } from '../../runtime/spi';
import { fakeLogger } from '../helpers/fake-contexts';
import { PAYMENT_SCHEMA, expectedPayments, paymentsByKey, type Payment } from '../helpers/hudi-table';
import { acquireS3, readerStorageOptions, releaseS3 } from '../helpers/s3-server';
import { hudiRsSnapshot, readersAvailable } from '../helpers/table-readers';
import { api, startWorker, until, workerDir, writeConf, type WorkerHandle } from '../helpers/worker-process';

const LEASE = `s3-writers-test-${process.pid}`;
const BUCKET = 'tributary-writers';
let env: Record<string, string>;
const clients: S3Client[] = [];
const running: WorkerHandle[] = [];

beforeAll(async () => {
  env = await acquireS3(LEASE, BUCKET);
  await readersAvailable();
}, 900_000);

afterAll(async () => {
  for (const w of running) if (w.child.exitCode === null) await w.kill('SIGKILL');
  for (const c of clients) c.destroy();
  await releaseS3(LEASE);
}, 120_000);

function client(): S3Client {
  const c = createS3Client({ endpoint: env['S3_ENDPOINT'], region: env['AWS_REGION'], accessKeyId: env['AWS_ACCESS_KEY_ID'], secretAccessKey: env['AWS_SECRET_ACCESS_KEY'] });
  clients.push(c);
  return c;
}

const runId = (): string => `${Date.now().toString(36)}${Math.floor(Math.random() * 1e4).toString(36)}`;

/** Every object key under `prefix`, and the body of each `.commit` file, read with the plain SDK. */
async function listing(prefix: string): Promise<{ keys: string[]; commits: Map<string, { extraMetadata: Record<string, string> }> }> {
  const c = client();
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await c.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: `${prefix}/`, ContinuationToken: token }));
    for (const o of page.Contents ?? []) keys.push(o.Key!.slice(prefix.length + 1));
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  const commits = new Map<string, { extraMetadata: Record<string, string> }>();
  for (const k of keys.filter((k) => /^\.hoodie\/\d{17}\.commit$/.test(k)).sort()) {
    const body = await c.send(new GetObjectCommand({ Bucket: BUCKET, Key: `${prefix}/${k}` }));
    commits.set(k.slice(8, 25), JSON.parse(await body.Body!.transformToString()) as { extraMetadata: Record<string, string> });
  }
  return { keys, commits };
}

describe('two writers on one S3 table', () => {
  it('overlapping upserts at the same time: one wins each instant, conflicts are written again, the table equals the oracle in hudi-rs', async () => {
    const prefix = `runs/${runId()}/payments`;
    const tableUrl = `s3://${BUCKET}/${prefix}`;
    const dir = mkdtempSync(path.join(tmpdir(), 's3-writers-'));
    const raw: Record<string, string> = {
      tablePath: tableUrl,
      tableName: 'payments',
      schemaPath: path.join(dir, 'payment.avsc'),
      'hoodie.datasource.write.recordkey.field': 'id',
      'hoodie.datasource.write.precombine.field': 'ver',
      'hoodie.datasource.write.partitionpath.field': 'region',
      'hoodie.write.concurrency.mode': 'optimistic_concurrency_control',
      'hoodie.client.heartbeat.interval_in_ms': '2000',
      'hoodie.write.num.retries.on.conflict.failures': '2',
      'hoodie.clean.commits.retained': '4',
    };
    writeFileSync(raw['schemaPath']!, JSON.stringify(PAYMENT_SCHEMA));
    const settings = hudiSinkSettings(hudiSinkConfigDef().parse(raw, { allowUnknown: true }));
    const deps = await openTableDeps(settings, raw['schemaPath']!, raw);
    // Whole seconds: both writers keep proposing the same instant time and must settle it by exclusive create.
    const coarse = () => Math.floor(Date.now() / 1000) * 1000;
    const logs = { a: fakeLogger(), b: fakeLogger() };
    const open = (name: 'a' | 'b'): Promise<HudiTableWriter> =>
      openTableWriter(settings, deps, new S3Storage({ client: client(), location: parseS3Uri(tableUrl) }), { tableName: 'payments', logger: logs[name], now: coarse, writerName: `writer ${name}` });

    // 10 batches per writer over 60 shared keys in 3 partitions; every record has its own version, so the
    // oracle does not depend on which writer commits first.
    let ver = 0;
    const regions = ['eu', 'us', 'ap'];
    const batches = (seed: number): Payment[][] =>
      Array.from({ length: 10 }, (_, b) => Array.from({ length: 25 }, (_, i) => {
        const k = (seed * 7 + b * 13 + i * 5) % 60;
        return { id: `k${k}`, region: regions[k % 3]!, amount: ++ver, ver, _hoodie_is_deleted: false };
      }));
    const work = { a: batches(1), b: batches(2) };
    const writers = { a: await open('a'), b: await open('b') };
    const retriable: string[] = [];
    const run = async (name: 'a' | 'b') => {
      for (const [i, recs] of work[name].entries()) {
        const incoming = recs.map((r) => ({ row: deps.schema.coerce(r), isDelete: false }));
        // As the runtime does: a retriable failure (conflicts beyond the retries, lock wait) is written again.
        for (let attempt = 1; ; attempt++) {
          try {
            await writers[name].write(incoming, 'upsert', deps.schema.columns, deps.schema.schemaJson, { 'test.batch': `${name}${i}` });
            break;
          } catch (err) {
            if (errorCode(err) !== 'RETRIABLE' || attempt >= 8) throw err;
            retriable.push(`${name}${i}: ${(err as Error).message}`);
          }
        }
      }
    };
    await Promise.all([run('a'), run('b')]);
    for (const w of Object.values(writers)) w.close();

    const { keys, commits } = await listing(prefix);
    const batchIds = [...commits.values()].map((m) => m.extraMetadata['test.batch']).sort();
    expect(batchIds, 'every batch committed exactly once').toEqual([...Object.keys(work).flatMap((n) => work[n as 'a' | 'b'].map((_, i) => `${n}${i}`))].sort());
    const warns = [...logs.a.messages('warn'), ...logs.b.messages('warn')];
    const conflicts = warns.filter((m) => m === 'write conflict: writing the batch again on the new commits').length;
    const collisions = warns.filter((m) => m === 'another writer took this instant; trying the next one').length;
    console.log(`two writers on S3: ${commits.size} commits, ${conflicts} conflicts written again, ${collisions} instant collisions, ${retriable.length} retriable failures retried`);
    expect(collisions, 'the writers never proposed the same instant: exclusive create was not exercised').toBeGreaterThan(0);
    expect(conflicts, 'no conflict happened: the test did not exercise the conflict check').toBeGreaterThan(0);
    // Nothing pending, no heartbeat or lock left behind.
    const instants = new Set(keys.filter((k) => /^\.hoodie\/\d{17}\.(commit\.requested|inflight|commit)$/.test(k)).map((k) => k.slice(8, 25)));
    expect([...instants].filter((t) => !commits.has(t)), 'pending or rolled-back instants left on the timeline').toEqual([]);
    expect(keys.filter((k) => k.startsWith('.hoodie/.heartbeat/'))).toEqual([]);
    expect(keys.filter((k) => k.startsWith('.hoodie/.locks/') && k.endsWith('.json')).length).toBeLessThanOrEqual(2);

    const all = [...work.a.flat(), ...work.b.flat()];
    expect(paymentsByKey(await hudiRsSnapshot(tableUrl, { storageOptions: readerStorageOptions(env) })), 'hudi-rs from S3').toEqual(expectedPayments(all));
  }, 600_000);

  it('two hudi-sink connectors of a worker share one s3:// table, and after a restart each resumes from its own commits', async () => {
    const prefix = `runs/${runId()}`;
    const tableUrl = `s3://${BUCKET}/${prefix}/orders`;
    const dir = workerDir('s3-writers-');
    // The S3 connection is the worker's (worker config s3.* keys): the connector configs carry no credentials.
    const secret = env['AWS_SECRET_ACCESS_KEY']!;
    const conf = writeConf(dir, { allowedRoots: `data,s3://${BUCKET}/${prefix}`, queuesPerTopic: '1', 's3.endpoint': env['S3_ENDPOINT']!, 's3.access.key': env['AWS_ACCESS_KEY_ID']!, 's3.secret.key': secret });
    writeFileSync(path.join(dir, 'data', 'payment.avsc'), JSON.stringify(PAYMENT_SCHEMA));
    const inputs = { a: path.join(dir, 'data', 'a.jsonl'), b: path.join(dir, 'data', 'b.jsonl') };
    const all: Payment[] = [];
    let ver = 0;
    const append = (name: 'a' | 'b', from: number, n: number) => {
      const recs = Array.from({ length: n }, (_, i) => ({ id: `${name}${from + i}`, region: ['eu', 'us'][i % 2]!, amount: from + i, ver: ++ver, _hoodie_is_deleted: false }));
      all.push(...recs);
      appendFileSync(inputs[name], recs.map((r) => JSON.stringify(r)).join('\n') + '\n');
    };
    for (const f of Object.values(inputs)) writeFileSync(f, '');
    const sink = (topic: string) => ({
      'connector.class': 'hudi-sink',
      topicNames: topic,
      tablePath: tableUrl,
      tableName: 'orders',
      schemaPath: 'data/payment.avsc',
      'hoodie.datasource.write.operation': 'insert',
      'hoodie.datasource.write.recordkey.field': 'id',
      'hoodie.datasource.write.precombine.field': 'ver',
      'hoodie.datasource.write.partitionpath.field': 'region',
      'hoodie.write.concurrency.mode': 'optimistic_concurrency_control',
      'hoodie.client.heartbeat.interval_in_ms': '2000',
      'commit.interval.ms': '100',
      'commit.max.records': '40',
    });
    const consumed = async (): Promise<Map<string, number>> => {
      const { commits } = await listing(`${prefix}/orders`);
      const latest = new Map<string, number>();
      for (const m of commits.values()) {
        const writer = m.extraMetadata['tributary.writer'];
        const ranges = JSON.parse(m.extraMetadata['tributary.positions'] ?? '{}') as Record<string, [number, number][]>;
        if (writer) latest.set(writer, Object.values(ranges).flat().reduce((n, [a, b]) => n + b - a, 0));
      }
      return latest;
    };
    const settled = (want: { a: number; b: number }) => async () => {
      const c = await consumed();
      return c.get('lake-a') === want.a && c.get('lake-b') === want.b ? c : undefined;
    };

    let w = await startWorker(dir, conf);
    running.push(w);
    for (const name of ['a', 'b'] as const) {
      expect((await api(w.url, 'POST', '/connectors', { name: `src-${name}`, config: { 'connector.class': 'file-source', file: `data/${name}.jsonl`, format: 'jsonl', 'connect.topicname': `t-${name}` } })).status).toBe(201);
      const created = await api(w.url, 'POST', '/connectors', { name: `lake-${name}`, config: sink(`t-${name}`) });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
    }
    append('a', 0, 200);
    append('b', 0, 200);
    await until('both connectors committed their 200 records', settled({ a: 200, b: 200 }), 120_000);
    expect(paymentsByKey(await hudiRsSnapshot(tableUrl, { storageOptions: readerStorageOptions(env) })), 'hudi-rs after the first run').toEqual(expectedPayments(all));

    await w.kill('SIGTERM');
    append('a', 200, 100);
    append('b', 200, 60);
    w = await startWorker(dir, conf);
    running.push(w);
    await until('both connectors committed the records appended while the worker was down', settled({ a: 300, b: 260 }), 120_000);
    expect(paymentsByKey(await hudiRsSnapshot(tableUrl, { storageOptions: readerStorageOptions(env) })), 'hudi-rs after the restart').toEqual(expectedPayments(all));
    const resumed = w.logs.filter((l) => l.includes('resuming from the positions of the last completed commit'));
    expect(resumed.some((l) => l.includes('"t-a"') && !l.includes('"t-b"'))).toBe(true);
    expect(resumed.some((l) => l.includes('"t-b"') && !l.includes('"t-a"'))).toBe(true);
    const shown = JSON.stringify([(await api(w.url, 'GET', '/connectors/lake-a')).body, (await api(w.url, 'GET', '/connectors/lake-a/tasks')).body]);
    expect(shown).toContain('optimistic_concurrency_control');
    expect(shown).not.toContain(secret);
    await w.kill('SIGTERM');
    expect(running.flatMap((r) => r.logs).join('\n')).not.toContain(secret);
  }, 600_000);
});
