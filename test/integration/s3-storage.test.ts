// The S3 storage backend against a real S3-compatible server (MinIO built by scripts/s3.sh): the Storage
// contract the table code relies on, conditional creation racing between writers, multipart uploads, and
// paths that would leave the table refused.
import { HeadObjectCommand, ListMultipartUploadsCommand } from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3Storage, createS3Client, multipartEtag, parseS3Uri } from '../../plugins/hudi/storage/s3-storage';
import { errorCode } from '../../runtime/spi';
import { acquireS3, releaseS3 } from '../helpers/s3-server';
import { checkStreamingContract } from '../helpers/storage-streaming';

const LEASE = `s3-storage-test-${process.pid}`;
let env: Record<string, string>;
const BUCKET = 'tributary-it';


function storage(prefix: string, extra: { multipartThresholdBytes?: number } = {}): S3Storage {
  const client = createS3Client({ endpoint: env['S3_ENDPOINT'], region: env['AWS_REGION'], accessKeyId: env['AWS_ACCESS_KEY_ID'], secretAccessKey: env['AWS_SECRET_ACCESS_KEY'] });
  return new S3Storage({ client, location: parseS3Uri(`s3://${BUCKET}/${prefix}`), ...extra, partSizeBytes: 5 * 1024 * 1024 });
}

const unique = (p: string): string => `${p}-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e6).toString(36)}`;

beforeAll(async () => {
  env = await acquireS3(LEASE, BUCKET);
  expect(env['S3_ENDPOINT']).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
}, 900_000);

afterAll(async () => {
  await releaseS3(LEASE);
}, 120_000);

