// Starts the real REST app over real HTTP (127.0.0.1, port 0) around a FakeHerder, a recording logger and
// fake metrics; `call` is a small fetch wrapper returning status, headers and the parsed body.

import type { Logger } from '../../../runtime/spi';
import { createRestApp, startRestServer, type RestAppOptions, type RestServer } from '../../../runtime/rest/rest-server';
import { FakeHerder } from './fake-herder';

export interface LogEntry {
  level: 'debug' | 'info' | 'warn' | 'error';
  obj: object | string;
  msg?: string;
}

export function recordingLogger(entries: LogEntry[] = []): Logger & { entries: LogEntry[] } {
  const at = (level: LogEntry['level']) => (obj: object | string, msg?: string): void => {
    entries.push(msg === undefined ? { level, obj } : { level, obj, msg });
  };
  const logger = { entries, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), child: () => logger };
  return logger;
}

export interface Harness {
  url: string;
  herder: FakeHerder;
  logger: ReturnType<typeof recordingLogger>;
  server: RestServer;
  call(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; headers: Headers; body: unknown; text: string }>;
  close(): Promise<void>;
}

export async function startHarness(overrides: Partial<RestAppOptions> = {}): Promise<Harness> {
  const herder = new FakeHerder();
  const logger = recordingLogger();
  const metrics = { text: async () => '# HELP tributary_task_records_in_total Records read\ntributary_task_records_in_total{connector="a",task="0"} 3\n', contentType: 'text/plain; version=0.0.4; charset=utf-8' };
  const app = createRestApp({ herder, metrics, logger, maxBodyBytes: 4096, version: '0.1.0-test', commit: 'abc123', ...overrides });
  const server = await startRestServer({ app, host: '127.0.0.1', port: 0 });
  const call: Harness['call'] = async (method, path, body, headers = {}) => {
    const init: RequestInit = { method, headers: { ...headers } };
    if (body !== undefined) {
      init.body = typeof body === 'string' ? body : JSON.stringify(body);
      if (!('content-type' in headers)) (init.headers as Record<string, string>)['content-type'] = 'application/json';
    }
    const res = await fetch(server.url + path, init);
    const text = await res.text();
    let parsed: unknown = undefined;
    if ((res.headers.get('content-type') ?? '').includes('json') && text !== '') parsed = JSON.parse(text);
    return { status: res.status, headers: res.headers, body: parsed, text };
  };
  return { url: server.url, herder, logger, server, call, close: () => server.close() };
}

/** A percent-encoded `?config=` value, as RocketMQ Connect users write it. */
export function configQuery(config: unknown): string {
  return `?config=${encodeURIComponent(JSON.stringify(config))}`;
}
