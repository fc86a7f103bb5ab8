// The records a merge-on-read slice's log files hold, merged by key as Hudi's log record scanner does: blocks are
// read in log order; a block whose instant is not a write of the table (a deltacommit that failed and was not
// rolled back yet) is skipped, as are the blocks a rollback command block names that come before it. Among the
// versions of one key the greater precombine value wins and ties go to the later one (DefaultHoodieRecordPayload);
// a delete without an ordering value (Hudi's default ordering value, int 0, which this writer always writes)
// deletes whatever came before it and loses to whatever comes after it, as both Spark and hudi-rs read it. A delete
// that carries an ordering value (another writer's) is ordered like a record, as hudi-rs reads it; Spark would let
// it delete a base row with a greater value (see docs/hudi-format-notes.md). `over` then applies the changes to the
// base file's rows by the same rule. Memory: the log records of one slice.

import { avroRecordCodec, decodeAvroDataBlock, type AvroRecordCodec } from '../log/avro-data-block';
import { decodeCommandBlock } from '../log/command-block';
import { decodeDeleteBlock, type OrderingValue } from '../log/delete-block';
import { decodeLogFile, type LogBlock } from '../log/log-block';
import type { Row } from '../parquet/column-spec';
import type { Storage } from '../storage/storage';
import type { LogFile } from '../table/log-file';
import { compareOrdering } from '../write/keyed-record';

/** The latest change of a key in the logs: a row, or a delete (its ordering value; null = by arrival). */
export type LogChange = { row: Row; ordering: unknown } | { deleted: true; ordering: unknown };

export interface LogMergeOptions {
  /** Whether a block's instant belongs to the table (a completed write, or older than the active timeline). */
  validInstant(instant: string): boolean;
  precombineField: string | undefined;
  orderingOf(v: unknown): unknown;
}

export class LogRecords {
  readonly changes = new Map<string, LogChange>();
  /** Data and delete blocks applied. */
  blocks = 0;
  /** Records and delete entries in the blocks applied. */
  logRecords = 0;
  corruptBlocks = 0;
  rollbackBlocks = 0;

  private constructor(private readonly o: LogMergeOptions) {}

  static async read(storage: Storage, logs: readonly LogFile[], o: LogMergeOptions): Promise<LogRecords> {
    const r = new LogRecords(o);
    const blocks: LogBlock[] = [];
    for (const log of logs) blocks.push(...decodeLogFile(await storage.readFile(log.path)));
    // A rollback command block undoes the blocks of its target instant written before it.
    const undone = new Set<LogBlock>();
    blocks.forEach((b, i) => {
      if (b.type !== 'command') return;
      r.rollbackBlocks++;
      const target = decodeCommandBlock(b).targetInstantTime;
      for (let j = 0; j < i; j++) if (blocks[j]!.header.INSTANT_TIME === target) undone.add(blocks[j]!);
    });
    const codecs = new Map<string, AvroRecordCodec>(); // one compiled codec per writer schema
    for (const b of blocks) {
      if (b.type === 'corrupt') {
        r.corruptBlocks++;
        continue;
      }
      const instant = b.header.INSTANT_TIME;
      if (undone.has(b) || instant === undefined || !o.validInstant(instant)) continue;
      if (b.type === 'avro-data') {
        const schema = b.header.SCHEMA ?? '';
        let codec = codecs.get(schema);
        if (!codec && schema !== '') codecs.set(schema, (codec = avroRecordCodec(schema)));
        const data = decodeAvroDataBlock(b, codec);
        r.blocks++;
        r.logRecords += data.records.length;
        // A row marked deleted (a writer that puts delete markers into data blocks) is a delete with its ordering.
        for (const row of data.records) r.apply(String(row['_hoodie_record_key']), row['_hoodie_is_deleted'] === true ? { deleted: true, ordering: r.orderingOf(row) } : { row, ordering: r.orderingOf(row) });
      } else if (b.type === 'delete') {
        const del = decodeDeleteBlock(b);
        r.blocks++;
        r.logRecords += del.records.length;
        for (const d of del.records) r.apply(d.recordKey, { deleted: true, ordering: r.deleteOrdering(d.orderingVal) });
      }
    }
    return r;
  }

  /** The base file's rows with the log changes applied (consumed), in the base file's order. */
  *over(baseRows: Iterable<Row>): Generator<Row> {
    for (const row of baseRows) {
      const key = String(row['_hoodie_record_key']);
      const change = this.changes.get(key);
      if (!change) {
        yield row;
        continue;
      }
      this.changes.delete(key);
      const merged = this.merge({ row, ordering: this.orderingOf(row) }, change);
      if ('row' in merged) yield merged.row;
    }
  }

  /** The version of `key` in the merged slice given its base row: the base row itself when the logs do not change
   *  it (or it outranks their record), the log record, or undefined when the logs deleted it. Consumes the change. */
  fold(key: string, base: Row): Row | undefined {
    const change = this.changes.get(key);
    if (!change) return base;
    this.changes.delete(key);
    const merged = this.merge({ row: base, ordering: this.orderingOf(base) }, change);
    return 'row' in merged ? merged.row : undefined;
  }

  /** The log records of keys no base row folded (inserted into logs), with their keys; consumes them. */
  *rowsNotFolded(): Generator<[string, Row]> {
    for (const [key, c] of this.changes) if ('row' in c) yield [key, c.row];
    this.changes.clear();
  }

  /** What the logs hold for keys the base file does not (inserts into logs), consumed. */
  *remaining(): Generator<Row> {
    for (const c of this.changes.values()) if ('row' in c) yield c.row;
    this.changes.clear();
  }

  private orderingOf(row: Row): unknown {
    return this.o.precombineField === undefined ? null : this.o.orderingOf(row[this.o.precombineField]);
  }

  /** A delete's ordering value as rows' are compared; null for none (Hudi's default, int 0). Decimals come at
   *  Hudi's scale 15: trailing zeros past the column's scale are dropped before normalizing. */
  private deleteOrdering(v: OrderingValue | null): unknown {
    if (v === null || (v.type === 'int' && v.value === 0)) return null;
    if (v.type !== 'decimal') return this.o.orderingOf(v.value);
    const text = v.value.includes('.') ? v.value.replace(/0+$/, '').replace(/\.$/, '') : v.value;
    return this.o.orderingOf(text);
  }

  private apply(key: string, incoming: LogChange): void {
    const prev = this.changes.get(key);
    this.changes.set(key, prev ? this.merge(prev, incoming) : incoming);
  }

  /** `incoming` (later) against `prev`: a delete by arrival always wins and always loses to what follows it;
   *  otherwise the greater ordering wins, ties to the later. */
  private merge(prev: LogChange, incoming: LogChange): LogChange {
    if ('deleted' in incoming && incoming.ordering === null) return incoming;
    if ('deleted' in prev && prev.ordering === null) return incoming;
    if (this.o.precombineField !== undefined && compareOrdering(incoming.ordering, prev.ordering) < 0) return prev;
    return incoming;
  }
}
