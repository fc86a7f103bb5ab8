// A real worker writes a Hudi table to a real S3 server (MinIO from scripts/s3.sh): file-source (JSON lines)
// → hudi-sink with tablePath s3://…. The table must equal the oracle as read by hudi-rs straight from S3, by
// Spark with the Hudi bundle through Hadoop's s3a (once, on the final table), and by DuckDB on the latest
// committed slices (mirrored to local disk with the plain SDK, chosen from file names and .commit files alone);
// the S3 secret must appear in no REST answer and no log line; a crash after the data files of a commit were
// uploaded leaves readers the previous table, and the restart completes it.
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { execFile } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createS3Client } from '../../plugins/hudi/storage/s3-storage';
import { completedCommits, consumedByTable, duckdbRows, latestSliceFiles } from '../helpers/hudi-files';
import { expectedPayments, paymentsByKey, type Payment } from '../helpers/hudi-table';
import { hudiRsSnapshot, readersAvailable, rowsOf, sparkRead } from '../helpers/table-readers';
import { acquireS3, readerStorageOptions, releaseS3 } from '../helpers/s3-server';
import { REPO, api, startWorker, until, workerDir, writeConf, type WorkerHandle } from '../helpers/worker-process';

const run = promisify(execFile);
const LEASE = `hudi-s3-test-${process.pid}`;
const BUCKET = 'tributary-hudi';
const running: WorkerHandle[] = [];
let env: Record<string, string>;


beforeAll(async () => {
  env = await acquireS3(LEASE, BUCKET);
  await readersAvailable();
}, 900_000);

afterAll(async () => {
  for (const w of running) if (w.child.exitCode === null) await w.kill('SIGKILL');
  await releaseS3(LEASE);
}, 120_000);

/** Copies every object under the table's prefix to a local directory with the plain SDK (no Tributary code). */
async function mirror(prefix: string): Promise<string> {
  const client = createS3Client({ endpoint: env['S3_ENDPOINT'], accessKeyId: env['AWS_ACCESS_KEY_ID'], secretAccessKey: env['AWS_SECRET_ACCESS_KEY'] });
  const dir = mkdtempSync(path.join(tmpdir(), 'hudi-s3-mirror-'));
  let token: string | undefined;
  do {
    const page = await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: `${prefix}/`, ContinuationToken: token }));
    for (const o of page.Contents ?? []) {
      const rel = o.Key!.slice(prefix.length + 1);
      const target = path.join(dir, rel);
      mkdirSync(path.dirname(target), { recursive: true });
      const body = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: o.Key! }));
      writeFileSync(target, Buffer.from(await body.Body!.transformToByteArray()));
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  client.destroy();
  return dir;
}

