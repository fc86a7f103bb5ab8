import { describe, expect, it } from 'vitest';
import { Lifecycle, VALID_TRANSITIONS, canTransition } from '../../../runtime/worker/lifecycle';

describe('Lifecycle', () => {
  it('transition from UNASSIGNED to RUNNING notifies the listener', () => {
    const seen: string[] = [];
    const l = new Lifecycle('task a-0', (s) => seen.push(s));
    l.transition('RUNNING');
    expect(l.state).toBe('RUNNING');
    expect(seen).toEqual(['RUNNING']);
  });

  it('illegal transition FAILED to RUNNING throws ILLEGAL_STATE naming both states', () => {
    const l = new Lifecycle('task a-0', () => undefined);
    l.transition('FAILED', 'boom');
    expect(() => l.transition('RUNNING')).toThrowError(/task a-0 cannot go from FAILED to RUNNING/);
    try {
      l.transition('PAUSED');
    } catch (err) {
      expect((err as { code: string }).code).toBe('ILLEGAL_STATE');
    }
    expect(l.state).toBe('FAILED');
  });

  it('failed state keeps its trace and leaving it clears the trace', () => {
    const l = new Lifecycle('c', () => undefined);
    l.transition('RUNNING');
    l.transition('FAILED', 'stack here');
    expect(l.trace).toBe('stack here');
    l.transition('RESTARTING');
    expect(l.trace).toBeUndefined();
  });

  it('transition table allows every documented move and no other', () => {
    const states = Object.keys(VALID_TRANSITIONS) as (keyof typeof VALID_TRANSITIONS)[];
    const allowed = states.flatMap((from) => states.filter((to) => canTransition(from, to)).map((to) => `${from}->${to}`));
    expect(allowed).toContain('RUNNING->PAUSED');
    expect(allowed).toContain('PAUSED->RUNNING');
    expect(allowed).toContain('FAILED->RESTARTING');
    expect(allowed).toContain('STOPPED->RUNNING');
    expect(allowed).not.toContain('FAILED->RUNNING');
    expect(allowed).not.toContain('FAILED->PAUSED');
    expect(allowed).not.toContain('STOPPED->FAILED');
  });

  it('tryTransition on an illegal move returns false and keeps the state', () => {
    const l = new Lifecycle('c', () => undefined);
    l.transition('FAILED', 'x');
    expect(l.tryTransition('PAUSED')).toBe(false);
    expect(l.state).toBe('FAILED');
  });
});
