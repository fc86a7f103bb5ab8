// RocketMQ's remoting protocol (the TCP protocol of the name server and broker, which RocketMQ Connect's
// Java runtime uses through DefaultLitePullConsumer and DefaultMQAdminExt): length-prefixed frames with a
// JSON header and a binary body. Used by the RocketMQ transport for what the proxy's gRPC API does not
// offer in 5.3/5.5: pulling a queue from an offset, committing a group's offset, max offsets, routes and
// topic creation. One socket per address, requests matched to responses by `opaque`.

import net from 'node:net';
import { ConnectError } from '../../spi';

/** Request codes (org.apache.rocketmq.remoting.protocol.RequestCode). */
export const RequestCode = {
  SEND_MESSAGE: 10,
  PULL_MESSAGE: 11,
  QUERY_CONSUMER_OFFSET: 14,
  UPDATE_CONSUMER_OFFSET: 15,
  UPDATE_AND_CREATE_TOPIC: 17,
  GET_MAX_OFFSET: 30,
  GET_MIN_OFFSET: 31,
  GET_ROUTEINFO_BY_TOPIC: 105,
  GET_BROKER_CLUSTER_INFO: 106,
  GET_ALL_TOPIC_LIST_FROM_NAMESERVER: 206,
  SEND_BATCH_MESSAGE: 320,
} as const;

/** Response codes (org.apache.rocketmq.remoting.protocol.ResponseCode). */
export const ResponseCode = {
  SUCCESS: 0,
  SYSTEM_ERROR: 1,
  SYSTEM_BUSY: 2,
  REQUEST_CODE_NOT_SUPPORTED: 3,
  FLUSH_DISK_TIMEOUT: 10,
  SLAVE_NOT_AVAILABLE: 11,
  FLUSH_SLAVE_TIMEOUT: 12,
  SERVICE_NOT_AVAILABLE: 14,
  TOPIC_NOT_EXIST: 17,
  PULL_NOT_FOUND: 19,
  PULL_RETRY_IMMEDIATELY: 20,
  PULL_OFFSET_MOVED: 21,
  QUERY_NOT_FOUND: 22,
} as const;

/** Codes after which the same request may succeed later (broker busy, restarting, flushing). */
const RETRIABLE_CODES = new Set<number>([
  ResponseCode.SYSTEM_ERROR,
  ResponseCode.SYSTEM_BUSY,
  ResponseCode.FLUSH_DISK_TIMEOUT,
  ResponseCode.SLAVE_NOT_AVAILABLE,
  ResponseCode.FLUSH_SLAVE_TIMEOUT,
  ResponseCode.SERVICE_NOT_AVAILABLE,
]);

export interface RemotingCommand {
  code: number;
  flag: number;
  opaque: number;
  remark?: string | null;
  extFields?: Record<string, string>;
  body?: Buffer;
}

const RESPONSE_FLAG = 1;
/** Version sent in requests: RocketMQ 5.3.3 (MQVersion.Version ordinal); brokers only compare it with older versions. */
const CLIENT_VERSION = 475;

export function encodeCommand(cmd: RemotingCommand): Buffer {
  const header = Buffer.from(
    JSON.stringify({ code: cmd.code, language: 'OTHER', version: CLIENT_VERSION, opaque: cmd.opaque, flag: cmd.flag, remark: cmd.remark ?? null, extFields: cmd.extFields ?? {}, serializeTypeCurrentRPC: 'JSON' }),
    'utf8',
  );
  const body = cmd.body ?? Buffer.alloc(0);
  const frame = Buffer.allocUnsafe(8 + header.length + body.length);
  frame.writeInt32BE(4 + header.length + body.length, 0);
  // Serialization type (0 = JSON) in the high byte, header length in the low three.
  frame.writeInt32BE(header.length & 0xffffff, 4);
  header.copy(frame, 8);
  body.copy(frame, 8 + header.length);
  return frame;
}

