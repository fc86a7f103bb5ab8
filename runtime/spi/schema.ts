// Schemas describe record keys and values, Connect-style. Converters produce them (the Avro converter
// keeps the originating Avro schema in `avro`), transforms carry them along, sinks use them to lay out
// columns. A record without a schema is schemaless JSON-like data.

export type SchemaType =
  | 'struct'
  | 'string'
  | 'boolean'
  | 'int32'
  | 'int64'
  | 'float'
  | 'double'
  | 'bytes'
  | 'array'
  | 'map';

/** Logical types refine a physical type (as in Avro and Parquet). */
export type LogicalType =
  | { name: 'timestamp-millis' }
  | { name: 'timestamp-micros' }
  | { name: 'date' }
  | { name: 'decimal'; precision: number; scale: number }
  | { name: 'uuid' };

export interface Field {
  name: string;
  schema: Schema;
  doc?: string;
  /** Value used when a record lacks the field (already in the record's value type). */
  default?: unknown;
}

export interface Schema {
  type: SchemaType;
  optional?: boolean;
  name?: string;
  doc?: string;
  logical?: LogicalType;
  /** struct only, in declaration order. */
  fields?: Field[];
  /** array element / map value. */
  items?: Schema;
  /** Schema in the converter's own language (e.g. the parsed .avsc JSON), when there is one. */
  avro?: unknown;
}
