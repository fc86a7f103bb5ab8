// Retries a call that failed with a retriable error (error.retriable === true) with exponential backoff
// and full jitter, until the connector's errors.retry.timeout runs out or the task is stopping.
// Non-retriable errors are rethrown at once: retry logic reads `retriable`, never the message.

import { isRetriable, type Logger } from '../spi';

export interface RetryPolicy {
  /** -1 = forever, 0 = never retry. */
  timeoutMs: number;
  maxDelayMs: number;
  initialDelayMs?: number;
}

export interface RetryDeps {
  logger: Logger;
  /** True when the caller is shutting down; ends the wait and rethrows the last error. */
  stopping: () => boolean;
  sleep: (ms: number) => Promise<void>;
  now: () => number;
  random?: () => number;
}

export async function withRetry<T>(what: string, fn: () => Promise<T>, policy: RetryPolicy, deps: RetryDeps): Promise<T> {
  const start = deps.now();
  let attempt = 0;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      attempt++;
      const elapsed = deps.now() - start;
      const outOfTime = policy.timeoutMs >= 0 && elapsed >= policy.timeoutMs;
      if (!isRetriable(err) || outOfTime || deps.stopping()) throw err;
      const cap = Math.min(policy.maxDelayMs, (policy.initialDelayMs ?? 100) * 2 ** Math.min(attempt - 1, 20));
      let delay = Math.max(1, Math.floor((deps.random ?? Math.random)() * cap));
      if (policy.timeoutMs >= 0) delay = Math.min(delay, Math.max(1, policy.timeoutMs - elapsed));
      deps.logger.warn({ err: (err as Error).message, attempt, delayMs: delay }, `${what} failed with a retriable error; retrying`);
      await deps.sleep(delay);
    }
  }
}
