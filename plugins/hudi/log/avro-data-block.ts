// AVRO_DATA_BLOCK content (HoodieAvroDataBlock, block content version 3): int32 version 3, int32 record count, then
// per record int32 length + the record in Avro binary under the writer schema, which the block's SCHEMA header
// holds (with Hudi's five meta fields, as withHoodieMetaFields makes it). Rows in and out are the column model's
// (column-spec.ts), the same the Parquet writer takes, so compaction can write decoded rows straight to a base file.

import type * as avro from 'avsc';
import { DataError } from '../../../runtime/spi';
import { decodedConverter, needsStructure } from '../avro/decoded-values';
import { avroTypeFor } from '../avro/logical-types';
import { parseTableSchema } from '../avro/table-schema';
import { describeValue, type Converter } from '../avro/value-converters';
import type { Row } from '../parquet/column-spec';
import { Cursor, encodeLogBlock, LOG_BLOCK_CONTENT_VERSION, LogFormatError, type LogBlock, type LogBlockMetadata } from './log-block';
import { avroValueConverter } from './row-avro-values';

export interface AvroDataBlockInput {
  instantTime: string;
  /** The writer schema JSON, meta fields included. */
  schema: string;
  records: readonly Row[];
  /** Further header entries (BLOCK_IDENTIFIER, …); INSTANT_TIME and SCHEMA come from the fields above. */
  header?: LogBlockMetadata;
}

export interface AvroDataBlock {
  instantTime: string;
  schema: string;
  header: LogBlockMetadata;
  records: Row[];
}

/** Encodes and decodes records of one writer schema; compile once per schema. */
export interface AvroRecordCodec {
  readonly schema: string;
  /** `what` names the record in an error (default: "log block record <its _hoodie_record_key>"). */
  encode(row: Row, what?: string): Buffer;
  decode(body: Buffer): Row;
}

export function avroRecordCodec(schemaJson: string): AvroRecordCodec {
  const type = avroTypeFor(JSON.parse(schemaJson), { wrapUnionsOfSeveral: true });
  const table = parseTableSchema(schemaJson, { stripHoodieMetaFields: true, source: 'the log block schema' });
  const slots = new Map(table.fields.map((f) => [f.name, { type: f.column.type, wire: f.wire, nullable: f.column.nullable }]));
  const fields = (type as unknown as { fields: avro.types.Field[] }).fields;
  const names = fields.map((f) => f.name);
  // Hudi's meta fields are ["null","string"]: their values are the same in both representations.
  const toAvro: Converter[] = fields.map((f) => (slots.has(f.name) ? avroValueConverter(slots.get(f.name)!, f.type) : (v) => v));
  const fromAvro: (Converter | undefined)[] = fields.map((f) => (slots.has(f.name) && needsStructure(f.type) ? decodedConverter(slots.get(f.name)!, f.type) : undefined));
  const nullable = fields.map((f) => f.type.typeName.startsWith('union:') && (f.type as unknown as { types: avro.Type[] }).types.some((b) => b.typeName === 'null'));
  return {
    schema: schemaJson,
    encode(row, what) {
      const rec: Record<string, unknown> = {};
      for (let i = 0; i < names.length; i++) {
        const v = row[names[i]!];
        rec[names[i]!] = v === undefined && nullable[i] ? null : toAvro[i]!(v);
      }
      try {
        return type.toBuffer(rec);
      } catch (e) {
        throw invalidRecord(type, rec, what ?? `log block record ${String(row['_hoodie_record_key'] ?? '')}`, e);
      }
    },
    decode(body) {
      const rec = type.fromBuffer(body) as Record<string, unknown>;
      const row: Row = {};
      for (let i = 0; i < names.length; i++) {
        const v = rec[names[i]!];
        const conv = fromAvro[i];
        row[names[i]!] = conv !== undefined ? conv(v) : v instanceof Uint8Array ? Buffer.from(v) : v;
      }
      return row;
    },
  };
}

/** A DataError naming the first field (path) whose value the schema refuses. */
function invalidRecord(type: avro.Type, rec: Record<string, unknown>, what: string, cause: unknown): DataError {
  let where = '';
  let bad: unknown;
  type.isValid(rec, {
    errorHook(path: string[], value: unknown) {
      if (where === '') {
        where = path.join('.');
        bad = value;
      }
    },
  });
  const shown = where === '' ? describeValue(rec) : `${describeValue(bad)} at ${where}`;
  return new DataError(`${what}: ${shown} does not fit the block schema ${type.name ?? ''}: ${(cause as Error).message}`, cause);
}

const CODEC_CACHE_SIZE = 16;
const codecs = new Map<string, AvroRecordCodec>();

/** avroRecordCodec, compiled once per schema (the few most recent are kept): a deltacommit writes a data block per
 *  file group, and compiling the schema's Avro type for each was measurable. */
export function cachedRecordCodec(schemaJson: string): AvroRecordCodec {
  let codec = codecs.get(schemaJson);
  if (codec === undefined) {
    codec = avroRecordCodec(schemaJson);
    if (codecs.size >= CODEC_CACHE_SIZE) codecs.delete(codecs.keys().next().value!);
    codecs.set(schemaJson, codec);
  }
  return codec;
}

