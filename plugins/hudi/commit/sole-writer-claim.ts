// Fencing for single_writer, which means no other writer touches the table, and which nothing else would
// enforce: a task instance that outlived its restart, or a second connector on the same table, would
// otherwise complete commits merged on a view the other writer has changed — updates lost, deletes undone,
// keys doubled. Each single writer claims the table when it opens it (a fresh token in .hoodie/.writer/owner,
// written before it rolls back what is pending) and, at its commit point, reads the token back: if another
// writer has claimed the table since, the commit is refused and rolled back. One read per commit, no
// listing. What is left is the moment between that read and the completed file; writers that really share
// a table take the table lock instead (optimistic_concurrency_control).

import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { ConnectError, errorCode, RetriableError } from '../../../runtime/spi';
import type { Storage } from '../storage/storage';
import { METAFOLDER } from '../timeline/timeline';

export const OWNER_FILE = `${METAFOLDER}/.writer/owner`;

/** Another writer took the table over from this one: its commit is refused (and rolled back). */
export class ConcurrentWriterError extends ConnectError {
  readonly concurrentWriter = true;
  constructor(message: string) {
    super('ILLEGAL_STATE', message);
  }
}

interface Owner {
  token: string;
  owner: string;
  since: string;
}

export class SoleWriterClaim {
  private constructor(
    private readonly storage: Storage,
    private readonly mine: Owner,
  ) {}

  /** Claims the table for a writer opening it now: from here on any earlier writer's commits are refused. */
  static async claim(storage: Storage, now: number): Promise<SoleWriterClaim> {
    const mine: Owner = { token: randomUUID(), owner: `${hostname()} pid ${process.pid}`, since: new Date(now).toISOString() };
    await storage.writeFile(OWNER_FILE, JSON.stringify(mine));
    return new SoleWriterClaim(storage, mine);
  }

  /** Throws ConcurrentWriterError if another writer has claimed the table since this one did. */
  async check(instant: string): Promise<void> {
    let current: Partial<Owner> | undefined;
    let text: string | undefined;
    try {
      text = (await this.storage.readFile(OWNER_FILE)).toString('utf8');
    } catch (err) {
      if (errorCode(err) !== 'NOT_FOUND') throw err;
    }
    if (text !== undefined) {
      try {
        current = JSON.parse(text) as Partial<Owner>;
      } catch (err) {
        // Writers store it whole (writeFile is atomic): an unreadable claim is a damaged read, not a takeover.
        throw new RetriableError(`${this.storage.location}: the writer claim ${OWNER_FILE} read back as ${JSON.stringify(text.slice(0, 80))}, which is not JSON; the commit is retried`, err);
      }
    }
    if (current?.token === this.mine.token) return;
    const who = current?.owner !== undefined ? `another writer (${current.owner}) opened it at ${current.since}` : `its writer claim ${OWNER_FILE} was removed or overwritten`;
    throw new ConcurrentWriterError(
      `${this.storage.location}: commit ${instant} is refused: this writer (${this.mine.owner}) opened the table at ${this.mine.since}, and since then ${who}, so this commit was merged on files that writer may have changed. ` +
        'single_writer (hoodie.write.concurrency.mode) allows one writer per table: stop the other writer, or set optimistic_concurrency_control on every writer of this table. ' +
        'This attempt is rolled back; its batch is written by the writer that opened the table last (restart this task if it should be that one).',
    );
  }
}
