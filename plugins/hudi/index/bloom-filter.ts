// Hudi's bloom filters in Hudi's own serialization: the value of the Parquet footer key
// `org.apache.hudi.bloomfilter` that Spark Hudi's default BLOOM index reads on its next upsert. A filter
// serialized any other way makes Spark miss existing keys and write duplicates, so the bytes must be Hudi's.
//
// Format (Java DataOutput, big-endian), base64 without line breaks:
//   row    := int32 -1 (version) | int32 numHashes | int8 hashType | int32 vectorSize | ceil(vectorSize/8) bytes,
//             bit i of the vector = byte i>>3, mask 1 << (i & 7)
//   SIMPLE := row
//   DYNAMIC_V0 := int32 -1 | int32 numHashes | int8 hashType | int32 vectorSize
//                 | int32 rowCapacity (numEntries) | int32 keysInCurrentRow | int32 rowCount | row * rowCount
// A key sets bits abs(h_i % vectorSize) for h_1 = murmur(utf8(key), seed 0), h_{i+1} = murmur(utf8(key), h_i).
// DYNAMIC_V0 fills a row with `numEntries` keys, then adds rows while rowCount * numEntries < maxEntries;
// past that bound it adds keys round-robin to the existing rows (Hudi's HoodieDynamicBoundedBloomFilter).
// The bound and the round-robin position are not serialized: a deserialized dynamic filter behaves as Hudi's
// does after `fromString` (no new rows; round-robin restarts at row 0) — reproduced here on purpose.
// Verified byte for byte against hudi-common 0.15.0 by test/fixtures/hudi/vectors (see generate.sh there).

import { DataError } from '../../../runtime/spi';
import { hashFunction, MURMUR_HASH } from './hash';
import { encodeJavaUtf8Into } from './java-utf8';

export type BloomFilterTypeCode = 'SIMPLE' | 'DYNAMIC_V0';

export interface BloomFilterOptions {
  /** hoodie.index.bloom.num_entries: keys per filter (per row for DYNAMIC_V0). */
  numEntries: number;
  /** hoodie.index.bloom.fpp: the false-positive probability the filter is sized for. */
  fpp: number;
  /** hoodie.bloom.index.filter.dynamic.max.entries: DYNAMIC_V0 stops adding rows at this many keys. */
  maxEntries?: number;
}

/** Hudi's defaults (HoodieStorageConfig): what Spark writes when nothing is configured. */
export const HUDI_BLOOM_FILTER_DEFAULTS: Readonly<Required<BloomFilterOptions> & { type: BloomFilterTypeCode }> =
  Object.freeze({ type: 'DYNAMIC_V0', numEntries: 60000, fpp: 0.000000001, maxEntries: 100000 });

/**
 * What it takes to build the bits of a run of a new filter's keys elsewhere (an encoder thread): plain data. The
 * filter a key's bits go to depends only on the key's position in the file (DYNAMIC_V0 fills rows in order, then
 * round-robin), so keys [start, start + count) hashed into an empty copy advanced to `start` set exactly the bits
 * they set in the whole filter, and OR-ing the parts in gives the bytes adding every key in order gives.
 */
export interface BloomPartSpec {
  typeCode: BloomFilterTypeCode;
  vectorSize: number;
  numHashes: number;
  hashType: number;
  rowCapacity: number;
  maxEntries: number;
  /** Position in the file of the part's first key. */
  start: number;
}

/** The bits a run of keys set, per row of the filter they went to. */
export interface BloomPart {
  start: number;
  count: number;
  rows: { index: number; bits: Uint8Array }[];
}

const VERSION = -1;
const INT_MAX = 2147483647;

/** One bit vector with its own header (Hudi's InternalBloomFilter). */
interface Row {
  vectorSize: number;
  numHashes: number;
  hashType: number;
  bits: Uint8Array;
}