describe('hudi-sink on S3', () => {
  it('inserts, upserts and deletes land in s3:// and equal the oracle in hudi-rs, Spark and DuckDB; the secret stays hidden; a crash mid-commit is rolled back', async () => {
    const prefix = `runs/${Date.now().toString(36)}${Math.floor(Math.random() * 1e4).toString(36)}`;
    const tableUrl = `s3://${BUCKET}/${prefix}/payments`;
    const dir = workerDir('hudi-s3-');
    const conf = writeConf(dir, { allowedRoots: `data,s3://${BUCKET}/${prefix}`, queuesPerTopic: '1' });
    writeFileSync(
      path.join(dir, 'data', 'payment.avsc'),
      JSON.stringify({ type: 'record', name: 'Payment', fields: [{ name: 'id', type: 'string' }, { name: 'region', type: 'string' }, { name: 'amount', type: 'double' }, { name: 'ver', type: 'long' }, { name: '_hoodie_is_deleted', type: 'boolean', default: false }] }),
    );
    const input = path.join(dir, 'data', 'in.jsonl');
    writeFileSync(input, '');
    const all: Payment[] = [];
    const append = (recs: Payment[]) => {
      all.push(...recs);
      appendFileSync(input, recs.map((r) => JSON.stringify(r)).join('\n') + '\n');
    };
    const secret = env['AWS_SECRET_ACCESS_KEY']!;
    const sinkConfig = {
      'connector.class': 'hudi-sink',
      topicNames: 'pay',
      tablePath: tableUrl,
      tableName: 'payments',
      schemaPath: 'data/payment.avsc',
      'hoodie.datasource.write.recordkey.field': 'id',
      'hoodie.datasource.write.precombine.field': 'ver',
      'hoodie.datasource.write.partitionpath.field': 'region',
      'commit.interval.ms': '200',
      's3.endpoint': env['S3_ENDPOINT']!,
      's3.access.key': env['AWS_ACCESS_KEY_ID']!,
      's3.secret.key': secret,
    };
    const storageOptions = readerStorageOptions(env);
    const want = (): Record<string, string> => expectedPayments(all);
    const check = async (phase: string) => {
      const local = await until(`${phase}: commit covering ${all.length} records`, async () => {
        const m = await mirror(`${prefix}/payments`);
        return consumedByTable(m) >= all.length ? m : undefined;
      }, 60_000);
      expect(paymentsByKey(await duckdbRows(latestSliceFiles(local))), `${phase}: DuckDB on the latest slices`).toEqual(want());
      expect(paymentsByKey(await hudiRsSnapshot(tableUrl, { storageOptions })), `${phase}: hudi-rs from S3`).toEqual(want());
      return local;
    };

    let w = await startWorker(dir, conf);
    running.push(w);
    expect((await api(w.url, 'POST', '/connectors', { name: 'src', config: { 'connector.class': 'file-source', file: 'data/in.jsonl', format: 'jsonl', 'connect.topicname': 'pay' } })).status).toBe(201);
    const created = await api(w.url, 'POST', '/connectors', { name: 'lake', config: sinkConfig });
    expect(created.status, JSON.stringify(created.body)).toBe(201);

    const regions = ['eu', 'us', 'ap'];
    append(Array.from({ length: 300 }, (_, i) => ({ id: `k${i}`, region: regions[i % 3]!, amount: i, ver: 1, _hoodie_is_deleted: false })));
    await check('inserts');
    append(Array.from({ length: 100 }, (_, i) => ({ id: `k${i}`, region: regions[i % 3]!, amount: 1000 + i, ver: 5, _hoodie_is_deleted: false })));
    append(Array.from({ length: 100 }, (_, i) => ({ id: `k${i}`, region: regions[i % 3]!, amount: 2000 + i, ver: 3, _hoodie_is_deleted: false })));
    append(Array.from({ length: 50 }, (_, i) => ({ id: `k${150 + i}`, region: regions[(150 + i) % 3]!, amount: 0, ver: 10, _hoodie_is_deleted: true })));
    await check('upserts and deletes');

    // The secret appears nowhere the REST API or the log can show.
    for (const p of ['/connectors/lake', '/connectors/lake/config', '/connectors/lake/tasks', '/connectors/lake/status', '/connectors?expand=info']) {
      const body = JSON.stringify((await api(w.url, 'GET', p)).body);
      expect(body, p).not.toContain(secret);
    }
    expect(JSON.stringify((await api(w.url, 'GET', '/connectors/lake/config')).body)).toContain('[hidden]');

    // A crash after the data files of a commit were uploaded, before it completed.
    expect(await w.kill('SIGTERM')).toBe(0);
    const before = want();
    w = await startWorker(dir, conf, { TRIBUTARY_HUDI_CRASH_AT: 'after-data-files' });
    running.push(w);
    const beforeCommits = completedCommits(await mirror(`${prefix}/payments`)).length;
    append(Array.from({ length: 60 }, (_, i) => ({ id: `n${i}`, region: regions[i % 3]!, amount: 7000 + i, ver: 30, _hoodie_is_deleted: false })));
    expect(await w.exited).toBe('SIGKILL');
    const crashed = await mirror(`${prefix}/payments`);
    expect(completedCommits(crashed).length).toBe(beforeCommits);
    expect(paymentsByKey(await duckdbRows(latestSliceFiles(crashed))), 'after the crash: DuckDB sees the previous table').toEqual(before);
    expect(paymentsByKey(await hudiRsSnapshot(tableUrl, { storageOptions })), 'after the crash: hudi-rs sees the previous table').toEqual(before);

    w = await startWorker(dir, conf);
    running.push(w);
    await check('after restart');
    // One Spark read (a JVM start costs 15-30 s), on the final table: after the crash and the restart.
    const [spark] = await sparkRead(tableUrl, [{ type: 'snapshot' }], { storageOptions });
    expect(paymentsByKey(rowsOf(spark!)), 'after restart: Spark from S3 (s3a)').toEqual(want());
    // `tributary table` reads the table straight from S3 (credentials from the AWS environment).
    const cli = await run(path.join(REPO, 'bin', 'tributary'), ['table', 'read', tableUrl, '--json', '--s3-endpoint', env['S3_ENDPOINT']!], {
      cwd: dir,
      env: { ...process.env, AWS_ACCESS_KEY_ID: env['AWS_ACCESS_KEY_ID']!, AWS_SECRET_ACCESS_KEY: secret, AWS_REGION: env['AWS_REGION'] ?? 'us-east-1' },
      maxBuffer: 16 << 20,
    });
    expect(paymentsByKey(cli.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>)), 'tributary table read s3://…').toEqual(want());
    const logs = w.logs.join('\n') + running.map((r) => r.logs.join('\n')).join('\n');
    expect(logs).not.toContain(secret);
    expect(await w.kill('SIGTERM')).toBe(0);
  }, 600_000);
});
