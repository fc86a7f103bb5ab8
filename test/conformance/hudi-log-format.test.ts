// Our Hudi log format codec against Apache Hudi 0.15's own Java code (the Spark bundle the readers use), both ways:
// a log file we write (avro-data of every type, nested with nulls, a delete block with every ordering wrapper, a
// rollback command block) is read by HoodieLogFormat.newReader, and a file Hudi's HoodieLogFormat writer makes from
// the same records is read by our decoder. test/conformance/readers/HudiLogCheck.java is compiled on first use into
// the readers' cache (outside the repo), keyed by its source and the bundle.

import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createRecordCoercer } from '../../plugins/hudi/avro/record-coercer';
import { HOODIE_META_FIELDS, parseTableSchema } from '../../plugins/hudi/avro/table-schema';
import { avroRecordCodec, decodeAvroDataBlock, encodeAvroDataBlock } from '../../plugins/hudi/log/avro-data-block';
import { decodeCommandBlock, encodeRollbackBlock } from '../../plugins/hudi/log/command-block';
import { decodeDeleteBlock, encodeDeleteBlock, type DeleteRecord } from '../../plugins/hudi/log/delete-block';
import { decodeLogFile } from '../../plugins/hudi/log/log-block';
import { logFileName, parseLogFileName } from '../../plugins/hudi/log/log-file-name';
import type { Row } from '../../plugins/hudi/parquet/column-spec';
import { hudiLogCheck, hudiLogCheckReady } from '../helpers/hudi-log-check';
import { EVERY_TYPE_SCHEMA, everyTypeRows } from '../unit/plugins/hudi/log/every-type-rows';

interface JavaBlock {
  type: string;
  header: Record<string, string>;
  records?: string[];
  deletes?: { recordKey: string; partitionPath: string; orderingClass: string | null; orderingValue: string | null }[];
  command?: string;
}

const java = hudiLogCheck;

/** Hudi's view of a log file: one JavaBlock per block. */
async function hudiRead(file: string): Promise<JavaBlock[]> {
  return (await java('read', file))
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as JavaBlock);
}

const INSTANT_1 = '20240506070809123';
const INSTANT_2 = '20240506070810000';
const ROLLBACK = '20240506070811000';

/** One delete per ordering type Hudi's DeleteRecord can carry, and the Java class and text Hudi reads back. */
const DELETES: { record: DeleteRecord; javaClass: string | null; javaText: string | null }[] = [
  { record: { recordKey: 'k1', partitionPath: '', orderingVal: null }, javaClass: null, javaText: null },
  { record: { recordKey: 'k2', partitionPath: 'p=1', orderingVal: { type: 'boolean', value: true } }, javaClass: 'java.lang.Boolean', javaText: 'true' },
  { record: { recordKey: 'k3', partitionPath: 'p=1', orderingVal: { type: 'int', value: -3 } }, javaClass: 'java.lang.Integer', javaText: '-3' },
  { record: { recordKey: 'k4', partitionPath: 'p=1', orderingVal: { type: 'long', value: 9007199254740993n } }, javaClass: 'java.lang.Long', javaText: '9007199254740993' },
  { record: { recordKey: 'k5', partitionPath: 'p=1', orderingVal: { type: 'float', value: 1.5 } }, javaClass: 'java.lang.Float', javaText: '1.5' },
  { record: { recordKey: 'k6', partitionPath: 'p=1', orderingVal: { type: 'double', value: 0.1 } }, javaClass: 'java.lang.Double', javaText: '0.1' },
  { record: { recordKey: 'k7', partitionPath: 'p=1', orderingVal: { type: 'string', value: 'zürich' } }, javaClass: 'java.lang.String', javaText: 'zürich' },
  { record: { recordKey: 'k8', partitionPath: 'p=1', orderingVal: { type: 'date', value: 19000 } }, javaClass: 'java.time.LocalDate', javaText: '2022-01-08' },
  { record: { recordKey: 'k9', partitionPath: 'p=1', orderingVal: { type: 'decimal', value: '-12.300000000000000' } }, javaClass: 'java.math.BigDecimal', javaText: '-12.300000000000000' },
];

/** Rows as the coercer reads Avro JSON (what Avro's JsonEncoder printed for Hudi's decoded records). */
function rowsFromAvroJson(texts: string[]): Row[] {
  const coercer = createRecordCoercer(parseTableSchema(EVERY_TYPE_SCHEMA), { encoding: 'avro-json', extraFields: 'ignore' });
  return texts.map((t) => {
    // Integers past 2^53 (the long column) stay exact as text, which the coercer takes for a long.
    const json = JSON.parse(t.replace(/([:[,])(-?\d{16,})(?=[,\]}])/g, '$1"$2"')) as Record<string, unknown>;
    const meta = Object.fromEntries(HOODIE_META_FIELDS.map((f) => [f, json[f] === null ? null : (json[f] as { string: string }).string]));
    return { ...meta, ...coercer.coerce(json) };
  });
}