/** Java's `(int) Math.ceil(x)`: saturates instead of overflowing; NaN becomes 0. */
function javaCeilToInt(x: number): number {
  if (Number.isNaN(x)) return 0;
  const c = Math.ceil(x);
  return c >= INT_MAX ? INT_MAX : c <= -INT_MAX - 1 ? -INT_MAX - 1 : c;
}

const LOG2_SQUARED = Math.log(2) * Math.log(2);

/** Bits in the vector for `numEntries` keys at `fpp` (Hudi's BloomFilterUtils.getBitSize). */
export function bloomBitSize(numEntries: number, fpp: number): number {
  return javaCeilToInt(numEntries * (-Math.log(fpp) / LOG2_SQUARED));
}

/** Hash functions per key (Hudi's BloomFilterUtils.getNumHashes). */
export function bloomNumHashes(bitSize: number, numEntries: number): number {
  return javaCeilToInt((Math.log(2) * bitSize) / numEntries);
}

function newRow(vectorSize: number, numHashes: number, hashType: number): Row {
  return { vectorSize, numHashes, hashType, bits: new Uint8Array(Math.ceil(vectorSize / 8)) };
}

function corrupt(what: string): DataError {
  return new DataError(
    `Cannot read the Hudi bloom filter: ${what}. The footer value of org.apache.hudi.bloomfilter is damaged or ` +
      'not a Hudi filter; rewrite the file group, or remove the value so the index falls back to reading keys',
  );
}

function emptyKey(): DataError {
  return new DataError('A bloom filter key must not be empty (Hudi refuses empty record keys); check the record key');
}

function checkInt(name: string, v: number, min: number): void {
  if (!Number.isInteger(v) || v < min || v > INT_MAX) {
    throw new DataError(`Bloom filter ${name} must be an integer from ${min} to ${INT_MAX}; got ${String(v)}`);
  }
}

export class HudiBloomFilter {
  readonly typeCode: BloomFilterTypeCode;
  private rows: Row[];
  /** Row parameters shared by every row (always the case for filters Hudi or we create). */
  private readonly vectorSize: number;
  private readonly numHashes: number;
  private readonly hashType: number;
  private readonly uniformRows: boolean;
  // DYNAMIC_V0 state (Hudi's InternalDynamicBloomFilter).
  private readonly rowCapacity: number;
  private keysInCurrentRow: number;
  private readonly maxEntries: number;
  private reachedMax = false;
  private roundRobin = 0;
  /** Keys added (or skipped) since creation: where the next part must start. */
  private added = 0;
  /** Made by create() or forPart(), not read from a footer: its whole state is known, so parts apply. */
  private createdHere = false;

  private scratch = new Uint8Array(256);
  private mixed = new Int32Array(64);
  private positions: Int32Array;

  private constructor(
    typeCode: BloomFilterTypeCode,
    header: { vectorSize: number; numHashes: number; hashType: number },
    rows: Row[],
    dynamic: { rowCapacity: number; keysInCurrentRow: number; maxEntries: number },
  ) {
    this.typeCode = typeCode;
    this.vectorSize = header.vectorSize;
    this.numHashes = header.numHashes;
    this.hashType = header.hashType;
    this.rows = rows;
    this.rowCapacity = dynamic.rowCapacity;
    this.keysInCurrentRow = dynamic.keysInCurrentRow;
    this.maxEntries = dynamic.maxEntries;
    this.uniformRows = rows.every(
      (r) => r.vectorSize === header.vectorSize && r.numHashes === header.numHashes && r.hashType === header.hashType,
    );
    this.positions = new Int32Array(Math.max(1, ...rows.map((r) => r.numHashes), header.numHashes));
  }

