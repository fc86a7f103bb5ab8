// A log file of a merge-on-read file slice as the file-system view holds it: its name's parts, where it is and
// its size. The deltacommit that wrote it is not in the name (only the base instant of its slice is): blocks
// carry their instant in their headers.

import type { LogFileName } from '../log/log-file-name';

export interface LogFile extends LogFileName {
  partitionPath: string;
  /** Relative to the table base path. */
  path: string;
  size: number;
}