/** Decodes one frame (without its 4-byte length prefix). */
export function decodeCommand(frame: Buffer): RemotingCommand {
  const mark = frame.readInt32BE(0);
  const type = (mark >>> 24) & 0xff;
  const headerLength = mark & 0xffffff;
  if (type !== 0) throw new Error(`remoting frame uses serialization type ${type}; only JSON (0) is supported`);
  const header = parseFastJson(frame.subarray(4, 4 + headerLength).toString('utf8')) as RemotingCommand;
  return { code: header.code, flag: header.flag, opaque: header.opaque, remark: header.remark, extFields: header.extFields ?? {}, body: frame.subarray(4 + headerLength) };
}

/**
 * Parses the JSON RocketMQ's servers write with fastjson, which leaves integer map keys unquoted
 * (`"brokerAddrs":{0:"127.0.0.1:10911"}`). Quotes such keys outside strings, then uses JSON.parse.
 */
export function parseFastJson(text: string): unknown {
  let out = '';
  let inString = false;
  let i = 0;
  let afterOpen = false; // last significant character outside a string was `{` or `,`
  while (i < text.length) {
    const c = text[i]!;
    if (inString) {
      out += c;
      if (c === '\\') {
        out += text[i + 1] ?? '';
        i += 2;
        continue;
      }
      if (c === '"') inString = false;
      i++;
      continue;
    }
    if (c === '"') {
      inString = true;
      afterOpen = false;
      out += c;
      i++;
      continue;
    }
    if (afterOpen && (c === '-' || (c >= '0' && c <= '9'))) {
      const m = /^-?\d+(?=\s*:)/.exec(text.slice(i, i + 24));
      if (m) {
        out += `"${m[0]}"`;
        i += m[0].length;
        afterOpen = false;
        continue;
      }
    }
    if (c === '{' || c === ',') afterOpen = true;
    else if (c !== ' ' && c !== '\n' && c !== '\r' && c !== '\t') afterOpen = false;
    out += c;
    i++;
  }
  return JSON.parse(out);
}

/** A failed remoting call: the server's code and remark, or a connection problem (code -1). */
export class RemotingError extends ConnectError {
  constructor(
    readonly address: string,
    readonly responseCode: number,
    message: string,
    retriable: boolean,
    cause?: unknown,
  ) {
    super(retriable ? 'RETRIABLE' : 'INTERNAL', message, { retriable, cause });
  }
}

interface Pending {
  resolve(cmd: RemotingCommand): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
}

/** One TCP connection to one name server or broker; reconnects on the next request after a failure. */
class Connection {
  private socket: net.Socket | undefined;
  private connecting: Promise<net.Socket> | undefined;
  private buffer: Buffer = Buffer.alloc(0);
  private readonly pending = new Map<number, Pending>();

  constructor(
    readonly address: string,
    private readonly connectTimeoutMs: number,
  ) {}

