// Hudi's HoodieAppendHandle for merge-on-read: a deltacommit's rows for one file group go into a new log file of
// its latest slice — an Avro data block with the rows (meta values set as for a base file, the file name column
// naming the file group) — instead of a rewrite of the base file. Deletes never come here (merge-on-read-writer.ts
// rewrites a file group it deletes from). Memory: the rows of this file group and their encoding, never the slice.
// Every deltacommit writes a new log file version rather than appending to the last one, as Hudi does on object
// stores (and Hudi 1.x everywhere): a file is published whole or not at all, and a rollback deletes it.
// Rows are ordered against stored ones by the readers and compaction, which merge with the table's payload class
// (DefaultHoodieRecordPayload: the greater precombine value wins, ties to the later; Spark and hudi-rs agree).

import { encodeAvroDataBlock } from '../log/avro-data-block';
import { ConnectError } from '../../../runtime/spi';
import { logFileName, newWriteToken } from '../log/log-file-name';
import type { Row } from '../parquet/column-spec';
import { joinPath, type BaseFile } from '../table/base-file';
import type { LogFile } from '../table/log-file';
import { writeStat } from '../timeline/commit-metadata';
import type { KeyedRecord } from '../write/keyed-record';
import type { LogWriteStatus, WriteContext } from './slice-output';

export interface AppendOptions {
  /** The Avro schema of the rows written, with Hudi's meta fields (the data block's SCHEMA header). */
  writerSchema: string;
}

/** Writes `changes` of the file group whose latest slice is `base` (with log files `logs`) as its next log file. */
export async function appendToFileGroup(ctx: WriteContext, base: BaseFile, logs: readonly LogFile[], changes: Iterable<KeyedRecord>, o: AppendOptions): Promise<LogWriteStatus> {
  const started = ctx.now();
  const rows: Row[] = [];
  for (const k of changes) {
    if (k.rec.isDelete) throw new ConnectError('INTERNAL', `a delete of key ${k.key} reached the log writer of ${base.path}; deletes rewrite their file group. This is a bug: please report it`);
    const row = k.rec.row; // the writer owns incoming rows: meta values are set in place
    row['_hoodie_commit_time'] = ctx.instant;
    row['_hoodie_commit_seqno'] = `${ctx.instant}_0_${ctx.nextSeq()}`;
    row['_hoodie_record_key'] = k.key;
    row['_hoodie_partition_path'] = k.partition;
    row['_hoodie_file_name'] = base.fileId;
    rows.push(row);
  }
  const version = logs.reduce((v, l) => Math.max(v, l.version), 0) + 1;
  const blocks: Uint8Array[] = [];
  if (rows.length > 0) blocks.push(encodeAvroDataBlock({ instantTime: ctx.instant, schema: o.writerSchema, records: rows }));
  return writeLogFile(ctx, base, version, blocks, { records: rows.length, started });
}

/**
 * Copies the log file `from` (of an older slice of the same file group) into the slice whose base file is `base`,
 * as its log version `version`, block for block: the blocks keep the instants that wrote them. A compaction that
 * ran beside deltacommits carries the logs they appended to the slice it compacted into its new slice this way.
 * The records are counted in the deltacommits that wrote them, not here.
 */
export async function carryLogFile(ctx: WriteContext, from: LogFile, base: BaseFile, version: number): Promise<LogWriteStatus> {
  if (from.fileId !== base.fileId || from.partitionPath !== base.partitionPath) throw new ConnectError('INTERNAL', `log file ${from.path} is not of the file group of ${base.path}. This is a bug: please report it`);
  return writeLogFile(ctx, base, version, [await ctx.storage.readFile(from.path)], { records: 0, started: ctx.now() });
}

/** Publishes `blocks` as log file `version` of the slice whose base file is `base` (marker first, whole or not at all). */
async function writeLogFile(ctx: WriteContext, base: BaseFile, version: number, blocks: readonly Uint8Array[], counts: { records: number; started: number }): Promise<LogWriteStatus> {
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
    ...writeStat({ fileId: base.fileId, path, partitionPath: base.partitionPath, prevCommit: base.instantTime, numWrites: counts.records, numDeletes: 0, numUpdateWrites: counts.records, numInserts: 0, fileSizeInBytes: size, upsertMs: ctx.now() - counts.started }),
    totalLogRecords: counts.records,
    totalLogBlocks: blocks.length,
    // HoodieDeltaWriteStat's own fields: the slice this log file belongs to.
    logVersion: version,
    logOffset: 0,
    baseFile: base.path.slice(base.path.lastIndexOf('/') + 1),
    logFiles: [name],
  };
  return { kind: 'log', log, stat };
}