/** `values` as consecutive Avro ["null","string"] fields holding strings (Hudi's meta fields: per value the branch
 *  index 1 and the string, each length a zig-zag varint), followed by `rest`: a record's meta fields prepended to
 *  its data fields already in Avro binary make the whole record. */
export function prependNullableStrings(values: readonly string[], rest: Uint8Array): Buffer {
  const lengths = values.map((v) => Buffer.byteLength(v, 'utf8'));
  const out = Buffer.allocUnsafe(lengths.reduce((n, l) => n + 1 + 5 + l, 0) + rest.length);
  let pos = 0;
  for (let i = 0; i < values.length; i++) {
    out[pos++] = 2; // zig-zag of branch 1
    let n = lengths[i]! * 2; // zig-zag of a non-negative length
    while (n >= 0x80) {
      out[pos++] = (n & 0x7f) | 0x80;
      n = Math.floor(n / 128);
    }
    out[pos++] = n;
    pos += out.write(values[i]!, pos, 'utf8');
  }
  out.set(rest, pos);
  return out.subarray(0, pos + rest.length);
}

/** The content bytes of an AVRO_DATA_BLOCK holding `records` encoded by `codec`. */
export function avroDataBlockContent<T>(codec: { encode(record: T): Buffer }, records: readonly T[]): Buffer {
  return avroDataBlockContentOf(records.map((r) => codec.encode(r)));
}

/** The content bytes of an AVRO_DATA_BLOCK holding records already in Avro binary. */
export function avroDataBlockContentOf(bodies: readonly Uint8Array[]): Buffer {
  const out = Buffer.allocUnsafe(8 + bodies.reduce((n, b) => n + 4 + b.length, 0));
  let pos = out.writeInt32BE(LOG_BLOCK_CONTENT_VERSION, 0);
  pos = out.writeInt32BE(bodies.length, pos);
  for (const b of bodies) {
    pos = out.writeInt32BE(b.length, pos);
    out.set(b, pos);
    pos += b.length;
  }
  return out;
}

/** The records of an AVRO_DATA_BLOCK's content, each still in Avro binary (throws on a bad layout). */
export function avroDataBlockBodies(content: Buffer): Buffer[] {
  const r = new Cursor(content);
  const version = r.int32();
  if (version !== LOG_BLOCK_CONTENT_VERSION) throw new Error(`content version ${version}; only ${LOG_BLOCK_CONTENT_VERSION} (Hudi 0.14 and later) is read`);
  const count = r.int32();
  const bodies: Buffer[] = [];
  for (let i = 0; i < count; i++) bodies.push(r.bytes(r.int32()));
  if (r.remaining() !== 0) throw new Error(`${r.remaining()} bytes after record ${count}`);
  return bodies;
}

/** A whole AVRO_DATA_BLOCK (framing included), header INSTANT_TIME + SCHEMA, ready to append to a log file. */
export function encodeAvroDataBlock(input: AvroDataBlockInput, codec: AvroRecordCodec = cachedRecordCodec(input.schema)): Buffer {
  if (codec.schema !== input.schema) throw new RangeError('the codec was compiled for another schema than the block declares');
  return encodeAvroDataBlockOf({ ...input, bodies: input.records.map((r) => codec.encode(r)) });
}

/** A whole AVRO_DATA_BLOCK of records already encoded under `schema` (see encodeAvroDataBlock). */
export function encodeAvroDataBlockOf(input: Omit<AvroDataBlockInput, 'records'> & { bodies: readonly Uint8Array[] }): Buffer {
  return encodeLogBlock({ type: 'avro-data', header: { ...input.header, INSTANT_TIME: input.instantTime, SCHEMA: input.schema }, content: avroDataBlockContentOf(input.bodies) });
}

/** The records of an AVRO_DATA_BLOCK, decoded with the schema its header names (pass a codec to reuse one). */
export function decodeAvroDataBlock(block: LogBlock, codec?: AvroRecordCodec): AvroDataBlock {
  if (block.type !== 'avro-data') throw new LogFormatError(`block at offset ${block.offset} is a ${block.type} block, not avro-data`);
  const schema = block.header.SCHEMA;
  const instantTime = block.header.INSTANT_TIME;
  if (schema === undefined || instantTime === undefined) throw new LogFormatError(`avro-data block at offset ${block.offset} has no ${schema === undefined ? 'SCHEMA' : 'INSTANT_TIME'} header; it was not written by Hudi or by this plugin`);
  const c = codec !== undefined && codec.schema === schema ? codec : avroRecordCodec(schema);
  try {
    const records = avroDataBlockBodies(block.content).map((b) => c.decode(b));
    return { instantTime, schema, header: block.header, records };
  } catch (e) {
    throw new LogFormatError(`avro-data block at offset ${block.offset} (instant ${instantTime}) does not decode: ${(e as Error).message}`);
  }
}
