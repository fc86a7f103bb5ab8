// HoodieCommitMetadata as Hudi 0.x writes it into a completed `.commit`: JSON with one write stat per
// file written, the operation type and `extraMetadata` (the Avro schema, and our consumed positions).
// Readers (Spark, hudi-rs incremental queries) take file lists and counts from here, so counts are real.

export interface WriteStat {
  fileId: string;
  path: string;
  prevCommit: string;
  numWrites: number;
  numDeletes: number;
  numUpdateWrites: number;
  numInserts: number;
  totalWriteBytes: number;
  totalWriteErrors: number;
  tempPath: null;
  partitionPath: string;
  totalLogRecords: number;
  totalLogFilesCompacted: number;
  totalLogSizeCompacted: number;
  totalUpdatedRecordsCompacted: number;
  totalLogBlocks: number;
  totalCorruptLogBlock: number;
  totalRollbackBlocks: number;
  fileSizeInBytes: number;
  minEventTime: null;
  maxEventTime: null;
  runtimeStats: { totalScanTime: number; totalUpsertTime: number; totalCreateTime: number } | null;
  /** HoodieDeltaWriteStat (a log file of a merge-on-read slice): its version, where it was appended from,
   *  the slice's base file name and the log files written. */
  logVersion?: number;
  logOffset?: number;
  baseFile?: string;
  logFiles?: string[];
}

export type OperationType = 'INSERT' | 'UPSERT' | 'DELETE' | 'BULK_INSERT' | 'COMPACT';

export interface CommitMetadata {
  partitionToWriteStats: Record<string, WriteStat[]>;
  compacted: boolean;
  extraMetadata: Record<string, string>;
  operationType: OperationType;
}

/** Key in extraMetadata holding the Avro schema of the data written (Hudi's HoodieCommitMetadata.SCHEMA_KEY). */
export const SCHEMA_KEY = 'schema';

export function writeStat(s: Pick<WriteStat, 'fileId' | 'path' | 'partitionPath' | 'numWrites' | 'numDeletes' | 'numUpdateWrites' | 'numInserts' | 'fileSizeInBytes'> & { prevCommit?: string; createMs?: number; upsertMs?: number }): WriteStat {
  return {
    fileId: s.fileId,
    path: s.path,
    prevCommit: s.prevCommit ?? 'null',
    numWrites: s.numWrites,
    numDeletes: s.numDeletes,
    numUpdateWrites: s.numUpdateWrites,
    numInserts: s.numInserts,
    totalWriteBytes: s.fileSizeInBytes,
    totalWriteErrors: 0,
    tempPath: null,
    partitionPath: s.partitionPath,
    totalLogRecords: 0,
    totalLogFilesCompacted: 0,
    totalLogSizeCompacted: 0,
    totalUpdatedRecordsCompacted: 0,
    totalLogBlocks: 0,
    totalCorruptLogBlock: 0,
    totalRollbackBlocks: 0,
    fileSizeInBytes: s.fileSizeInBytes,
    minEventTime: null,
    maxEventTime: null,
    runtimeStats: { totalScanTime: 0, totalUpsertTime: s.upsertMs ?? 0, totalCreateTime: s.createMs ?? 0 },
  };
}

export function renderCommitMetadata(m: CommitMetadata): string {
  return JSON.stringify(m, null, 2);
}

export function parseCommitMetadata(text: string, where: string): CommitMetadata {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new Error(`commit metadata ${where} is not valid JSON: ${(err as Error).message}`);
  }
  const m = parsed as Partial<CommitMetadata>;
  return {
    partitionToWriteStats: m.partitionToWriteStats ?? {},
    compacted: m.compacted ?? false,
    extraMetadata: m.extraMetadata ?? {},
    operationType: (m.operationType ?? 'UPSERT') as OperationType,
  };
}
