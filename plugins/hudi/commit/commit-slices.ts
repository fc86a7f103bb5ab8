// The file slices and log files a completed commit wrote, from its write stats: how a writer learns other writers'
// commits (copy-on-write commits, deltacommits, compactions) without listing the table. A deltacommit's log file is
// always one it created (every deltacommit writes a new log file version), so its stats name exactly its logs.

import { parseLogFileName } from '../log/log-file-name';
import { parseBaseFileName, type BaseFile } from '../table/base-file';
import type { LogFile } from '../table/log-file';
import type { CommitMetadata } from '../timeline/commit-metadata';

export function slicesOf(meta: CommitMetadata, instant: string): BaseFile[] {
  const out: BaseFile[] = [];
  for (const [partitionPath, list] of Object.entries(meta.partitionToWriteStats)) {
    for (const s of list) {
      const parsed = parseBaseFileName(fileName(s.path));
      if (parsed && parsed.instantTime === instant) out.push({ partitionPath, ...parsed, path: s.path, size: s.fileSizeInBytes });
    }
  }
  return out;
}

/** The log files a deltacommit wrote (none for a commit). */
export function logFilesOf(meta: CommitMetadata): LogFile[] {
  const out: LogFile[] = [];
  for (const [partitionPath, list] of Object.entries(meta.partitionToWriteStats)) {
    for (const s of list) {
      const parsed = parseLogFileName(fileName(s.path));
      if (parsed && parsed.extension === undefined && !parsed.cdc) out.push({ partitionPath, ...parsed, path: s.path, size: s.fileSizeInBytes });
    }
  }
  return out;
}

function fileName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}
