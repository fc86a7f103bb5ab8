// Reads a Hudi table the way a timeline-honouring reader does: only files of completed writes (or of writes
// older than the active timeline) count; a snapshot takes each file group's latest such slice — on a
// merge-on-read table its base file merged with its log files' blocks of such instants (log-records.ts) —
// a time-travel read the latest slice at or before an instant, and an incremental read the rows committed
// in (from, to]. Used by `tributary table` and by tests.

import type { Storage } from '../storage/storage';
import { parseCommitMetadata, type CommitMetadata } from '../timeline/commit-metadata';
import type { Instant } from '../timeline/instant';
import { Timeline, isWriteAction } from '../timeline/timeline';
import { LogRecords } from '../file-group/log-records';
import { parseLogFileName } from '../log/log-file-name';
import type { LogFile } from './log-file';
import { readTableProperties } from './table-properties';
import type { Row } from '../parquet/column-spec';
import { parseBaseFileName, type BaseFile } from './base-file';
import type { ParquetCodec } from './collaborators';
import { findPartitions } from './file-system-view';
import { POSITIONS_KEY } from './consumed-ranges';

export interface TimelineEntry {
  instant: string;
  action: string;
  state: string;
  operation?: string;
  inserts?: number;
  updates?: number;
  deletes?: number;
  files?: number;
  bytes?: number;
  positions?: unknown;
}

export class HudiTableReader {
  private constructor(
    private readonly storage: Storage,
    private readonly codec: ParquetCodec,
    readonly timeline: Timeline,
  ) {}

  static async open(storage: Storage, codec: ParquetCodec): Promise<HudiTableReader> {
    return new HudiTableReader(storage, codec, await Timeline.load(storage));
  }

  async commitMetadata(i: Instant): Promise<CommitMetadata> {
    return parseCommitMetadata((await this.timeline.readDetails(i)).toString('utf8'), `${i.timestamp}.${i.action}`);
  }

  async describeTimeline(): Promise<TimelineEntry[]> {
    const out: TimelineEntry[] = [];
    for (const i of this.timeline.instants) {
      const e: TimelineEntry = { instant: i.timestamp, action: i.action, state: i.state };
      if (i.state === 'COMPLETED' && isWriteAction(i.action)) {
        const m = await this.commitMetadata(i);
        const stats = Object.values(m.partitionToWriteStats).flat();
        e.operation = m.operationType;
        e.inserts = stats.reduce((n, s) => n + s.numInserts, 0);
        e.updates = stats.reduce((n, s) => n + s.numUpdateWrites, 0);
        e.deletes = stats.reduce((n, s) => n + s.numDeletes, 0);
        e.files = stats.length;
        e.bytes = stats.reduce((n, s) => n + s.fileSizeInBytes, 0);
        const pos = m.extraMetadata[POSITIONS_KEY];
        if (pos) e.positions = JSON.parse(pos);
      }
      out.push(e);
    }
    return out;
  }

  /** Whether files and log blocks of `instant` are in a snapshot as of `asOf` (default: latest). */
  private validAsOf(asOf?: string): (instant: string) => boolean {
    return (t) => this.timeline.holdsWrite(t) && (asOf === undefined || t <= asOf);
  }

  /** The file slices a snapshot as of `asOf` (default: latest) reads: each file group's latest base file with
   *  the log files appended to it. */
  async slices(asOf?: string): Promise<{ base: BaseFile; logs: LogFile[] }[]> {
    const valid = this.validAsOf(asOf);
    const out: { base: BaseFile; logs: LogFile[] }[] = [];
    for (const partition of await findPartitions(this.storage)) {
      const latest = new Map<string, BaseFile>();
      const logs: LogFile[] = [];
      for (const f of await this.storage.list(partition)) {
        const name = partition === '' ? f.path : f.path.slice(partition.length + 1);
        const p = parseBaseFileName(name);
        if (p && valid(p.instantTime)) {
          const prev = latest.get(p.fileId);
          if (!prev || prev.instantTime < p.instantTime) latest.set(p.fileId, { partitionPath: partition, ...p, path: f.path, size: f.size });
        }
        const l = p ? undefined : parseLogFileName(name);
        if (l) logs.push({ partitionPath: partition, ...l, path: f.path, size: f.size });
      }
      for (const base of latest.values()) {
        const own = logs.filter((l) => l.fileId === base.fileId && l.baseInstant === base.instantTime).sort((a, b) => a.version - b.version);
        out.push({ base, logs: own });
      }
    }
    return out.sort((a, b) => (a.base.path < b.base.path ? -1 : 1));
  }

  /** Paths of the base files a snapshot as of `asOf` (default: latest) reads. */
  async sliceFiles(asOf?: string): Promise<string[]> {
    return (await this.slices(asOf)).map((s) => s.base.path);
  }

  async snapshot(asOf?: string): Promise<Row[]> {
    const rows: Row[] = [];
    const props = (await readTableProperties(this.storage)) ?? {};
    const precombineField = props['hoodie.table.precombine.field'] || undefined;
    const validInstant = this.validAsOf(asOf);
    for (const { base, logs } of await this.slices(asOf)) {
      const baseRows = await this.codec.decode(await this.storage.readFile(base.path));
      if (logs.length === 0) {
        rows.push(...baseRows);
        continue;
      }
      // Ordering values compare as stored: decimals are normalized by the writer only (not needed to read).
      const merged = await LogRecords.read(this.storage, logs, { validInstant, precombineField, orderingOf: (v) => v });
      rows.push(...merged.over(baseRows), ...merged.remaining());
    }
    return rows;
  }

  /** Rows committed after `from` (exclusive) up to `to` (inclusive, default latest). */
  async incremental(from: string, to?: string): Promise<Row[]> {
    const rows = await this.snapshot(to);
    return rows.filter((r) => {
      const t = String(r['_hoodie_commit_time']);
      return t > from && (to === undefined || t <= to);
    });
  }
}
