// Seeded generator of writer configurations and event streams for the model-based table tests: inserts,
// updates with out-of-order and equal precombine values, deletes (markers and the delete operation),
// re-inserts after delete, keys moving between partitions and back, several events for one key in one
// batch, nulls in every nullable column, commit sizes from one record up, a crash at a random step of
// some commits, a successor writer opening the table while the current one is still committing, and, under
// optimistic concurrency control, a second writer committing while the first is held mid-commit. Every
// configuration runs as copy-on-write or merge-on-read (deltacommits, inline compactions, crashes in both).
// The same seed always gives the same case (mulberry32), so a failing seed replays exactly.

import { FAULT_POINTS, type FaultPoint } from '../../../plugins/hudi/table/fault-points';
import { mulberry32 } from '../faulty-proxy';
import { TableModel, type FuzzEvent, type Operation } from './model';

export type IndexType = 'BLOOM' | 'GLOBAL_BLOOM' | 'SIMPLE' | 'GLOBAL_SIMPLE' | 'BUCKET';
export const INDEX_TYPES: IndexType[] = ['BLOOM', 'GLOBAL_BLOOM', 'SIMPLE', 'GLOBAL_SIMPLE', 'BUCKET'];

export interface FuzzConfig {
  index: IndexType;
  precombine: boolean;
  maxFileSize: number;
  smallFileLimit: number;
  recordSizeEstimate: number;
  cleanRetained: number;
  /** Hudi's default bloom filter sizing (60,000 entries, ~430 KB per file) instead of a small one. */
  defaultBloom?: boolean;
  /** Parquet encoding on worker threads (the sink's default is 1) or in the writer's thread (0). */
  encoderThreads?: number;
  /** Rows per row group: small values make every merge stream several row groups. */
  rowGroupRows?: number;
  /** hoodie.write.concurrency.mode=optimistic_concurrency_control (heartbeats, the table lock, the conflict check). */
  occ?: boolean;
  /** The index caches no key set and one bloom filter: every confirmation reads key columns, pruned by row-group statistics. */
  noIndexCache?: boolean;
  /** hoodie.table.type=MERGE_ON_READ: changes to existing file groups go to log files in deltacommits. */
  mergeOnRead?: boolean;
  /** Merge-on-read: hoodie.compact.inline.max.delta.commits (0: hoodie.compact.inline=false, never compacted). */
  compactEvery?: number;
  /** Merge-on-read: hoodie.datasource.compaction.async.enable=false (the compaction runs before the next write). */
  syncCompaction?: boolean;
  /** Merge-on-read: hoodie.logfile.max.size, small enough that a deltacommit's records for one file group split. */
  maxLogFileSize?: number;
  /** Merge-on-read: records reach the writer as the sink hands them over, encoded on arrival (encoded-record.ts),
   *  rather than as row objects. */
  encodedRecords?: boolean;
  /** index BUCKET: hoodie.bucket.index.num.buckets. */
  buckets?: number;
  /** hoodie.keep.min.commits and hoodie.keep.max.commits (timeline archival); absent: Hudi's 20 and 30. */
  keepCommits?: [number, number];
}

export interface Crash {
  point: FaultPoint;
  /** Which occurrence of the point in that commit (points such as after-data-file recur). */
  nth: number;
}

/**
 * A successor writer opens the table while the current one is still at work, as when a task restart
 * stops waiting for an instance in the middle of a commit: before this commit (the current writer idle,
 * about to flush one more batch) or as the current writer writes its nth data file of this commit. The
 * current writer still writes this commit; the successor writes everything after it.
 */
export interface Supersede {
  during: 'idle' | 'data-file';
  nth: number;
}

