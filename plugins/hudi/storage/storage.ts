// Where a Hudi table's files live. The table code uses only this interface, so local disk and S3
// (its own issue) are interchangeable. Paths are relative to the table's base path, '/'-separated.
// Invariants every implementation keeps:
// - `writeFile` makes the file visible whole or not at all (readers never see a partial file);
// - `createExclusive` fails with ALREADY_EXISTS if the path exists (timeline files: two writers can
//   never both complete one instant);
// - `list` returns names only for files that are complete.

export interface FileInfo {
  /** Path relative to the table base path. */
  path: string;
  size: number;
  /** ms since epoch */
  modifiedAt: number;
}

/** A file being written in pieces (see Storage.openWrite). */
export interface FileSink {
  write(data: Uint8Array): Promise<void>;
  /** Publishes the file (atomically) and returns its size. */
  close(): Promise<number>;
  /** Drops what was written; the file never appears. Safe to call after a failed write or close. */
  abort(): Promise<void>;
}

export interface Storage {
  /** A human-readable location of the base path (a filesystem path or s3:// URL), for messages. */
  readonly location: string;
  /** The base path as Hudi's Java readers qualify it (`file:/abs/path` on local disk); used where
   *  Hudi's timeline metadata stores absolute paths. */
  readonly uri: string;
  readFile(path: string): Promise<Buffer>;
  /** Bytes [start, end) of a file (a ranged read: a large file is read a row group at a time). */
  readRange(path: string, start: number, end: number): Promise<Buffer>;
  /** Streams a new file out in pieces: it becomes visible whole, at `close()`, or never (`abort()`).
   *  Memory stays at most one upload part whatever the file size. */
  openWrite(path: string): Promise<FileSink>;
  /** Removes what an interrupted openWrite of `path` left behind (a crash mid-stream): the temporary file on
   *  local disk, the incomplete multipart upload on S3. Nothing there is not an error. */
  discardPartial(path: string): Promise<void>;
  /** Replaces or creates atomically (temporary file + rename on local disk). */
  writeFile(path: string, data: Buffer | string): Promise<void>;
  /** Creates atomically; rejects with ConnectError code ALREADY_EXISTS if the path exists. */
  createExclusive(path: string, data: Buffer | string): Promise<void>;
  exists(path: string): Promise<boolean>;
  stat(path: string): Promise<FileInfo | undefined>;
  /** Files (not directories) directly inside `dir` ('' = base path). Missing directory = []. */
  list(dir: string): Promise<FileInfo[]>;
  /** Subdirectory names directly inside `dir`. */
  listDirs(dir: string): Promise<string[]>;
  /** Deletes a file; a missing file is not an error. */
  delete(path: string): Promise<void>;
  /** Deletes everything under `dir` (and `dir`); missing is not an error. */
  deleteTree(dir: string): Promise<void>;
  /** Every file below `dir`, recursively. */
  listTree(dir: string): Promise<FileInfo[]>;
}
