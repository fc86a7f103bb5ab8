// Starts a real worker with scripts/run_worker.sh in a child process, on a free loopback port, with
// its own store and data directories, and finds its URL in the JSON-lines log.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const REPO = path.resolve(__dirname, '../..');

export interface WorkerHandle {
  url: string;
  dir: string;
  conf: string;
  child: ChildProcess;
  logs: string[];
  /** Resolves with the exit code (or signal name). */
  exited: Promise<number | string>;
  kill(signal?: NodeJS.Signals): Promise<number | string>;
}

export function workerDir(prefix = 'worker-'): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  mkdirSync(path.join(dir, 'data'), { recursive: true });
  return dir;
}

export function writeConf(dir: string, extra: Record<string, string> = {}): string {
  const conf = path.join(dir, 'worker.conf');
  const keys = {
    workerId: 'it-worker',
    storePathRootDir: 'data/store',
    httpPort: '0',
    httpHost: '127.0.0.1',
    allowedRoots: 'data',
    offsetCommitIntervalMs: '200',
    ...extra,
  };
  writeFileSync(conf, Object.entries(keys).map(([k, v]) => `${k}=${v}`).join('\n') + '\n');
  return conf;
}

/** Runs the worker in `dir` (relative paths in the conf resolve there) and waits for "worker started". */
export async function startWorker(dir: string, conf = path.join(dir, 'worker.conf'), env: Record<string, string> = {}): Promise<WorkerHandle> {
  const child = spawn('bash', [path.join(REPO, 'scripts', 'run_worker.sh'), conf], { cwd: dir, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const logs: string[] = [];
  const exited = new Promise<number | string>((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  const url = await new Promise<string>((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error(`worker did not start within 60 s; log:\n${logs.join('\n')}`)), 60_000);
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString('utf8');
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        logs.push(line);
        try {
          const rec = JSON.parse(line) as { msg?: string; url?: string };
          if (rec.msg === 'worker started' && rec.url) {
            clearTimeout(timer);
            resolve(rec.url);
          }
        } catch {
          // not a JSON line (npm output during a first build)
        }
      }
    });
    child.stderr!.on('data', (d: Buffer) => logs.push(`stderr: ${d.toString('utf8')}`));
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`worker exited with ${code} before starting; log:\n${logs.join('\n')}`));
    });
  });
  return {
    url,
    dir,
    conf,
    child,
    logs,
    exited,
    kill: async (signal: NodeJS.Signals = 'SIGTERM') => {
      child.kill(signal);
      return exited;
    },
  };
}

/** Runs the worker expecting it to fail at start; returns exit code and output. */
export async function runWorkerToExit(dir: string, conf: string): Promise<{ code: number | string; output: string }> {
  const child = spawn('bash', [path.join(REPO, 'scripts', 'run_worker.sh'), conf], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString('utf8')));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString('utf8')));
  const code = await new Promise<number | string>((resolve) => child.on('exit', (c, s) => resolve(c ?? s ?? -1)));
  return { code, output };
}

export async function api(base: string, method: string, p: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(base + p, { method, headers: body === undefined ? {} : { 'content-type': 'application/json' }, body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body) });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // plain text (metrics)
  }
  return { status: res.status, body: parsed };
}

export async function until<T>(what: string, fn: () => Promise<T | undefined | false> | T | undefined | false, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