export interface FuzzBatch {
  op: Operation;
  events: FuzzEvent[];
  crash?: Crash;
  /** The writer is closed and a new one opened before this commit (a clean restart: cold caches, view from a listing). */
  restart?: boolean;
  supersede?: Supersede;
  /**
   * Optimistic concurrency control: this commit's writer is held at its first data file while a second writer
   * writes the next batch, then goes on (a conflict makes it write its batch again on top). The table must then
   * hold the next batch applied first and this one after it: its commit completes last.
   */
  concurrent?: boolean;
}

export interface FuzzCase {
  seed: number;
  config: FuzzConfig;
  batches: FuzzBatch[];
}

export function isGlobal(index: IndexType): boolean {
  return index.startsWith('GLOBAL_');
}

export interface GeneratorOptions {
  /** Restrict the grid (a test of one index type, say). */
  indexes?: IndexType[];
  /** Bounds on the number of commits. */
  minBatches?: number;
  maxBatches?: number;
  /** Probability that a commit crashes at a random point and is written again after a restart. */
  crashRate?: number;
  /** Probability that a successor writer opens the table during a commit (see Supersede). */
  supersedeRate?: number;
  /** Probability that a case writes a merge-on-read table (where its index and concurrency allow). */
  mergeOnReadRate?: number;
}

