// Reads a Hudi copy-on-write table the way a timeline-honouring reader does: only base files of
// completed commits (or of commits older than the active timeline) count; a snapshot takes each file
// group's latest such slice, a time-travel read the latest slice at or before an instant, and an
// incremental read the rows committed in (from, to]. Used by `tributary table` and by tests.

import type { Storage } from '../storage/storage';
import { parseCommitMetadata, type CommitMetadata } from '../timeline/commit-metadata';
import type { Instant } from '../timeline/instant';
import { Timeline } from '../timeline/timeline';
import type { Row } from '../parquet/column-spec';
import { parseBaseFileName } from './base-file';
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
      if (i.state === 'COMPLETED' && (i.action === 'commit' || i.action === 'replacecommit')) {
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

  /** Paths of the base files a snapshot as of `asOf` (default: latest) reads. */
  async sliceFiles(asOf?: string): Promise<string[]> {
    const first = this.timeline.instants[0]?.timestamp ?? '';
    const pending = new Set(this.timeline.pending().map((i) => i.timestamp));
    const valid = (t: string) => (this.timeline.isCompletedWrite(t) || (t < first && !pending.has(t))) && (asOf === undefined || t <= asOf);
    const out: string[] = [];
    for (const partition of await findPartitions(this.storage)) {
      const latest = new Map<string, { instant: string; path: string }>();
      for (const f of await this.storage.list(partition)) {
        const name = partition === '' ? f.path : f.path.slice(partition.length + 1);
        const p = parseBaseFileName(name);
        if (!p || !valid(p.instantTime)) continue;
        const prev = latest.get(p.fileId);
        if (!prev || prev.instant < p.instantTime) latest.set(p.fileId, { instant: p.instantTime, path: f.path });
      }
      out.push(...[...latest.values()].map((v) => v.path));
    }
    return out.sort();
  }

  async snapshot(asOf?: string): Promise<Row[]> {
    const rows: Row[] = [];
    for (const f of await this.sliceFiles(asOf)) rows.push(...(await this.codec.decode(await this.storage.readFile(f))));
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