describe('S3Storage against a real S3 server', () => {
  it('write, read, stat, list one level and the whole tree, delete and delete a tree', async () => {
    const s = storage(unique('tables/t'));
    expect(s.location).toMatch(/^s3:\/\/tributary-it\/tables\/t-/);
    await s.writeFile('.hoodie/hoodie.properties', 'a=1\n');
    await s.writeFile('eu/f1.parquet', Buffer.from([1, 2, 3]));
    await s.writeFile('eu/f2.parquet', Buffer.from([4]));
    await s.writeFile('us/x/deep.bin', 'deep');
    expect((await s.readFile('eu/f1.parquet')).equals(Buffer.from([1, 2, 3]))).toBe(true);
    expect(await s.stat('eu/f2.parquet')).toMatchObject({ path: 'eu/f2.parquet', size: 1 });
    expect(await s.exists('eu/none')).toBe(false);
    expect(await s.stat('eu/none')).toBeUndefined();
    await expect(s.readFile('eu/none')).rejects.toSatisfy((e) => errorCode(e) === 'NOT_FOUND');
    expect((await s.list('eu')).map((f) => f.path).sort()).toEqual(['eu/f1.parquet', 'eu/f2.parquet']);
    expect((await s.listDirs('')).sort()).toEqual(['.hoodie', 'eu', 'us']);
    expect((await s.list('')).length).toBe(0);
    expect((await s.listTree('us')).map((f) => f.path)).toEqual(['us/x/deep.bin']);
    expect(await s.list('missing')).toEqual([]);
    await s.writeFile('eu/f2.parquet', Buffer.from([9, 9]));
    expect((await s.readFile('eu/f2.parquet')).length).toBe(2);
    await s.delete('eu/f1.parquet');
    await s.delete('eu/f1.parquet');
    expect((await s.list('eu')).map((f) => f.path)).toEqual(['eu/f2.parquet']);
    await s.deleteTree('');
    expect(await s.listTree('')).toEqual([]);
  }, 60_000);

  it('createExclusive: the second create of a path fails with ALREADY_EXISTS and leaves the first content', async () => {
    const s = storage(unique('excl'));
    await s.createExclusive('.hoodie/001.commit', 'first');
    await expect(s.createExclusive('.hoodie/001.commit', 'second')).rejects.toSatisfy((e) => errorCode(e) === 'ALREADY_EXISTS');
    expect((await s.readFile('.hoodie/001.commit')).toString()).toBe('first');
  }, 60_000);

  it('two writers racing to create the same timeline file 20 times: exactly one wins each time', async () => {
    const base = unique('race');
    const a = storage(base);
    const b = storage(base);
    for (let i = 0; i < 20; i++) {
      const p = `.hoodie/${String(i).padStart(3, '0')}.commit`;
      const results = await Promise.allSettled([a.createExclusive(p, `writer-a-${i}`), b.createExclusive(p, `writer-b-${i}`)]);
      const won = results.filter((r) => r.status === 'fulfilled');
      expect(won.length, `instant ${i}`).toBe(1);
      const lost = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
      expect(errorCode(lost.reason)).toBe('ALREADY_EXISTS');
      const content = (await a.readFile(p)).toString();
      expect(content).toBe(results[0]!.status === 'fulfilled' ? `writer-a-${i}` : `writer-b-${i}`);
    }
  }, 120_000);

  it('two writers creating the same file with equal bytes (empty requested files): still exactly one wins each time', async () => {
    const base = unique('race-same');
    const a = storage(base);
    const b = storage(base);
    for (let i = 0; i < 20; i++) {
      const p = `.hoodie/${String(i).padStart(3, '0')}.commit.requested`;
      const results = await Promise.allSettled([a.createExclusive(p, ''), b.createExclusive(p, '')]);
      expect(results.filter((r) => r.status === 'fulfilled').length, `instant ${i}`).toBe(1);
      expect(errorCode((results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason)).toBe('ALREADY_EXISTS');
    }
    // Sequentially too: the loser's read-back finds equal bytes, which must not pass for its own write.
    await a.createExclusive('.hoodie/100.inflight', '{}');
    await expect(b.createExclusive('.hoodie/100.inflight', '{}')).rejects.toSatisfy((e) => errorCode(e) === 'ALREADY_EXISTS');
  }, 120_000);

  it('files above the threshold go up in parts and read back byte for byte', async () => {
    const prefix = unique('mpu');
    const s = storage(prefix, { multipartThresholdBytes: 5 * 1024 * 1024 });
    const big = Buffer.alloc(12 * 1024 * 1024 + 17);
    for (let i = 0; i < big.length; i += 4096) big.writeUInt32BE(i, i);
    await s.writeFile('p/big.parquet', big);
    const back = await s.readFile('p/big.parquet');
    expect(back.length).toBe(big.length);
    expect(back.equals(big)).toBe(true);
    // A multipart object's ETag ends in -<part count>: proof it did go up in parts (3 parts of 5 MiB).
    const client = createS3Client({ endpoint: env['S3_ENDPOINT'], accessKeyId: env['AWS_ACCESS_KEY_ID'], secretAccessKey: env['AWS_SECRET_ACCESS_KEY'] });
    const head = await client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: `${prefix}/p/big.parquet` }));
    expect(head.ETag).toMatch(/-3"$/);
    // The ETag the storage expects of a completed upload (used when a completion's answer is lost) is S3's.
    const partMd5s = [0, 1, 2].map((n) => `"${createHash('md5').update(big.subarray(n * 5 * 1024 * 1024, Math.min(big.length, (n + 1) * 5 * 1024 * 1024))).digest('hex')}"`);
    expect(multipartEtag(partMd5s)).toBe(head.ETag);
    const small = storage(prefix);
    await small.writeFile('p/small.parquet', Buffer.alloc(1024));
    expect((await client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: `${prefix}/p/small.parquet` }))).ETag).not.toMatch(/-\d+"$/);
  }, 120_000);

  it('ranged reads and streamed writes: small files go up in one PUT at close, large ones as multipart, aborted ones never appear', async () => {
    const prefix = unique('stream');
    const s = storage(prefix, { multipartThresholdBytes: 5 * 1024 * 1024 });
    // 13 MiB in uneven pieces: past the threshold, so parts of 5 MiB (the last smaller) are uploaded as it goes.
    await checkStreamingContract(s, [3 * 1024 * 1024, 1, 4 * 1024 * 1024, 6 * 1024 * 1024 - 1]);
    const client = createS3Client({ endpoint: env['S3_ENDPOINT'], accessKeyId: env['AWS_ACCESS_KEY_ID'], secretAccessKey: env['AWS_SECRET_ACCESS_KEY'] });
    expect((await client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: `${prefix}/p/streamed.parquet` }))).ETag).toMatch(/-\d+"$/);
    // The interrupted stream had started a multipart upload; discardPartial aborted it.
    const uploads = await client.send(new ListMultipartUploadsCommand({ Bucket: BUCKET, Prefix: `${prefix}/` }));
    expect(uploads.Uploads ?? []).toEqual([]);
    const small = storage(unique('stream-small'));
    await checkStreamingContract(small, [10, 20_000]);
  }, 120_000);

  it('paths leaving the table are refused; a missing bucket is named', async () => {
    const s = storage(unique('guard'));
    await expect(s.writeFile('../other/x', 'x')).rejects.toThrow(/leaves the table base path/);
    const client = createS3Client({ endpoint: env['S3_ENDPOINT'], accessKeyId: env['AWS_ACCESS_KEY_ID'], secretAccessKey: env['AWS_SECRET_ACCESS_KEY'] });
    const none = new S3Storage({ client, location: parseS3Uri('s3://no-such-bucket-xyz/t') });
    await expect(none.list('')).rejects.toThrow(/bucket no-such-bucket-xyz does not exist/);
  }, 60_000);
});
