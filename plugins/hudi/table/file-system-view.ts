// Every committed file slice of every file group. Built once at open by walking the partition
// directories (a partition is a directory holding `.hoodie_partition_metadata`) and keeping only base
// files whose instant is a completed write — or older than the active timeline (archived commits were
// complete). After that the writer keeps it current from the timeline alone: the slices its own commits
// and other writers' commits wrote (their write stats), less the slices cleans deleted, so steady-state
// writes and cleans never list the table again.

import type { WriteStatus } from '../file-group/slice-output';
import { parseLogFileName } from '../log/log-file-name';
import type { Storage } from '../storage/storage';
import { METAFOLDER, type Timeline } from '../timeline/timeline';
import { parseBaseFileName, type BaseFile } from './base-file';
import type { LogFile } from './log-file';

export const PARTITION_METAFILE = '.hoodie_partition_metadata';

export function renderPartitionMetadata(commitTime: string, partitionPath: string, now: Date): string {
  const depth = partitionPath === '' ? 0 : partitionPath.split('/').length;
  return `#partition metadata\n#${now.toUTCString()}\ncommitTime=${commitTime}\npartitionDepth=${depth}\n`;
}

export class FileSystemView {
  /** partition → fileId → committed slices, oldest first */
  private readonly groups = new Map<string, Map<string, BaseFile[]>>();
  /** partition → fileId → committed log files (merge-on-read), by base instant then version */
  private readonly logs = new Map<string, Map<string, LogFile[]>>();

  private constructor() {}

  static empty(): FileSystemView {
    return new FileSystemView();
  }

  static async build(storage: Storage, timeline: Timeline): Promise<FileSystemView> {
    const view = new FileSystemView();
    const valid = (instant: string) => timeline.holdsWrite(instant);
    for (const partition of await findPartitions(storage)) {
      for (const f of await storage.list(partition)) {
        const name = partition === '' ? f.path : f.path.slice(partition.length + 1);
        const parsed = parseBaseFileName(name);
        if (parsed && valid(parsed.instantTime)) view.put({ partitionPath: partition, ...parsed, path: f.path, size: f.size });
        // A log file's own deltacommit is not in its name. A single writer's open rolled back every unfinished one,
        // so what is left belongs to completed deltacommits; with several writers a log of one in flight may be
        // listed too: readers skip its blocks while it is pending, and the coordinator forgets it if it is rolled
        // back (commit-coordinator.ts learnRollbacks).
        const log = parsed ? undefined : parseLogFileName(name);
        if (log && valid(log.baseInstant)) view.putLog({ partitionPath: partition, ...log, path: f.path, size: f.size });
      }
    }
    return view;
  }

  /** Records a committed slice (a slice of an instant already known replaces it). */
  put(file: BaseFile): void {
    let m = this.groups.get(file.partitionPath);
    if (!m) this.groups.set(file.partitionPath, (m = new Map()));
    const slices = m.get(file.fileId);
    if (!slices) {
      m.set(file.fileId, [file]);
      return;
    }
    const at = slices.findIndex((s) => s.instantTime >= file.instantTime);
    if (at < 0) slices.push(file);
    else if (slices[at]!.instantTime === file.instantTime) slices[at] = file;
    else slices.splice(at, 0, file);
  }

  /** Records a committed log file. */
  putLog(log: LogFile): void {
    let m = this.logs.get(log.partitionPath);
    if (!m) this.logs.set(log.partitionPath, (m = new Map()));
    const list = (m.get(log.fileId) ?? []).filter((l) => l.path !== log.path);
    list.push(log);
    list.sort((a, b) => (a.baseInstant !== b.baseInstant ? (a.baseInstant < b.baseInstant ? -1 : 1) : a.version - b.version));
    m.set(log.fileId, list);
  }

  /** Records what a committed write produced: a base file slice or a log file. */
  add(status: WriteStatus): void {
    if (status.kind === 'log') this.putLog(status.log);
    else this.put(status.file);
  }

  /** The log files of the slice whose base file is `base`, oldest first. */
  logsOf(base: BaseFile): LogFile[] {
    return (this.logs.get(base.partitionPath)?.get(base.fileId) ?? []).filter((l) => l.baseInstant === base.instantTime);
  }

  /** Forgets a slice or log file that was deleted (cleaned). */
  remove(path: string): void {
    for (const m of this.logs.values()) {
      for (const [fileId, list] of m) {
        const i = list.findIndex((l) => l.path === path);
        if (i < 0) continue;
        list.splice(i, 1);
        if (list.length === 0) m.delete(fileId);
        return;
      }
    }
    for (const m of this.groups.values()) {
      for (const [fileId, slices] of m) {
        const i = slices.findIndex((s) => s.path === path);
        if (i < 0) continue;
        slices.splice(i, 1);
        if (slices.length === 0) m.delete(fileId);
        return;
      }
    }
  }

  partitions(): string[] {
    return [...this.groups.keys()].sort();
  }

  /** The latest slice of each file group of `partition`. */
  latest(partition: string): BaseFile[] {
    return [...(this.groups.get(partition)?.values() ?? [])].map((slices) => slices[slices.length - 1]!);
  }

  latestOf(partition: string, fileId: string): BaseFile | undefined {
    return this.groups.get(partition)?.get(fileId)?.at(-1);
  }

  all(): BaseFile[] {
    return this.partitions().flatMap((p) => this.latest(p));
  }

  /** Every committed slice of each file group, oldest first. */
  fileGroups(): BaseFile[][] {
    return [...this.groups.values()].flatMap((m) => [...m.values()]);
  }
}

/** Partition directories (relative paths; '' for a non-partitioned table), found by their metadata file. */
export async function findPartitions(storage: Storage): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    const files = await storage.list(dir);
    if (files.some((f) => f.path === (dir === '' ? PARTITION_METAFILE : `${dir}/${PARTITION_METAFILE}`))) out.push(dir);
    for (const sub of await storage.listDirs(dir)) {
      if (dir === '' && (sub === METAFOLDER || sub.startsWith('.'))) continue;
      await walk(dir === '' ? sub : `${dir}/${sub}`);
    }
  };
  await walk('');
  return out.sort();
}
