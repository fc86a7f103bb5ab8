// DELETE_BLOCK content, version 3 (HoodieDeleteBlock): int32 version 3, int32 length, then one Avro binary datum of
// HoodieDeleteRecordList. Each entry names a key and its partition and carries the ordering (precombine) value the
// delete had, wrapped by Java type as HoodieAvroUtils.wrapValueIntoAvro does. For readers (see the conformance tests):
// write one ordering type per block (hudi-rs 0.5.0 refuses a block mixing them) and never null (Spark's Hudi 0.15
// read fails on it); int 0 is Hudi's "no ordering value", a delete that wins by arrival order.

import type * as avro from 'avsc';
import { DataError } from '../../../runtime/spi';
import { avroTypeFor } from '../avro/logical-types';
import { decimalFromText } from '../avro/decimal';
import type { ColumnType } from '../parquet/column-spec';
import { DELETE_RECORD_LIST_SCHEMA, ORDERING_WRAPPERS } from './delete-record-list-schema';
import { Cursor, encodeLogBlock, LOG_BLOCK_CONTENT_VERSION, LogFormatError, type LogBlock, type LogBlockMetadata } from './log-block';

/** An ordering value as Hudi wraps it: the wrapper names the Java type the value had. */
export type OrderingValue =
  | { type: 'boolean'; value: boolean }
  | { type: 'int'; value: number }
  | { type: 'long'; value: number | bigint }
  | { type: 'float'; value: number }
  | { type: 'double'; value: number }
  | { type: 'bytes'; value: Buffer }
  | { type: 'string'; value: string }
  /** Days since 1970-01-01 (Java LocalDate / java.sql.Date). */
  | { type: 'date'; value: number }
  /** Decimal text; Hudi stores it at scale 15 (precision 30), so it reads back with 15 fraction digits. */
  | { type: 'decimal'; value: string }
  | { type: 'time-micros'; value: number | bigint }
  /** µs since epoch (Java java.sql.Timestamp, only with hoodie.datasource.write.keygenerator.consistent.logical.timestamp.enabled). */
  | { type: 'timestamp-micros'; value: number | bigint };

/** What Hudi's delete operation writes (HoodieRecordPayload.getOrderingValue's default): both readers take a delete
 *  carrying it as ordered by arrival, so it removes the record whatever the record's ordering value. */
export const DEFAULT_ORDERING_VALUE: OrderingValue = Object.freeze({ type: 'int', value: 0 });

export interface DeleteRecord {
  recordKey: string;
  partitionPath: string;
  orderingVal: OrderingValue | null;
}

export interface DeleteBlockInput {
  instantTime: string;
  records: readonly DeleteRecord[];
  /** Further header entries (Hudi's append handle also puts SCHEMA here; readers ignore it on delete blocks). */
  header?: LogBlockMetadata;
}

export interface DeleteBlock {
  instantTime: string;
  header: LogBlockMetadata;
  records: DeleteRecord[];
}

const WRAPPER_KIND: Record<string, OrderingValue['type']> = Object.fromEntries(
  ORDERING_WRAPPERS.map(([name], i) => [`org.apache.hudi.avro.model.${name}`, (['boolean', 'int', 'long', 'float', 'double', 'bytes', 'string', 'date', 'decimal', 'time-micros', 'timestamp-micros'] as const)[i]!]),
);
const KIND_WRAPPER = Object.fromEntries(Object.entries(WRAPPER_KIND).map(([name, kind]) => [kind, name])) as Record<OrderingValue['type'], string>;

let listType: avro.Type | undefined;
function deleteListType(): avro.Type {
  // Parsed once: the schema is a constant. avroTypeFor wraps this union (its branches are all records).
  listType ??= avroTypeFor(DELETE_RECORD_LIST_SCHEMA);
  return listType;
}

/** The content bytes of a DELETE_BLOCK. */
export function deleteBlockContent(records: readonly DeleteRecord[]): Buffer {
  const list = records.map((r) => ({ recordKey: r.recordKey, partitionPath: r.partitionPath, orderingVal: r.orderingVal === null ? null : { [KIND_WRAPPER[r.orderingVal.type]]: { value: r.orderingVal.value } } }));
  let datum: Buffer;
  try {
    datum = deleteListType().toBuffer({ deleteRecordList: list });
  } catch (e) {
    const bad = records.find((r) => !deleteListType().isValid({ deleteRecordList: [list[records.indexOf(r)]] }));
    throw new DataError(`delete of ${JSON.stringify(bad?.recordKey)}: ordering value ${String(bad?.orderingVal?.value)} is not a valid ${bad?.orderingVal?.type}: ${(e as Error).message}`, e);
  }
  const out = Buffer.alloc(8 + datum.length);
  out.writeInt32BE(LOG_BLOCK_CONTENT_VERSION, 0);
  out.writeInt32BE(datum.length, 4);
  datum.copy(out, 8);
  return out;
}