export function generateCase(seed: number, opts: GeneratorOptions = {}): FuzzCase {
  const r = mulberry32(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const chance = (p: number) => r() < p;

  // Three file-size regimes: a few KB (many file groups of a few rows), the sizes of the lost-update report
  // (256 KB files with Hudi's default ~430 KB bloom filters: every file is "full" after one write), and
  // Hudi's defaults (one file group per partition).
  const regime = pick(['tiny', 'tiny', 'tiny', 'report', 'default'] as const);
  const tiny = regime !== 'default';
  const maxFileSize = regime === 'tiny' ? int(2, 12) * 1024 : regime === 'report' ? 262144 : 120 * 1024 * 1024;
  // BUCKET is drawn from a stream of its own (below); here one of the lookup indexes.
  const allowed = opts.indexes ?? INDEX_TYPES;
  const lookups = allowed.filter((i) => i !== 'BUCKET');
  const config: FuzzConfig = {
    index: pick(lookups.length > 0 ? lookups : allowed),
    precombine: chance(0.85),
    maxFileSize,
    smallFileLimit: chance(0.6) ? (regime === 'default' ? 100 * 1024 * 1024 : Math.floor(maxFileSize * pick([0.5, 0.8, 1]))) : 0,
    recordSizeEstimate: tiny ? pick([32, 64, 128, 512]) : 1024,
    cleanRetained: pick([1, 2, 3, 10]),
    ...(regime === 'report' ? { defaultBloom: true } : {}),
    encoderThreads: pick([0, 0, 1, 2]),
    ...(chance(0.2) ? { occ: true } : {}),
    rowGroupRows: pick([2, 3, 7, 50_000]),
    ...(chance(0.5) ? { noIndexCache: true } : {}),
  };

  // With Hudi's default sizes, half the cases load a few hundred keys first and then change them in small
  // batches: merges then carry most row groups over and continue the file's bloom filter (few stale keys).
  const grown = regime === 'default' && chance(0.5);
  const keys = Array.from({ length: regime === 'report' ? int(50, 400) : grown ? int(60, 300) : int(3, 40) }, (_, i) => `k${String(i).padStart(3, '0')}`);
  const parts = Array.from({ length: int(1, 5) }, (_, i) => ['eu', 'us', 'apac', 'latam', 'mena'][i]!);
  // The bucket index replaces the drawn index in a fifth of the seeds (all of them when it is the only one
  // allowed), from a stream of its own, so that every other draw of a seed stays what it was before it existed.
  const u = mulberry32(seed ^ 0xb0c7e7);
  if (allowed.includes('BUCKET') && (config.index === 'BUCKET' || u() < 0.2)) {
    config.index = 'BUCKET';
    config.buckets = [1, 2, 3, 8, 64][Math.floor(u() * 5)]!;
  }
  const model = new TableModel({ global: isGlobal(config.index), precombine: config.precombine });
  const lastVer = new Map<string, number>();
  const home = new Map<string, string>();
  const maxBatches = opts.maxBatches ?? 24;
  const batches: FuzzBatch[] = [];
  const nBatches = int(opts.minBatches ?? 4, maxBatches);
  const bigBatches = chance(0.3);

  const event = (key: string, part: string, isDelete: boolean): FuzzEvent => {
    const base = lastVer.get(key) ?? 0;
    // Out of order (older than what was seen), equal, or newer versions.
    const ver = Math.max(0, base + pick([-3, -1, 0, 0, 1, 1, 2, 5]));
    if (ver > base) lastVer.set(key, ver);
    return {
      key,
      part,
      ver,
      isDelete,
      amount: chance(0.15) ? null : Math.round(r() * 100000) / 100,
      note: chance(0.2) ? null : pick(['', 'a', 'ß', 'x'.repeat(int(1, 40)), 'note "q"']),
      qty: chance(0.2) ? null : int(-5, 1000),
    };
  };

  for (let b = 0; b < nBatches; b++) {
    const op: Operation = pick(['upsert', 'upsert', 'upsert', 'upsert', 'upsert', 'insert', 'bulk_insert', 'delete']);
    const size = grown && b === 0 ? keys.length : regime === 'report' ? int(20, 300) : bigBatches && chance(0.5) ? int(20, 200) : pick([1, 1, 2, 3, 5, 8, 13, 30]);
    const events: FuzzEvent[] = [];
    for (let i = 0; i < size; i++) {
      const key = pick(keys);
      // Keys mostly stay in their partition; some move, and later some move back.
      let part = home.get(key) ?? pick(parts);
      if (chance(0.25)) part = pick(parts);
      if (op === 'insert' || op === 'bulk_insert') {
        // Insert skips the index: it is given keys the table does not hold (globally, with a global
        // index), as Hudi's contract asks; a key already taken by this batch may come again (combined).
        const e = event(key, part, chance(0.05));
        if (!insertable(model, events, e)) continue;
        events.push(e);
      } else {
        events.push(event(key, part, op === 'delete' || chance(0.15)));
      }
      if (!events.at(-1)!.isDelete) home.set(key, part);
    }
    if (events.length === 0) continue;
    model.apply(op, events);
    const batch: FuzzBatch = { op, events };
    if (chance(0.12)) batch.restart = true;
    if (chance(opts.crashRate ?? 0.15)) batch.crash = { point: pick(FAULT_POINTS), nth: int(1, 3) };
    batches.push(batch);
  }
  // Drawn from a stream of its own, so that the configurations and events of every seed stay what they were
  // before this dimension existed. Not with optimistic concurrency control: there two writers may share the
  // table, but two writers of the same batch (an insert) would write it twice, there as in Hudi.
  const z = mulberry32(seed ^ 0x5eed5);
  for (const batch of batches) {
    if (config.occ || batch.crash || z() >= (opts.supersedeRate ?? 0.12)) continue;
    batch.supersede = z() < 0.4 ? { during: 'idle', nth: 1 } : { during: 'data-file', nth: 1 + Math.floor(z() * 3) };
  }
  // Two writers committing at once, under optimistic concurrency control, from a stream of its own: an upsert or
  // delete held while a second writer commits the next one (see FuzzBatch.concurrent), unless the swapped order
  // would break insert's contract for a later insert.
  const w = mulberry32(seed ^ 0xc0cc0);
  if (config.occ) {
    for (let b = 0; b + 1 < batches.length; b++) {
      const [x, y] = [batches[b]!, batches[b + 1]!];
      if (!updates(x) || !updates(y) || w() >= 0.35) continue;
      x.concurrent = true;
      if (!pairedWithNext(batches, b) || !keepsInsertContract({ seed, config, batches })) delete x.concurrent;
      else b++;
    }
  }
  // The table type too, from a stream of its own: merge-on-read with the drawn index (global ones too) and
  // concurrency mode, so every configuration above also runs as merge-on-read.
  const t = mulberry32(seed ^ 0x7ab1e);
  if (t() < (opts.mergeOnReadRate ?? 0.5)) {
    const mor: FuzzConfig = { ...config, mergeOnRead: true, compactEvery: [0, 1, 2, 3, 5][Math.floor(t() * 5)]! };
    // Compaction beside the deltacommits (the default) in two seeds of three, before the next write in the rest.
    if (mulberry32(seed ^ 0xa5c0)() < 1 / 3) mor.syncCompaction = true;
    // Log files of a few hundred bytes in a third of the seeds (a row encodes to about 150): split deltacommits.
    const l = mulberry32(seed ^ 0x10f5);
    if (l() < 1 / 3) mor.maxLogFileSize = [200, 400, 1500][Math.floor(l() * 3)]!;
    // Records encoded on arrival, as the sink hands them to a merge-on-read writer, in two seeds of three.
    if (mulberry32(seed ^ 0xe2c0)() < 2 / 3) mor.encodedRecords = true;
    return withArchival({ seed, config: mor, batches });
  }
  return withArchival({ seed, config, batches });
}

/** Timeline archival within reach of the case's few commits in two seeds of three (the rest keep Hudi's
 *  20..30, which these cases never reach), from a stream of its own; the bounds are the smallest the
 *  settings accept: above the commits cleaning retains and the deltacommits compaction counts. */
function withArchival(c: FuzzCase): FuzzCase {
  const a = mulberry32(c.seed ^ 0xa4c1e);
  if (a() >= 2 / 3) return c;
  const keepMin = Math.max(c.config.cleanRetained, c.config.compactEvery ?? 0) + 1 + Math.floor(a() * 2);
  return { ...c, config: { ...c.config, keepCommits: [keepMin, keepMin + 1 + Math.floor(a() * 3)] } };
}

/** Whether batch `b` is written while a second writer commits batch b + 1 (a shrunk case may have lost the pair). */
export function pairedWithNext(batches: readonly FuzzBatch[], b: number): boolean {
  const next = batches[b + 1];
  return batches[b]!.concurrent === true && next !== undefined && !next.crash && !next.restart && !next.supersede && !batches[b]!.crash && !batches[b]!.supersede;
}

function updates(b: FuzzBatch): boolean {
  return b.op === 'upsert' || b.op === 'delete';
}

/** The batches in the order their commits complete: a concurrent batch after the one that follows it. */
export function commitOrder(batches: readonly FuzzBatch[]): FuzzBatch[] {
  const out = [...batches];
  for (let b = 0; b + 1 < out.length; b++) {
    if (!pairedWithNext(out, b)) continue;
    [out[b], out[b + 1]] = [out[b + 1]!, out[b]!];
    b++;
  }
  return out;
}

/** Insert and bulk_insert skip the index: Hudi's contract is that they are given keys the table does not
 *  hold (table-wide with a global index); a key this batch already has may come again (it is combined). */
function insertable(model: TableModel, batch: FuzzEvent[], e: FuzzEvent): boolean {
  if (!model.o.global) return !model.holds(e.key, e.part);
  if (batch.some((x) => x.key === e.key)) return true;
  return ![...model.rows.values()].some((row) => row.key === e.key);
}

/** True when every insert batch of the case keeps insert's contract (a shrunk case must keep it too). */
export function keepsInsertContract(c: FuzzCase): boolean {
  const model = new TableModel({ global: isGlobal(c.config.index), precombine: c.config.precombine });
  for (const b of commitOrder(c.batches)) {
    if (b.op === 'insert' || b.op === 'bulk_insert') {
      const seen: FuzzEvent[] = [];
      for (const e of b.events) {
        if (!insertable(model, seen, e)) return false;
        seen.push(e);
      }
    }
    model.apply(b.op, b.events);
  }
  return true;
}