  /** A new, empty filter sized as Hudi sizes it (BloomFilterFactory.createBloomFilter with Murmur hashing). */
  static create(type: BloomFilterTypeCode, options: BloomFilterOptions): HudiBloomFilter {
    const code = HudiBloomFilter.typeCodeOf(type);
    checkInt('numEntries', options.numEntries, 1);
    if (!(options.fpp > 0 && options.fpp < 1)) {
      throw new DataError(`Bloom filter fpp must be between 0 and 1 (exclusive); got ${String(options.fpp)}`);
    }
    const maxEntries = options.maxEntries ?? HUDI_BLOOM_FILTER_DEFAULTS.maxEntries;
    if (code === 'DYNAMIC_V0') checkInt('maxEntries', maxEntries, 0);
    const vectorSize = bloomBitSize(options.numEntries, options.fpp);
    const numHashes = bloomNumHashes(vectorSize, options.numEntries);
    if (vectorSize <= 0 || numHashes <= 0) {
      throw new DataError(
        `Bloom filter for numEntries=${options.numEntries} and fpp=${options.fpp} would have ${vectorSize} bits and ` +
          `${numHashes} hash functions; choose a larger numEntries or a smaller fpp`,
      );
    }
    const header = { vectorSize, numHashes, hashType: MURMUR_HASH };
    const f = new HudiBloomFilter(code, header, [newRow(vectorSize, numHashes, MURMUR_HASH)], {
      rowCapacity: options.numEntries,
      keysInCurrentRow: 0,
      maxEntries,
    });
    f.createdHere = true;
    return f;
  }

  /**
   * Reads a footer value, as Hudi's BloomFilterFactory.fromString does. `typeCode` is the footer's
   * `hoodie_bloom_filter_type_code`; Hudi writes it only for dynamic filters and reads a missing one as SIMPLE.
   */
  static deserialize(value: string, typeCode?: string | null): HudiBloomFilter {
    const code = HudiBloomFilter.typeCodeOf(typeCode ?? 'SIMPLE');
    const trimmed = value.replace(/=+$/, '');
    if (!/^[A-Za-z0-9+/]*$/.test(trimmed) || trimmed.length % 4 === 1) {
      throw corrupt('it is not base64');
    }
    const buf = Buffer.from(trimmed, 'base64');
    let p = 0;
    const need = (n: number, what: string): void => {
      if (p + n > buf.length) throw corrupt(`it ends inside the ${what} (byte ${p} of ${buf.length})`);
    };
    const readInt = (what: string): number => {
      need(4, what);
      const v = buf.readInt32BE(p);
      p += 4;
      return v;
    };
    const readHeader = (): { vectorSize: number; numHashes: number; hashType: number } => {
      const version = readInt('header');
      let numHashes: number;
      let hashType: number;
      if (version > 0) {
        numHashes = version; // the old, unversioned layout: Jenkins hashing
        hashType = 0;
      } else if (version === VERSION) {
        numHashes = readInt('header');
        need(1, 'header');
        hashType = buf.readInt8(p);
        p += 1;
      } else {
        throw corrupt(`unsupported version ${version}`);
      }
      const vectorSize = readInt('header');
      if (vectorSize <= 0 || numHashes <= 0 || hashFunction(hashType) === undefined) {
        throw corrupt(`vector size ${vectorSize}, ${numHashes} hashes, hash type ${hashType}`);
      }
      return { vectorSize, numHashes, hashType };
    };
    const readRow = (): Row => {
      const h = readHeader();
      const n = Math.ceil(h.vectorSize / 8);
      need(n, 'bit vector');
      const bits = new Uint8Array(n);
      bits.set(buf.subarray(p, p + n));
      p += n;
      const spare = n * 8 - h.vectorSize; // bits past the vector are ignored on read, as Hudi does
      if (spare > 0) bits[n - 1]! &= 0xff >> spare;
      return { ...h, bits };
    };

    if (code === 'SIMPLE') {
      const row = readRow();
      return new HudiBloomFilter(code, row, [row], { rowCapacity: 0, keysInCurrentRow: 0, maxEntries: 0 });
    }
    const header = readHeader();
    const rowCapacity = readInt('dynamic header');
    const keysInCurrentRow = readInt('dynamic header');
    const rowCount = readInt('dynamic header');
    if (rowCount < 0 || rowCount > buf.length) throw corrupt(`row count ${rowCount}`);
    const rows: Row[] = [];
    for (let i = 0; i < rowCount; i++) rows.push(readRow());
    // maxEntries is not serialized; Hudi's reader leaves it 0, so the filter never grows again.
    return new HudiBloomFilter(code, header, rows, { rowCapacity, keysInCurrentRow, maxEntries: 0 });
  }

