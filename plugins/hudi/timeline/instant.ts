// Instants of a Hudi timeline (table version 6, layout version 1): a timestamp yyyyMMddHHmmssSSS in UTC,
// an action and a state. State moves only REQUESTED → INFLIGHT → COMPLETED; each state is one file in
// .hoodie/, created exclusively, so a completed instant is exactly "its completed file exists".

import { ConnectError } from '../../../runtime/spi';

export type InstantState = 'REQUESTED' | 'INFLIGHT' | 'COMPLETED';
export type InstantAction = 'commit' | 'rollback' | 'clean' | 'replacecommit' | 'deltacommit' | 'compaction' | 'savepoint' | 'restore' | 'indexing';

export interface Instant {
  timestamp: string;
  action: InstantAction;
  state: InstantState;
}

export const NEXT_STATE: Readonly<Record<InstantState, InstantState | undefined>> = {
  REQUESTED: 'INFLIGHT',
  INFLIGHT: 'COMPLETED',
  COMPLETED: undefined,
};

const INSTANT_RE = /^(\d{14,17})\.([a-z]+)(?:\.(requested|inflight))?$/;

/** File name of an instant in .hoodie/ (commit's inflight is `<ts>.inflight`, and a completed compaction is the
 *  commit `<ts>.commit`, as Hudi writes them). */
export function instantFileName(i: Instant): string {
  if (i.action === 'compaction' && i.state === 'COMPLETED') return `${i.timestamp}.commit`;
  if (i.action === 'commit') {
    if (i.state === 'REQUESTED') return `${i.timestamp}.commit.requested`;
    if (i.state === 'INFLIGHT') return `${i.timestamp}.inflight`;
    return `${i.timestamp}.commit`;
  }
  if (i.state === 'REQUESTED') return `${i.timestamp}.${i.action}.requested`;
  if (i.state === 'INFLIGHT') return `${i.timestamp}.${i.action}.inflight`;
  return `${i.timestamp}.${i.action}`;
}

export function parseInstantFileName(name: string): Instant | undefined {
  const m = INSTANT_RE.exec(name);
  if (!m) return undefined;
  const [, timestamp, action, suffix] = m;
  if (action === 'inflight' && suffix === undefined) return { timestamp: timestamp!, action: 'commit', state: 'INFLIGHT' };
  const known: InstantAction[] = ['commit', 'rollback', 'clean', 'replacecommit', 'deltacommit', 'compaction', 'savepoint', 'restore', 'indexing'];
  if (!known.includes(action as InstantAction)) return undefined;
  return { timestamp: timestamp!, action: action as InstantAction, state: suffix === 'requested' ? 'REQUESTED' : suffix === 'inflight' ? 'INFLIGHT' : 'COMPLETED' };
}

function pad(n: number, w: number): string {
  return String(n).padStart(w, '0');
}

export function formatInstantTime(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1, 2)}${pad(d.getUTCDate(), 2)}${pad(d.getUTCHours(), 2)}${pad(d.getUTCMinutes(), 2)}${pad(d.getUTCSeconds(), 2)}${pad(d.getUTCMilliseconds(), 3)}`;
}

export function parseInstantTime(ts: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{3})?$/.exec(ts);
  if (!m) throw new ConnectError('BAD_REQUEST', `instant time ${JSON.stringify(ts)} is not yyyyMMddHHmmss[SSS]`);
  return Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!, m[7] ? +m[7] : 0);
}

/** A new instant time: now, but always strictly after `after` (two commits in one ms still order). */
export function nextInstantTime(nowMs: number, after: string | undefined): string {
  let t = nowMs;
  if (after !== undefined) t = Math.max(t, parseInstantTime(after.slice(0, 17).padEnd(17, '0')) + 1);
  return formatInstantTime(t);
}

export function compareInstants(a: Instant, b: Instant): number {
  if (a.timestamp !== b.timestamp) return a.timestamp < b.timestamp ? -1 : 1;
  const order: InstantState[] = ['REQUESTED', 'INFLIGHT', 'COMPLETED'];
  return order.indexOf(a.state) - order.indexOf(b.state);
}
