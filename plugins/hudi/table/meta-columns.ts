// Hudi's five meta columns, first in every base file: commit time, commit sequence number, record key,
// partition path and file name, all strings.

import type { ColumnSpec } from '../parquet/column-spec';

export const META_COLUMNS: ColumnSpec[] = ['_hoodie_commit_time', '_hoodie_commit_seqno', '_hoodie_record_key', '_hoodie_partition_path', '_hoodie_file_name'].map((name) => ({ name, type: { kind: 'string' as const }, nullable: true }));

/** The record key column: what the index reads to confirm a key. */
export const RECORD_KEY_COLUMN: ColumnSpec = META_COLUMNS[2]!;

/** The column naming the base file a row is in: rewritten whenever a row moves to a new file slice. */
export const FILE_NAME_COLUMN: ColumnSpec = META_COLUMNS[4]!;