  private static typeCodeOf(type: string): BloomFilterTypeCode {
    const upper = type.trim().toUpperCase();
    if (upper === 'SIMPLE' || upper === 'DYNAMIC_V0') return upper;
    throw new DataError(`Unknown Hudi bloom filter type "${type}"; Hudi knows SIMPLE and DYNAMIC_V0`);
  }

  /**
   * Whether this filter (read from a footer) can take `keys` keys in all as well as a new filter made like
   * `like` would: same parameters, and for DYNAMIC_V0 at least the rows `like` would have grown to by then
   * (a filter read from a footer never grows again, as in Hudi).
   */
  continues(like: HudiBloomFilter, keys: number): boolean {
    const same = this.typeCode === like.typeCode && this.vectorSize === like.vectorSize && this.numHashes === like.numHashes && this.hashType === like.hashType && this.uniformRows;
    if (!same) return false;
    if (this.typeCode === 'SIMPLE') return true;
    if (this.rowCapacity !== like.rowCapacity || like.rowCapacity <= 0) return false;
    const maxRows = Math.max(1, Math.ceil(like.maxEntries / like.rowCapacity));
    return this.rows.length >= Math.min(maxRows, Math.max(1, Math.ceil(keys / like.rowCapacity)));
  }

  /** Bit vectors in the filter: 1 for SIMPLE; for DYNAMIC_V0 one more per `numEntries` keys, up to the bound. */
  get rowCount(): number {
    return this.rows.length;
  }

  /** Bits per row (all rows of a filter Hudi or Tributary creates share it). */
  get bitsPerRow(): number {
    return this.vectorSize;
  }

  get hashCount(): number {
    return this.numHashes;
  }

  add(key: string): void {
    const len = this.encode(key);
    this.addUtf8(this.scratch, 0, len);
  }

  /** Adds the key whose Java UTF-8 bytes are data[offset, offset + len) (what add() hashes). */
  addUtf8(data: Uint8Array, offset: number, len: number): void {
    if (len === 0) throw emptyKey();
    if (this.rows.length === 0) throw corrupt('it has no bit vector to add keys to');
    const row = this.typeCode === 'SIMPLE' ? this.rows[0]! : this.activeRow();
    this.hashInto(row, data, offset, len);
    const bits = row.bits;
    const pos = this.positions;
    for (let i = 0; i < row.numHashes; i++) {
      const b = pos[i]!;
      bits[b >> 3]! |= 1 << (b & 7);
    }
    if (this.typeCode === 'DYNAMIC_V0') this.keysInCurrentRow = (this.keysInCurrentRow + 1) | 0;
    this.added++;
  }

  /** The spec of the part of this (new) filter's keys that starts with key number `start`; see BloomPartSpec. */
  partSpec(start: number): BloomPartSpec {
    if (!this.createdHere) {
      throw new Error('bloom filter parts are built only for filters created here, not read from a footer');
    }
    const { typeCode, vectorSize, numHashes, hashType, rowCapacity, maxEntries } = this;
    return { typeCode, vectorSize, numHashes, hashType, rowCapacity, maxEntries, start };
  }

