// Instants: file names per action and state as Hudi 0.x (layout version 1) writes them, parsing back,
// instant times that order strictly even when two are taken in one millisecond, and ordering.
import { describe, expect, it } from 'vitest';
import {
  NEXT_STATE,
  compareInstants,
  formatInstantTime,
  instantFileName,
  nextInstantTime,
  parseInstantFileName,
  parseInstantTime,
  type Instant,
  type InstantAction,
  type InstantState,
} from '../../../../../plugins/hudi/timeline/instant';

const T = '20261123121018945';
const at = (action: InstantAction, state: InstantState, timestamp = T): Instant => ({ timestamp, action, state });

describe('instantFileName', () => {
  it('instantFileName of a commit in each state gives .commit.requested, .inflight and .commit', () => {
    expect(instantFileName(at('commit', 'REQUESTED'))).toBe(`${T}.commit.requested`);
    expect(instantFileName(at('commit', 'INFLIGHT'))).toBe(`${T}.inflight`);
    expect(instantFileName(at('commit', 'COMPLETED'))).toBe(`${T}.commit`);
  });

  it.each(['rollback', 'clean', 'replacecommit', 'deltacommit'] as const)('instantFileName of a %s in each state gives <ts>.<action>.requested, .<action>.inflight and .<action>', (action) => {
    expect(instantFileName(at(action, 'REQUESTED'))).toBe(`${T}.${action}.requested`);
    expect(instantFileName(at(action, 'INFLIGHT'))).toBe(`${T}.${action}.inflight`);
    expect(instantFileName(at(action, 'COMPLETED'))).toBe(`${T}.${action}`);
  });
});

describe('parseInstantFileName', () => {
  const actions: InstantAction[] = ['commit', 'rollback', 'clean', 'replacecommit', 'deltacommit', 'savepoint', 'restore', 'indexing'];
  const states: InstantState[] = ['REQUESTED', 'INFLIGHT', 'COMPLETED'];

  it('parseInstantFileName of every action and state file name round-trips to the same instant', () => {
    for (const action of actions) {
      for (const state of states) {
        const i = at(action, state);
        expect(parseInstantFileName(instantFileName(i)), instantFileName(i)).toEqual(i);
      }
    }
  });

  it('parseInstantFileName of the Spark reference file names gives their instants', () => {
    expect(parseInstantFileName('20261123121041218.rollback.inflight')).toEqual(at('rollback', 'INFLIGHT', '20261123121041218'));
    expect(parseInstantFileName('20261123121042240.clean')).toEqual(at('clean', 'COMPLETED', '20261123121042240'));
    expect(parseInstantFileName('20261123121024128.inflight')).toEqual(at('commit', 'INFLIGHT', '20261123121024128'));
    // hudi-rs accepts second-precision (14-digit) instants of older tables.
    expect(parseInstantFileName('20240101000000.commit')).toEqual(at('commit', 'COMPLETED', '20240101000000'));
  });

  it('parseInstantFileName of files that are not instants gives undefined', () => {
    for (const name of ['hoodie.properties', `${T}.unknownaction`, `.${T}.commit.crc`, `${T}.commit.crc`, '2026112312101.commit', `${T}.commit.requested.tmp`, '.aux', 'archived']) {
      expect(parseInstantFileName(name), name).toBeUndefined();
    }
  });
});

describe('instant times', () => {
  it('formatInstantTime gives yyyyMMddHHmmssSSS in UTC and parseInstantTime reads it back', () => {
    const ms = Date.UTC(2026, 10, 23, 12, 10, 18, 945);
    expect(formatInstantTime(ms)).toBe(T);
    expect(parseInstantTime(T)).toBe(ms);
    expect(parseInstantTime('20261123121018')).toBe(Date.UTC(2026, 10, 23, 12, 10, 18, 0));
  });

  it('parseInstantTime of a malformed time throws BAD_REQUEST naming the value', () => {
    expect(() => parseInstantTime('2026-11-23')).toThrow(expect.objectContaining({ code: 'BAD_REQUEST', message: expect.stringContaining('"2026-11-23"') }));
  });

  it('nextInstantTime called repeatedly within one millisecond gives strictly increasing times', () => {
    const now = Date.UTC(2026, 0, 1, 0, 0, 0, 999);
    const times: string[] = [];
    let last: string | undefined;
    for (let i = 0; i < 5; i++) {
      last = nextInstantTime(now, last);
      times.push(last);
    }
    expect(times[0]).toBe('20260101000000999');
    // The second one crosses a second boundary: carries must be right, not just the last digits.
    expect(times[1]).toBe('20260101000001000');
    for (let i = 1; i < times.length; i++) expect(times[i]! > times[i - 1]!).toBe(true);
    expect(new Set(times).size).toBe(times.length);
    for (const t of times) expect(t).toMatch(/^\d{17}$/);
  });

  it('nextInstantTime with a clock behind the last instant gives one millisecond after it', () => {
    expect(nextInstantTime(Date.UTC(2020, 0, 1), T)).toBe('20261123121018946');
    // A 14-digit (second-precision) last instant counts as its millisecond 000.
    expect(nextInstantTime(Date.UTC(2020, 0, 1), '20240101000000')).toBe('20240101000000001');
  });

  it('nextInstantTime with a clock ahead of the last instant gives the clock', () => {
    const now = Date.UTC(2027, 0, 1, 0, 0, 0, 5);
    expect(nextInstantTime(now, T)).toBe('20270101000000005');
    expect(nextInstantTime(now, undefined)).toBe('20270101000000005');
  });
});

describe('compareInstants', () => {
  it('compareInstants orders by timestamp first, then REQUESTED < INFLIGHT < COMPLETED', () => {
    const later = '20261123121018946';
    expect(compareInstants(at('commit', 'COMPLETED'), at('commit', 'REQUESTED', later))).toBeLessThan(0);
    expect(compareInstants(at('commit', 'REQUESTED', later), at('commit', 'COMPLETED'))).toBeGreaterThan(0);
    expect(compareInstants(at('commit', 'REQUESTED'), at('commit', 'INFLIGHT'))).toBeLessThan(0);
    expect(compareInstants(at('commit', 'INFLIGHT'), at('commit', 'COMPLETED'))).toBeLessThan(0);
    expect(compareInstants(at('commit', 'COMPLETED'), at('commit', 'INFLIGHT'))).toBeGreaterThan(0);
    expect(compareInstants(at('commit', 'INFLIGHT'), at('commit', 'INFLIGHT'))).toBe(0);
    const sorted = [at('commit', 'COMPLETED', later), at('clean', 'INFLIGHT'), at('commit', 'REQUESTED')].sort(compareInstants);
    expect(sorted.map((i) => `${i.timestamp}:${i.state}`)).toEqual([`${T}:REQUESTED`, `${T}:INFLIGHT`, `${later}:COMPLETED`]);
  });

  it('NEXT_STATE allows only REQUESTED → INFLIGHT → COMPLETED', () => {
    expect(NEXT_STATE).toEqual({ REQUESTED: 'INFLIGHT', INFLIGHT: 'COMPLETED', COMPLETED: undefined });
  });
});
