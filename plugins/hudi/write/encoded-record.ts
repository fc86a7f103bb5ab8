// A record between its arrival and its commit, in the form a merge-on-read log block takes it: its data fields in
// Avro binary, with the record key, partition path and ordering value worked out once on arrival. A log block's
// record is its meta fields followed by its data fields (withHoodieMetaFields puts the five meta fields first, and
// an Avro record is the concatenation of its fields), so the log writer prepends the meta fields to these bytes
// instead of encoding a row object (append-handle.ts). The row is decoded again only where a base file needs it
// (a new file group, a rewrite): a batch waiting for its commit holds one small buffer per record rather than an
// object graph per row — the objects that lived that long were what the garbage collector spent its time
// promoting, and what made the worker's heap grow (README, "Benchmarks").

import { avroRecordCodec, type AvroRecordCodec } from '../log/avro-data-block';
import { withHoodieMetaFields, HOODIE_META_FIELDS } from '../avro/table-schema';
import type { Row } from '../parquet/column-spec';
import type { SourcePosition } from '../keygen/position-key';
import type { KeyGenerator } from '../table/collaborators';
import { recordKeys, type IncomingRecord, type RecordKeys } from './keyed-record';

/** An IncomingRecord whose row is held encoded; `row` decodes it (once) for the writers that need the object. */
export class EncodedRecord implements IncomingRecord {
  private decoded: Row | undefined;

  constructor(
    /** The data fields in Avro binary under `encoder.writerSchema` less its meta fields. */
    readonly data: Buffer,
    readonly isDelete: boolean,
    readonly keys: RecordKeys,
    readonly encoder: RecordEncoder,
    readonly position?: SourcePosition,
  ) {}

  get row(): Row {
    return (this.decoded ??= this.encoder.decode(this.data));
  }
}

/**
 * Encodes incoming rows for one table schema and key configuration (compile once per schema). The data fields are
 * encoded by a codec of the writer schema's own data fields, so the bytes are those the writer's codec would write.
 */
export class RecordEncoder {
  /** The log blocks' schema (meta fields first) these records are encoded for. */
  readonly writerSchema: string;
  private readonly codec: AvroRecordCodec;

  constructor(
    schemaJson: string,
    private readonly o: { keygen: KeyGenerator; precombineField: string | undefined; orderingOf: (v: unknown) => unknown },
  ) {
    this.writerSchema = withHoodieMetaFields(schemaJson);
    const record = JSON.parse(this.writerSchema) as { fields: { name: string }[] };
    const meta = record.fields.slice(0, HOODIE_META_FIELDS.length).map((f) => f.name);
    if (meta.join() !== HOODIE_META_FIELDS.join()) throw new Error(`the writer schema does not start with Hudi's meta fields (${meta.join(', ')}); this is a bug`);
    this.codec = avroRecordCodec(JSON.stringify({ ...record, fields: record.fields.slice(HOODIE_META_FIELDS.length) }));
  }

  /** The record as the writer will take it; a row the key generator or the schema refuses throws a DataError. */
  encode(row: Row, isDelete: boolean, position?: SourcePosition): EncodedRecord {
    const keys = recordKeys(row, isDelete, position, this.o);
    return new EncodedRecord(this.codec.encode(row, `record ${keys.key}`), isDelete, keys, this, position);
  }

  decode(data: Buffer): Row {
    return this.codec.decode(data);
  }
}