describe('Hudi log format, cross-checked with Apache Hudi 0.15 Java', () => {
  let dir: string;
  const { schema, rows } = everyTypeRows(INSTANT_1);

  beforeAll(async () => {
    await hudiLogCheckReady();
    dir = mkdtempSync(path.join(tmpdir(), 'hudi-log-check-'));
  }, 600_000);

  it('HoodieLogFormat.newReader reads a log file we wrote: blocks, headers, records of every type, deletes, rollback', async () => {
    const file = path.join(dir, logFileName({ fileId: 'ours-0', baseInstant: INSTANT_1, version: 1, writeToken: '1-2-3' }));
    writeFileSync(file, Buffer.concat([
      encodeAvroDataBlock({ instantTime: INSTANT_1, schema, records: rows }),
      encodeDeleteBlock({ instantTime: INSTANT_2, records: DELETES.map((d) => d.record) }),
      encodeRollbackBlock({ instantTime: ROLLBACK, targetInstantTime: INSTANT_2 }),
      encodeAvroDataBlock({ instantTime: INSTANT_2, schema, records: rows.slice(1) }),
    ]));
    const blocks = await hudiRead(file);
    expect(blocks.map((b) => b.type)).toEqual(['AVRO_DATA_BLOCK', 'DELETE_BLOCK', 'COMMAND_BLOCK', 'AVRO_DATA_BLOCK']);
    expect(blocks[0]!.header).toEqual({ INSTANT_TIME: INSTANT_1, SCHEMA: schema });
    expect(rowsFromAvroJson(blocks[0]!.records!)).toEqual(rows);
    expect(blocks[1]!.header).toEqual({ INSTANT_TIME: INSTANT_2 });
    expect(blocks[1]!.deletes).toEqual(DELETES.map((d) => ({ recordKey: d.record.recordKey, partitionPath: d.record.partitionPath, orderingClass: d.javaClass, orderingValue: d.javaText })));
    expect(blocks[2]!).toMatchObject({ command: 'ROLLBACK_BLOCK', header: { INSTANT_TIME: ROLLBACK, TARGET_INSTANT_TIME: INSTANT_2, COMMAND_BLOCK_TYPE: '0' } });
    expect(rowsFromAvroJson(blocks[3]!.records!)).toEqual(rows.slice(1));
  }, 180_000);

  it('HoodieLogFormat.newReader takes a torn tail of our file as a corrupt block and keeps the blocks before it', async () => {
    const whole = encodeAvroDataBlock({ instantTime: INSTANT_1, schema, records: rows });
    const torn = encodeDeleteBlock({ instantTime: INSTANT_2, records: DELETES.map((d) => d.record) });
    const file = path.join(dir, logFileName({ fileId: 'torn-0', baseInstant: INSTANT_1, version: 1, writeToken: '1-2-3' }));
    const bytes = Buffer.concat([whole, torn.subarray(0, torn.length - 20)]);
    writeFileSync(file, bytes);
    const blocks = await hudiRead(file);
    expect(blocks.map((b) => b.type)).toEqual(['AVRO_DATA_BLOCK', 'CORRUPT_BLOCK']);
    expect(decodeLogFile(bytes).map((b) => b.type)).toEqual(['avro-data', 'corrupt']);
  }, 180_000);

  it('our decoder reads a log file HoodieLogFormat.newWriterBuilder wrote from the same records', async () => {
    const codec = avroRecordCodec(schema);
    const spec = [
      { type: 'avro', instant: INSTANT_1, schema, records: rows.map((r) => codec.encode(r).toString('base64')) },
      {
        type: 'delete',
        instant: INSTANT_2,
        records: DELETES.map(({ record: r }) => ({ recordKey: r.recordKey, partitionPath: r.partitionPath, ordering: r.orderingVal === null ? null : { type: r.orderingVal.type, value: String(r.orderingVal.value) } })),
      },
      { type: 'rollback', instant: ROLLBACK, target: INSTANT_2 },
    ];
    const specFile = path.join(dir, 'spec.json');
    writeFileSync(specFile, JSON.stringify(spec));
    const out = path.join(dir, 'java-written');
    mkdirSync(out);
    const name = (await java('write', out, 'java-0', INSTANT_1, '7-8-9', specFile)).trim();
    expect(parseLogFileName(name)).toEqual({ fileId: 'java-0', baseInstant: INSTANT_1, version: 1, writeToken: '7-8-9' });
    expect(name).toBe(logFileName({ fileId: 'java-0', baseInstant: INSTANT_1, version: 1, writeToken: '7-8-9' }));

    const blocks = decodeLogFile(readFileSync(path.join(out, name)));
    expect(blocks.map((b) => b.type)).toEqual(['avro-data', 'delete', 'command']);
    // Avro Java's Schema.toString() of our schema is our schema string: withHoodieMetaFields writes it that way.
    const data = decodeAvroDataBlock(blocks[0]!);
    expect(data.header).toEqual({ INSTANT_TIME: INSTANT_1, SCHEMA: schema });
    expect(data.records).toEqual(rows);
    expect(decodeDeleteBlock(blocks[1]!)).toEqual({ instantTime: INSTANT_2, header: { INSTANT_TIME: INSTANT_2 }, records: DELETES.map((d) => d.record) });
    expect(decodeCommandBlock(blocks[2]!)).toMatchObject({ command: 'ROLLBACK_BLOCK', instantTime: ROLLBACK, targetInstantTime: INSTANT_2 });
    // Byte for byte, the content and size of each block are what we write for the same input (Hudi iterates a HashMap
    // of header keys, so their order within the header is not compared).
    const ours = decodeLogFile(Buffer.concat([encodeAvroDataBlock({ instantTime: INSTANT_1, schema, records: rows }), encodeDeleteBlock({ instantTime: INSTANT_2, records: DELETES.map((d) => d.record) }), encodeRollbackBlock({ instantTime: ROLLBACK, targetInstantTime: INSTANT_2 })]));
    expect(ours.map((b) => [b.offset, b.length])).toEqual(blocks.map((b) => [b.offset, b.length]));
    for (let i = 0; i < ours.length; i++) expect(ours[i]!.content.equals(blocks[i]!.content), `block ${i} content`).toBe(true);
  }, 180_000);
});
