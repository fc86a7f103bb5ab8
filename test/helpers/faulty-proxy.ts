// A fault-injecting HTTP reverse proxy in front of an S3 server (the MinIO of scripts/s3.sh), for tests of what
// the S3 storage and the table writer do when the network and the server misbehave. Per request it does one of:
//   pass              forward the request, relay the answer;
//   slowDown503       answer 503 SlowDown with S3's XML error body, without forwarding;
//   internalError500  answer 500 InternalError likewise, without forwarding;
//   cutAfterForward   forward the request, read the server's whole answer, then cut the client's connection
//                     before a byte of that answer reaches it: the dangerous case, the write landed but the
//                     client does not know;
//   cutBeforeForward  cut the client's connection before anything is forwarded.
// Which one is drawn from a seeded PRNG (mulberry32), two numbers per request in order of arrival, so a run whose
// requests arrive in the same order (one client issuing them one after another) gets the same faults. Faults
// can be switched off (`enabled = false`), their share changed (`rate`), and scripted for the next requests
// (`force`), which is how a test makes a rare sequence happen for sure.
//
// SigV4: the client signs the Host it sends, the proxy's 127.0.0.1:<port>. The request is forwarded with that
// Host header unchanged (and every signed header untouched), so the signature MinIO checks is over exactly what
// the client signed; MinIO accepts any Host as long as the signature matches it. Only hop-by-hop headers and
// `Expect` (never signed by the SDK; the proxy already answered 100-continue to the client) are dropped.
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type FaultKind = 'slowDown503' | 'internalError500' | 'cutAfterForward' | 'cutBeforeForward';
export type Action = 'pass' | FaultKind;
export const FAULT_KINDS: readonly FaultKind[] = ['slowDown503', 'internalError500', 'cutAfterForward', 'cutBeforeForward'];

export interface RequestInfo {
  method: string;
  /** Path and query as sent, e.g. /bucket/key?uploadId=… */
  url: string;
  headers: http.IncomingHttpHeaders;
}

export interface FaultyProxyOptions {
  /** The S3 server, e.g. http://127.0.0.1:9000. */
  upstream: string;
  seed: number;
  /** Share of requests that get a fault, 0..1. Default 0.2. */
  rate?: number;
  /** Relative weights of the fault kinds. Default: equal. */
  weights?: Partial<Record<FaultKind, number>>;
  /** Requests for which this is false are always passed through (they still draw their random numbers). */
  eligible?: (r: RequestInfo) => boolean;
}

export interface FaultCounters {
  requests: number;
  pass: number;
  slowDown503: number;
  internalError500: number;
  cutAfterForward: number;
  cutBeforeForward: number;
  /** cutAfterForward on a PUT/POST/DELETE that the server answered with 2xx: a write that landed unseen. */
  landedUnseen: number;
  /** ... of which conditional create-only PUTs (If-None-Match: *). */
  landedUnseenConditional: number;
  /** ... of which multipart requests (UploadPart / CompleteMultipartUpload / CreateMultipartUpload). */
  landedUnseenMultipart: number;
  /** Requests forced through `force`. */
  forced: number;
}

export interface ProxyEvent {
  n: number;
  method: string;
  url: string;
  action: Action;
  /** The server's status, for forwarded requests (undefined if the server never answered). */
  status?: number;
}

