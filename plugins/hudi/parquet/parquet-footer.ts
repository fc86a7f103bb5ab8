// Reads a Parquet footer (row count, key-value metadata, schema) without touching the data pages: the
// index reads Hudi's min/max record keys and bloom filter from every base file's footer, so this must cost
// O(footer), not O(file). Works on the whole file or on any suffix of it that contains the footer (a ranged
// read of the last bytes of an object), because only the tail is parsed.

import { parquetMetadata, type FileMetaData } from 'hyparquet';
import type { ColumnSpec } from './column-spec';
import { columnsFromParquetSchema, type UnsupportedColumn } from './parquet-schema';

export interface ParquetFooter {
  numRows: number;
  numRowGroups: number;
  /** Footer key-values (Hudi: org.apache.hudi.bloomfilter, hoodie_min_record_key, parquet.avro.schema, …). */
  keyValueMetadata: Record<string, string>;
  /** Columns of the file's schema (nested ones included), in file order. */
  columns: ColumnSpec[];
  /** Columns the model cannot represent (INT96, intervals, non-string map keys, …); decodeParquet cannot read them. */
  unsupportedColumns: UnsupportedColumn[];
  createdBy: string | undefined;
}

/** Bytes of the file tail that hold the footer: read the last 8 bytes, then this many from the end. */
export function footerTailLength(last8: Uint8Array): number {
  if (last8.length < 8) throw new RangeError('need the last 8 bytes of the file');
  const v = new DataView(last8.buffer, last8.byteOffset + last8.length - 8, 8);
  if (v.getUint32(4, true) !== 0x31524150) throw new Error('not a Parquet file (no PAR1 magic at the end)');
  return v.getUint32(0, true) + 8;
}

export function readFooter(buf: Uint8Array): ParquetFooter {
  let meta: FileMetaData;
  try {
    meta = parquetMetadata(buf);
  } catch (err) {
    throw new Error(`cannot read the Parquet footer: ${(err as Error).message}`, { cause: err });
  }
  const keyValueMetadata: Record<string, string> = {};
  for (const kv of meta.key_value_metadata ?? []) keyValueMetadata[kv.key] = kv.value ?? '';
  const { columns, unsupported } = columnsFromParquetSchema(meta.schema);
  return {
    numRows: Number(meta.num_rows),
    numRowGroups: meta.row_groups.length,
    keyValueMetadata,
    columns,
    unsupportedColumns: unsupported,
    createdBy: meta.created_by,
  };
}
