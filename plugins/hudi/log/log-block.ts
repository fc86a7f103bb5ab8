// The framing of Hudi log blocks (log format version 1, as Hudi 0.14/0.15 HoodieLogFormatWriter writes them) and
// a reader of a whole log file. A block is: magic `#HUDI#`, int64 length of the rest, int32 format version, int32
// block type, header map, int64 content length, content, footer map, int64 reverse pointer (the block's size
// counting the magic). All integers big-endian. The reader never throws: a span that is not a whole, consistent
// block (a crash mid-append, garbage) becomes one corrupt block reaching to the next magic, as Hudi's reader does.

import { ConnectError } from '../../../runtime/spi';

export const LOG_MAGIC = Buffer.from('#HUDI#', 'latin1');
/** HoodieLogFormat.CURRENT_VERSION. */
export const LOG_FORMAT_VERSION = 1;
/** HoodieLogBlock.version: the content layout version Hudi 0.14/0.15 write inside data and delete blocks. */
export const LOG_BLOCK_CONTENT_VERSION = 3;

/** HoodieLogBlockType, in ordinal order. */
export const LOG_BLOCK_TYPES = ['command', 'delete', 'corrupt', 'avro-data', 'hfile-data', 'parquet-data', 'cdc-data'] as const;
export type LogBlockType = (typeof LOG_BLOCK_TYPES)[number];

/** HeaderMetadataType, in ordinal order (Hudi 0.15 has the first seven; 1.x adds the last two). */
export const LOG_HEADER_KEYS = ['INSTANT_TIME', 'TARGET_INSTANT_TIME', 'SCHEMA', 'COMMAND_BLOCK_TYPE', 'COMPACTED_BLOCK_TIMES', 'RECORD_POSITIONS', 'BLOCK_IDENTIFIER', 'IS_PARTIAL', 'BASE_FILE_INSTANT_TIME_OF_RECORD_POSITIONS'] as const;
export type LogHeaderKey = (typeof LOG_HEADER_KEYS)[number];
/** Keys Hudi 0.15 (table version 6) knows; a 0.15 reader fails on a block carrying any other. */
export const LOG_HEADER_KEYS_V6: ReadonlySet<LogHeaderKey> = new Set(LOG_HEADER_KEYS.slice(0, 7));

export type LogBlockMetadata = Partial<Record<LogHeaderKey, string>>;

export interface LogBlockInput {
  type: Exclude<LogBlockType, 'corrupt'>;
  header: LogBlockMetadata;
  footer?: LogBlockMetadata;
  content: Uint8Array;
}

export interface LogBlock {
  type: LogBlockType;
  header: LogBlockMetadata;
  footer: LogBlockMetadata;
  /** The content bytes; for a corrupt block, the bytes of the corrupt span after its magic. */
  content: Buffer;
  /** Byte offset of the block (its magic) in the file. */
  offset: number;
  /** Bytes from `offset` to the next block or the end of the file. */
  length: number;
  /** Only on corrupt blocks: what was wrong. */
  corruption?: string;
}

/** A block whose framing is whole but whose content or header is not what its type requires. */
export class LogFormatError extends ConnectError {
  constructor(message: string) {
    super('ILLEGAL_STATE', message);
    this.name = 'LogFormatError';
  }
}

/** The bytes of one block, ready to append to a log file. Header keys are written in ordinal order. */
export function encodeLogBlock(block: LogBlockInput): Buffer {
  const header = encodeMetadata(block.header);
  const footer = encodeMetadata(block.footer ?? {});
  const content = Buffer.from(block.content.buffer, block.content.byteOffset, block.content.byteLength);
  // Everything after the length field: version, type, header, content length, content, footer, reverse pointer.
  const rest = 4 + 4 + header.length + 8 + content.length + footer.length + 8;
  const out = Buffer.alloc(LOG_MAGIC.length + 8 + rest);
  let pos = LOG_MAGIC.copy(out, 0);
  pos = out.writeBigInt64BE(BigInt(rest), pos);
  pos = out.writeInt32BE(LOG_FORMAT_VERSION, pos);
  pos = out.writeInt32BE(LOG_BLOCK_TYPES.indexOf(block.type), pos);
  pos += header.copy(out, pos);
  pos = out.writeBigInt64BE(BigInt(content.length), pos);
  pos += content.copy(out, pos);
  pos += footer.copy(out, pos);
  // HoodieLogFormatWriter writes the bytes written so far for this block, magic included.
  out.writeBigInt64BE(BigInt(pos), pos);
  return out;
}

function encodeMetadata(meta: LogBlockMetadata): Buffer {
  const entries = LOG_HEADER_KEYS.map((key, ordinal) => [ordinal, meta[key]] as const).filter((e): e is readonly [number, string] => e[1] !== undefined);
  const parts: Buffer[] = [int32(entries.length)];
  for (const [ordinal, value] of entries) {
    const bytes = Buffer.from(value, 'utf8');
    parts.push(int32(ordinal), int32(bytes.length), bytes);
  }
  return Buffer.concat(parts);
}

function int32(v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(v);
  return b;
}

