// Runs a snippet in a child Node process to see whether a RocketMQ client lets the process exit. The child
// reports JSON lines through `out(event, extra)`; `armWatchdog()` starts an unref'd timer that fires only if
// something else still holds the event loop open after `aliveAfterMs`, and then reports "still-alive" with
// the live resources (how a leaked timer or stream shows itself); `forwarder()` puts a TCP forwarder in front
// of the proxy that the child can cut, so "the proxy became unreachable" for this client only (the test proxy
// runs with useEndpointPortFromRequest, so routes keep pointing at the forwarder).
import { spawn } from 'node:child_process';
import { REPO } from './worker-process';

export interface ProbeOptions {
  /** Proxy endpoint, host:port, visible to the snippet as `endpoints`. */
  endpoints: string;
  /** Statements run first (requires, helpers the body uses). */
  prelude: string;
  /** The async body. */
  body: string;
  aliveAfterMs?: number;
}

export async function runProbe(options: ProbeOptions): Promise<Array<Record<string, unknown>>> {
  const src = `
    const net = require('node:net');
    const endpoints = ${JSON.stringify(options.endpoints)};
    const out = (event, extra) => process.stdout.write(JSON.stringify({ event, ...(extra || {}) }) + '\\n');
    const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
    let watchdog = false;
    process.on('exit', () => { if (!watchdog) out('exited-by-itself'); });
    process.on('unhandledRejection', (e) => out('unhandled-rejection', { message: String(e && e.message) }));
    function armWatchdog() {
      setTimeout(() => { watchdog = true; out('still-alive', { resources: process.getActiveResourcesInfo() }); process.exit(0); }, ${options.aliveAfterMs ?? 2_500}).unref();
    }
    function forwarder() {
      const sockets = new Set();
      const [host, port] = endpoints.split(':');
      const server = net.createServer((c) => {
        const u = net.connect(Number(port), host);
        const drop = () => { c.destroy(); u.destroy(); };
        for (const s of [c, u]) { sockets.add(s); s.on('error', drop); s.on('close', drop); }
        c.pipe(u); u.pipe(c);
      });
      return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({
        endpoints: '127.0.0.1:' + server.address().port,
        cut() { server.close(); for (const s of sockets) s.destroy(); },
      })));
    }
    ${options.prelude}
    (async () => { ${options.body} })().catch((e) => { out('error', { message: String(e && e.message) }); process.exitCode = 1; });
  `;
  const child = spawn(process.execPath, ['-e', src], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const hardStop = setTimeout(() => child.kill('SIGKILL'), 60_000);
  await new Promise((resolve) => child.on('close', resolve));
  clearTimeout(hardStop);
  const events = stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  if (events.length === 0) throw new Error(`child reported nothing; stderr:\n${stderr}`);
  return events;
}
