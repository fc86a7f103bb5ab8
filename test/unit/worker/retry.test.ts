import { describe, expect, it } from 'vitest';
import { RetriableError } from '../../../runtime/spi';
import { withRetry } from '../../../runtime/worker/retry';
import { silentLogger } from '../../../runtime/observability/logger';

function fakeTime() {
  let now = 0;
  const sleeps: number[] = [];
  return { now: () => now, sleep: async (ms: number) => { sleeps.push(ms); now += ms; }, sleeps };
}

describe('withRetry', () => {
  it('retriable error twice then success returns the value after two backoffs', async () => {
    const t = fakeTime();
    let calls = 0;
    const v = await withRetry('op', async () => {
      if (++calls < 3) throw new RetriableError('busy');
      return 42;
    }, { timeoutMs: 10_000, maxDelayMs: 1000 }, { logger: silentLogger(), stopping: () => false, sleep: t.sleep, now: t.now, random: () => 0.5 });
    expect(v).toBe(42);
    expect(calls).toBe(3);
    expect(t.sleeps).toEqual([50, 100]);
  });

  it('non-retriable error is rethrown at once without sleeping', async () => {
    const t = fakeTime();
    await expect(withRetry('op', async () => { throw new Error('bad'); }, { timeoutMs: 10_000, maxDelayMs: 1000 }, { logger: silentLogger(), stopping: () => false, sleep: t.sleep, now: t.now })).rejects.toThrow('bad');
    expect(t.sleeps).toEqual([]);
  });

  it('retriable error past the timeout is rethrown', async () => {
    const t = fakeTime();
    let calls = 0;
    await expect(withRetry('op', async () => { calls++; throw new RetriableError('down'); }, { timeoutMs: 1000, maxDelayMs: 400 }, { logger: silentLogger(), stopping: () => false, sleep: t.sleep, now: t.now, random: () => 1 })).rejects.toThrow('down');
    expect(t.now()).toBeGreaterThanOrEqual(1000);
    expect(t.sleeps.every((s) => s <= 400)).toBe(true);
    expect(calls).toBeGreaterThan(2);
  });

  it('timeout 0 never retries', async () => {
    const t = fakeTime();
    let calls = 0;
    await expect(withRetry('op', async () => { calls++; throw new RetriableError('down'); }, { timeoutMs: 0, maxDelayMs: 400 }, { logger: silentLogger(), stopping: () => false, sleep: t.sleep, now: t.now })).rejects.toThrow();
    expect(calls).toBe(1);
  });

  it('stopping ends the retries', async () => {
    const t = fakeTime();
    let calls = 0;
    await expect(withRetry('op', async () => { calls++; throw new RetriableError('down'); }, { timeoutMs: -1, maxDelayMs: 400 }, { logger: silentLogger(), stopping: () => calls >= 2, sleep: t.sleep, now: t.now })).rejects.toThrow();
    expect(calls).toBe(2);
  });
});
