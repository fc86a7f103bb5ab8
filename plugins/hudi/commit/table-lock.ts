// A table-wide lock kept in the table's own storage, for writers that share a table
// (hoodie.write.concurrency.mode=optimistic_concurrency_control): it serialises the short critical
// sections — conflict check plus commit, rollback of an abandoned instant — so that two writers can
// never both pass the check against each other. It needs nothing but exclusive create, which local
// disk and S3 (If-None-Match) both give:
// - the lock is a sequence of generations `.hoodie/.locks/lock-<n>.json`; the greatest n that is
//   neither released (`lock-<n>.released`) nor expired is held by its creator;
// - to acquire, a writer lists the folder and, if the greatest generation n is free, creates n+1
//   exclusively: of several writers seeing n free exactly one creates n+1. It then lists again: a
//   greater generation means its listing was stale (older generations are deleted), so it gives way;
// - a holder that dies leaves its generation to expire `validityMs` after it was written (by the
//   storage's clock); a live holder checks before its commit point that it is well within that time.

import { errorCode, RetriableError, type Logger } from '../../../runtime/spi';
import type { FileInfo, Storage } from '../storage/storage';
import { METAFOLDER } from '../timeline/timeline';

export const LOCK_FOLDER = `${METAFOLDER}/.locks`;
const LOCK_RE = /^lock-(\d{12})\.(json|released)$/;

export interface TableLockOptions {
  /** Who holds it, for messages (connector and task). */
  owner: string;
  /** How long a generation holds without being released (hoodie.write.lock.storage.validity.timeout.secs). */
  validityMs: number;
  /** How long acquire() waits for a lock held by another writer (hoodie.write.lock.wait_time_ms). */
  waitMs: number;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  logger: Logger;
}

export interface LockLease {
  readonly generation: number;
  /** True while the lease is safely inside its validity (a margin left for the commit request itself). */
  valid(): boolean;
  release(): Promise<void>;
}

interface Generations {
  top: number;
  topInfo: FileInfo | undefined;
  released: Set<number>;
  all: FileInfo[];
}

function lockFile(n: number, kind: 'json' | 'released'): string {
  return `${LOCK_FOLDER}/lock-${String(n).padStart(12, '0')}.${kind}`;
}

export class TableLock {
  constructor(
    private readonly storage: Storage,
    private readonly o: TableLockOptions,
  ) {}

  private async generations(): Promise<Generations> {
    const all = await this.storage.list(LOCK_FOLDER);
    let top = 0;
    let topInfo: FileInfo | undefined;
    const released = new Set<number>();
    for (const f of all) {
      const m = LOCK_RE.exec(f.path.slice(LOCK_FOLDER.length + 1));
      if (!m) continue;
      const n = Number(m[1]);
      if (m[2] === 'released') released.add(n);
      else if (n > top) {
        top = n;
        topInfo = f;
      }
    }
    return { top, topInfo, released, all };
  }

  private expired(g: Generations): boolean {
    return g.topInfo !== undefined && this.o.now() - g.topInfo.modifiedAt > this.o.validityMs;
  }

  async acquire(): Promise<LockLease> {
    const deadline = this.o.now() + this.o.waitMs;
    let pause = 25;
    for (;;) {
      const g = await this.generations();
      if (g.top === 0 || g.released.has(g.top) || this.expired(g)) {
        if (g.top > 0 && !g.released.has(g.top)) this.o.logger.warn({ generation: g.top, ageMs: this.o.now() - g.topInfo!.modifiedAt }, 'taking over an expired table lock (its holder stopped without releasing it)');
        const mine = g.top + 1;
        const acquiredAt = this.o.now();
        try {
          await this.storage.createExclusive(lockFile(mine, 'json'), JSON.stringify({ owner: this.o.owner, acquiredAt: new Date(acquiredAt).toISOString(), validityMs: this.o.validityMs }));
        } catch (err) {
          if (errorCode(err) !== 'ALREADY_EXISTS') throw err;
          continue; // another writer took generation `mine` first
        }
        const after = await this.generations();
        if (after.top === mine) return this.lease(mine, acquiredAt, after);
        // Our listing was stale: a greater generation exists. Give ours up and queue again.
        await this.storage.createExclusive(lockFile(mine, 'released'), '').catch(() => undefined);
      }
      if (this.o.now() >= deadline) {
        let holder = 'another writer';
        try {
          holder = (JSON.parse((await this.storage.readFile(lockFile(g.top, 'json'))).toString('utf8')) as { owner?: string }).owner ?? holder;
        } catch {
          // released or expired meanwhile: the next attempt will tell
        }
        throw new RetriableError(`the table lock of ${this.storage.location} is held by ${holder} (generation ${g.top}); waited ${this.o.waitMs} ms (hoodie.write.lock.wait_time_ms); the commit is retried`);
      }
      await this.o.sleep(Math.min(pause, Math.max(1, deadline - this.o.now())) * (0.5 + Math.random() / 2));
      pause = Math.min(pause * 2, 1000);
    }
  }

  private lease(generation: number, acquiredAt: number, g: Generations): LockLease {
    const margin = Math.min(this.o.validityMs / 4, 10_000);
    let released = false;
    // Older generations are history once a newer one is held; deleting them keeps the folder small.
    const stale = g.all.filter((f) => {
      const m = LOCK_RE.exec(f.path.slice(LOCK_FOLDER.length + 1));
      return m !== null && Number(m[1]) < generation;
    });
    return {
      generation,
      valid: () => !released && this.o.now() - acquiredAt < this.o.validityMs - margin,
      release: async () => {
        if (released) return;
        released = true;
        for (const f of stale) await this.storage.delete(f.path).catch(() => undefined);
        await this.storage.createExclusive(lockFile(generation, 'released'), '');
      },
    };
  }
}
