import { describe, expect, it } from 'vitest';
import { DataError } from '../../../../../runtime/spi';
import { parseTableSchema } from '../../../../../plugins/hudi/avro/table-schema';
import { createKeyGenerator } from '../../../../../plugins/hudi/keygen/key-generator';
import { avroRecordCodec, decodeAvroDataBlock, prependNullableStrings } from '../../../../../plugins/hudi/log/avro-data-block';
import { decodeLogFile } from '../../../../../plugins/hudi/log/log-block';
import { EncodedRecord, RecordEncoder } from '../../../../../plugins/hudi/write/encoded-record';
import { combineBatch, orderingNormalizer } from '../../../../../plugins/hudi/write/keyed-record';
import { EVERY_TYPE_SCHEMA, everyTypeRows } from '../log/every-type-rows';

const META = ['_hoodie_commit_time', '_hoodie_commit_seqno', '_hoodie_record_key', '_hoodie_partition_path', '_hoodie_file_name'];

describe('encoded-record', () => {
  const table = parseTableSchema(EVERY_TYPE_SCHEMA);
  const keygen = createKeyGenerator({ 'hoodie.datasource.write.recordkey.field': 'id', 'hoodie.datasource.write.partitionpath.field': 'color' });
  const o = { keygen, precombineField: 'i', orderingOf: orderingNormalizer(table.columns, 'i') };
  const encoder = new RecordEncoder(table.schemaJson, o);
  const strip = (r: Record<string, unknown>) => Object.fromEntries(Object.entries(r).filter(([k]) => !META.includes(k)));
  // k1 (every value), k2 (top-level nulls), k3 (nulls inside nested values), coerced
  const rows = everyTypeRows().rows.map(strip);

  it('meta fields prepended to the encoded data fields are byte for byte what the writer schema codec encodes for the row', () => {
    const full = avroRecordCodec(encoder.writerSchema);
    for (const row of rows) {
      const rec = encoder.encode(row, false);
      const meta = ['20240506070809123', `20240506070809123_0_${String(row['id'])}`, rec.keys.key, rec.keys.partition, 'f1d2-0'];
      const expected = full.encode({ ...Object.fromEntries(META.map((m, i) => [m, meta[i]])), ...row });
      expect(prependNullableStrings(meta, rec.data).equals(expected)).toBe(true);
      // The row decodes back from the data bytes alone.
      expect(rec.row).toEqual(row);
    }
  });

  it('prependNullableStrings writes multi-byte lengths and non-ASCII text as Avro does', () => {
    const codec = avroRecordCodec(JSON.stringify({ type: 'record', name: 'M', fields: [{ name: 'a', type: ['null', 'string'] }, { name: 'b', type: ['null', 'string'] }] }));
    const long = 'x'.repeat(300) + 'é';
    expect(prependNullableStrings([long, 'ü€'], Buffer.alloc(0)).equals(codec.encode({ a: long, b: 'ü€' }))).toBe(true);
  });

  it('works out key, partition and ordering once, as combineBatch does from the row', () => {
    const encoded = combineBatch(rows.map((row) => encoder.encode(row, false)), { ...o, global: false });
    const plain = combineBatch(rows.map((row) => ({ row, isDelete: false })), { ...o, global: false });
    expect(encoded.map((k) => [k.key, k.partition, k.ordering])).toEqual(plain.map((k) => [k.key, k.partition, k.ordering]));
    expect(encoded.map((k) => k.key)).toEqual(['k1', 'k2', 'k3']);
    expect(encoded[0]!.partition).toBe('GREEN');
    expect(encoded[0]!.rec).toBeInstanceOf(EncodedRecord);
  });

  it('refuses, on arrival, a row the key generator or the precombine field refuses, and one the schema does not take', () => {
    const row = rows[1]!;
    expect(() => encoder.encode({ ...row, id: null }, false)).toThrow(DataError);
    expect(() => encoder.encode({ ...row, i: null }, false)).toThrow(/precombine field i is null/);
    expect(() => encoder.encode({ ...row, i: 'seven' }, false)).toThrow(/^record k2: "seven" \(string\) at i does not fit/);
  });

  it('a data block of encoded records decodes to the rows with their meta values', async () => {
    const { appendToFileGroup } = await import('../../../../../plugins/hudi/file-group/append-handle');
    const files = new Map<string, Buffer>();
    let seq = 0;
    const ctx = {
      instant: '20240506070809123',
      nextSeq: () => seq++,
      now: () => 0,
      beforeFile: async () => undefined,
      storage: {
        openWrite: async (p: string) => {
          const parts: Buffer[] = [];
          return { write: async (b: Uint8Array) => void parts.push(Buffer.from(b)), close: async () => (files.set(p, Buffer.concat(parts)), files.get(p)!.length), abort: async () => undefined };
        },
      },
    } as unknown as Parameters<typeof appendToFileGroup>[0];
    const base = { partitionPath: 'GREEN', fileId: 'f1d2-0', instantTime: '20240101000000000', path: 'GREEN/f1d2-0_0-1-0_20240101000000000.parquet' } as Parameters<typeof appendToFileGroup>[1];
    const keyed = combineBatch(rows.map((row) => encoder.encode(row, false)), { ...o, global: false });
    // A plain row beside encoded ones: encoded by the writer's own codec.
    const plainRow = { ...rows[1]!, id: 'k4' };
    keyed.push({ key: 'k4', partition: 'GREEN', ordering: 0, rec: { row: plainRow, isDelete: false } });
    const [status] = await appendToFileGroup(ctx, base, [], keyed, { writerSchema: encoder.writerSchema, maxLogFileSize: 1 << 30 });
    const blocks = decodeLogFile(files.get(status!.log.path)!);
    const decoded = decodeAvroDataBlock(blocks[0]!).records;
    expect(decoded.map((r) => r['_hoodie_record_key'])).toEqual(['k1', 'k2', 'k3', 'k4']);
    expect(decoded.map((r) => r['_hoodie_commit_seqno'])).toEqual([0, 1, 2, 3].map((i) => `20240506070809123_0_${i}`));
    expect(decoded.every((r) => r['_hoodie_file_name'] === 'f1d2-0' && r['_hoodie_commit_time'] === '20240506070809123')).toBe(true);
    expect(decoded.map(strip)).toEqual([...rows, plainRow].map(strip));
  });
});
