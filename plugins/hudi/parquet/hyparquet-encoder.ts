// Parquet encoding with hyparquet-writer (pure JS) and a schema we spell out element by element. Used only
// where parquet-wasm cannot produce what Hudi needs: decimals of precision <= 18, which parquet-avro (the
// reader Spark Hudi merges base files with) accepts only as FIXED_LEN_BYTE_ARRAY (HUDI-2958; parquet-java
// GH-3149). It measured 2-3x slower than parquet-wasm, hence not the default. Values are validated by the
// same Arrow builder as on the main path, so both paths accept and reject exactly the same rows.

import * as zlib from 'node:zlib';
import type { Table } from 'apache-arrow';
import { parquetWriteBuffer, type ColumnSource } from 'hyparquet-writer';
import { columnValues } from './arrow-rows';
import { unionMemberName, type ColumnSpec, type ColumnType, type Row } from './column-spec';
import { decimalToUnscaled } from './decimal128';
import { DEFAULT_ROW_GROUP_ROWS, type EncodeOptions } from './encode-options';
import { parquetSchema } from './parquet-schema';

type Compressor = (input: Uint8Array) => Uint8Array;

// zlib gained zstd in Node 22.15 / 23.8; on older runtimes this path has no zstd compressor.
const zstdCompressSync = (zlib as unknown as { zstdCompressSync?: (b: Uint8Array) => Buffer }).zstdCompressSync;

/**
 * Encodes `columns` whose values come from an Arrow table, or from rows already validated against the
 * columns (buildArrowTable accepted them), which skips decoding them back out of Arrow.
 */
export function encodeWithHyparquet(columns: readonly ColumnSpec[], source: { table: Table } | { validatedRows: readonly Row[] }, options: EncodeOptions): Uint8Array {
  const compression = options.compression ?? 'snappy';
  const compressors: Record<string, Compressor> = {};
  if (compression === 'zstd') {
    if (zstdCompressSync === undefined) {
      throw new Error(
        `zstd compression of tables with decimal columns of precision <= 18 needs Node.js >= 22.15 (zlib zstd); this is ${process.version}. ` +
          'Use hoodie.parquet.compression.codec=snappy, or a newer Node.js.',
      );
    }
    compressors['ZSTD'] = (b) => new Uint8Array(zstdCompressSync(b));
  }
  const kv = Object.entries(options.keyValueMetadata ?? {}).map(([key, value]) => ({ key, value }));
  const columnData: ColumnSource[] = columns.map((spec) => ({
    name: spec.name,
    data: physicalValues(spec, 'table' in source ? columnValues(source.table, spec) : source.validatedRows.map((r) => r[spec.name] ?? (spec.nullable ? null : (spec.default ?? null)))),
    ...(options.dictionary === false ? { encoding: 'PLAIN' as const } : {}),
  }));
  const out = parquetWriteBuffer({
    columnData,
    schema: parquetSchema(columns),
    codec: compression === 'zstd' ? 'ZSTD' : compression === 'uncompressed' ? 'UNCOMPRESSED' : 'SNAPPY',
    compressors,
    rowGroupSize: options.rowGroupRows ?? DEFAULT_ROW_GROUP_ROWS,
    // An empty list is written with element type "byte", which the Rust reader rejects; omit it instead.
    ...(kv.length > 0 ? { kvMetadata: kv } : {}),
    // Must parse as "<app> version <v> (build <b>)": parquet-mr ignores the string statistics of files whose
    // created_by it cannot parse, which would cost Spark its min/max pruning on string columns.
    createdBy: 'hyparquet-writer version 0.17.0 (build tributary)',
  });
  return new Uint8Array(out);
}

/** The values hyparquet-writer expects per physical type: bigint for INT64, unscaled bigint for DECIMAL;
 *  nested values are rebuilt with their leaves converted (records and unions as objects, maps as entries). */
function physicalValues(spec: ColumnSpec, values: unknown[]): unknown[] {
  const convert = physicalConverter(spec.type);
  return convert === undefined ? values : values.map((v) => (v === null || v === undefined ? null : convert(v)));
}

/** undefined when values pass as they are. */
function physicalConverter(t: ColumnType): ((v: unknown) => unknown) | undefined {
  const orNull = (f: (v: unknown) => unknown) => (v: unknown) => (v === null || v === undefined ? null : f(v));
  switch (t.kind) {
    case 'long':
    case 'timestamp-millis':
    case 'timestamp-micros':
    case 'local-timestamp-millis':
    case 'local-timestamp-micros':
    case 'time-micros':
      return (v) => BigInt(v as number | bigint);
    case 'float':
    case 'double':
      return (v) => (typeof v === 'bigint' ? Number(v) : v);
    case 'string':
      return (v) => (v instanceof Uint8Array ? Buffer.from(v).toString('utf8') : v);
    case 'bytes':
      return (v) => (typeof v === 'string' ? Buffer.from(v, 'utf8') : v);
    case 'decimal':
      return (v) => decimalToUnscaled(v as string, t);
    case 'record':
    case 'union': {
      const fields = t.kind === 'record' ? t.fields : t.members.map((m, i) => ({ name: unionMemberName(i), type: m, default: undefined as unknown }));
      const convs = fields.map((f) => orNull(physicalConverter(f.type) ?? ((x) => x)));
      return (v) => {
        const out: Record<string, unknown> = {};
        fields.forEach((f, k) => {
          const x = (v as Record<string, unknown>)[f.name];
          out[f.name] = convs[k]!(x === undefined && f.default !== undefined ? f.default : x);
        });
        return out;
      };
    }
    case 'array': {
      const item = orNull(physicalConverter(t.items) ?? ((x) => x));
      return (v) => (v as unknown[]).map(item);
    }
    case 'map': {
      const value = orNull(physicalConverter(t.values) ?? ((x) => x));
      return (v) => Object.keys(v as object).map((key) => ({ key, value: value((v as Record<string, unknown>)[key]) }));
    }
    default:
      return undefined;
  }
}
