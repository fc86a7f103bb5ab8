// The real S3 server of scripts/s3.sh (MinIO), shared by test files through leases like the RocketMQ broker:
// acquireS3 in beforeAll, releaseS3 in afterAll; the lease is tied to this test process's pid.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { REPO } from './worker-process';

const run = promisify(execFile);

export async function s3sh(...args: string[]): Promise<string> {
  try {
    return (await run('bash', [path.join(REPO, 'scripts', 's3.sh'), ...args], { cwd: REPO, env: { ...process.env, TRIBUTARY_S3_LEASE_PID: String(process.pid) }, maxBuffer: 16 << 20 })).stdout;
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`scripts/s3.sh ${args.join(' ')} failed: ${e.message}\n${(e.stderr ?? '').slice(-4000)}`);
  }
}

/** Starts (or shares) the server, creates `bucket`, and returns the printed settings (S3_ENDPOINT, AWS_*). */
export async function acquireS3(lease: string, bucket: string): Promise<Record<string, string>> {
  const out = await s3sh('start', '--lease', lease);
  const env = Object.fromEntries(out.split('\n').filter((l) => /^[A-Z0-9_]+=/.test(l)).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
  if (!env['S3_ENDPOINT']) throw new Error(`scripts/s3.sh start printed no S3_ENDPOINT:\n${out}`);
  await s3sh('bucket', bucket);
  return env;
}

export async function releaseS3(lease: string): Promise<void> {
  await s3sh('stop', '--lease', lease);
}

/** hudi-rs's object_store options (also read by the Spark reader, see reader_common.s3a_settings) for the server
 *  whose settings acquireS3 returned. */
export function readerStorageOptions(env: Record<string, string>): Record<string, string> {
  return { aws_endpoint_url: env['S3_ENDPOINT']!, aws_access_key_id: env['AWS_ACCESS_KEY_ID']!, aws_secret_access_key: env['AWS_SECRET_ACCESS_KEY']!, aws_region: env['AWS_REGION'] ?? 'us-east-1', aws_allow_http: 'true' };
}
