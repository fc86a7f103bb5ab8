// The flat column model shared by the Avro layer (which derives it from the table's .avsc schema) and
// the Parquet layer (which builds Arrow vectors and Parquet types from it). Values in rows are already
// converted to these JavaScript representations by the Avro layer.

export type ColumnType =
  | { kind: 'string' } // JS string; Parquet BYTE_ARRAY (UTF8)
  | { kind: 'boolean' } // JS boolean
  | { kind: 'int' } // JS number (32-bit); Parquet INT32
  | { kind: 'long' } // JS number (safe integer) or bigint; Parquet INT64
  | { kind: 'float' } // JS number; Parquet FLOAT
  | { kind: 'double' } // JS number; Parquet DOUBLE
  | { kind: 'bytes' } // Buffer; Parquet BYTE_ARRAY
  | { kind: 'timestamp-millis' } // JS number, ms since epoch UTC; Parquet INT64 TIMESTAMP(MILLIS, UTC)
  | { kind: 'timestamp-micros' } // JS number or bigint, µs since epoch UTC; Parquet INT64 TIMESTAMP(MICROS, UTC)
  | { kind: 'date' } // JS number, days since epoch; Parquet INT32 DATE
  | { kind: 'decimal'; precision: number; scale: number } // JS string of the decimal value, e.g. "12.30"; Parquet DECIMAL
  | { kind: 'uuid' }; // JS string; Parquet BYTE_ARRAY (UTF8)

export interface ColumnSpec {
  name: string;
  type: ColumnType;
  nullable: boolean;
}

/** A row: column name → value in the representation above, or null. */
export type Row = Record<string, unknown>;
