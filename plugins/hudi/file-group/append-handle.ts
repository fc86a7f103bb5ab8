// Hudi's HoodieAppendHandle for merge-on-read: a deltacommit's rows for one file group go into a new log file of
// its latest slice — an Avro data block with the rows (meta values set as for a base file, the file name column
// naming the file group), then a delete block with the deletes (key, partition and ordering value) — instead of a
// rewrite of the base file. Which deletes may be logged is merge-on-read-writer.ts's decision (ordering-bounds.ts).
// Memory: the rows of this file group and their encoding, never the slice.
// Every deltacommit writes a new log file version rather than appending to the last one, as Hudi does on object
// stores (and Hudi 1.x everywhere): a file is published whole or not at all, and a rollback deletes it.
// Rows are ordered against stored ones by the readers and compaction, which merge with the table's payload class
// (DefaultHoodieRecordPayload: the greater precombine value wins, ties to the later; Spark and hudi-rs agree).

import { cachedRecordCodec, encodeAvroDataBlockOf, prependNullableStrings } from '../log/avro-data-block';
import { encodeDeleteBlock, type DeleteRecord } from '../log/delete-block';
import { ConnectError } from '../../../runtime/spi';
import { logFileName, newWriteToken } from '../log/log-file-name';
import { joinPath, type BaseFile } from '../table/base-file';
import type { LogFile } from '../table/log-file';
import { writeStat } from '../timeline/commit-metadata';
import { EncodedRecord } from '../write/encoded-record';
import type { KeyedRecord } from '../write/keyed-record';
import type { LogWriteStatus, WriteContext } from './slice-output';

export interface AppendOptions {
  /** The Avro schema of the rows written, with Hudi's meta fields (the data block's SCHEMA header). */
  writerSchema: string;
  /** The delete block entry of a delete change; without it a delete change is refused (a bug in the caller). */
  deleteRecord?(k: KeyedRecord): DeleteRecord;
  /** Most bytes in one log file (hoodie.logfile.max.size): more are split over the next versions. */
  maxLogFileSize: number;
}

/**
 * Writes `changes` of the file group whose latest slice is `base` (with log files `logs`) as its next log file, or
 * its next few when they encode to more than maxLogFileSize (rows split into data blocks under that size, packed
 * into files under it; a larger single row goes alone; the delete block last). One write status per file.
 */
export async function appendToFileGroup(ctx: WriteContext, base: BaseFile, logs: readonly LogFile[], changes: Iterable<KeyedRecord>, o: AppendOptions): Promise<LogWriteStatus[]> {
  const started = ctx.now();
  const codec = cachedRecordCodec(o.writerSchema);
  const bodies: Uint8Array[] = [];
  const deletes: DeleteRecord[] = [];
  for (const k of changes) {
    if (k.rec.isDelete) {
      if (!o.deleteRecord) throw new ConnectError('INTERNAL', `a delete of key ${k.key} reached the log writer of ${base.path} without a delete entry. This is a bug: please report it`);
      deletes.push(o.deleteRecord(k));
      continue;
    }
    const meta = [ctx.instant, `${ctx.instant}_0_${ctx.nextSeq()}`, k.key, k.partition, base.fileId];
    if (k.rec instanceof EncodedRecord && k.rec.encoder.writerSchema === o.writerSchema) {
      bodies.push(prependNullableStrings(meta, k.rec.data));
      continue;
    }
    const row = k.rec.row; // the writer owns incoming rows: meta values are set in place
    row['_hoodie_commit_time'] = meta[0];
    row['_hoodie_commit_seqno'] = meta[1];
    row['_hoodie_record_key'] = meta[2];
    row['_hoodie_partition_path'] = meta[3];
    row['_hoodie_file_name'] = meta[4];
    bodies.push(codec.encode(row));
  }
  const blocks: { bytes: Uint8Array; rows: number; deletes: number }[] = bodies.length > 0 ? dataBlocks(ctx.instant, o.writerSchema, bodies, o.maxLogFileSize) : [];
  if (deletes.length > 0) blocks.push({ bytes: encodeDeleteBlock({ instantTime: ctx.instant, records: deletes }), rows: 0, deletes: deletes.length });
  // Greedily into files: a file takes blocks while they fit (always at least one).
  const files: (typeof blocks)[] = [];
  let size = 0;
  for (const b of blocks) {
    if (files.length === 0 || size + b.bytes.length > o.maxLogFileSize) {
      files.push([]);
      size = 0;
    }
    files[files.length - 1]!.push(b);
    size += b.bytes.length;
  }
  const statuses: LogWriteStatus[] = [];
  let version = logs.reduce((v, l) => Math.max(v, l.version), 0);
  for (const file of files) {
    const count = (f: (b: (typeof blocks)[number]) => number) => file.reduce((n, b) => n + f(b), 0);
    statuses.push(await writeLogFile(ctx, base, ++version, file.map((b) => b.bytes), { records: count((b) => b.rows), deletes: count((b) => b.deletes), started }));
  }
  return statuses;
}

