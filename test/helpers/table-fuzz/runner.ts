// Runs one fuzz case against the real table writer (real Avro coercion, key generator, bloom filters,
// Parquet codec, local storage) and checks the table against the model after every commit. A crash is a
// fault thrown at a named step of a commit; the runner then does what the sink does after a restart:
// opens a new writer (which recovers the table), reads which batch the last completed commit holds, and
// writes the batch again only if it did not land. A supersede opens a successor writer while the current
// one is still committing (a task restart that stopped waiting for it); a writer refused because another
// wrote to the table (ConcurrentWriterError) is replaced by a fresh one, as the failed task would be. Under optimistic
// concurrency control a batch may be held at its first data file while a second writer commits the next one
// (FuzzBatch.concurrent); the model then applies them in the order their commits completed. Readers: our own (HudiTableReader) and DuckDB on the
// latest committed slices after every commit; hudi-rs at the end when asked.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { hudiSinkConfigDef, hudiSinkSettings } from '../../../plugins/hudi/hudi-sink-config';
import { openTableDeps, openTableWriter } from '../../../plugins/hudi/hudi-sink-deps';
import { LocalStorage } from '../../../plugins/hudi/storage/local-storage';
import type { FaultPoint } from '../../../plugins/hudi/table/fault-points';
import { HudiTableReader } from '../../../plugins/hudi/table/table-reader';
import { readArchivedEntries } from '../../../plugins/hudi/timeline/archived-timeline';
import { ConcurrentWriterError } from '../../../plugins/hudi/commit/sole-writer-claim';
import type { HudiTableWriter } from '../../../plugins/hudi/table/table-writer';
import type { Storage } from '../../../plugins/hudi/storage/storage';
import { fakeLogger, type LogEntry } from '../fake-contexts';
import { duckdbRows, latestSliceFiles } from '../hudi-files';
import { hudiRsSnapshot } from '../table-readers';
import { bucketLayoutProblem } from './bucket-layout';
import { decodeLogFile } from '../../../plugins/hudi/log/log-block';
import { pairedWithNext, type FuzzCase } from './generator';
import { diff, expectedRows, readerRows, TableModel } from './model';

export const FUZZ_SCHEMA = {
  type: 'record',
  name: 'FuzzRow',
  namespace: 'tributary.fuzz',
  fields: [
    { name: 'id', type: 'string' },
    { name: 'part', type: 'string' },
    { name: 'ver', type: 'long' },
    { name: 'amount', type: ['null', 'double'], default: null },
    { name: 'note', type: ['null', 'string'], default: null },
    { name: 'qty', type: ['null', 'int'], default: null },
    { name: '_hoodie_is_deleted', type: 'boolean', default: false },
  ],
};

const BATCH_KEY = 'fuzz.batch';

export interface RunOptions {
  /** Also read the final table with hudi-rs. */
  hudiRs?: boolean;
  /** Keep the table directory (printed in the failure) instead of deleting it. */
  keep?: boolean;
}

export interface RunResult {
  ok: boolean;
  /** The commit (batch index) after which the table first differed from the model. */
  failedAt?: number;
  message?: string;
  commits: number;
  crashes: number;
  /** Commits during which a successor writer opened the table. */
  superseded: number;
  /** Writes refused because another writer had written to the table (ConcurrentWriterError). */
  refusals: number;
  /** Instants the table's archived timeline holds at the end. */
  archived: number;
  /** Log files compactions carried into their new slices (appended by deltacommits while they ran). */
  carriedLogFiles: number;
  /** Delete blocks in the log files written (merge-on-read deletes that outranked their slice). */
  deleteBlocks: number;
  /** Log files written beside another of the same file group and instant (hoodie.logfile.max.size split them). */
  splitLogFiles: number;
  /** Data blocks in the log files written. */
  dataBlocks: number;
  /** Commits written while a second writer committed the next batch (FuzzBatch.concurrent). */
  concurrent: number;
  dir: string;
}

class InjectedCrash extends Error {}

interface Opened {
  writer: HudiTableWriter;
  hooks: DataFileHooks;
}

interface DataFileHooks {
  /** Awaited before each data file (base or log) the writer stores, streamed or whole. */
  beforeDataFile?: () => Promise<void>;
  /** Awaited before each data file (base or log) the writer opens a stream to. */
  beforeDataStream?: () => Promise<void>;
  /** Called with each log file the writer published, and its bytes. */
  logWritten?: (path: string, bytes: Buffer) => void;
}

function isDataFile(p: string): boolean {
  return !p.startsWith('.hoodie/') && (p.endsWith('.parquet') || /\/?\.[^/]+\.log\.\d+_[^/]+$/.test(p));
}

