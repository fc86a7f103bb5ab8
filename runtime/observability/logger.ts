// JSON-lines logging (pino) to stdout. Secrets never reach the log: config maps are passed through
// `redactConfig` (password-typed and secret-looking keys) before they are logged.

import pino from 'pino';
import type { Logger } from '../spi';

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';

export function createLogger(options: { level?: LogLevel; name?: string; destination?: pino.DestinationStream } = {}): Logger & pino.Logger {
  const opts: pino.LoggerOptions = {
    level: options.level ?? 'info',
    base: { pid: process.pid, ...(options.name ? { name: options.name } : {}) },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  };
  return (options.destination ? pino(opts, options.destination) : pino(opts, pino.destination({ dest: 1, sync: true }))) as Logger & pino.Logger;
}

const SECRET_KEY = /(password|secret|token|credential|access[._-]?key|private[._-]?key|sasl\.jaas)/i;

/** A copy of `config` with the values of secret keys replaced, for logs and REST output. */
export function redactConfig(config: Record<string, string>, secretKeys: Iterable<string> = []): Record<string, string> {
  const extra = new Set(secretKeys);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(config)) out[k] = extra.has(k) || SECRET_KEY.test(k) ? '[hidden]' : v;
  return out;
}

/** A logger that drops everything (unit tests). */
export function silentLogger(): Logger {
  return createLogger({ level: 'fatal', destination: { write: () => undefined } as unknown as pino.DestinationStream });
}