/** Records (in Avro binary) as data blocks of at most `maxBytes` each where the records allow it (a larger single
 *  record goes alone), in order. */
function dataBlocks(instantTime: string, schema: string, bodies: Uint8Array[], maxBytes: number): { bytes: Uint8Array; rows: number; deletes: number }[] {
  const empty = encodeAvroDataBlockOf({ instantTime, schema, bodies: [] }).length;
  const out: { bytes: Uint8Array; rows: number; deletes: number }[] = [];
  let from = 0;
  while (from < bodies.length) {
    let size = empty + 4 + bodies[from]!.length;
    let to = from + 1;
    while (to < bodies.length && size + 4 + bodies[to]!.length <= maxBytes) size += 4 + bodies[to++]!.length;
    out.push({ bytes: encodeAvroDataBlockOf({ instantTime, schema, bodies: bodies.slice(from, to) }), rows: to - from, deletes: 0 });
    from = to;
  }
  return out;
}

/**
 * Copies the log file `from` (of an older slice of the same file group) into the slice whose base file is `base`,
 * as its log version `version`, block for block: the blocks keep the instants that wrote them. A compaction that
 * ran beside deltacommits carries the logs they appended to the slice it compacted into its new slice this way.
 * The records are counted in the deltacommits that wrote them, not here.
 */
export async function carryLogFile(ctx: WriteContext, from: LogFile, base: BaseFile, version: number): Promise<LogWriteStatus> {
  if (from.fileId !== base.fileId || from.partitionPath !== base.partitionPath) throw new ConnectError('INTERNAL', `log file ${from.path} is not of the file group of ${base.path}. This is a bug: please report it`);
  return writeLogFile(ctx, base, version, [await ctx.storage.readFile(from.path)], { records: 0, deletes: 0, started: ctx.now() });
}

/** Publishes `blocks` as log file `version` of the slice whose base file is `base` (marker first, whole or not at all). */
async function writeLogFile(ctx: WriteContext, base: BaseFile, version: number, blocks: readonly Uint8Array[], counts: { records: number; deletes: number; started: number }): Promise<LogWriteStatus> {
  const name = logFileName({ fileId: base.fileId, baseInstant: base.instantTime, version, writeToken: newWriteToken() });
  const path = joinPath(base.partitionPath, name);
  await ctx.beforeFile(base.partitionPath, path);
  const sink = await ctx.storage.openWrite(path);
  let size: number;
  try {
    for (const b of blocks) await sink.write(b);
    size = await sink.close();
  } catch (err) {
    await sink.abort();
    throw err;
  }
  const log: LogFile = { partitionPath: base.partitionPath, fileId: base.fileId, baseInstant: base.instantTime, version, writeToken: name.slice(name.lastIndexOf('_') + 1), path, size };
  const stat = {
    ...writeStat({ fileId: base.fileId, path, partitionPath: base.partitionPath, prevCommit: base.instantTime, numWrites: counts.records, numDeletes: counts.deletes, numUpdateWrites: counts.records, numInserts: 0, fileSizeInBytes: size, upsertMs: ctx.now() - counts.started }),
    totalLogRecords: counts.records + counts.deletes,
    totalLogBlocks: blocks.length,
    // HoodieDeltaWriteStat's own fields: the slice this log file belongs to.
    logVersion: version,
    logOffset: 0,
    baseFile: base.path.slice(base.path.lastIndexOf('/') + 1),
    logFiles: [name],
  };
  return { kind: 'log', log, stat };
}