/** The table's storage for one writer, with hooks before each data file it writes. */
function hookDataFiles(storage: Storage): { storage: Storage; hooks: DataFileHooks } {
  const hooks: DataFileHooks = {};
  const hooked = new Proxy(storage, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop, target);
      if (prop === 'openWrite') {
        return async (p: string) => {
          if (!p.startsWith('.hoodie/')) {
            await hooks.beforeDataStream?.();
            // Base and log files are streamed out: the successor of a superseded writer opens here.
            if (isDataFile(p)) await hooks.beforeDataFile?.();
          }
          const sink = await target.openWrite(p);
          const logWritten = hooks.logWritten;
          if (!logWritten || !/\.log\.\d+_/.test(p)) return sink;
          const chunks: Uint8Array[] = [];
          return {
            write: async (data: Uint8Array) => {
              chunks.push(Buffer.from(data));
              await sink.write(data);
            },
            close: async () => {
              const size = await sink.close();
              logWritten(p, Buffer.concat(chunks));
              return size;
            },
            abort: () => sink.abort(),
          };
        };
      }
      if (prop === 'writeFile') {
        return async (p: string, data: Buffer | string) => {
          if (isDataFile(p)) await hooks.beforeDataFile?.();
          return target.writeFile(p, data);
        };
      }
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { storage: hooked, hooks };
}

export function connectorConfig(c: FuzzCase, table: string, schemaPath: string): Record<string, string> {
  return {
    tablePath: table,
    tableName: 'fuzz',
    schemaPath,
    'hoodie.datasource.write.recordkey.field': 'id',
    ...(c.config.precombine ? { 'hoodie.datasource.write.precombine.field': 'ver' } : {}),
    'hoodie.datasource.write.partitionpath.field': 'part',
    'hoodie.index.type': c.config.index,
    ...(c.config.buckets !== undefined ? { 'hoodie.bucket.index.num.buckets': String(c.config.buckets) } : {}),
    'hoodie.parquet.max.file.size': String(c.config.maxFileSize),
    'hoodie.parquet.small.file.limit': String(c.config.smallFileLimit),
    'hoodie.copyonwrite.record.size.estimate': String(c.config.recordSizeEstimate),
    'hoodie.clean.commits.retained': String(c.config.cleanRetained),
    ...(c.config.keepCommits ? { 'hoodie.keep.min.commits': String(c.config.keepCommits[0]), 'hoodie.keep.max.commits': String(c.config.keepCommits[1]) } : {}),
    ...(c.config.defaultBloom ? {} : { 'hoodie.index.bloom.num_entries': '100', 'hoodie.index.bloom.fpp': '0.01', 'hoodie.bloom.index.filter.dynamic.max.entries': '400' }),
    'parquet.encoder.threads': String(c.config.encoderThreads ?? 0),
    ...(c.config.rowGroupRows !== undefined ? { 'parquet.row.group.rows': String(c.config.rowGroupRows) } : {}),
    ...(c.config.occ ? { 'hoodie.write.concurrency.mode': 'optimistic_concurrency_control' } : {}),
    ...(c.config.mergeOnRead ? { 'hoodie.table.type': 'MERGE_ON_READ' } : {}),
    ...(c.config.syncCompaction ? { 'hoodie.datasource.compaction.async.enable': 'false' } : {}),
    ...(c.config.maxLogFileSize !== undefined ? { 'hoodie.logfile.max.size': String(c.config.maxLogFileSize) } : {}),
    ...(c.config.compactEvery === 0 ? { 'hoodie.compact.inline': 'false' } : c.config.compactEvery !== undefined ? { 'hoodie.compact.inline.max.delta.commits': String(c.config.compactEvery) } : {}),
  };
}