  /** An empty filter as `spec` describes, advanced to its start: add the part's keys, then take part(). */
  static forPart(spec: BloomPartSpec): HudiBloomFilter {
    const header = { vectorSize: spec.vectorSize, numHashes: spec.numHashes, hashType: spec.hashType };
    const f = new HudiBloomFilter(spec.typeCode, header, [newRow(spec.vectorSize, spec.numHashes, spec.hashType)], {
      rowCapacity: spec.rowCapacity,
      keysInCurrentRow: 0,
      maxEntries: spec.maxEntries,
    });
    f.createdHere = true;
    f.skip(spec.start);
    f.partFrom = { start: spec.start, firstRow: f.typeCode === 'SIMPLE' ? 0 : f.rows.length - 1 };
    return f;
  }

  private partFrom: { start: number; firstRow: number } | undefined;

  /** The bits set since forPart(): the rows keys went to (all rows once round-robin began). */
  part(): BloomPart {
    const from = this.partFrom;
    if (from === undefined) throw new Error('part() is for filters made by HudiBloomFilter.forPart');
    const first = this.reachedMax ? 0 : from.firstRow;
    const rows: BloomPart['rows'] = [];
    for (let i = first; i < this.rows.length; i++) rows.push({ index: i, bits: this.rows[i]!.bits });
    return { start: from.start, count: this.added - from.start, rows };
  }

  /** ORs in a part built from this filter's partSpec(); parts must come in key order, each where the last ended. */
  mergePart(part: BloomPart): void {
    if (part.start !== this.added) throw new Error(`bloom filter part starts at key ${part.start}, but ${this.added} keys are in the filter`);
    this.skip(part.count);
    for (const r of part.rows) {
      const bits = this.rows[r.index]?.bits;
      if (bits === undefined || bits.length !== r.bits.length) throw new Error(`bloom filter part has a row ${r.index} this filter does not`);
      for (let i = 0; i < bits.length; i++) bits[i]! |= r.bits[i]!;
    }
  }

  /** Moves the row state on as adding `n` keys would, without setting bits. */
  private skip(n: number): void {
    if (this.typeCode === 'DYNAMIC_V0') {
      for (let i = 0; i < n; i++) {
        this.activeRow();
        this.keysInCurrentRow = (this.keysInCurrentRow + 1) | 0;
      }
    }
    this.added += n;
  }

  mightContain(key: string): boolean {
    const len = this.encode(key);
    if (len === 0) throw emptyKey();
    if (this.uniformRows) {
      if (this.rows.length === 0) return false;
      this.hashInto(this.rows[0]!, this.scratch, 0, len);
      for (const row of this.rows) {
        if (this.test(row)) return true;
      }
      return false;
    }
    for (const row of this.rows) {
      this.hashInto(row, this.scratch, 0, len);
      if (this.test(row)) return true;
    }
    return false;
  }

  /** The footer value: exactly the string Hudi's `serializeToString()` returns for the same keys. */
  serialize(): string {
    const rowBytes = (r: Row): number => 13 + r.bits.length;
    let size = this.typeCode === 'SIMPLE' ? 0 : 25;
    for (const r of this.rows) size += rowBytes(r);
    const out = Buffer.allocUnsafe(size);
    let p = 0;
    const header = (h: { vectorSize: number; numHashes: number; hashType: number }): void => {
      p = out.writeInt32BE(VERSION, p);
      p = out.writeInt32BE(h.numHashes, p);
      p = out.writeInt8(h.hashType, p);
      p = out.writeInt32BE(h.vectorSize, p);
    };
    if (this.typeCode === 'DYNAMIC_V0') {
      header({ vectorSize: this.vectorSize, numHashes: this.numHashes, hashType: this.hashType });
      p = out.writeInt32BE(this.rowCapacity | 0, p);
      p = out.writeInt32BE(this.keysInCurrentRow | 0, p);
      p = out.writeInt32BE(this.rows.length, p);
    }
    for (const r of this.rows) {
      header(r);
      out.set(r.bits, p);
      p += r.bits.length;
    }
    return out.toString('base64');
  }

  /** Java's UTF-8 bytes of the key into the scratch buffer (the caller refuses an empty key, as Hudi's hash does). */
  private encode(key: string): number {
    let len = encodeJavaUtf8Into(key, this.scratch);
    if (len < 0) {
      this.scratch = new Uint8Array(key.length * 3);
      len = encodeJavaUtf8Into(key, this.scratch);
    }
    return len;
  }

