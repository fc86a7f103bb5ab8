// The positions a table has consumed, stored in every commit's extraMetadata (key
// `tributary.positions`) so that table state and consumed positions move in one atomic step.
// Positions are half-open offset ranges per topic queue, not one high-water mark: with pop-style
// consumers (RocketMQ) delivery order is not strictly per queue. Each commit stores the union of all
// ranges so far, so the last completed commit alone says what the table holds.

import type { QueueOffset } from '../../../runtime/spi';

export const POSITIONS_KEY = 'tributary.positions';
/** The connector that made a commit: with several writers on one table each resumes from its own commits. */
export const WRITER_KEY = 'tributary.writer';

type Range = [number, number];

export class ConsumedRanges {
  private readonly byQueue = new Map<string, Range[]>();

  static parse(json: string | undefined): ConsumedRanges {
    const r = new ConsumedRanges();
    if (!json) return r;
    const obj = JSON.parse(json) as Record<string, Range[]>;
    for (const [q, ranges] of Object.entries(obj)) for (const [a, b] of ranges) r.addRange(q, a, b);
    return r;
  }

  static key(topic: string, queue: string): string {
    return `${topic}/${queue}`;
  }

  clone(): ConsumedRanges {
    return ConsumedRanges.parse(this.toJSON());
  }

  add(topic: string, queue: string, offset: number): void {
    this.addRange(ConsumedRanges.key(topic, queue), offset, offset + 1);
  }

  private addRange(key: string, start: number, end: number): void {
    const ranges = this.byQueue.get(key) ?? [];
    // Fast path: appending right after the last range (the common, in-order case).
    const last = ranges[ranges.length - 1];
    if (last && start >= last[0] && start <= last[1]) {
      last[1] = Math.max(last[1], end);
      this.byQueue.set(key, ranges);
      return;
    }
    ranges.push([start, end]);
    ranges.sort((x, y) => x[0] - y[0]);
    const merged: Range[] = [];
    for (const r of ranges) {
      const m = merged[merged.length - 1];
      if (m && r[0] <= m[1]) m[1] = Math.max(m[1], r[1]);
      else merged.push([r[0], r[1]]);
    }
    this.byQueue.set(key, merged);
  }

  merge(other: ConsumedRanges): void {
    for (const [q, ranges] of other.byQueue) for (const [a, b] of ranges) this.addRange(q, a, b);
  }

  contains(topic: string, queue: string, offset: number): boolean {
    const ranges = this.byQueue.get(ConsumedRanges.key(topic, queue));
    if (!ranges) return false;
    for (const [a, b] of ranges) if (offset >= a && offset < b) return true;
    return false;
  }

  /** Where to resume each queue: the end of its first range (later ranges are skipped when re-delivered). */
  resumeOffsets(): QueueOffset[] {
    const out: QueueOffset[] = [];
    for (const [key, ranges] of this.byQueue) {
      const slash = key.lastIndexOf('/');
      out.push({ topic: key.slice(0, slash), queue: key.slice(slash + 1), offset: ranges[0]![1] });
    }
    return out;
  }

  isEmpty(): boolean {
    return this.byQueue.size === 0;
  }

  toJSON(): string {
    const obj: Record<string, Range[]> = {};
    for (const k of [...this.byQueue.keys()].sort()) obj[k] = this.byQueue.get(k)!.map(([a, b]) => [a, b]);
    return JSON.stringify(obj);
  }
}
