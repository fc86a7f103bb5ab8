// A base file's bloom filter built where its row groups are encoded: each row group's keys are hashed into a
// part (bloom-filter.ts, BloomPartSpec) on the encoder thread, from the UTF-8 bytes of the record key column the
// encoder has anyway, and the main thread ORs the parts in, in file order. Hashing 30 times per key was an
// eighth of the main thread's time on bulk_insert while the encoder thread sat idle half of it.
// Invariant: a key's bytes are Java's UTF-8 (what Hudi hashes). They equal the column's (WHATWG) UTF-8 except
// for lone surrogates, so a row group with such a key sends its keys as strings instead.

import { RECORD_KEY_COLUMN } from '../table/meta-columns';
import type { ParquetCodec } from '../table/collaborators';
import { HudiBloomFilter, type BloomPart, type BloomPartSpec } from './bloom-filter';

/** What an encode is asked to hash besides encoding (plain data: it crosses to the encoder thread). */
export interface BloomPartRequest {
  spec: BloomPartSpec;
  /** The column holding the record keys (its UTF-8 bytes are hashed)... */
  keyColumn: string;
  /** ...unless the keys are given here (a row group with a key that is not well-formed UTF-16). */
  keys?: string[];
}

/** Hashes keys given as UTF-8 bytes, chunk by chunk: key i of a chunk is data[offsets[i], offsets[i + 1]). */
export function bloomPartOfUtf8(spec: BloomPartSpec, chunks: readonly { offsets: Int32Array; data: Uint8Array; length: number }[]): BloomPart {
  const filter = HudiBloomFilter.forPart(spec);
  for (const { offsets, data, length } of chunks) {
    for (let i = 0; i < length; i++) filter.addUtf8(data, offsets[i]!, offsets[i + 1]! - offsets[i]!);
  }
  return filter.part();
}

/** Hashes keys given as strings (encoded as Java does). */
export function bloomPartOfKeys(spec: BloomPartSpec, keys: readonly string[]): BloomPart {
  const filter = HudiBloomFilter.forPart(spec);
  for (const k of keys) filter.add(k);
  return filter.part();
}

/** True when every key is well-formed UTF-16, so its WHATWG UTF-8 bytes are Java's. */
export function allWellFormed(keys: readonly string[]): boolean {
  for (const k of keys) if (!(k as unknown as { isWellFormed(): boolean }).isWellFormed()) return false;
  return true;
}

/** The bit vectors to transfer back from a thread (not copied: the part's filter is discarded there). */
export function bloomPartBuffers(part: BloomPart): ArrayBuffer[] {
  return part.rows.map((r) => r.bits.buffer as ArrayBuffer);
}

/** The codec's encode hashing each row group's record keys into `parts` on the way (see the module comment). */
export function encodingBloomParts(codec: ParquetCodec, parts: BloomPartCollector): ParquetCodec {
  const withPart = codec.encodeWithBloomPart!.bind(codec);
  return {
    decode: (data, columns) => codec.decode(data, columns),
    footer: (data) => codec.footer(data),
    encodeWithBloomPart: withPart,
    encode: (columns, rows, keyValueMetadata) => {
      if (rows.length === 0) return codec.encode(columns, rows, keyValueMetadata);
      const keys = rows.map((r) => r[RECORD_KEY_COLUMN.name] as string);
      const encoded = withPart(columns, rows, keyValueMetadata, parts.request(keys)).then((r) => {
        parts.add(r.bloom);
        return r.data;
      });
      parts.track(encoded);
      return encoded;
    },
  };
}

/**
 * Collects one base file's bloom filter from parts, in file order: `request(rows)` before each row group is
 * encoded (the parts' start positions follow the rows requested), `add(part)` as results arrive (any order of
 * arrival; merged in order), `done()` before the footer is written.
 */
export class BloomPartCollector {
  private requested = 0;
  private next = 0;
  private readonly waiting = new Map<number, BloomPart>();
  private readonly pending: Promise<unknown>[] = [];

  constructor(
    readonly filter: HudiBloomFilter,
    private readonly keyColumn: string,
  ) {}

  /** The request for a row group of `keys` (the rows' record keys, in order). */
  request(keys: readonly string[]): BloomPartRequest {
    const spec = this.filter.partSpec(this.requested);
    this.requested += keys.length;
    return allWellFormed(keys) ? { spec, keyColumn: this.keyColumn } : { spec, keyColumn: this.keyColumn, keys: [...keys] };
  }

  /** Keys hashed here, in this thread (a row group carried over from the previous slice), as the next part. */
  addHere(keys: readonly string[]): void {
    if (keys.length > 0) this.add(bloomPartOfKeys(this.request(keys).spec, keys));
  }

  add(part: BloomPart): void {
    this.waiting.set(part.start, part);
    for (let p = this.waiting.get(this.next); p !== undefined; p = this.waiting.get(this.next)) {
      this.waiting.delete(this.next);
      this.filter.mergePart(p);
      this.next += p.count;
    }
  }

  /** An encode whose part add() will receive; settled() waits for it. */
  track(p: Promise<unknown>): void {
    p.catch(() => undefined); // the writer awaits and reports it; this only keeps it from being "unhandled"
    this.pending.push(p);
  }

  /** Waits until every requested part is merged; rejects with an encode's failure. */
  async settled(): Promise<void> {
    await Promise.all(this.pending.splice(0));
    if (this.next !== this.requested) throw new Error(`bloom filter has ${this.next} of ${this.requested} keys merged`);
  }
}
