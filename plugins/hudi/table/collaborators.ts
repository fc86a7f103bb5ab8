// What the table writer needs from the Parquet, bloom-filter and key-generator layers, as narrow
// interfaces: the writer's logic is tested with the real implementations, and each layer can be
// replaced (another encoder, a pool of encoder threads) without touching the table code.

import type { BloomPart } from '../index/bloom-filter';
import type { BloomPartRequest } from '../index/bloom-part';
import type { SourcePosition } from '../keygen/position-key';
import type { ColumnSpec, Row } from '../parquet/column-spec';

export interface ParquetCodec {
  encode(columns: ColumnSpec[], rows: Row[], keyValueMetadata: Record<string, string>): Promise<Uint8Array>;
  /** encode, and the bloom filter bits of the rows' record keys, hashed where the encoding runs (bloom-part.ts). */
  encodeWithBloomPart?(columns: ColumnSpec[], rows: Row[], keyValueMetadata: Record<string, string>, bloom: BloomPartRequest): Promise<{ data: Uint8Array; bloom: BloomPart }>;
  /** Rows in the column-spec representation; `columns` limits what is decoded (for key lookups). */
  decode(data: Uint8Array, columns?: ColumnSpec[]): Promise<Row[]>;
  footer(data: Uint8Array): Promise<{ numRows: number; keyValueMetadata: Record<string, string> }>;
}

export interface BloomFilter {
  readonly typeCode: string;
  add(key: string): void;
  mightContain(key: string): boolean;
  serialize(): string;
}

export interface BloomFilterFactory {
  create(): BloomFilter;
  deserialize(serialized: string, typeCode: string): BloomFilter;
  /** Whether a filter read from a footer can go on taking keys, `keys` in all, as well as a new one would
   *  (same parameters, grown enough); absent = never (every file's filter is built anew). */
  canContinue?(filter: BloomFilter, keys: number): boolean;
}

export interface KeyGenerator {
  /** Java class name recorded in hoodie.properties. */
  readonly className: string;
  /** A keyless table's generator derives the key from `position`; the others read the row's key fields. */
  recordKey(row: Row, position?: SourcePosition): string;
  partitionPath(row: Row): string;
}
