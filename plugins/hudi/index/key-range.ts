// Min/max record keys of a base file (footer keys hoodie_min_record_key / hoodie_max_record_key) and the range
// test Hudi's BLOOM index applies before it consults a file's bloom filter.
// Invariant: keys are ordered exactly as Java's String.compareTo orders them — lexicographically by UTF-16 code
// unit — because that is how Hudi compares them (HoodieBloomFilterWriteSupport on write for Avro records,
// BloomIndexFileInfo.isKeyInRange and KeyRangeLookupTree on lookup). JavaScript's `<` and `>` on strings compare
// by UTF-16 code unit too, so plain string comparison is Java's order. It is NOT Unicode code point order and
// NOT UTF-8 byte order: a key with a supplementary character (a surrogate pair, 0xD800–0xDFFF) sorts below one
// with a BMP character in 0xE000–0xFFFF. (Spark's row writer tracks min/max on UTF8String, i.e. in UTF-8 byte
// order; for such keys a Spark bulk_insert file may carry a different min/max than we would compute, but the
// lookup side always compares in UTF-16 order, which is what we follow.) Never use localeCompare here.

/** Java's `a.compareTo(b)` sign: negative, zero or positive. */
export function compareRecordKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Hudi's BloomIndexFileInfo.isKeyInRange: min <= key <= max, both ends inclusive. */
export function isKeyInRange(key: string, min: string, max: string): boolean {
  return min <= key && key <= max;
}

/** Tracks the smallest and largest key added (what Hudi writes as hoodie_min/max_record_key). */
export class RecordKeyRange {
  private lo: string | undefined;
  private hi: string | undefined;

  constructor(min?: string, max?: string) {
    if ((min === undefined) !== (max === undefined)) {
      throw new RangeError('RecordKeyRange needs both min and max, or neither');
    }
    if (min !== undefined && max !== undefined && min > max) {
      throw new RangeError(`RecordKeyRange min ${JSON.stringify(min)} is greater than max ${JSON.stringify(max)}`);
    }
    this.lo = min;
    this.hi = max;
  }

  add(key: string): void {
    if (this.lo === undefined || key < this.lo) this.lo = key;
    if (this.hi === undefined || key > this.hi) this.hi = key;
  }

  /** Widens this range to cover `other` too. */
  merge(other: RecordKeyRange): void {
    if (other.lo !== undefined) this.add(other.lo);
    if (other.hi !== undefined) this.add(other.hi);
  }

  get min(): string | undefined {
    return this.lo;
  }

  get max(): string | undefined {
    return this.hi;
  }

  get isEmpty(): boolean {
    return this.lo === undefined;
  }

  /** False for an empty range: a file without keys cannot hold `key`. */
  contains(key: string): boolean {
    return this.lo !== undefined && this.hi !== undefined && isKeyInRange(key, this.lo, this.hi);
  }

  static of(keys: Iterable<string>): RecordKeyRange {
    const r = new RecordKeyRange();
    for (const k of keys) r.add(k);
    return r;
  }
}
