// Reads complete lines from a file that may still be growing, like `tail -F`: from a byte offset,
// returning each line with the byte offset after its newline. Invariants: a line is returned only
// once its '\n' has been written (a partial last line waits); offsets count bytes, not characters;
// a file that shrank (truncated) is re-read from its start; a file replaced under the same name
// (rotated) is followed once the old one has been read to its end.

import * as fs from 'node:fs';

export interface TailedLine {
  /** The line without its '\n' (and without a '\r' before it), decoded as UTF-8. */
  text: string;
  /** 1-based line number in the file. */
  line: number;
  /** Byte offset of the line's first byte. */
  start: number;
  /** Byte offset just after the line's '\n': where reading resumes after this line. */
  end: number;
}

export type TailEvent = 'missing' | 'truncated' | 'rotated' | 'rewound';

export interface TailRead {
  lines: TailedLine[];
  /** Something about the file changed that the caller may want to log. */
  events: TailEvent[];
}

const NEWLINE = 0x0a;
const CR = 0x0d;
const CHUNK = 64 * 1024;

export class LineTailer {
  private handle: fs.promises.FileHandle | undefined;
  private ino = 0;
  /** Bytes read but not yet returned as lines; pending[0] is at file offset pendingStart. */
  private pending: Buffer = Buffer.alloc(0);
  private pendingStart: number;
  /** Number of the last line returned (line numbers of resumed reads are recounted on open). */
  private lineNo = 0;

  constructor(
    private readonly file: string,
    startOffset: number,
    /** Upper bound on bytes read per call, so one read returns promptly on a huge backlog. */
    private readonly maxBytesPerRead = 4 * 1024 * 1024,
  ) {
    this.pendingStart = startOffset;
  }

  /** Byte offset after the last line returned. */
  get offset(): number {
    return this.pendingStart;
  }

  get isOpen(): boolean {
    return this.handle !== undefined;
  }

  /**
   * Opens the file. Returns ['missing'] if it does not exist yet (call again later). When the start
   * offset lies beyond the end of the file (it was truncated or replaced), starts again from 0 and
   * reports 'rewound'. Counts the lines before the start offset so line numbers stay true; that is
   * one sequential read of the part already consumed, once per open.
   */
  async open(): Promise<TailEvent[]> {
    if (this.handle) return [];
    let handle: fs.promises.FileHandle;
    try {
      handle = await fs.promises.open(this.file, 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return ['missing'];
      throw err;
    }
    const stat = await handle.stat();
    const events: TailEvent[] = [];
    if (stat.size < this.pendingStart) {
      this.pendingStart = 0;
      events.push('rewound');
    }
    this.handle = handle;
    this.ino = stat.ino;
    this.pending = Buffer.alloc(0);
    this.lineNo = await this.countLines(this.pendingStart);
    return events;
  }

  /** Up to maxLines complete lines from the current offset; fewer (or none) if the file has no more yet. */
  async read(maxLines: number): Promise<TailRead> {
    const events: TailEvent[] = [];
    if (!this.handle) {
      const opened = await this.open();
      events.push(...opened);
      if (!this.handle) return { lines: [], events };
    }
    const lines: TailedLine[] = [];
    let scan = 0;
    let bytesRead = 0;
    while (lines.length < maxLines) {
      const nl = this.pending.indexOf(NEWLINE, scan);
      if (nl >= 0) {
        const endOfText = nl > scan && this.pending[nl - 1] === CR ? nl - 1 : nl;
        this.lineNo++;
        lines.push({
          text: this.pending.toString('utf8', scan, endOfText),
          line: this.lineNo,
          start: this.pendingStart + scan,
          end: this.pendingStart + nl + 1,
        });
        scan = nl + 1;
        continue;
      }
      if (bytesRead >= this.maxBytesPerRead) break;
      const chunk = Buffer.allocUnsafe(CHUNK);
      const readAt = this.pendingStart + this.pending.length;
      const { bytesRead: n } = await this.handle!.read(chunk, 0, CHUNK, readAt);
      if (n === 0) {
        // At the end: only now is it safe to look for truncation or rotation, since everything the
        // old file held has been consumed (or is an incomplete last line).
        if (lines.length === 0) events.push(...(await this.checkReplaced(readAt)));
        break;
      }
      bytesRead += n;
      this.pending = Buffer.concat([this.pending.subarray(scan), chunk.subarray(0, n)]);
      this.pendingStart += scan;
      scan = 0;
    }
    this.pending = this.pending.subarray(scan);
    this.pendingStart += scan;
    return { lines, events };
  }

  async close(): Promise<void> {
    const h = this.handle;
    this.handle = undefined;
    this.pending = Buffer.alloc(0);
    if (h) await h.close();
  }

  private async checkReplaced(readAt: number): Promise<TailEvent[]> {
    const own = await this.handle!.stat();
    if (own.size < readAt) {
      this.restartAt(0);
      return ['truncated'];
    }
    let current: fs.Stats | undefined;
    try {
      current = await fs.promises.stat(this.file);
    } catch {
      current = undefined; // moved away and not (yet) recreated: keep reading the old one
    }
    if (current && current.ino !== this.ino) {
      await this.close();
      this.restartAt(0);
      await this.open();
      return ['rotated'];
    }
    return [];
  }

  private restartAt(offset: number): void {
    this.pending = Buffer.alloc(0);
    this.pendingStart = offset;
    this.lineNo = 0;
  }

  private async countLines(upTo: number): Promise<number> {
    if (upTo === 0 || !this.handle) return 0;
    let count = 0;
    const buf = Buffer.allocUnsafe(1024 * 1024);
    for (let pos = 0; pos < upTo; ) {
      const want = Math.min(buf.length, upTo - pos);
      const { bytesRead } = await this.handle.read(buf, 0, want, pos);
      if (bytesRead === 0) break;
      const part = buf.subarray(0, bytesRead);
      for (let i = part.indexOf(NEWLINE); i >= 0; i = part.indexOf(NEWLINE, i + 1)) count++;
      pos += bytesRead;
    }
    return count;
  }
}