  async send(cmd: RemotingCommand, timeoutMs: number): Promise<RemotingCommand> {
    const socket = await this.connect();
    return new Promise<RemotingCommand>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(cmd.opaque);
        reject(new RemotingError(this.address, -1, `request ${cmd.code} to ${this.address} timed out after ${timeoutMs} ms`, true));
      }, timeoutMs);
      this.pending.set(cmd.opaque, { resolve, reject, timer });
      socket.write(encodeCommand(cmd));
    });
  }

  close(): void {
    this.fail(new RemotingError(this.address, -1, `connection to ${this.address} closed by the client`, true));
    this.socket?.destroy();
    this.socket = undefined;
  }

  private connect(): Promise<net.Socket> {
    if (this.socket && !this.socket.destroyed) return Promise.resolve(this.socket);
    this.connecting ??= new Promise<net.Socket>((resolve, reject) => {
      const [host, portText] = splitAddress(this.address);
      const socket = net.connect({ host, port: Number(portText) });
      socket.setNoDelay(true);
      const timer = setTimeout(() => socket.destroy(new Error(`connect timed out after ${this.connectTimeoutMs} ms`)), this.connectTimeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        this.socket = socket;
        this.buffer = Buffer.alloc(0);
        this.connecting = undefined;
        resolve(socket);
      });
      socket.on('data', (chunk: Buffer) => this.onData(chunk));
      socket.on('error', (err) => {
        clearTimeout(timer);
        if (this.connecting && this.socket !== socket) {
          this.connecting = undefined;
          reject(new RemotingError(this.address, -1, `cannot connect to ${this.address}: ${err.message}`, true, err));
        }
        this.fail(new RemotingError(this.address, -1, `connection to ${this.address} failed: ${err.message}`, true, err));
      });
      socket.on('close', () => {
        if (this.socket === socket) this.socket = undefined;
        this.fail(new RemotingError(this.address, -1, `connection to ${this.address} closed`, true));
      });
    });
    return this.connecting;
  }

  private onData(chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    while (this.buffer.length >= 4) {
      const length = this.buffer.readInt32BE(0);
      if (this.buffer.length < 4 + length) break;
      const frame = this.buffer.subarray(4, 4 + length);
      this.buffer = this.buffer.subarray(4 + length);
      let cmd: RemotingCommand;
      try {
        cmd = decodeCommand(frame);
      } catch (err) {
        this.socket?.destroy(err as Error);
        return;
      }
      if ((cmd.flag & RESPONSE_FLAG) === 0) continue; // server-initiated requests (e.g. consumer notifications): not used
      const p = this.pending.get(cmd.opaque);
      if (!p) continue; // answered after its timeout
      this.pending.delete(cmd.opaque);
      clearTimeout(p.timer);
      p.resolve(cmd);
    }
  }

  private fail(err: Error): void {
    for (const [opaque, p] of this.pending) {
      clearTimeout(p.timer);
      this.pending.delete(opaque);
      p.reject(err);
    }
  }
}

function splitAddress(address: string): [string, string] {
  const i = address.lastIndexOf(':');
  if (i <= 0) throw new ConnectError('CONFIG_INVALID', `RocketMQ address ${JSON.stringify(address)} is not host:port`);
  return [address.slice(0, i), address.slice(i + 1)];
}

export interface RemotingClientOptions {
  connectTimeoutMs?: number;
  requestTimeoutMs?: number;
}

/** Request/response over pooled connections, one per address. */
export class RemotingClient {
  private readonly connections = new Map<string, Connection>();
  private opaque = 1;
  private closed = false;
  readonly requestTimeoutMs: number;
  private readonly connectTimeoutMs: number;

  constructor(options: RemotingClientOptions = {}) {
    this.connectTimeoutMs = options.connectTimeoutMs ?? 3000;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 5000;
  }

  /** Sends a request; resolves with the response whatever its code (see `call` for checked calls). */
  async request(address: string, code: number, extFields: Record<string, string | number | boolean>, body?: Buffer, timeoutMs = this.requestTimeoutMs): Promise<RemotingCommand> {
    if (this.closed) throw new RemotingError(address, -1, 'RocketMQ client is closed', false);
    let conn = this.connections.get(address);
    if (!conn) {
      conn = new Connection(address, this.connectTimeoutMs);
      this.connections.set(address, conn);
    }
    const fields: Record<string, string> = {};
    for (const [k, v] of Object.entries(extFields)) fields[k] = String(v);
    this.opaque = (this.opaque + 1) & 0x7fffffff;
    return conn.send({ code, flag: 0, opaque: this.opaque, extFields: fields, body }, timeoutMs);
  }

  /** A request whose response must be one of `ok` (default SUCCESS); other codes become RemotingError. */
  async call(address: string, code: number, what: string, extFields: Record<string, string | number | boolean>, body?: Buffer, options: { ok?: number[]; timeoutMs?: number } = {}): Promise<RemotingCommand> {
    const res = await this.request(address, code, extFields, body, options.timeoutMs);
    if (!(options.ok ?? [ResponseCode.SUCCESS]).includes(res.code)) {
      throw new RemotingError(address, res.code, `${what} failed at ${address}: code ${res.code}${res.remark ? ` (${res.remark})` : ''}`, RETRIABLE_CODES.has(res.code));
    }
    return res;
  }

  close(): void {
    this.closed = true;
    for (const c of this.connections.values()) c.close();
    this.connections.clear();
  }
}
