// The real RocketMQ (name server, broker, proxy) of scripts/rocketmq.sh, shared by test files through
// leases: a file takes a lease in beforeAll and releases it in afterAll; the last lease stops the broker.
// The lease is tied to this test process's pid, so a crashed run does not pin the broker.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

const REPO = path.resolve(__dirname, '../..');
const SCRIPT = path.join(REPO, 'scripts', 'rocketmq.sh');
const run = promisify(execFile);

export interface BrokerEnv {
  /** Name server host:port. */
  namesrv: string;
  /** Proxy gRPC host:port. */
  proxy: string;
  env: Record<string, string>;
}

/** A broker of its own (state directory and ports) for tests that crash or restart it: the shared one must
 *  stay up for the test files running beside them. */
export function privateInstance(name: string, portBase: number): Record<string, string> {
  return {
    TRIBUTARY_ROCKETMQ_DIR: `/tmp/tributary-rocketmq-${name}`,
    TRIBUTARY_RMQ_NAMESRV_PORT: String(portBase),
    TRIBUTARY_RMQ_BROKER_PORT: String(portBase + 1000),
    TRIBUTARY_RMQ_PROXY_PORT: String(portBase + 2000),
    TRIBUTARY_RMQ_PROXY_REMOTING_PORT: String(portBase + 2001),
  };
}

/** Runs scripts/rocketmq.sh; `instance` selects a private broker (see privateInstance). */
export async function rocketmqAt(instance: Record<string, string>, ...args: string[]): Promise<{ stdout: string; stderr: string }> {
  try {
    return await run('bash', [SCRIPT, ...args], { cwd: REPO, env: { ...process.env, ...instance, TRIBUTARY_RMQ_LEASE_PID: String(process.pid) }, maxBuffer: 16 * 1024 * 1024 });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`scripts/rocketmq.sh ${args.join(' ')} failed: ${e.message}\n${(e.stderr ?? '').slice(-4000)}`);
  }
}

export function rocketmq(...args: string[]): Promise<{ stdout: string; stderr: string }> {
  return rocketmqAt({}, ...args);
}

export function parseEnv(stdout: string): Record<string, string> {
  return Object.fromEntries(
    stdout
      .split('\n')
      .filter((l) => /^[A-Z_]+=/.test(l))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
}

export async function acquireBroker(lease: string, instance: Record<string, string> = {}): Promise<BrokerEnv> {
  const env = parseEnv((await rocketmqAt(instance, 'start', '--lease', lease)).stdout);
  const namesrv = env['ROCKETMQ_NAMESRV_ADDR'];
  const proxy = env['ROCKETMQ_PROXY_ENDPOINTS'];
  if (!namesrv || !proxy) throw new Error(`scripts/rocketmq.sh start printed no ROCKETMQ_NAMESRV_ADDR / ROCKETMQ_PROXY_ENDPOINTS: ${JSON.stringify(env)}`);
  return { namesrv, proxy, env };
}

export async function releaseBroker(lease: string, instance: Record<string, string> = {}): Promise<void> {
  await rocketmqAt(instance, 'stop', '--lease', lease);
}

export function uniqueName(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}_${Math.floor(Math.random() * 1e6).toString(36)}`;
}
