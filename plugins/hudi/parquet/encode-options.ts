// Options of a Parquet encode, shared by the in-thread codec, both encoders and the worker pool (which
// sends them to its worker threads, so they stay plain, structured-cloneable data).

export type ParquetCompression = 'snappy' | 'zstd' | 'uncompressed';

export interface EncodeOptions {
  /** Footer key-values (Hudi puts its bloom filter, min/max record keys and parquet.avro.schema here). */
  keyValueMetadata?: Record<string, string>;
  /** Default snappy, as Spark writes; Hudi's hoodie.parquet.compression.codec chooses. */
  compression?: ParquetCompression;
  /** Upper bound on rows per row group (default: the encoder's, 1,048,576 rows). */
  rowGroupRows?: number;
  /** Dictionary-encode columns where it pays (default true). */
  dictionary?: boolean;
  /** Top-level columns written without a dictionary (see dictionary-choice.ts); set by the codec per row group. */
  plainColumns?: string[];
}

export const DEFAULT_ROW_GROUP_ROWS = 1024 * 1024;

export function checkEncodeOptions(options: EncodeOptions): void {
  const c = options.compression;
  if (c !== undefined && c !== 'snappy' && c !== 'zstd' && c !== 'uncompressed') {
    throw new RangeError(`compression must be snappy, zstd or uncompressed, got ${JSON.stringify(c)}`);
  }
  const r = options.rowGroupRows;
  if (r !== undefined && (!Number.isInteger(r) || r < 1)) throw new RangeError(`rowGroupRows must be a positive integer, got ${r}`);
  for (const [k, v] of Object.entries(options.keyValueMetadata ?? {})) {
    if (typeof v !== 'string') throw new TypeError(`footer key-value "${k}" must be a string, got ${typeof v}`);
  }
}
