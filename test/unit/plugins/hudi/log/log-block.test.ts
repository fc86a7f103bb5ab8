import { describe, expect, it } from 'vitest';
import { decodeLogFile, encodeLogBlock, LOG_MAGIC, type LogBlock } from '../../../../../plugins/hudi/log/log-block';

const first = encodeLogBlock({ type: 'avro-data', header: { SCHEMA: '{"x":1}', INSTANT_TIME: '20240101000000000' }, content: Buffer.from('first content') });
const second = encodeLogBlock({ type: 'command', header: { INSTANT_TIME: '20240101000000001', TARGET_INSTANT_TIME: '20240101000000000', COMMAND_BLOCK_TYPE: '0' }, content: Buffer.alloc(0) });

function summary(blocks: LogBlock[]): string[] {
  return blocks.map((b) => `${b.type}@${b.offset}+${b.length}`);
}

describe('log-block', () => {
  it('encodeLogBlock lays out magic, lengths, version, type, header in ordinal order, content, footer, reverse pointer', () => {
    const b = encodeLogBlock({ type: 'delete', header: { SCHEMA: 's', INSTANT_TIME: 'i' }, content: Buffer.from([9, 8]) });
    const expected = Buffer.concat([
      LOG_MAGIC,
      be64(b.length - 14), // everything after the length field
      be32(1), // log format version
      be32(1), // DELETE_BLOCK
      be32(2), be32(0), be32(1), Buffer.from('i'), be32(2), be32(1), Buffer.from('s'), // INSTANT_TIME=0 before SCHEMA=2
      be64(2), Buffer.from([9, 8]),
      be32(0), // empty footer
      be64(b.length - 8), // reverse pointer: the block's size so far, magic included
    ]);
    expect(b.equals(expected)).toBe(true);
  });

  it('decodeLogFile reads back every block with its header and content', () => {
    const blocks = decodeLogFile(Buffer.concat([first, second]));
    expect(summary(blocks)).toEqual([`avro-data@0+${first.length}`, `command@${first.length}+${second.length}`]);
    expect(blocks[0]!.header).toEqual({ INSTANT_TIME: '20240101000000000', SCHEMA: '{"x":1}' });
    expect(blocks[0]!.content.toString()).toBe('first content');
    expect(blocks[1]!.header.TARGET_INSTANT_TIME).toBe('20240101000000000');
    expect(decodeLogFile(Buffer.alloc(0))).toEqual([]);
  });

  it('decodeLogFile on a file cut at any byte keeps the whole blocks and reports the cut tail as one corrupt block', () => {
    const file = Buffer.concat([first, second]);
    for (let cut = 0; cut < file.length; cut++) {
      const blocks = decodeLogFile(file.subarray(0, cut));
      const whole = cut >= first.length ? 1 : 0;
      const tail = cut === 0 || cut === first.length ? 0 : 1;
      expect(blocks.length, `cut at ${cut}`).toBe(whole + tail);
      if (whole) expect(blocks[0]!.type).toBe('avro-data');
      if (tail) {
        const c = blocks[blocks.length - 1]!;
        expect(c.type).toBe('corrupt');
        expect(c.offset + c.length).toBe(cut);
        expect(c.corruption).toBeTruthy();
      }
    }
  });

  it('decodeLogFile skips a garbled block to the next magic and reads the blocks after it', () => {
    const garbled = Buffer.from(first);
    garbled.writeBigInt64BE(123456n, garbled.length - 8); // reverse pointer disagrees with the length
    const blocks = decodeLogFile(Buffer.concat([garbled, second, first]));
    expect(summary(blocks)).toEqual([`corrupt@0+${first.length}`, `command@${first.length}+${second.length}`, `avro-data@${first.length + second.length}+${first.length}`]);
    expect(blocks[0]!.corruption).toMatch(/reverse pointer 123456 disagrees/);
  });

  it('decodeLogFile takes a block followed by bytes that are not a magic as corrupt, as Hudi does (a crash mid-append)', () => {
    // A half-written block whose length field claims to end exactly where a complete block would: the next magic
    // check is what catches it in Hudi's reader.
    const partial = first.subarray(0, 30);
    const blocks = decodeLogFile(Buffer.concat([partial, second]));
    expect(summary(blocks)).toEqual([`corrupt@0+30`, `command@30+${second.length}`]);
    // Garbage after a whole block makes that block corrupt too (Hudi checks for a magic right after each block):
    // a writer must never append after a torn tail, or the last good block before it is lost with it.
    const trailingGarbage = decodeLogFile(Buffer.concat([first, Buffer.from('garbage!'), second]));
    expect(summary(trailingGarbage)).toEqual([`corrupt@0+${first.length + 8}`, `command@${first.length + 8}+${second.length}`]);
    // Fewer than 6 bytes after it do not (Hudi reads them as the end of the file); they are reported on their own.
    expect(summary(decodeLogFile(Buffer.concat([first, Buffer.from('#HU')])))).toEqual([`avro-data@0+${first.length}`, `corrupt@${first.length}+3`]);
  });
});

function be32(v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(v);
  return b;
}
function be64(v: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigInt64BE(BigInt(v));
  return b;
}