/** A whole DELETE_BLOCK (framing included) with header INSTANT_TIME. */
export function encodeDeleteBlock(input: DeleteBlockInput): Buffer {
  return encodeLogBlock({ type: 'delete', header: { ...input.header, INSTANT_TIME: input.instantTime }, content: deleteBlockContent(input.records) });
}

export function decodeDeleteBlock(block: LogBlock): DeleteBlock {
  if (block.type !== 'delete') throw new LogFormatError(`block at offset ${block.offset} is a ${block.type} block, not delete`);
  const instantTime = block.header.INSTANT_TIME;
  if (instantTime === undefined) throw new LogFormatError(`delete block at offset ${block.offset} has no INSTANT_TIME header`);
  try {
    const r = new Cursor(block.content);
    const version = r.int32();
    if (version !== LOG_BLOCK_CONTENT_VERSION) throw new Error(`content version ${version}; only ${LOG_BLOCK_CONTENT_VERSION} (Avro delete records, Hudi 0.10 and later) is read`);
    const datum = r.bytes(r.int32());
    if (r.remaining() !== 0) throw new Error(`${r.remaining()} bytes after the delete record list`);
    const list = (deleteListType().fromBuffer(datum) as { deleteRecordList: { recordKey: string | null; partitionPath: string | null; orderingVal: Record<string, { value: unknown }> | null }[] }).deleteRecordList;
    const records = list.map((d, i): DeleteRecord => {
      if (d.recordKey === null || d.partitionPath === null) throw new Error(`entry ${i} has a null ${d.recordKey === null ? 'recordKey' : 'partitionPath'}`);
      return { recordKey: d.recordKey, partitionPath: d.partitionPath, orderingVal: unwrapOrdering(d.orderingVal) };
    });
    return { instantTime, header: block.header, records };
  } catch (e) {
    throw new LogFormatError(`delete block at offset ${block.offset} (instant ${instantTime}) does not decode: ${(e as Error).message}`);
  }
}

function unwrapOrdering(v: Record<string, { value: unknown }> | null): OrderingValue | null {
  if (v === null) return null;
  const name = Object.keys(v)[0]!;
  const value = v[name]!.value;
  return { type: WRAPPER_KIND[name]!, value: value instanceof Uint8Array ? Buffer.from(value) : value } as OrderingValue;
}

/**
 * The ordering value Hudi 0.15 records for a precombine field of column type `type` holding `value` (the column
 * model's representation): HoodieAvroUtils.getNestedFieldVal reads the Avro value (dates become LocalDate, decimals
 * BigDecimal, timestamps and times stay the raw long/int) and wrapValueIntoAvro wraps it by Java class. Types Hudi
 * cannot wrap (an enum, fixed, record, array, map or union) throw in Hudi; here they throw a DataError. A missing
 * value gives DEFAULT_ORDERING_VALUE (Hudi would refuse the record; a null ordering value breaks Spark's read).
 */
export function orderingValueOf(type: ColumnType, value: unknown): OrderingValue {
  if (value === null || value === undefined) return DEFAULT_ORDERING_VALUE;
  switch (type.kind) {
    case 'string':
    case 'uuid':
      return { type: 'string', value: value as string };
    case 'boolean':
      return { type: 'boolean', value: value as boolean };
    case 'int':
    case 'time-millis':
      return { type: 'int', value: value as number };
    case 'long':
    case 'timestamp-millis':
    case 'timestamp-micros':
    case 'local-timestamp-millis':
    case 'local-timestamp-micros':
    case 'time-micros':
      return { type: 'long', value: value as number | bigint };
    case 'float':
      return { type: 'float', value: value as number };
    case 'double':
      return { type: 'double', value: value as number };
    case 'bytes':
      return { type: 'bytes', value: value as Buffer };
    case 'date':
      return { type: 'date', value: value as number };
    case 'decimal':
      // HoodieTableMetadataUtil.tryUpcastDecimal: rescaled to the wrapper's scale 15 (precision 30).
      return { type: 'decimal', value: decimalFromText(value as string, { precision: 30, scale: 15 }) };
    default:
      throw new DataError(`an ordering (precombine) field of type ${type.kind} cannot be recorded in a delete block: Hudi wraps only primitive, date, decimal and timestamp values`);
  }
}
