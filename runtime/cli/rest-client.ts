// A small typed client for a worker's REST API (Kafka Connect dialect, plus the RocketMQ-dialect calls
// that have no Kafka equivalent), used by the CLI and by tests. `fetch` is passed in. Invariants: path
// segments are always URL-encoded here, so callers pass names as they are; every non-2xx answer becomes a
// WorkerHttpError carrying the server's `{error_code, message}`, and a worker that cannot be reached
// becomes a WorkerUnreachableError, so callers can tell "the worker said no" from "no worker".

import type { ConnectorInfo, ConnectorOffsets, ConnectorStatus, PluginInfo, TaskInfo, TaskStateInfo, WorkerInfo } from '../herder/herder';
import { ConnectError, type ErrorCode } from '../spi';

export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface RestResponse<T> {
  status: number;
  /** Parsed JSON body; undefined for an empty body; the text itself when it is not JSON. */
  body: T | undefined;
  /** The body exactly as received. */
  text: string;
}

/** The worker answered with an error status. `body` is the server's `{error_code, message, ...}` when JSON. */
export class WorkerHttpError extends ConnectError {
  readonly status: number;
  readonly body: unknown;
  readonly text: string;
  constructor(method: string, url: string, status: number, body: unknown, text: string) {
    const message = serverMessage(body) ?? (text.trim() === '' ? `HTTP ${status}` : text.trim());
    super(codeForStatus(status), `${method} ${url} failed with HTTP ${status}: ${message}`, { retriable: status >= 500 });
    this.name = 'WorkerHttpError';
    this.status = status;
    this.body = body;
    this.text = text;
  }

  /** The server's own message (without the request line), for display. */
  get serverMessage(): string {
    return serverMessage(this.body) ?? (this.text.trim() === '' ? `HTTP ${this.status}` : this.text.trim());
  }

  /** Field-level problems of an invalid config, when the server listed them. */
  get fieldErrors(): { name: string; message: string }[] {
    const errors = isObject(this.body) ? this.body['errors'] : undefined;
    if (!Array.isArray(errors)) return [];
    return errors.filter((e): e is { name: string; message: string } => isObject(e) && typeof e['name'] === 'string' && typeof e['message'] === 'string');
  }
}

/** No answer: connection refused, DNS failure, timeout. Retriable, since a worker may be starting. */
export class WorkerUnreachableError extends ConnectError {
  readonly url: string;
  readonly reason: string;
  constructor(url: string, reason: string, cause?: unknown) {
    super('RETRIABLE', `cannot reach the worker at ${url} (${reason})`, { retriable: true, cause });
    this.name = 'WorkerUnreachableError';
    this.url = url;
    this.reason = reason;
  }
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function serverMessage(body: unknown): string | undefined {
  return isObject(body) && typeof body['message'] === 'string' ? body['message'] : undefined;
}

function codeForStatus(status: number): ErrorCode {
  switch (status) {
    case 400: return 'BAD_REQUEST';
    case 404: return 'NOT_FOUND';
    case 409: return 'ILLEGAL_STATE';
    case 413: return 'PAYLOAD_TOO_LARGE';
    default: return status >= 500 ? 'INTERNAL' : 'BAD_REQUEST';
  }
}

function enc(segment: string | number): string {
  return encodeURIComponent(String(segment));
}

/** RocketMQ-dialect answers wrap the result as `{status, body}`; this returns the inner body. */
export function unwrapRocketMq<T>(value: unknown): T | undefined {
  return (isObject(value) && 'body' in value && 'status' in value ? value['body'] : value) as T | undefined;
}

export interface RestClientOptions {
  /** Worker base URL, e.g. http://127.0.0.1:8082 (a path prefix is kept: http://proxy/tributary/). */
  url: string;
  fetch: FetchLike;
  /** Per request; default 60 s (a restart waits for tasks to stop). */
  timeoutMs?: number;
}

export class RestClient {
  readonly baseUrl: string;
  private readonly fetchFn: FetchLike;
  private readonly timeoutMs: number;

  constructor(options: RestClientOptions) {
    const u = new URL(options.url);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new TypeError(`worker URL ${options.url} must start with http:// or https://`);
    u.search = '';
    u.hash = '';
    this.baseUrl = u.toString().replace(/\/+$/, '');
    this.fetchFn = options.fetch;
    this.timeoutMs = options.timeoutMs ?? 60_000;
  }

  /** Any call; the building block of the typed methods below and of commands added later. */
  async request<T>(method: HttpMethod, path: string, options: { query?: Record<string, string | boolean | undefined>; body?: unknown } = {}): Promise<RestResponse<T>> {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(options.query ?? {})) if (v !== undefined) params.set(k, String(v));
    const qs = params.toString();
    const url = `${this.baseUrl}${path}${qs === '' ? '' : `?${qs}`}`;
    const init: RequestInit = { method, headers: { accept: 'application/json' }, signal: AbortSignal.timeout(this.timeoutMs) };
    if (options.body !== undefined) {
      init.headers = { accept: 'application/json', 'content-type': 'application/json' };
      init.body = JSON.stringify(options.body);
    }
    let res: Response;
    let text: string;
    try {
      res = await this.fetchFn(url, init);
      text = await res.text();
    } catch (err) {
      throw new WorkerUnreachableError(this.baseUrl, this.reason(err), err);
    }
    let body: unknown;
    if (text.trim() !== '') {
      try {
        body = JSON.parse(text);
      } catch {
        body = text;
      }
    }
    if (!res.ok) throw new WorkerHttpError(method, url, res.status, body, text);
    return { status: res.status, body: body as T | undefined, text };
  }