/**
 * Every block of a log file, corrupt spans included. Hudi's reader (HoodieLogFileReader.readBlock/isBlockCorrupted)
 * takes a block as corrupt when its length field is cut off, its reverse pointer lies past the end of the file or
 * disagrees with its length, or 6 bytes follow it that are not a magic; the corrupt block then spans to the next
 * magic after its own, or the end of the file. Hudi stops silently at fewer than 6 trailing bytes and fails on 6
 * that are not a magic where a block should start; both are reported here as corrupt blocks instead, so a writer
 * sees the garbage. A block whose framing adds up but whose header does not parse is corrupt too. So a writer must
 * never append after a torn tail: the whole block before the garbage would turn corrupt with it (no magic follows it);
 * write the next log version instead, as Hudi 0.15's Spark writer does for every deltacommit.
 */
export function decodeLogFile(bytes: Uint8Array): LogBlock[] {
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const blocks: LogBlock[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const block = readBlock(buf, pos);
    blocks.push(block);
    pos = block.offset + block.length;
  }
  return blocks;
}

function readBlock(buf: Buffer, at: number): LogBlock {
  if (buf.length - at < LOG_MAGIC.length) return corrupt(buf, at, `${buf.length - at} trailing bytes, too few for a block's magic`, false);
  if (!buf.subarray(at, at + LOG_MAGIC.length).equals(LOG_MAGIC)) return corrupt(buf, at, 'no magic where a block starts', false);
  const afterLength = at + LOG_MAGIC.length + 8;
  if (afterLength > buf.length) return corrupt(buf, at, 'the file ends inside the block length', true);
  const rest = buf.readBigInt64BE(at + LOG_MAGIC.length);
  const end = BigInt(afterLength) + rest;
  if (rest < 8n || end > BigInt(buf.length)) return corrupt(buf, at, `block length ${rest} runs past the end of the file (${buf.length} bytes)`, true);
  const blockEnd = Number(end);
  const reverse = buf.readBigInt64BE(blockEnd - 8);
  if (reverse - BigInt(LOG_MAGIC.length) !== rest) return corrupt(buf, at, `reverse pointer ${reverse} disagrees with block length ${rest}`, true);
  if (buf.length - blockEnd >= LOG_MAGIC.length && !buf.subarray(blockEnd, blockEnd + LOG_MAGIC.length).equals(LOG_MAGIC)) {
    return corrupt(buf, at, 'no magic after the block', true);
  }
  try {
    return { ...parseBody(buf.subarray(afterLength, blockEnd - 8)), offset: at, length: blockEnd - at };
  } catch (e) {
    return corrupt(buf, at, (e as Error).message, true);
  }
}

/** Version, type, header, content, footer of a block whose outer framing is consistent. */
function parseBody(body: Buffer): Pick<LogBlock, 'type' | 'header' | 'footer' | 'content'> {
  const r = new Cursor(body);
  const version = r.int32();
  if (version !== LOG_FORMAT_VERSION) throw new Error(`log format version ${version}, expected ${LOG_FORMAT_VERSION}`);
  const typeId = r.int32();
  const type = LOG_BLOCK_TYPES[typeId];
  if (type === undefined) throw new Error(`block type ${typeId} is unknown`);
  const header = readMetadata(r);
  const contentLength = r.int64();
  const content = Buffer.from(r.bytes(contentLength));
  const footer = readMetadata(r);
  if (r.remaining() !== 0) throw new Error(`${r.remaining()} bytes between the footer and the reverse pointer`);
  return { type, header, footer, content };
}

function readMetadata(r: Cursor): LogBlockMetadata {
  const count = r.int32();
  const meta: LogBlockMetadata = {};
  for (let i = 0; i < count; i++) {
    const ordinal = r.int32();
    const key = LOG_HEADER_KEYS[ordinal];
    if (key === undefined) throw new Error(`header key ordinal ${ordinal} is unknown`);
    meta[key] = r.bytes(r.int32()).toString('utf8');
  }
  return meta;
}

function corrupt(buf: Buffer, at: number, corruption: string, afterMagic: boolean): LogBlock {
  const next = buf.indexOf(LOG_MAGIC, at + (afterMagic ? LOG_MAGIC.length : 1));
  const end = next < 0 ? buf.length : next;
  return { type: 'corrupt', header: {}, footer: {}, content: Buffer.from(buf.subarray(Math.min(at + (afterMagic ? LOG_MAGIC.length : 0), end), end)), offset: at, length: end - at, corruption };
}

/** Big-endian reads that throw when the bytes run out. */
export class Cursor {
  private pos = 0;
  constructor(private readonly buf: Buffer) {}
  remaining(): number {
    return this.buf.length - this.pos;
  }
  int32(): number {
    this.need(4);
    const v = this.buf.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }
  int64(): number {
    this.need(8);
    const v = this.buf.readBigInt64BE(this.pos);
    this.pos += 8;
    if (v < 0n || v > BigInt(this.buf.length)) throw new Error(`length ${v} runs past the ${this.buf.length} bytes there are`);
    return Number(v);
  }
  bytes(n: number): Buffer {
    if (n < 0) throw new Error(`negative length ${n}`);
    this.need(n);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
  private need(n: number): void {
    if (this.pos + n > this.buf.length) throw new Error(`needs ${n} bytes at offset ${this.pos}, ${this.buf.length - this.pos} left`);
  }
}
