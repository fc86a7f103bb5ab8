// Local-disk Storage: atomic writes by temporary file + fsync + rename + directory fsync, exclusive
// creation by link(2) of a fully written temporary file (fails if the target exists), so a timeline
// file is never seen half-written and never overwritten.

import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { ConnectError } from '../../../runtime/spi';
import type { FileInfo, FileSink, Storage } from './storage';

export class LocalStorage implements Storage {
  readonly location: string;
  readonly uri: string;

  constructor(base: string) {
    this.location = path.resolve(base);
    this.uri = `file:${this.location}`;
  }

  private abs(p: string): string {
    const full = path.resolve(this.location, p);
    if (full !== this.location && !full.startsWith(this.location + path.sep)) {
      throw new ConnectError('BAD_REQUEST', `path ${JSON.stringify(p)} leaves the table base path ${this.location}`);
    }
    return full;
  }

  async readFile(p: string): Promise<Buffer> {
    try {
      return await fs.readFile(this.abs(p));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new ConnectError('NOT_FOUND', `file ${p} does not exist in ${this.location}`, { cause: err });
      throw err;
    }
  }

  async readRange(p: string, start: number, end: number): Promise<Buffer> {
    let fh;
    try {
      fh = await fs.open(this.abs(p), 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new ConnectError('NOT_FOUND', `file ${p} does not exist in ${this.location}`, { cause: err });
      throw err;
    }
    try {
      const out = Buffer.allocUnsafe(Math.max(0, end - start));
      let at = 0;
      while (at < out.length) {
        const { bytesRead } = await fh.read(out, at, out.length - at, start + at);
        if (bytesRead === 0) throw new ConnectError('INTERNAL', `file ${p} in ${this.location} ends before byte ${end} (read ${start + at})`);
        at += bytesRead;
      }
      return out;
    } finally {
      await fh.close();
    }
  }

  /** A temporary file beside the target, fsynced and renamed into place on close. */
  async openWrite(p: string): Promise<FileSink> {
    const target = this.abs(p);
    await fs.mkdir(path.dirname(target), { recursive: true });
    const tmp = tempName(target);
    const fh = await fs.open(tmp, 'wx');
    let size = 0;
    let open = true;
    const finish = async () => {
      if (!open) return;
      open = false;
      await fh.close();
    };
    return {
      write: async (data) => {
        let at = 0;
        while (at < data.length) at += (await fh.write(data, at, data.length - at, size + at)).bytesWritten;
        size += data.length;
      },
      close: async () => {
        try {
          await fh.sync();
          await finish();
          await fs.rename(tmp, target);
        } catch (err) {
          await finish().catch(() => undefined);
          await fs.rm(tmp, { force: true });
          throw err;
        }
        await syncDir(path.dirname(target));
        return size;
      },
      abort: async () => {
        await finish().catch(() => undefined);
        await fs.rm(tmp, { force: true });
      },
    };
  }

  async discardPartial(p: string): Promise<void> {
    const target = this.abs(p);
    const prefix = `.${path.basename(target)}.`;
    let names: string[];
    try {
      names = await fs.readdir(path.dirname(target));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    for (const n of names) if (n.startsWith(prefix) && n.endsWith('.tmp')) await fs.rm(path.join(path.dirname(target), n), { force: true });
  }

  private async writeTemp(target: string, data: Buffer | string): Promise<string> {
    await fs.mkdir(path.dirname(target), { recursive: true });
    const tmp = tempName(target);
    const fh = await fs.open(tmp, 'wx');
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    return tmp;
  }

  async writeFile(p: string, data: Buffer | string): Promise<void> {
    const target = this.abs(p);
    const tmp = await this.writeTemp(target, data);
    try {
      await fs.rename(tmp, target);
    } catch (err) {
      await fs.rm(tmp, { force: true });
      throw err;
    }
    await syncDir(path.dirname(target));
  }

  async createExclusive(p: string, data: Buffer | string): Promise<void> {
    const target = this.abs(p);
    const tmp = await this.writeTemp(target, data);
    try {
      await fs.link(tmp, target);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new ConnectError('ALREADY_EXISTS', `${p} already exists in ${this.location}; another writer created it first`, { cause: err });
      throw err;
    } finally {
      await fs.rm(tmp, { force: true });
    }
    await syncDir(path.dirname(target));
  }

  async exists(p: string): Promise<boolean> {
    return (await this.stat(p)) !== undefined;
  }

  async stat(p: string): Promise<FileInfo | undefined> {
    try {
      const s = await fs.stat(this.abs(p));
      return s.isFile() ? { path: p, size: s.size, modifiedAt: s.mtimeMs } : undefined;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  async list(dir: string): Promise<FileInfo[]> {
    const abs = this.abs(dir);
    let entries: import('node:fs').Dirent[];
    try {
      entries = await fs.readdir(abs, { withFileTypes: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const out: FileInfo[] = [];
    for (const e of entries) {
      // Temporary files of in-progress writes are never listed.
      if (!e.isFile() || (e.name.startsWith('.') && e.name.endsWith('.tmp'))) continue;
      const rel = dir === '' ? e.name : `${dir}/${e.name}`;
      const s = await fs.stat(path.join(abs, e.name)).catch(() => undefined);
      if (s) out.push({ path: rel, size: s.size, modifiedAt: s.mtimeMs });
    }
    return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  async listDirs(dir: string): Promise<string[]> {
    try {
      const entries = await fs.readdir(this.abs(dir), { withFileTypes: true });
      return entries.filter((e) => e.isDirectory()).map((e) => e.name).sort();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
  }

  async delete(p: string): Promise<void> {
    await fs.rm(this.abs(p), { force: true });
  }

  async deleteTree(dir: string): Promise<void> {
    await fs.rm(this.abs(dir), { recursive: true, force: true });
  }

  async listTree(dir: string): Promise<FileInfo[]> {
    const out = await this.list(dir);
    for (const sub of await this.listDirs(dir)) out.push(...(await this.listTree(dir === '' ? sub : `${dir}/${sub}`)));
    return out;
  }
}

/** Hidden and suffixed .tmp: list() never shows it, and the rename that publishes it is atomic. */
function tempName(target: string): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

async function syncDir(dir: string): Promise<void> {
  const fh = await fs.open(dir, 'r').catch(() => undefined);
  if (!fh) return;
  try {
    await fh.sync();
  } catch {
    // some filesystems refuse fsync on directories; the rename is still atomic
  } finally {
    await fh.close();
  }
}