interface Forced {
  action: Action;
  match?: (r: RequestInfo) => boolean;
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authorization', 'te', 'trailer', 'upgrade', 'expect']);

/** mulberry32: a small, well-mixed 32-bit PRNG; the same seed gives the same sequence. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function xmlEscape(s: string): string {
  return s.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!);
}

/** S3's error document, as S3 and MinIO send it. */
export function s3ErrorXml(code: string, message: string, url: string, requestId: string): string {
  const path = url.split('?')[0] ?? '/';
  const [, bucket = '', ...key] = path.split('/');
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<Error><Code>${code}</Code><Message>${xmlEscape(message)}</Message>` +
    (bucket ? `<BucketName>${xmlEscape(decodeURIComponent(bucket))}</BucketName>` : '') +
    (key.length > 0 ? `<Key>${xmlEscape(decodeURIComponent(key.join('/')))}</Key>` : '') +
    `<Resource>${xmlEscape(path)}</Resource><RequestId>${requestId}</RequestId><HostId>faulty-proxy</HostId></Error>`
  );
}

export class FaultyProxy {
  /** Faults on or off; off = every request passes. */
  enabled = true;
  rate: number;
  readonly counters: FaultCounters = { requests: 0, pass: 0, slowDown503: 0, internalError500: 0, cutAfterForward: 0, cutBeforeForward: 0, landedUnseen: 0, landedUnseenConditional: 0, landedUnseenMultipart: 0, forced: 0 };
  /** The last 5,000 requests, for diagnosing a failure. */
  readonly events: ProxyEvent[] = [];
  private readonly random: () => number;
  private readonly weights: [FaultKind, number][];
  private readonly forced: Forced[] = [];
  private readonly sockets = new Set<Socket>();
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  private readonly upstream: URL;
  private server!: http.Server;
  private port = 0;

  private constructor(private readonly o: FaultyProxyOptions) {
    this.upstream = new URL(o.upstream);
    this.random = mulberry32(o.seed);
    this.rate = o.rate ?? 0.2;
    this.weights = FAULT_KINDS.map((k) => [k, o.weights?.[k] ?? 1]);
  }

  static async start(o: FaultyProxyOptions): Promise<FaultyProxy> {
    const p = new FaultyProxy(o);
    p.server = http.createServer((req, res) => p.handle(req, res));
    p.server.on('connection', (s: Socket) => {
      p.sockets.add(s);
      s.on('close', () => p.sockets.delete(s));
    });
    await new Promise<void>((resolve, reject) => {
      p.server.once('error', reject);
      p.server.listen(0, '127.0.0.1', () => resolve());
    });
    p.port = (p.server.address() as AddressInfo).port;
    return p;
  }

  /** http://127.0.0.1:<port>: the endpoint to give the S3 client. */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The next requests matching `match` (any request if omitted) get these actions, in order, whether or not
   *  faults are enabled; a request not matching the head of the queue is decided as usual. */
  force(actions: Action[], match?: (r: RequestInfo) => boolean): void {
    for (const action of actions) this.forced.push({ action, ...(match ? { match } : {}) });
  }

  /** Scripted actions not used yet. */
  get pendingForced(): number {
    return this.forced.length;
  }

  /** One line for a test's output. */
  summary(): string {
    const c = this.counters;
    const faults = c.slowDown503 + c.internalError500 + c.cutAfterForward + c.cutBeforeForward;
    return `requests=${c.requests} faults=${faults} (${c.requests ? ((100 * faults) / c.requests).toFixed(1) : '0'}%): pass=${c.pass} slowDown503=${c.slowDown503} internalError500=${c.internalError500} cutAfterForward=${c.cutAfterForward} (writes landed unseen=${c.landedUnseen}, conditional=${c.landedUnseenConditional}, multipart=${c.landedUnseenMultipart}) cutBeforeForward=${c.cutBeforeForward} forced=${c.forced}`;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    this.agent.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private decide(info: RequestInfo): Action {
    // Two draws per request whatever happens, so switching faults on and off keeps the sequence aligned.
    const r1 = this.random();
    const r2 = this.random();
    const head = this.forced[0];
    if (head && (!head.match || head.match(info))) {
      this.forced.shift();
      this.counters.forced++;
      return head.action;
    }
    if (!this.enabled || r1 >= this.rate || (this.o.eligible && !this.o.eligible(info))) return 'pass';
    const total = this.weights.reduce((s, [, w]) => s + w, 0);
    let x = r2 * total;
    for (const [k, w] of this.weights) {
      if (x < w) return k;
      x -= w;
    }
    return this.weights[this.weights.length - 1]![0];
  }

  private record(e: ProxyEvent): ProxyEvent {
    this.events.push(e);
    if (this.events.length > 5000) this.events.splice(0, this.events.length - 5000);
    return e;
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const info: RequestInfo = { method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers };
    const action = this.decide(info);
    const n = ++this.counters.requests;
    this.counters[action]++;
    const event = this.record({ n, method: info.method, url: info.url, action });
    switch (action) {
      case 'cutBeforeForward':
        req.socket.destroy();
        return;
      case 'slowDown503':
      case 'internalError500': {
        const [status, code, message] = action === 'slowDown503' ? [503, 'SlowDown', 'Please reduce your request rate.'] : [500, 'InternalError', 'We encountered an internal error. Please try again.'];
        // The body is read first, as a server does before it answers; answering mid-upload would add a second
        // fault (a broken pipe) to this one.
        req.resume();
        req.on('end', () => {
          const requestId = `FAULT${n.toString(16).toUpperCase().padStart(12, '0')}`;
          const body = info.method === 'HEAD' ? '' : s3ErrorXml(code, message, info.url, requestId);
          res.writeHead(status, { 'Content-Type': 'application/xml', 'Content-Length': Buffer.byteLength(body), 'x-amz-request-id': requestId, Server: 'faulty-proxy' });
          res.end(body);
        });
        req.on('error', () => undefined);
        return;
      }
      default:
        this.forward(req, res, info, action, event);
    }
  }

  private forward(req: http.IncomingMessage, res: http.ServerResponse, info: RequestInfo, action: Action, event: ProxyEvent): void {
    const headers: http.OutgoingHttpHeaders = {};
    for (const [k, v] of Object.entries(req.headers)) if (!HOP_BY_HOP.has(k) && v !== undefined) headers[k] = v;
    // req.headers.host is the proxy's host:port, which the client signed: kept as is.
    const up = http.request({ host: this.upstream.hostname, port: this.upstream.port || 80, method: info.method, path: info.url, headers, agent: this.agent, setHost: false }, (ures) => {
      event.status = ures.statusCode;
      if (action === 'cutAfterForward') {
        // The whole answer is read (CompleteMultipartUpload may send 200 early and the outcome later), then the
        // client's connection is cut without a byte of it.
        ures.resume();
        ures.on('end', () => {
          const status = ures.statusCode ?? 0;
          if (status >= 200 && status < 300 && info.method !== 'GET' && info.method !== 'HEAD') {
            this.counters.landedUnseen++;
            if (info.headers['if-none-match'] === '*') this.counters.landedUnseenConditional++;
            if (/[?&](uploadId|uploads)(=|&|$)/.test(info.url)) this.counters.landedUnseenMultipart++;
          }
          req.socket.destroy();
        });
        ures.on('error', () => req.socket.destroy());
        return;
      }
      const out: http.OutgoingHttpHeaders = {};
      for (const [k, v] of Object.entries(ures.headers)) if (!HOP_BY_HOP.has(k) && v !== undefined) out[k] = v;
      res.writeHead(ures.statusCode ?? 502, ures.statusMessage, out);
      ures.pipe(res);
      ures.on('error', () => req.socket.destroy());
    });
    up.on('error', () => req.socket.destroy());
    req.on('error', () => up.destroy());
    req.pipe(up);
  }
}
