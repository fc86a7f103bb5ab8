// When a merge-on-read deltacommit may write a delete, or a record after a logged delete, to a log file instead of
// rewriting the file group. Spark (Hudi 0.15) lets a logged delete remove whatever version it meets and lets a record
// logged after a delete win by arrival; hudi-rs orders both by their precombine values (docs/hudi-format-notes.md,
// "How readers merge"). They agree with each other and with the model wherever no precombine value has to decide
// between a logged delete and another version of its key, which holds when
//  - a delete's ordering value is at least every data ordering value its slice holds (base rows and logged rows):
//    it then wins in every reader, as in the model;
//  - a record logged into a slice with logged deletes has an ordering value at least the greatest of them: it then
//    wins in every reader too, and the model reads it as the insert it is after the delete.
// Anything else is rewritten (the slice, its logs folded in, plus the batch), which every reader reads alike.
// This module keeps per slice the two bounds those rules compare with: the greatest data ordering value (base file
// column statistics, and each log's rows) and the greatest logged delete's. Bounds are upper bounds only: rows a
// later version outranked, and blocks of failed instants, count too (a larger bound only means more rewrites).
// A log file's bounds are noted when this writer writes it and read from the file once otherwise (another writer's
// log, a carried log, or after a restart); a base file's come from its footer. Only int and long precombine fields
// are bounded: hudi-rs 0.5 compares a delete's ordering value (Hudi wraps it by Java type: IntWrapper, LongWrapper)
// with the column's values as Arrow rows of the column's own type, which a date, time or timestamp column is not;
// Parquet orders strings by UTF-8 bytes where Hudi compares UTF-16 units; decimals travel at another scale in
// delete blocks. Memory: two values per file of the latest slices.

import { avroRecordCodec, decodeAvroDataBlock, type AvroRecordCodec } from '../log/avro-data-block';
import { decodeDeleteBlock } from '../log/delete-block';
import { decodeLogFile } from '../log/log-block';
import type { ColumnSpec, ColumnType } from '../parquet/column-spec';
import type { Storage } from '../storage/storage';
import type { BaseFile } from '../table/base-file';
import type { ParquetCodec } from '../table/collaborators';
import type { FileSystemView } from '../table/file-system-view';
import type { LogFile } from '../table/log-file';
import { compareOrdering } from '../write/keyed-record';
import { BaseFileReader } from './base-file-reader';

/** A delete that orders by arrival (Hudi's default ordering value int 0, another writer's): any record after it
 *  in its slice would be read differently by the readers, so such a slice is rewritten. */
export const BY_ARRIVAL = Symbol('by arrival');

export interface LogBounds {
  /** The greatest ordering value of the log's rows; null when it has none. */
  data: unknown;
  /** The greatest ordering value of its deletes; null when it has none. */
  deleted: unknown;
}

export interface SliceBounds {
  /** The greatest data ordering value of the slice; undefined when it cannot be known (no statistics). */
  data: unknown;
  /** The greatest logged delete's ordering value (BY_ARRIVAL above all); null when no log holds a delete. */
  deleted: unknown;
}

const INT32_KINDS = new Set<ColumnType['kind']>(['int']);
const INT64_KINDS = new Set<ColumnType['kind']>(['long']);

/** Whether a precombine column of this type can be bounded (see the module comment). */
export function boundable(column: ColumnSpec | undefined): column is ColumnSpec {
  return column !== undefined && (INT32_KINDS.has(column.type.kind) || INT64_KINDS.has(column.type.kind));
}

/** `a` or `b`, whichever orders later (null = none; BY_ARRIVAL above all). */
function later(a: unknown, b: unknown): unknown {
  if (a === BY_ARRIVAL || b === BY_ARRIVAL) return BY_ARRIVAL;
  if (a === null || a === undefined) return b;
  if (b === null || b === undefined) return a;
  return compareOrdering(a, b) >= 0 ? a : b;
}

export class OrderingBounds {
  private readonly logs = new Map<string, LogBounds>();
  private readonly bases = new Map<string, unknown>();

  constructor(private readonly o: { storage: Storage; codec: ParquetCodec; column: ColumnSpec; orderingOf(v: unknown): unknown }) {}

  get column(): ColumnSpec {
    return this.o.column;
  }

  /** The bounds of the slice whose base file is `base` with log files `logs`; reads what it has not seen. */
  async ofSlice(base: BaseFile, logs: readonly LogFile[]): Promise<SliceBounds> {
    let data = await this.ofBase(base);
    for (const log of logs) if (data !== undefined) data = later(data, (await this.ofLog(log)).data);
    return { data, deleted: await this.deletedOf(logs) };
  }