export async function runCase(c: FuzzCase, opts: RunOptions = {}): Promise<RunResult> {
  const dir = mkdtempSync(path.join(tmpdir(), `hudi-fuzz-${c.seed}-`));
  const table = path.join(dir, 'fuzz');
  const schemaPath = path.join(dir, 'fuzz.avsc');
  writeFileSync(schemaPath, JSON.stringify(FUZZ_SCHEMA));
  const raw = connectorConfig(c, table, schemaPath);
  const settings = hudiSinkSettings(hudiSinkConfigDef().parse(raw, { allowUnknown: true }));
  const deps = await openTableDeps(settings, schemaPath, raw);
  const storage = new LocalStorage(table);
  const model = new TableModel({ global: c.config.index.startsWith('GLOBAL_'), precombine: c.config.precombine });
  const result: RunResult = { ok: true, commits: 0, crashes: 0, superseded: 0, refusals: 0, concurrent: 0, archived: 0, carriedLogFiles: 0, deleteBlocks: 0, splitLogFiles: 0, dataBlocks: 0, dir };
  const logsByInstant = new Set<string>();
  const logWritten = (p: string, bytes: Buffer): void => {
    const blocks = decodeLogFile(bytes);
    result.deleteBlocks += blocks.filter((b) => b.type === 'delete').length;
    result.dataBlocks += blocks.filter((b) => b.type === 'avro-data').length;
    const instant = blocks.find((b) => b.header.INSTANT_TIME !== undefined)?.header.INSTANT_TIME;
    // A carried log (compaction) holds an older instant's blocks under another base instant: keyed apart.
    const slice = /\.([^/]+?_\d{17})\.log\./.exec(p)?.[1];
    if (instant === undefined || slice === undefined) return;
    if (logsByInstant.has(`${instant}/${slice}`)) result.splitLogFiles++;
    logsByInstant.add(`${instant}/${slice}`);
  };
  let armed: { point: FaultPoint; left: number } | undefined;
  const logEntries: LogEntry[] = [];
  const open = async (): Promise<Opened> => {
    const hooked = hookDataFiles(storage);
    hooked.hooks.logWritten = logWritten;
    const w = await openTableWriter(settings, deps, hooked.storage, {
      tableName: 'fuzz',
      logger: fakeLogger(logEntries),
      ...(c.config.noIndexCache ? { indexLimits: { maxBlooms: 1, maxCachedKeys: 0 } } : {}),
      faultPoint: (point) => {
        if (armed && armed.point === point && --armed.left === 0) {
          armed = undefined;
          throw new InjectedCrash(`injected crash at ${point}`);
        }
      },
    });
    return { writer: w, hooks: hooked.hooks };
  };
  let current = await open();
  const fail = (at: number, message: string): RunResult => Object.assign(result, { ok: false, failedAt: at, message });
  try {
    for (let b = 0; b < c.batches.length; b++) {
      const batch = c.batches[b]!;
      const writeBatch = (w: HudiTableWriter, i: number) => {
        const encoder = c.config.encodedRecords ? w.recordEncoder(deps.schema.columns, deps.schema.schemaJson) : undefined;
        if (c.config.encodedRecords && !encoder) throw new Error('a merge-on-read writer gave no record encoder');
        const records = c.batches[i]!.events.map((e) => {
          const row = deps.schema.coerce({ id: e.key, part: e.part, ver: e.ver, amount: e.amount === null ? null : { double: e.amount }, note: e.note === null ? null : { string: e.note }, qty: e.qty === null ? null : { int: e.qty }, _hoodie_is_deleted: e.isDelete });
          return encoder ? encoder.encode(row, e.isDelete) : { row, isDelete: e.isDelete };
        });
        return w.write(records, c.batches[i]!.op, deps.schema.columns, deps.schema.schemaJson, { [BATCH_KEY]: String(i) });
      };
      const write = (w: HudiTableWriter) => writeBatch(w, b);
      /** The batches this step committed, in the order their commits completed (two with a concurrent writer). */
      let order = [batch];
      // What the sink does when it (re)starts: write the batch unless the last commit it can see holds it.
      const writeUnlessHeld = async (w: HudiTableWriter) => {
        // The last commit that holds a batch (a compaction after it holds none), as the sink finds its positions.
        const last = await w.lastCommitMetadata((m) => m.extraMetadata[BATCH_KEY] !== undefined);
        if (last?.extraMetadata[BATCH_KEY] !== String(b)) await write(w);
      };
      // A writer refused because another one took the table over fails its task; the task's next instance (a
      // fresh writer) writes the batch unless the last commit holds it.
      const writeOrResume = async (attempt: (w: HudiTableWriter) => Promise<unknown>) => {
        try {
          await attempt(current.writer);
        } catch (err) {
          if (!(err instanceof ConcurrentWriterError)) throw err;
          result.refusals++;
          current.writer.close();
          await current.writer.drained();
          current = await open();
          await writeUnlessHeld(current.writer);
        }
      };
      if (batch.restart) {
        current.writer.close();
        await current.writer.drained();
        current = await open();
      }
      armed = batch.crash ? { point: batch.crash.point, left: batch.crash.nth } : undefined;
      try {
        if (batch.supersede) {
          // The current writer writes this commit while its successor opens the table (before it, or at its
          // nth data file); the successor then goes on as a restarted sink task does.
          const zombie = current;
          let successor: Promise<Opened> | undefined;
          const openSuccessor = () => (successor ??= open());
          if (batch.supersede.during === 'idle') await openSuccessor();
          else {
            let left = batch.supersede.nth;
            zombie.hooks.beforeDataFile = async () => {
              if (--left === 0) await openSuccessor();
            };
          }
          try {
            await write(zombie.writer);
          } catch (err) {
            if (!(err instanceof ConcurrentWriterError)) throw err;
            result.refusals++;
          } finally {
            zombie.hooks.beforeDataFile = undefined;
            zombie.writer.close();
            await zombie.writer.drained();
          }
          result.superseded++;
          current = await openSuccessor();
          await writeOrResume(writeUnlessHeld);
        } else if (pairedWithNext(c.batches, b)) {
          // Two writers (optimistic concurrency control): this batch's writer is held at its first data file while a
          // second writer commits the next batch; then it goes on, and completes last (after a conflict, on top).
          const held = current;
          const second = await open();
          let reached!: () => void;
          const arrived = new Promise<'held'>((resolve) => (reached = () => resolve('held')));
          let release!: () => void;
          const gate = new Promise<void>((resolve) => (release = resolve));
          held.hooks.beforeDataStream = async () => {
            held.hooks.beforeDataStream = undefined;
            reached();
            await gate;
          };
          const slow = write(held.writer);
          // A batch that writes no data file completes before the second writer starts: then it is simply first.
          const first = await Promise.race([arrived, slow.then(() => 'done' as const, () => 'done' as const)]);
          try {
            await writeBatch(second.writer, b + 1);
          } finally {
            release();
            held.hooks.beforeDataStream = undefined;
            second.writer.close();
            await second.writer.drained();
          }
          await slow;
          result.concurrent++;
          order = first === 'held' ? [c.batches[b + 1]!, batch] : [batch, c.batches[b + 1]!];
        } else {
          await writeOrResume(write);
        }
      } catch (err) {
        if (!(err instanceof InjectedCrash)) return fail(b, `commit of batch ${b} failed: ${(err as Error).stack ?? String(err)}`);
        // The process "died": a new writer recovers the table, and the batch is written again unless the
        // last completed commit already holds it (the sink's positions do this in production).
        result.crashes++;
        current.writer.close();
        await current.writer.drained();
        current = await open();
        await writeUnlessHeld(current.writer);
      }
      armed = undefined;
      for (const x of order) model.apply(x.op, x.events);
      result.commits += order.length;
      if (order.length > 1) b++;
      const pair = order.length > 1 ? ` [batch ${b - 1} held while a second writer committed batch ${b}; completed in the order ${order.map((x) => c.batches.indexOf(x)).join(', ')}]` : '';
      const expected = expectedRows(model);
      const ours = readerRows(await (await HudiTableReader.open(storage, deps.codec)).snapshot());
      const d1 = diff(expected, ours);
      if (d1) return fail(b, `after batch ${b} (${batch.op}, ${batch.events.length} events${batch.crash ? `, crash at ${batch.crash.point}#${batch.crash.nth}` : ''})${pair} our reader: ${d1}`);
      // DuckDB reads base files only: on a merge-on-read table that is the read-optimized view, not the model (and
      // the bucket layout is checked on copy-on-write tables, whose base files hold every key).
      if (!c.config.mergeOnRead) {
        const latest = latestSliceFiles(table);
        const duckRaw = await duckdbRows(latest);
        const d2 = diff(expected, readerRows(duckRaw));
        if (d2) return fail(b, `after batch ${b} (${batch.op})${pair} DuckDB on the latest slices: ${d2}`);
        const d4 = c.config.index === 'BUCKET' ? bucketLayoutProblem(table, latest, duckRaw, c.config.buckets ?? 256) : undefined;
        if (d4) return fail(b, `after batch ${b} (${batch.op}) bucket layout: ${d4}`);
      }
    }
    if (opts.hudiRs || c.config.mergeOnRead) {
      const d3 = diff(expectedRows(model), readerRows(await hudiRsSnapshot(table)));
      if (d3) return fail(c.batches.length - 1, `at the end hudi-rs: ${d3}`);
    }
    result.archived = new Set((await readArchivedEntries(storage)).map((e) => e.commitTime)).size;
    result.carriedLogFiles = logEntries.reduce((n, e) => n + (e.msg === 'compaction completed' ? Number((e.obj as { carriedLogFiles?: number }).carriedLogFiles ?? 0) : 0), 0);
    return result;
  } finally {
    current.writer.close();
    await current.writer.drained();
    await deps.close();
    if (result.ok && !opts.keep) rmSync(dir, { recursive: true, force: true });
  }
}
