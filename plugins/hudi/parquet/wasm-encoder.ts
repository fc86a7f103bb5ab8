// Parquet encoding with parquet-wasm (the Rust `parquet` crate compiled to WebAssembly), fed an Arrow IPC
// stream. The measured fastest encoder here (see scripts/bench-parquet.ts), and it writes V1 data pages,
// the layout every Spark/parquet-mr version reads. It stores Decimal128 of precision <= 18 as INT32/INT64,
// which parquet-avro (Hudi's merge reader) cannot read, so parquet-codec.ts routes such tables elsewhere.
// The WASM objects passed to writeParquet are consumed by it; nothing here needs an explicit free().
// Footer key-values come out in Rust hash-map order, which varies per call: readers look them up by key,
// but two encodes of the same rows with several key-values are not byte-identical.

import * as pw from 'parquet-wasm';
import type { EncodeOptions } from './encode-options';

const COMPRESSION: Record<NonNullable<EncodeOptions['compression']>, pw.Compression> = {
  snappy: pw.Compression.SNAPPY,
  zstd: pw.Compression.ZSTD,
  uncompressed: pw.Compression.UNCOMPRESSED,
};

export function encodeIpcWithWasm(ipc: Uint8Array, options: EncodeOptions): Uint8Array {
  let builder = new pw.WriterPropertiesBuilder()
    .setCompression(COMPRESSION[options.compression ?? 'snappy'])
    .setDictionaryEnabled(options.dictionary ?? true)
    // Chunk statistics are what Spark and DuckDB prune with; page-level ones only grow the footer.
    .setStatisticsEnabled(pw.EnabledStatistics.Chunk);
  for (const name of options.plainColumns ?? []) builder = builder.setColumnDictionaryEnabled(name, false);
  if (options.rowGroupRows !== undefined) builder = builder.setMaxRowGroupSize(options.rowGroupRows);
  const kv = options.keyValueMetadata ?? {};
  if (Object.keys(kv).length > 0) builder = builder.setKeyValueMetadata(new Map(Object.entries(kv)));
  const table = pw.Table.fromIPCStream(ipc);
  return pw.writeParquet(table, builder.build());
}
