// The column model shared by the Avro layer (which derives it from the table's .avsc schema) and the Parquet
// layer (which builds Arrow vectors and Parquet types from it). Values in rows are already converted to these
// JavaScript representations by the Avro layer. Nested kinds (record, array, map, union) hold further types;
// their Parquet layout is parquet-avro's (see parquet-schema.ts).

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
  | { kind: 'local-timestamp-millis' } // JS number, ms since epoch of a wall-clock time; Parquet INT64 (see parquet-schema.ts)
  | { kind: 'local-timestamp-micros' } // JS number or bigint, µs; Parquet INT64
  | { kind: 'time-millis' } // JS number, ms after midnight; Parquet INT32 (no TIME annotation: Spark 3.5 refuses it)
  | { kind: 'time-micros' } // JS number or bigint, µs after midnight; Parquet INT64 (likewise)
  | { kind: 'date' } // JS number, days since epoch; Parquet INT32 DATE
  | { kind: 'decimal'; precision: number; scale: number } // JS string of the decimal value, e.g. "12.30"; Parquet DECIMAL
  | { kind: 'uuid' } // JS string; Parquet BYTE_ARRAY (UTF8)
  | { kind: 'record'; fields: ColumnSpec[] } // JS object, field name → value; Parquet group
  | { kind: 'array'; items: ColumnType; itemsNullable: boolean } // JS array; Parquet 3-level LIST
  | { kind: 'map'; values: ColumnType; valuesNullable: boolean } // JS object, string key → value; Parquet MAP
  // A union of several non-null types: JS object {member0, member1, …} with exactly one member non-null,
  // numbered as the union's non-null branches; Parquet group of optional member<i> fields (as parquet-avro).
  | { kind: 'union'; members: ColumnType[] };

export interface ColumnSpec {
  name: string;
  type: ColumnType;
  nullable: boolean;
  /** Optional (backward compatible). The Avro default, in this representation: what a row or nested record that
   *  lacks the field gets when it is encoded (an older row rewritten after the field was added), as Hudi's merge
   *  writes it. Top-level: only for a required column (a nullable one keeps the null the merge fills in). */
  default?: unknown;
}

/** A row: column name → value in the representation above, or null. */
export type Row = Record<string, unknown>;

/** Kinds whose values hold other values. */
export type NestedKind = 'record' | 'array' | 'map' | 'union';

export function isNestedType(t: ColumnType): t is Extract<ColumnType, { kind: NestedKind }> {
  return t.kind === 'record' || t.kind === 'array' || t.kind === 'map' || t.kind === 'union';
}

/** Calls `visit` on `type` and every type nested in it. */
export function forEachType(type: ColumnType, visit: (t: ColumnType) => void): void {
  visit(type);
  if (type.kind === 'record') for (const f of type.fields) forEachType(f.type, visit);
  else if (type.kind === 'array') forEachType(type.items, visit);
  else if (type.kind === 'map') forEachType(type.values, visit);
  else if (type.kind === 'union') for (const m of type.members) forEachType(m, visit);
}

/** Field name of union member i in the Parquet group and the JS object (parquet-avro's naming). */
export function unionMemberName(i: number): string {
  return `member${i}`;
}
