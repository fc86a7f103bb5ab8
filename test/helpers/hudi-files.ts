// Independent of the writer: which base files (and merge-on-read log files) are a table's latest committed
// slices, worked out from file names and the completed `.commit`/`.deltacommit` files alone, and read with DuckDB.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

export function completedCommits(table: string): string[] {
  return readdirSync(path.join(table, '.hoodie')).filter((f) => /^\d{17}\.(commit|deltacommit)$/.test(f)).map((f) => f.slice(0, 17)).sort();
}

/**
 * Whether a file written at `instant` is part of the table: its commit completed, or it is older than the first
 * write instant on the active timeline and not pending (its commit was archived), as Hudi reads a timeline.
 */
export function committedInstants(table: string): (instant: string) => boolean {
  const names = readdirSync(path.join(table, '.hoodie'));
  const done = new Set(completedCommits(table));
  const writes = names.map((f) => /^(\d{17})\.(commit|deltacommit|replacecommit|compaction|inflight)/.exec(f)?.[1]).filter((t): t is string => t !== undefined).sort();
  const pending = new Set(names.map((f) => /^(\d{17})\.[a-z.]*(requested|inflight)$/.exec(f)?.[1]).filter((t): t is string => t !== undefined && !done.has(t)));
  return (instant) => done.has(instant) || (writes.length > 0 && instant < writes[0]! && !pending.has(instant));
}

/** Every file of the table outside `.hoodie`: its directory, name and full path. */
function* tableFiles(table: string, dir = table): Generator<{ dir: string; name: string; full: string }> {
  if (!existsSync(dir)) return;
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    if (name === '.hoodie') continue;
    if (statSync(full).isDirectory()) yield* tableFiles(table, full);
    else yield { dir, name, full };
  }
}

export function latestSliceFiles(table: string, asOf?: string): string[] {
  const committed = existsSync(path.join(table, '.hoodie')) ? committedInstants(table) : () => false;
  const latest = new Map<string, { instant: string; file: string }>();
  for (const { dir, name, full } of tableFiles(table)) {
    const m = /^(.+)_([^_]+)_(\d{17})\.parquet$/.exec(name);
    if (!m || !committed(m[3]!) || (asOf !== undefined && m[3]! > asOf)) continue;
    const group = `${dir}/${m[1]}`;
    const prev = latest.get(group);
    if (!prev || prev.instant < m[3]!) latest.set(group, { instant: m[3]!, file: full });
  }
  return [...latest.values()].map((v) => v.file).sort();
}

/** A merge-on-read log file of a latest slice, from its name: `.{fileId}_{baseInstant}.log.{version}_{token}`. */
export interface SliceLogFile {
  path: string;
  partition: string;
  fileId: string;
  baseInstant: string;
  version: number;
}

/**
 * The log files of each file group's latest slice: those whose base instant is the instant of the group's latest
 * committed base file (latestSliceFiles), or, for a group with no committed base file yet (log files only), the
 * greatest base instant among its logs. Which blocks inside them belong to completed writes is the reader's call.
 */
export function latestSliceLogFiles(table: string): SliceLogFile[] {
  const baseInstant = new Map<string, string>();
  for (const f of latestSliceFiles(table)) baseInstant.set(`${path.dirname(f)}/${path.basename(f).split('_')[0]}`, /_(\d{17})\.parquet$/.exec(f)![1]!);
  const logs: SliceLogFile[] = [];
  for (const { dir, name, full } of tableFiles(table)) {
    const m = /^\.(.+)_(\d{17})\.log\.(\d+)_\d+-\d+-\d+$/.exec(name);
    if (m) logs.push({ path: full, partition: path.relative(table, dir), fileId: m[1]!, baseInstant: m[2]!, version: Number(m[3]) });
  }
  const sliceOf = (l: SliceLogFile) => `${path.join(table, l.partition)}/${l.fileId}`;
  const logOnly = new Map<string, string>();
  for (const l of logs) {
    if (baseInstant.has(sliceOf(l))) continue;
    const prev = logOnly.get(sliceOf(l));
    if (prev === undefined || prev < l.baseInstant) logOnly.set(sliceOf(l), l.baseInstant);
  }
  return logs
    .filter((l) => (baseInstant.get(sliceOf(l)) ?? logOnly.get(sliceOf(l))) === l.baseInstant)
    .sort((a, b) => (a.path < b.path ? -1 : 1));
}

export async function duckdbRows(files: string[]): Promise<Record<string, unknown>[]> {
  if (files.length === 0) return [];
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  const list = files.map((f) => `'${f.replace(/'/g, "''")}'`).join(', ');
  const reader = await conn.runAndReadAll(`SELECT * FROM read_parquet([${list}], union_by_name = true)`);
  const rows = reader.getRowObjectsJson() as Record<string, unknown>[];
  conn.closeSync?.();
  return rows;
}

/** Messages the table says it has consumed: per writer (`tributary.writer`), the sum of the
 *  `tributary.positions` ranges of that writer's last completed commit. */
export function consumedByTable(table: string): number {
  const latest = new Map<string, Record<string, [number, number][]>>();
  for (const instant of completedCommits(table)) {
    const meta = JSON.parse(readFileSync(path.join(table, '.hoodie', `${instant}.commit`), 'utf8')) as { extraMetadata: Record<string, string> };
    const positions = meta.extraMetadata['tributary.positions'];
    if (positions !== undefined) latest.set(meta.extraMetadata['tributary.writer'] ?? '', JSON.parse(positions) as Record<string, [number, number][]>);
  }
  let n = 0;
  for (const ranges of latest.values()) for (const rs of Object.values(ranges)) for (const [a, b] of rs) n += b - a;
  return n;
}
