// The one place where errors become HTTP answers: status + `{error_code, message, code}` (Kafka Connect's
// shape, plus our stable ConnectError code). Errors are classified by their `code` property, never by
// `instanceof` (plugins may carry another copy of the SPI). A 500 means a bug in Tributary: only those are
// logged with their stack; everything the caller can fix is a 4xx whose message says what to do.

import { errorCode, errorTrace, type ConfigFieldError, type ErrorCode, type Logger } from '../spi';

export interface ErrorBody {
  /** The numeric HTTP status, as Kafka Connect answers it. */
  error_code: number;
  message: string;
  /** The ConnectError code, stable across releases; clients branch on this, not on the message. */
  code: ErrorCode;
  /** Field-level problems of an invalid config (CONFIG_INVALID only). */
  errors?: ConfigFieldError[];
}

export interface MappedError {
  status: number;
  body: ErrorBody;
}

const STATUS_BY_CODE: Partial<Record<ErrorCode, number>> = {
  CONFIG_INVALID: 400,
  BAD_REQUEST: 400,
  NOT_FOUND: 404,
  ALREADY_EXISTS: 409,
  ILLEGAL_STATE: 409,
  PAYLOAD_TOO_LARGE: 413,
};

export type RestError = Error & { code: ErrorCode; retriable: boolean; httpStatus?: number };

/** A ConnectError-shaped object: what the REST layer itself throws for request problems. The class is
 *  not used so that this module and the herder agree only on the `code` contract. `httpStatus` refines the
 *  status for HTTP-only conditions that have no code of their own (405). */
export function restError(code: ErrorCode, message: string, httpStatus?: number): RestError {
  const err: RestError = Object.assign(new Error(message), { name: 'ConnectError', code, retriable: false });
  if (httpStatus !== undefined) err.httpStatus = httpStatus;
  return err;
}

/** Wrong method on a known path. */
export function methodNotAllowed(method: string, path: string, allow: string): RestError {
  return restError('BAD_REQUEST', `method ${method} is not allowed on ${path}; allowed methods: ${allow}`, 405);
}

function httpStatusOverride(err: unknown): number | undefined {
  const s = typeof err === 'object' && err !== null ? (err as { httpStatus?: unknown }).httpStatus : undefined;
  return typeof s === 'number' && s >= 400 && s < 500 ? s : undefined;
}

function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (typeof err === 'object' && err !== null && typeof (err as { message?: unknown }).message === 'string') return (err as { message: string }).message;
  return String(err);
}

function fieldErrors(err: unknown): ConfigFieldError[] | undefined {
  const list = typeof err === 'object' && err !== null ? (err as { errors?: unknown }).errors : undefined;
  if (!Array.isArray(list)) return undefined;
  return list
    .filter((e): e is { name: unknown; message: unknown } => typeof e === 'object' && e !== null)
    .map((e) => ({ name: String(e.name), message: String(e.message) }));
}

/** Errors raised by express and body-parser before a handler runs (http-errors with a `type`). They carry
 *  no ConnectError code, so they are translated here into the code the caller should see. */
function fromHttpLayer(err: unknown): { code: ErrorCode; message: string } | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const e = err as { type?: unknown; status?: unknown; expose?: unknown; limit?: unknown; length?: unknown; message?: unknown };
  const message = typeof e.message === 'string' ? e.message : 'bad request';
  switch (e.type) {
    case 'entity.too.large':
      return {
        code: 'PAYLOAD_TOO_LARGE',
        message: `request body${typeof e.length === 'number' ? ` of ${e.length} bytes` : ''} exceeds the limit of ${String(e.limit)} bytes; send a smaller config`,
      };
    case 'entity.parse.failed':
      return { code: 'BAD_REQUEST', message: `malformed JSON in request body: ${message}` };
    case 'charset.unsupported':
    case 'encoding.unsupported':
      return { code: 'BAD_REQUEST', message: `${message}; send the body as UTF-8 JSON` };
    default:
      break;
  }
  // Other client errors from the HTTP layer, e.g. the router's URIError for a path parameter that is not
  // valid percent-encoding (status 400, no `expose` flag); http-errors marks 4xx with expose=true.
  if (typeof e.status === 'number' && e.status >= 400 && e.status < 500 && e.expose !== false) {
    return { code: e.status === 404 ? 'NOT_FOUND' : e.status === 413 ? 'PAYLOAD_TOO_LARGE' : 'BAD_REQUEST', message };
  }
  return undefined;
}

/** Maps any thrown value to its HTTP answer. Unknown codes (and values without a code) are 500. */
export function mapError(err: unknown): MappedError {
  const code = errorCode(err);
  if (code !== undefined) {
    const status = httpStatusOverride(err) ?? STATUS_BY_CODE[code] ?? 500;
    const body: ErrorBody = { error_code: status, message: messageOf(err), code };
    if (code === 'CONFIG_INVALID') {
      const errors = fieldErrors(err);
      if (errors) body.errors = errors;
    }
    return { status, body };
  }
  const http = fromHttpLayer(err);
  if (http) {
    const status = STATUS_BY_CODE[http.code] ?? 400;
    return { status, body: { error_code: status, message: http.message, code: http.code } };
  }
  return { status: 500, body: { error_code: 500, message: messageOf(err), code: 'INTERNAL' } };
}

/** Logs what the operator must see: 500s (bugs) with their stack and cause chain. Only the method and path
 *  are logged, never the query string or body: `?config=` and bodies may hold secrets. */
export function logMappedError(logger: Logger, mapped: MappedError, err: unknown, request: { method: string; path: string }): void {
  if (mapped.status >= 500) {
    logger.error({ method: request.method, path: request.path, code: mapped.body.code, trace: errorTrace(err) }, 'REST request failed with an internal error');
  } else {
    logger.debug({ method: request.method, path: request.path, status: mapped.status, code: mapped.body.code }, 'REST request rejected');
  }
}
