// One JSON document in one file, replaced atomically: write `<file>.tmp-<pid>-<n>`, fsync it, rename it over
// the target, fsync the directory. After a crash at any point the file holds either the old or the new
// document, never a mix; a leftover tmp file is never read. Writes through one JsonFile are serialised.

import { open, readFile, rename, unlink } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import * as path from 'node:path';
import { ConnectError } from '../spi';

/** I/O errors that may clear up on their own (disk full, too many open files). */
const RETRIABLE_IO = new Set(['ENOSPC', 'EDQUOT', 'EIO', 'EAGAIN', 'EBUSY', 'EMFILE', 'ENFILE']);

interface Waiter {
  resolve(): void;
  reject(err: unknown): void;
}

function ioCode(err: unknown): string | undefined {
  const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : undefined;
}

export class JsonFile<T = unknown> {
  /** Absolute path of the target file. */
  readonly path: string;
  /** Numbers this instance's tmp files; per instance, since there is no module-level state. */
  private seq = 0;
  /** The document waiting to be written after the current write, with everyone waiting for it. */
  private pending: { text: string; waiters: Waiter[] } | undefined;
  private draining: Promise<void> | undefined;

  constructor(file: string) {
    this.path = path.resolve(file);
  }

  /** The document, or undefined if the file does not exist. Waits for writes already requested. */
  async read(): Promise<T | undefined> {
    await this.idle();
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (err) {
      if (ioCode(err) === 'ENOENT') return undefined;
      throw new ConnectError('INTERNAL', `cannot read ${this.path}: ${(err as Error).message}`, { retriable: RETRIABLE_IO.has(ioCode(err) ?? ''), cause: err });
    }
    try {
      return JSON.parse(text) as T;
    } catch (err) {
      throw new ConnectError(
        'INTERNAL',
        `${this.path} is corrupt (not valid JSON: ${(err as Error).message}); restore it from a backup, or move it away to start empty`,
        { cause: err },
      );
    }
  }

  /**
   * Replaces the document; durable when the promise resolves. The value is serialised at call time.
   * Writes apply in call order and the last one wins; a write still queued behind a running one is
   * replaced by a newer call (both callers resolve when the newer document is on disk), so a burst of
   * changes costs two file replacements, not one per change.
   */
  write(value: T): Promise<void> {
    let text: string;
    try {
      text = `${JSON.stringify(value, null, 2)}\n`;
    } catch (err) {
      return Promise.reject(new ConnectError('BAD_REQUEST', `cannot encode the document for ${this.path} as JSON: ${(err as Error).message}`, { cause: err }));
    }
    return new Promise<void>((resolve, reject) => {
      if (this.pending) {
        this.pending.text = text;
        this.pending.waiters.push({ resolve, reject });
      } else {
        this.pending = { text, waiters: [{ resolve, reject }] };
      }
      this.draining ??= this.drain();
    });
  }

  /** Resolves once every write requested so far has settled (stores call it on close). */
  async idle(): Promise<void> {
    while (this.draining) await this.draining;
  }

  private async drain(): Promise<void> {
    try {
      while (this.pending) {
        const job = this.pending;
        this.pending = undefined;
        try {
          await this.replace(job.text);
          for (const w of job.waiters) w.resolve();
        } catch (err) {
          for (const w of job.waiters) w.reject(err);
        }
      }
    } finally {
      this.draining = undefined;
    }
  }

  private async replace(text: string): Promise<void> {
    let tmp: string | undefined;
    try {
      const created = await this.createTmp();
      tmp = created.tmp;
      try {
        await created.handle.writeFile(text, 'utf8');
        await created.handle.sync();
      } finally {
        await created.handle.close();
      }
      await rename(tmp, this.path);
      tmp = undefined;
      await this.syncDirectory();
    } catch (err) {
      if (tmp !== undefined) await unlink(tmp).catch(() => undefined);
      throw new ConnectError('INTERNAL', `cannot write ${this.path}: ${(err as Error).message}`, { retriable: RETRIABLE_IO.has(ioCode(err) ?? ''), cause: err });
    }
  }

  /** 'wx' refuses an existing file, so two JsonFile instances on one path never share a tmp file. */
  private async createTmp(): Promise<{ tmp: string; handle: FileHandle }> {
    for (;;) {
      const tmp = `${this.path}.tmp-${process.pid}-${this.seq++}`;
      try {
        return { tmp, handle: await open(tmp, 'wx', 0o644) };
      } catch (err) {
        if (ioCode(err) !== 'EEXIST') throw err;
      }
    }
  }

  /** The rename is durable only once the directory entry is; without this a power loss can undo it. */
  private async syncDirectory(): Promise<void> {
    // Windows cannot open a directory for fsync; NTFS journals the rename itself.
    if (process.platform === 'win32') return;
    const dir = await open(path.dirname(this.path), 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  }
}