  /** The greatest logged delete's ordering value among `logs` (BY_ARRIVAL above all); null when none holds a delete. */
  async deletedOf(logs: readonly LogFile[]): Promise<unknown> {
    let deleted: unknown = null;
    for (const log of logs) deleted = later(deleted, (await this.ofLog(log)).deleted);
    return deleted;
  }

  /** Records the bounds of a log file this writer wrote. */
  note(log: LogFile, bounds: LogBounds): void {
    this.logs.set(log.path, bounds);
  }

  /** The bounds of the rows and deletes about to be written to one log file (`rows`' and `deletes`' precombine values). */
  boundsOf(rows: Iterable<unknown>, deletes: Iterable<unknown>): LogBounds {
    let data: unknown = null;
    let deleted: unknown = null;
    for (const v of rows) data = later(data, this.o.orderingOf(v));
    for (const v of deletes) deleted = later(deleted, this.o.orderingOf(v));
    return { data, deleted };
  }

  /** Forgets files that are no longer in a latest slice of `view`. */
  retain(view: FileSystemView): void {
    const live = new Set<string>();
    for (const base of view.all()) {
      live.add(base.path);
      for (const log of view.logsOf(base)) live.add(log.path);
    }
    for (const path of this.bases.keys()) if (!live.has(path)) this.bases.delete(path);
    for (const path of this.logs.keys()) if (!live.has(path)) this.logs.delete(path);
  }

  private async ofBase(base: BaseFile): Promise<unknown> {
    if (this.bases.has(base.path)) return this.bases.get(base.path);
    const max = await this.readBaseMax(base);
    this.bases.set(base.path, max);
    return max;
  }

  /** The greatest value of the precombine column by the footer's statistics; undefined when a row group has none. */
  private async readBaseMax(base: BaseFile): Promise<unknown> {
    const footer = (await BaseFileReader.open(this.o.storage, this.o.codec, base.path, base.size)).footer;
    const leaf = footer.leafIndex(this.o.column.name);
    if (leaf === undefined) return undefined;
    let max: unknown = null;
    for (const span of footer.rowGroups()) {
      if (span.numRows === 0) continue;
      const bounds = footer.columnBounds(span.index, leaf);
      if (!bounds) return undefined;
      const bytes = Buffer.from(bounds.max.buffer, bounds.max.byteOffset, bounds.max.byteLength);
      let v: unknown;
      if (INT32_KINDS.has(this.o.column.type.kind) && bytes.length === 4) v = bytes.readInt32LE(0);
      else if (INT64_KINDS.has(this.o.column.type.kind) && bytes.length === 8) {
        const big = bytes.readBigInt64LE(0);
        v = big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
      } else return undefined;
      max = later(max, this.o.orderingOf(v));
    }
    return max;
  }

  private async ofLog(log: LogFile): Promise<LogBounds> {
    const known = this.logs.get(log.path);
    if (known) return known;
    const read = this.readLogBounds(await this.o.storage.readFile(log.path));
    this.logs.set(log.path, read);
    return read;
  }

  /** Every block counts, whatever its instant (an upper bound); a row marked `_hoodie_is_deleted` counts as both. */
  private readLogBounds(bytes: Uint8Array): LogBounds {
    const name = this.o.column.name;
    let data: unknown = null;
    let deleted: unknown = null;
    const codecs = new Map<string, AvroRecordCodec>();
    for (const b of decodeLogFile(bytes)) {
      if (b.type === 'avro-data') {
        const schema = b.header.SCHEMA ?? '';
        let codec = codecs.get(schema);
        if (!codec && schema !== '') codecs.set(schema, (codec = avroRecordCodec(schema)));
        for (const row of decodeAvroDataBlock(b, codec).records) {
          const v = this.o.orderingOf(row[name]);
          data = later(data, v);
          if (row['_hoodie_is_deleted'] === true) deleted = later(deleted, v);
        }
      } else if (b.type === 'delete') {
        for (const d of decodeDeleteBlock(b).records) {
          const v = d.orderingVal;
          const byArrival = v === null || (v.type === 'int' && v.value === 0) || (v.type !== 'int' && v.type !== 'long');
          deleted = later(deleted, byArrival ? BY_ARRIVAL : this.o.orderingOf(v.value));
        }
      } else if (b.type !== 'command' && b.type !== 'corrupt') {
        // A block type this writer does not read (HFile, Parquet, CDC): nothing can be bounded.
        return { data: BY_ARRIVAL, deleted: BY_ARRIVAL };
      }
    }
    return { data, deleted };
  }
}
