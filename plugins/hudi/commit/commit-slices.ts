// The file slices a completed commit wrote, from its write stats: how a writer learns other writers'
// commits without listing the table.

import { parseBaseFileName, type BaseFile } from '../table/base-file';
import type { CommitMetadata } from '../timeline/commit-metadata';

export function slicesOf(meta: CommitMetadata, instant: string): BaseFile[] {
  const out: BaseFile[] = [];
  for (const [partitionPath, list] of Object.entries(meta.partitionToWriteStats)) {
    for (const s of list) {
      const name = s.path.slice(s.path.lastIndexOf('/') + 1);
      const parsed = parseBaseFileName(name);
      if (parsed && parsed.instantTime === instant) out.push({ partitionPath, ...parsed, path: s.path, size: s.fileSizeInBytes });
    }
  }
  return out;
}