  private reason(err: unknown): string {
    const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
    if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return `no answer within ${this.timeoutMs} ms`;
    return e?.cause?.code ?? e?.cause?.message ?? e?.message ?? String(err);
  }

  listConnectors(): Promise<RestResponse<string[]>> {
    return this.request('GET', '/connectors');
  }

  listConnectorsWithStatus(): Promise<RestResponse<Record<string, { status?: ConnectorStatus; info?: ConnectorInfo }>>> {
    return this.request('GET', '/connectors', { query: { expand: 'status' } });
  }

  getConnector(name: string): Promise<RestResponse<ConnectorInfo>> {
    return this.request('GET', `/connectors/${enc(name)}`);
  }

  createConnector(name: string, config: Record<string, string>, initialState?: string): Promise<RestResponse<ConnectorInfo>> {
    return this.request('POST', '/connectors', { body: { name, config, ...(initialState === undefined ? {} : { initial_state: initialState }) } });
  }

  /** Creates (201) or replaces (200) the whole config. */
  putConnectorConfig(name: string, config: Record<string, string>): Promise<RestResponse<ConnectorInfo>> {
    return this.request('PUT', `/connectors/${enc(name)}/config`, { body: config });
  }

  /** Changes only the given keys (Kafka Connect 3.x PATCH). */
  patchConnectorConfig(name: string, patch: Record<string, string>): Promise<RestResponse<ConnectorInfo>> {
    return this.request('PATCH', `/connectors/${enc(name)}/config`, { body: patch });
  }

  deleteConnector(name: string): Promise<RestResponse<unknown>> {
    return this.request('DELETE', `/connectors/${enc(name)}`);
  }

  pauseConnector(name: string): Promise<RestResponse<unknown>> {
    return this.request('PUT', `/connectors/${enc(name)}/pause`);
  }

  resumeConnector(name: string): Promise<RestResponse<unknown>> {
    return this.request('PUT', `/connectors/${enc(name)}/resume`);
  }

  stopConnector(name: string): Promise<RestResponse<unknown>> {
    return this.request('PUT', `/connectors/${enc(name)}/stop`);
  }

  /** 204 (connector only) or 202 with the status the restart drives towards. */
  restartConnector(name: string, options: { includeTasks: boolean; onlyFailed: boolean }): Promise<RestResponse<ConnectorStatus>> {
    return this.request('POST', `/connectors/${enc(name)}/restart`, { query: { includeTasks: options.includeTasks, onlyFailed: options.onlyFailed } });
  }

  connectorStatus(name: string): Promise<RestResponse<ConnectorStatus>> {
    return this.request('GET', `/connectors/${enc(name)}/status`);
  }

  taskConfigs(name: string): Promise<RestResponse<TaskInfo[]>> {
    return this.request('GET', `/connectors/${enc(name)}/tasks`);
  }

  taskStatus(name: string, task: number): Promise<RestResponse<TaskStateInfo>> {
    return this.request('GET', `/connectors/${enc(name)}/tasks/${enc(task)}/status`);
  }

  restartTask(name: string, task: number): Promise<RestResponse<unknown>> {
    return this.request('POST', `/connectors/${enc(name)}/tasks/${enc(task)}/restart`);
  }

  plugins(): Promise<RestResponse<Pick<PluginInfo, 'class' | 'type' | 'version' | 'aliases'>[]>> {
    return this.request('GET', '/connector-plugins', { query: { connectorsOnly: true } });
  }

  /** RocketMQ dialect (Kafka Connect has no reload): `{status, body: plugins, errors}`. */
  reloadPlugins(): Promise<RestResponse<{ status: number; body: PluginInfo[]; errors?: { location: string; message: string }[] }>> {
    return this.request('POST', '/plugin/reload');
  }

  offsets(name: string): Promise<RestResponse<ConnectorOffsets>> {
    return this.request('GET', `/connectors/${enc(name)}/offsets`);
  }

  /** Only while the connector is STOPPED. */
  alterOffsets(name: string, offsets: ConnectorOffsets): Promise<RestResponse<{ message?: string }>> {
    return this.request('PATCH', `/connectors/${enc(name)}/offsets`, { body: offsets });
  }

  /** Only while the connector is STOPPED. */
  resetOffsets(name: string): Promise<RestResponse<{ message?: string }>> {
    return this.request('DELETE', `/connectors/${enc(name)}/offsets`);
  }

  /** RocketMQ dialect: `{status, body: workers}`. */
  clusterInfo(): Promise<RestResponse<{ status: number; body: WorkerInfo[] }>> {
    return this.request('GET', '/getClusterInfo');
  }
}
