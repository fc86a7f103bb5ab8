// Heartbeats of in-flight instants, as Hudi's HoodieHeartbeatClient keeps them for multi-writer tables:
// `.hoodie/.heartbeat/<instant>` is rewritten every interval while its writer works on the instant, so
// another writer can tell a live commit (leave it alone) from one whose writer died (roll it back).
// An instant counts as expired when its file is missing or older than interval × tolerable misses, by
// the storage's clock (file modification time) against ours: writers' clocks must agree within seconds.
// The beat starts before the instant is requested, so no live instant is ever seen without one.

import type { Logger } from '../../../runtime/spi';
import type { Storage } from '../storage/storage';
import { METAFOLDER } from '../timeline/timeline';

export const HEARTBEAT_FOLDER = `${METAFOLDER}/.heartbeat`;

export interface HeartbeatOptions {
  intervalMs: number;
  /** Missed beats after which others may roll the instant back (hoodie.client.heartbeat.tolerable.misses). */
  tolerableMisses: number;
}

/** Hudi's defaults (hoodie.client.heartbeat.interval_in_ms, hoodie.client.heartbeat.tolerable.misses). */
export const DEFAULT_HEARTBEAT: HeartbeatOptions = { intervalMs: 60_000, tolerableMisses: 2 };

export function heartbeatPath(instant: string): string {
  return `${HEARTBEAT_FOLDER}/${instant}`;
}

/** How old a heartbeat may be before its instant counts as abandoned. */
export function heartbeatExpiryMs(o: HeartbeatOptions): number {
  return o.intervalMs * o.tolerableMisses;
}

/** True when the instant's writer has stopped beating (or never started: no file). */
export async function heartbeatExpired(storage: Storage, instant: string, o: HeartbeatOptions, nowMs: number): Promise<boolean> {
  const info = await storage.stat(heartbeatPath(instant));
  return info === undefined || nowMs - info.modifiedAt > heartbeatExpiryMs(o);
}

export class Heartbeats {
  private readonly beating = new Map<string, { timer: NodeJS.Timeout; lastBeat: number; writing?: Promise<void> }>();

  constructor(
    private readonly storage: Storage,
    private readonly o: HeartbeatOptions,
    private readonly now: () => number,
    private readonly log: Logger,
  ) {}

  /** Writes the first beat (throws if it cannot) and keeps beating until stop/abandon. */
  async start(instant: string): Promise<void> {
    const startedAt = this.now();
    await this.storage.writeFile(heartbeatPath(instant), '');
    const entry = { lastBeat: startedAt, timer: setInterval(() => void this.beat(instant), this.o.intervalMs) };
    entry.timer.unref();
    this.beating.set(instant, entry);
  }

  private async beat(instant: string): Promise<void> {
    const entry = this.beating.get(instant);
    if (!entry || entry.writing) return;
    entry.writing = this.write(instant, entry).finally(() => (entry.writing = undefined));
    await entry.writing;
  }

  private async write(instant: string, entry: { lastBeat: number }): Promise<void> {
    const at = this.now();
    try {
      await this.storage.writeFile(heartbeatPath(instant), '');
      if (this.beating.get(instant) === entry) entry.lastBeat = at;
      else await this.storage.delete(heartbeatPath(instant)); // stopped meanwhile: do not leave it beating
    } catch (err) {
      this.log.warn({ instant, err: (err as Error).message }, 'heartbeat not written; other writers roll the instant back if this goes on');
    }
  }

  /**
   * True while others cannot yet consider the instant abandoned: the last beat that landed is younger
   * than the expiry less one interval of margin. A writer checks this just before its commit point.
   */
  alive(instant: string): boolean {
    const entry = this.beating.get(instant);
    return entry !== undefined && this.now() - entry.lastBeat < heartbeatExpiryMs(this.o) - this.o.intervalMs / 2;
  }

  owns(instant: string): boolean {
    return this.beating.has(instant);
  }

  /** Stops beating and removes the file (the instant completed or was rolled back); a beat being written
   *  is waited for first, so it cannot put the file (or its temporary file) back after the delete. */
  async stop(instant: string): Promise<void> {
    const writing = this.beating.get(instant)?.writing;
    this.abandon(instant);
    await writing;
    await this.storage.delete(heartbeatPath(instant));
  }

  /** Stops beating but leaves the file: another writer owns the instant of that name. */
  abandon(instant: string): void {
    const entry = this.beating.get(instant);
    if (entry) clearInterval(entry.timer);
    this.beating.delete(instant);
  }

  close(): void {
    for (const instant of [...this.beating.keys()]) this.abandon(instant);
  }
}