  private hashInto(row: Row, bytes: Uint8Array, offset: number, len: number): void {
    if (row.hashType === MURMUR_HASH) {
      this.murmurChainInto(row, bytes, offset, len);
      return;
    }
    const hash = hashFunction(row.hashType)!;
    const data = offset === 0 ? bytes : bytes.subarray(offset, offset + len);
    const n = row.numHashes;
    const size = row.vectorSize;
    const pos = this.positions;
    let h = 0;
    for (let i = 0; i < n; i++) {
      h = hash(data, len, h);
      pos[i] = Math.abs(h % size); // Java's % keeps the dividend's sign; abs() then folds it
    }
  }

  /**
   * The same chain as `h = murmurHash(key, h)` repeated numHashes times (hash.ts), computed faster: the mixed
   * four-byte blocks and the folded tail do not depend on the seed, so they are computed once per key.
   */
  private murmurChainInto(row: Row, data: Uint8Array, offset: number, len: number): void {
    const m = 0x5bd1e995;
    const blocks = len >> 2;
    if (this.mixed.length < blocks) this.mixed = new Int32Array(blocks * 2);
    const mixed = this.mixed;
    for (let b = 0, i = offset; b < blocks; b++, i += 4) {
      let k = data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24);
      k = Math.imul(k, m);
      k ^= k >>> 24;
      mixed[b] = Math.imul(k, m);
    }
    const left = len & 3;
    const end = offset + len;
    let tail = 0;
    if (left >= 3) tail ^= ((data[end - 3]! << 24) >> 24) << 16;
    if (left >= 2) tail ^= ((data[end - 2]! << 24) >> 24) << 8;
    if (left >= 1) tail ^= (data[end - 1]! << 24) >> 24;

    const n = row.numHashes;
    const size = row.vectorSize;
    const pos = this.positions;
    const inverse = 1 / size;
    let seed = 0;
    for (let j = 0; j < n; j++) {
      let h = seed ^ len;
      for (let b = 0; b < blocks; b++) h = Math.imul(h, m) ^ mixed[b]!;
      if (left !== 0) h = Math.imul(h ^ tail, m);
      h ^= h >>> 13;
      h = Math.imul(h, m);
      h ^= h >>> 15;
      seed = h;
      // Java's Math.abs(h % size), which equals |h| mod size, by a multiplication instead of an integer
      // division (the costliest step of the chain, 30 times per key at Hudi's defaults). |h| <= 2^31, so the
      // estimated quotient is off by at most one either way, and the two corrections make the result exact.
      const a = h < 0 ? -h : h;
      let r = a - Math.floor(a * inverse) * size;
      if (r >= size) r -= size;
      else if (r < 0) r += size;
      pos[j] = r;
    }
  }

  private test(row: Row): boolean {
    const bits = row.bits;
    const pos = this.positions;
    for (let i = 0; i < row.numHashes; i++) {
      const b = pos[i]!;
      if ((bits[b >> 3]! & (1 << (b & 7))) === 0) return false;
    }
    return true;
  }

  /** The row the next key goes to, growing the matrix as Hudi's InternalDynamicBloomFilter does. */
  private activeRow(): Row {
    if (this.reachedMax) {
      const row = this.rows[this.roundRobin % this.rows.length]!;
      this.roundRobin++;
      return row;
    }
    if (this.keysInCurrentRow >= this.rowCapacity) {
      if (Math.imul(this.rows.length, this.rowCapacity) < this.maxEntries) {
        const row = newRow(this.vectorSize, this.numHashes, this.hashType);
        this.rows.push(row);
        this.keysInCurrentRow = 0;
        return row;
      }
      this.reachedMax = true;
      return this.rows[0]!;
    }
    return this.rows[this.rows.length - 1]!;
  }
}
