// What every transport's TopicConsumer shares: the assignment of queues with their pause state, the
// receive loop (no overlapping calls; wait until data or the deadline), fair hand-out across queues
// and the closed state. A transport supplies how a queue is read (`poll`) and how to wait for more.

import { ConnectError, type QueueOffset, type TopicQueue } from '../spi';
import type { StoredMessage, TopicConsumer } from './transport';

export interface AssignedQueue {
  topic: string;
  /** The queue id as the transport keeps it (a number in the embedded transport). */
  queue: string | number;
  paused: boolean;
}

export function queueKeyOf(topic: string, queue: string | number): string {
  return `${topic}/${queue}`;
}

export abstract class QueueConsumer<S extends AssignedQueue> implements TopicConsumer {
  protected assigned = new Map<string, S>();
  protected closed = false;
  /** Index into the assignment where the next hand-out starts, rotated so no queue is always served first. */
  private cursor = 0;
  private receiving = false;
  private wake: (() => void) | undefined;

  constructor(readonly group: string) {}

  abstract assign(queues: TopicQueue[]): Promise<void>;
  abstract seek(offsets: QueueOffset[]): void;
  abstract commit(offsets: QueueOffset[]): Promise<void>;
  /** Up to `max` messages available now, without waiting. */
  protected abstract poll(max: number): StoredMessage[];
  /** Resolves after at most `ms`, earlier when data may have arrived (call `sleep` with a subscription). */
  protected abstract waitForData(ms: number): Promise<void>;
  /** Called once by close(). */
  protected abstract onClose(): void;

  /** Installs a new assignment (queues kept from the old one keep their state). */
  protected setAssignment(next: Map<string, S>): void {
    this.assigned = next;
    this.cursor = 0;
    this.notify();
  }

  assignment(): TopicQueue[] {
    return [...this.assigned.values()].map((s) => ({ topic: s.topic, queue: String(s.queue) }));
  }

  pause(queues: TopicQueue[]): void {
    this.ensureOpen();
    for (const s of queues.map((q) => this.find(q, 'pause'))) s.paused = true;
  }

  resume(queues: TopicQueue[]): void {
    this.ensureOpen();
    for (const s of queues.map((q) => this.find(q, 'resume'))) s.paused = false;
    this.notify();
  }

  async receive(max: number, waitMs: number): Promise<StoredMessage[]> {
    this.ensureOpen();
    if (!Number.isSafeInteger(max) || max < 1) throw new ConnectError('BAD_REQUEST', `receive max ${String(max)} is invalid; give a whole number >= 1`);
    if (this.receiving) throw new ConnectError('ILLEGAL_STATE', `consumer of group ${JSON.stringify(this.group)} is already receiving; calls must not overlap`);
    this.receiving = true;
    try {
      const deadline = Date.now() + Math.max(0, waitMs);
      for (;;) {
        const got = this.poll(max);
        if (got.length > 0 || this.closed) return got;
        const left = deadline - Date.now();
        if (left <= 0) return got;
        await this.waitForData(left);
        if (this.closed) return [];
      }
    } finally {
      this.receiving = false;
    }
  }

  get isReceiving(): boolean {
    return this.receiving;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.notify();
    this.onClose();
  }

  /** The assigned queues, starting one further each call. */
  protected rotation(): S[] {
    const all = [...this.assigned.values()];
    if (all.length === 0) return [];
    const start = this.cursor % all.length;
    this.cursor = (start + 1) % all.length;
    return [...all.slice(start), ...all.slice(0, start)];
  }

  /**
   * Fair across queues: the budget is split evenly over the candidates, and budget a queue cannot use goes
   * to the others in further rounds. `take(s, n)` returns up to n messages of s; a queue that filled its
   * share and `hasMore` gets another round.
   */
  protected shareOut(candidates: S[], max: number, take: (s: S, n: number) => StoredMessage[], hasMore: (s: S) => boolean): StoredMessage[] {
    const out: StoredMessage[] = [];
    let remaining = max;
    let round = candidates;
    while (remaining > 0 && round.length > 0) {
      const share = Math.ceil(remaining / round.length);
      const still: S[] = [];
      for (const s of round) {
        if (remaining === 0) break;
        const want = Math.min(share, remaining);
        const got = take(s, want);
        for (const m of got) out.push(m);
        remaining -= got.length;
        if (got.length === want && hasMore(s)) still.push(s);
      }
      round = still;
    }
    return out;
  }

  /** Waits up to `ms` or until notify(); `subscribe` may add another wake-up source and returns its removal. */
  protected sleep(ms: number, subscribe?: (wake: () => void) => () => void): Promise<void> {
    return new Promise<void>((resolve) => {
      let done = false;
      const finish = (): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        unsubscribe?.();
        if (this.wake === finish) this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(finish, ms);
      const unsubscribe = subscribe?.(finish);
      this.wake = finish;
    });
  }

  protected notify(): void {
    this.wake?.();
  }

  protected find(tq: TopicQueue, op: string): S {
    const s = this.assigned.get(queueKeyOf(tq.topic, tq.queue));
    if (!s) throw new ConnectError('ILLEGAL_STATE', `cannot ${op} ${tq.topic}/${tq.queue}: it is not assigned to this consumer of group ${JSON.stringify(this.group)}`);
    return s;
  }

  protected ensureOpen(): void {
    if (this.closed) throw new ConnectError('ILLEGAL_STATE', `consumer of group ${JSON.stringify(this.group)} is closed`);
  }
}
