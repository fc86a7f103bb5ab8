import { describe, expect, it } from 'vitest';
import { decodeDeleteBlock, encodeDeleteBlock, orderingValueOf, type DeleteRecord } from '../../../../../plugins/hudi/log/delete-block';
import { decodeLogFile } from '../../../../../plugins/hudi/log/log-block';

const RECORDS: DeleteRecord[] = [
  { recordKey: 'k-none', partitionPath: '', orderingVal: null },
  { recordKey: 'k-bool', partitionPath: 'p=1', orderingVal: { type: 'boolean', value: true } },
  { recordKey: 'k-int', partitionPath: 'p=1', orderingVal: { type: 'int', value: -3 } },
  { recordKey: 'k-long', partitionPath: 'p=1', orderingVal: { type: 'long', value: 9007199254740993n } },
  { recordKey: 'k-float', partitionPath: 'p=1', orderingVal: { type: 'float', value: 1.5 } },
  { recordKey: 'k-double', partitionPath: 'p=1', orderingVal: { type: 'double', value: 0.1 } },
  { recordKey: 'k-bytes', partitionPath: 'p=1', orderingVal: { type: 'bytes', value: Buffer.from([0, 255]) } },
  { recordKey: 'k-string', partitionPath: 'p=1', orderingVal: { type: 'string', value: 'zürich' } },
  { recordKey: 'k-date', partitionPath: 'p=1', orderingVal: { type: 'date', value: 19000 } },
  { recordKey: 'k-decimal', partitionPath: 'p=1', orderingVal: { type: 'decimal', value: '-12.300000000000000' } },
  { recordKey: 'k-time', partitionPath: 'p=1', orderingVal: { type: 'time-micros', value: 3_600_000_001 } },
  { recordKey: 'k-ts', partitionPath: 'p=1', orderingVal: { type: 'timestamp-micros', value: 1_714_979_289_123_456 } },
];

describe('delete-block', () => {
  it('encodeDeleteBlock then decodeDeleteBlock gives back every ordering value type and null', () => {
    const blocks = decodeLogFile(encodeDeleteBlock({ instantTime: '20240101000000000', records: RECORDS }));
    expect(blocks.map((b) => b.type)).toEqual(['delete']);
    const decoded = decodeDeleteBlock(blocks[0]!);
    expect(decoded.instantTime).toBe('20240101000000000');
    expect(decoded.records).toEqual(RECORDS);
  });

  it('the content is version 3, a length, and one HoodieDeleteRecordList datum with wrapper branches by union index', () => {
    const content = decodeLogFile(encodeDeleteBlock({ instantTime: '1', records: [RECORDS[3]!] }))[0]!.content;
    expect(content.readInt32BE(0)).toBe(3);
    expect(content.readInt32BE(4)).toBe(content.length - 8);
    // Avro binary by hand: array block of 1, recordKey union index 1 + string, partitionPath likewise, orderingVal
    // union index 3 (LongWrapper) + zig-zag long, end of array.
    const datum = content.subarray(8);
    expect(datum[0]).toBe(2); // count 1, zig-zag
    expect([...datum.subarray(1, 3)]).toEqual([2, 12]); // branch 1 (string), length 6
    expect(datum.subarray(3, 9).toString()).toBe('k-long');
    expect([...datum.subarray(9, 14)]).toEqual([2, 6, ...Buffer.from('p=1')]);
    expect(datum[14]).toBe(6); // orderingVal branch 3: LongWrapper
    expect(datum[datum.length - 1]).toBe(0); // end of the array
  });

  it('orderingValueOf wraps a precombine value by the Java type Hudi reads it as', () => {
    expect(orderingValueOf({ kind: 'long' }, 5)).toEqual({ type: 'long', value: 5 });
    expect(orderingValueOf({ kind: 'timestamp-millis' }, 1_700_000_000_000)).toEqual({ type: 'long', value: 1_700_000_000_000 });
    expect(orderingValueOf({ kind: 'int' }, 5)).toEqual({ type: 'int', value: 5 });
    expect(orderingValueOf({ kind: 'date' }, 19000)).toEqual({ type: 'date', value: 19000 });
    expect(orderingValueOf({ kind: 'decimal', precision: 10, scale: 2 }, '12.30')).toEqual({ type: 'decimal', value: '12.300000000000000' });
    expect(orderingValueOf({ kind: 'string' }, 'x')).toEqual({ type: 'string', value: 'x' });
    expect(orderingValueOf({ kind: 'double' }, null)).toEqual({ type: 'int', value: 0 });
    expect(() => orderingValueOf({ kind: 'record', fields: [] }, {})).toThrow(/cannot be recorded in a delete block/);
  });
});
