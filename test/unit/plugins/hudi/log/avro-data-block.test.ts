import { describe, expect, it } from 'vitest';
import { avroRecordCodec, decodeAvroDataBlock, encodeAvroDataBlock } from '../../../../../plugins/hudi/log/avro-data-block';
import { decodeLogFile } from '../../../../../plugins/hudi/log/log-block';
import { everyTypeRows } from './every-type-rows';

describe('avro-data-block', () => {
  const { schema, rows } = everyTypeRows();

  it('encodeAvroDataBlock then decodeAvroDataBlock gives back the coerced rows of every type, nulls at every level', () => {
    const bytes = encodeAvroDataBlock({ instantTime: '20240506070809123', schema, records: rows });
    const blocks = decodeLogFile(bytes);
    expect(blocks.map((b) => b.type)).toEqual(['avro-data']);
    expect(blocks[0]!.header).toEqual({ INSTANT_TIME: '20240506070809123', SCHEMA: schema });
    const decoded = decodeAvroDataBlock(blocks[0]!);
    expect(decoded.instantTime).toBe('20240506070809123');
    expect(decoded.records).toEqual(rows);
    // Spot checks of the representation (toEqual above would pass on two equally wrong sides).
    expect(decoded.records[0]!['l']).toBe(9007199254740993n);
    expect(decoded.records[0]!['amount']).toBe('-12.30');
    expect(decoded.records[0]!['ts_us']).toBe(1714979289123456);
    expect(decoded.records[0]!['choice']).toEqual({ member0: null, member1: null, member2: { lat: 3.5, seen: null } });
    expect(Buffer.isBuffer(decoded.records[0]!['b'])).toBe(true);
  });

  it('avroRecordCodec encodes what plain Avro decodes as Hudi would have written it', () => {
    const codec = avroRecordCodec(schema);
    const body = codec.encode(rows[2]!);
    expect(codec.decode(body)).toEqual(rows[2]);
    // The content layout: version 3, count, then length-prefixed bodies.
    const bytes = encodeAvroDataBlock({ instantTime: '1', schema, records: [rows[2]!] }, codec);
    const content = decodeLogFile(bytes)[0]!.content;
    expect(content.readInt32BE(0)).toBe(3);
    expect(content.readInt32BE(4)).toBe(1);
    expect(content.readInt32BE(8)).toBe(body.length);
    expect(content.subarray(12).equals(body)).toBe(true);
  });

  it('encodeAvroDataBlock refuses a row that does not fit, naming the record and the field', () => {
    const bad = { ...rows[1]!, i: 'seven' };
    expect(() => encodeAvroDataBlock({ instantTime: '1', schema, records: [bad] })).toThrow(/log block record k2: "seven" \(string\) at i does not fit/);
  });

  it('decodeAvroDataBlock of a block without SCHEMA says so', () => {
    const block = { ...decodeLogFile(encodeAvroDataBlock({ instantTime: '1', schema, records: [] }))[0]!, header: { INSTANT_TIME: '1' } };
    expect(() => decodeAvroDataBlock(block)).toThrow(/has no SCHEMA header/);
  });
});
