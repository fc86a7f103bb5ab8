// A stand-in for a worker's REST API on 127.0.0.1 (free port) that records every request and answers from
// a table, so CLI tests can check the exact HTTP requests each command sends.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  /** Path and query, exactly as sent. */
  url: string;
  contentType: string | undefined;
  body: string;
}

export interface StubAnswer {
  status: number;
  /** JSON-encoded unless a string (sent as is). */
  body?: unknown;
}

export interface StubWorker {
  url: string;
  requests: RecordedRequest[];
  /** Answers by `METHOD /path?query`, then `METHOD /path`; anything else is a 404 in Kafka's error shape. */
  routes: Map<string, StubAnswer>;
  close(): Promise<void>;
}

export async function startStubWorker(routes: Record<string, StubAnswer> = {}): Promise<StubWorker> {
  const table = new Map(Object.entries(routes));
  const requests: RecordedRequest[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = req.url ?? '/';
      requests.push({ method: req.method ?? '', url, contentType: req.headers['content-type'], body: Buffer.concat(chunks).toString('utf8') });
      const answer = table.get(`${req.method} ${url}`) ?? table.get(`${req.method} ${url.split('?')[0]}`) ?? {
        status: 404,
        body: { error_code: 404, message: `stub has no answer for ${req.method} ${url}` },
      };
      if (answer.body === undefined) {
        res.writeHead(answer.status).end();
      } else if (typeof answer.body === 'string') {
        res.writeHead(answer.status, { 'content-type': 'text/plain' }).end(answer.body);
      } else {
        res.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.body));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    routes: table,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections(); // fetch keeps connections alive; do not wait for them to time out
      }),
  };
}

/** A URL on which nothing listens: a port that was just free. */
export async function deadUrl(): Promise<string> {
  const stub = await startStubWorker();
  await stub.close();
  return stub.url;
}
