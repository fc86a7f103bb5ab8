// The active timeline of a table: the instants in .hoodie/, each at its furthest state. Reads go through
// this view (one listing of .hoodie/), never through repeated listings of data directories. State
// changes go through `transition`, which creates the next state's file exclusively: a second writer
// racing for the same instant gets ALREADY_EXISTS instead of both completing it.

import { ConnectError } from '../../../runtime/spi';
import type { Storage } from '../storage/storage';
import { NEXT_STATE, compareInstants, instantFileName, parseInstantFileName, type Instant, type InstantAction } from './instant';

export const METAFOLDER = '.hoodie';

/** Actions whose completed instant makes data files part of the table. */
export function isWriteAction(a: InstantAction): boolean {
  return a === 'commit' || a === 'deltacommit' || a === 'replacecommit';
}

export class Timeline {
  private constructor(
    private readonly storage: Storage,
    /** Sorted by timestamp; one entry per (timestamp, action) at its furthest state. */
    readonly instants: readonly Instant[],
  ) {}

  static async load(storage: Storage): Promise<Timeline> {
    const files = await storage.list(METAFOLDER);
    const latest = new Map<string, Instant>();
    for (const f of files) {
      const name = f.path.slice(METAFOLDER.length + 1);
      const inst = parseInstantFileName(name);
      if (!inst) continue;
      const key = `${inst.timestamp}.${inst.action}`;
      const prev = latest.get(key);
      if (!prev || compareInstants(prev, inst) < 0) latest.set(key, inst);
    }
    // A completed compaction is the commit of its instant; its requested and inflight files stay beside it.
    for (const [key, i] of latest) if (i.action === 'compaction' && latest.has(`${i.timestamp}.commit`)) latest.delete(key);
    return new Timeline(storage, [...latest.values()].sort(compareInstants));
  }

  /** This timeline with `i` at its new state (what a writer knows it just did, without listing again). A
   *  completed compaction is its instant's commit. */
  withCompleted(i: Instant): Timeline {
    return this.withInstant(i);
  }

  /** This timeline with `i` at whatever state it is now in (pending or completed). */
  withInstant(i: Instant): Timeline {
    if (i.action === 'compaction' && i.state === 'COMPLETED') i = { ...i, action: 'commit' };
    const rest = this.instants.filter((x) => !(x.timestamp === i.timestamp && (x.action === i.action || x.action === 'compaction')));
    return new Timeline(this.storage, [...rest, i].sort(compareInstants));
  }

  completed(action?: InstantAction): Instant[] {
    return this.instants.filter((i) => i.state === 'COMPLETED' && (action === undefined || i.action === action));
  }

  /** Completed instants that wrote data: commits, delta commits (merge-on-read) and replace commits. */
  completedWrites(): Instant[] {
    return this.instants.filter((i) => i.state === 'COMPLETED' && isWriteAction(i.action));
  }

  pending(action?: InstantAction): Instant[] {
    return this.instants.filter((i) => i.state !== 'COMPLETED' && (action === undefined || i.action === action));
  }

  lastCompletedWrite(): Instant | undefined {
    const c = this.completedWrites();
    return c[c.length - 1];
  }

  lastTimestamp(): string | undefined {
    return this.instants[this.instants.length - 1]?.timestamp;
  }

  isCompletedWrite(timestamp: string): boolean {
    return this.instants.some((i) => i.timestamp === timestamp && i.state === 'COMPLETED' && isWriteAction(i.action));
  }

  /** Whether files (and log blocks) of `timestamp` belong to the table: a completed write, or an instant older
   *  than the first write instant of the active timeline that is not pending (its commit was archived). Hudi's
   *  containsOrBeforeTimelineStarts on the write timeline: cleans and rollbacks, archived on their own schedule,
   *  do not mark where the archived writes end. */
  holdsWrite(timestamp: string): boolean {
    if (this.isCompletedWrite(timestamp)) return true;
    const first = this.instants.find((i) => isWriteAction(i.action) || i.action === 'compaction')?.timestamp;
    return first !== undefined && timestamp < first && !this.instants.some((i) => i.timestamp === timestamp && i.state !== 'COMPLETED');
  }

  /** This timeline without the instants at `timestamps` (archived: they moved to .hoodie/archived/). */
  without(timestamps: ReadonlySet<string>): Timeline {
    return new Timeline(this.storage, this.instants.filter((i) => !timestamps.has(i.timestamp)));
  }

  async readDetails(i: Instant): Promise<Buffer> {
    return this.storage.readFile(`${METAFOLDER}/${instantFileName(i)}`);
  }

  /** Creates `instant` in REQUESTED state. */
  static async request(storage: Storage, timestamp: string, action: InstantAction, content: Buffer | string = ''): Promise<Instant> {
    const i: Instant = { timestamp, action, state: 'REQUESTED' };
    await storage.createExclusive(`${METAFOLDER}/${instantFileName(i)}`, content);
    return i;
  }

  /** Moves `i` to its next state by creating that state's file exclusively (a compaction completes as a commit). */
  static async transition(storage: Storage, i: Instant, content: Buffer | string = ''): Promise<Instant> {
    const next = NEXT_STATE[i.state];
    if (!next) throw new ConnectError('ILLEGAL_STATE', `instant ${i.timestamp} ${i.action} is already COMPLETED`);
    const n: Instant = { ...i, state: next };
    await storage.createExclusive(`${METAFOLDER}/${instantFileName(n)}`, content);
    return n.action === 'compaction' && n.state === 'COMPLETED' ? { ...n, action: 'commit' } : n;
  }

  /** Removes every state file of an instant (used only for instants rolled back). */
  static async deleteInstantFiles(storage: Storage, i: Instant): Promise<void> {
    // Completed file last-to-first so a crash midway never leaves a completed file without its predecessors.
    for (const state of ['COMPLETED', 'INFLIGHT', 'REQUESTED'] as const) {
      await storage.delete(`${METAFOLDER}/${instantFileName({ ...i, state })}`);
    }
  }
}
