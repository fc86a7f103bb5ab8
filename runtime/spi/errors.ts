// Errors shared by the runtime and plugins. Every error carries a stable `code`, a `retriable` flag and
// an optional `cause`; callers branch on `code`/`retriable`, never on message text or `instanceof`
// (a plugin may be loaded against another copy of this module, so class identity is not reliable).

export type ErrorCode =
  | 'CONFIG_INVALID'
  | 'NOT_FOUND'
  | 'ALREADY_EXISTS'
  | 'ILLEGAL_STATE'
  | 'BAD_REQUEST'
  | 'PAYLOAD_TOO_LARGE'
  | 'PLUGIN_LOAD_FAILED'
  | 'CONVERSION_FAILED'
  | 'RETRIABLE'
  | 'TASK_FAILED'
  | 'INTERNAL';

export interface ConfigFieldError {
  /** The config key, exactly as the user spells it. */
  name: string;
  /** What is wrong and what to do, naming the offending value. */
  message: string;
}

export class ConnectError extends Error {
  readonly code: ErrorCode;
  readonly retriable: boolean;
  constructor(code: ErrorCode, message: string, options: { retriable?: boolean; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ConnectError';
    this.code = code;
    this.retriable = options.retriable ?? false;
  }
}

/** Thrown by a task when the same call may succeed later (broker unavailable, throttled, timeout).
 *  The runtime retries the call with backoff instead of failing the task. */
export class RetriableError extends ConnectError {
  constructor(message: string, cause?: unknown) {
    super('RETRIABLE', message, { retriable: true, cause });
    this.name = 'RetriableError';
  }
}

/** A config that does not satisfy its definition; `errors` name each offending key. */
export class ConfigError extends ConnectError {
  readonly errors: ConfigFieldError[];
  constructor(errors: ConfigFieldError[], prefix = 'Invalid configuration') {
    super('CONFIG_INVALID', `${prefix}: ${errors.map((e) => `${e.name}: ${e.message}`).join('; ')}`);
    this.name = 'ConfigError';
    this.errors = errors;
  }
}

/** A record that cannot be converted or does not fit its schema. Names the field, expected type and value. */
export class DataError extends ConnectError {
  constructor(message: string, cause?: unknown) {
    super('CONVERSION_FAILED', message, { cause });
    this.name = 'DataError';
  }
}

export function isRetriable(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { retriable?: unknown }).retriable === true;
}

export function errorCode(err: unknown): ErrorCode | undefined {
  const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? (code as ErrorCode) : undefined;
}

/** Message and stack of an error and its causes, for status `trace` fields. */
export function errorTrace(err: unknown): string {
  const parts: string[] = [];
  let cur: unknown = err;
  for (let depth = 0; cur !== undefined && cur !== null && depth < 8; depth++) {
    if (cur instanceof Error) {
      parts.push(depth === 0 ? (cur.stack ?? String(cur)) : `Caused by: ${cur.stack ?? String(cur)}`);
      cur = (cur as { cause?: unknown }).cause;
    } else {
      parts.push(depth === 0 ? String(cur) : `Caused by: ${String(cur)}`);
      break;
    }
  }
  return parts.join('\n');
}
