// Which row groups of a base file may hold some of a set of record keys, from the key column's Parquet
// statistics alone: a row group whose [min, max] leaves every key out is skipped unread (by the index when it
// confirms bloom hits, and by a merge, which then carries the row group over as it is).
// Statistics order strings as unsigned UTF-8 bytes, which is Unicode code point order. JS compares UTF-16
// code units, which agrees with it unless a string holds a surrogate pair; then code points are compared.
// Invariant: anyWithin is false only if no key k satisfies min <= k <= max in code point order; bounds that
// are not valid UTF-8 (truncated statistics) answer true (cannot tell).

const SURROGATE = /[\uD800-\uDFFF]/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

type Compare = (a: string, b: string) => number;
const byCodeUnit: Compare = (a, b) => (a < b ? -1 : a > b ? 1 : 0);

function byCodePoint(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const x = a.codePointAt(i)!;
    const y = b.codePointAt(j)!;
    if (x !== y) return x < y ? -1 : 1;
    i += x > 0xffff ? 2 : 1;
    j += y > 0xffff ? 2 : 1;
  }
  // One is a prefix of the other: the one with code points left sorts last.
  return (i < a.length ? 1 : 0) - (j < b.length ? 1 : 0);
}

export class KeyProbe {
  private readonly keys: string[];
  private readonly surrogates: boolean;

  constructor(keys: Iterable<string>) {
    this.keys = [...keys];
    this.surrogates = this.keys.some((k) => SURROGATE.test(k));
    if (this.surrogates) this.keys.sort(byCodePoint);
    else this.keys.sort();
  }

  get size(): number {
    return this.keys.length;
  }

  /** Whether some key lies within [min, max] (statistics bytes), or the bounds cannot be read. */
  anyWithin(minBytes: Uint8Array, maxBytes: Uint8Array): boolean {
    let min: string;
    let max: string;
    try {
      min = utf8.decode(minBytes);
      max = utf8.decode(maxBytes);
    } catch {
      return true;
    }
    // Keys without surrogates are sorted alike in both orders, so one binary search serves.
    const cmp = this.surrogates || SURROGATE.test(min) || SURROGATE.test(max) ? byCodePoint : byCodeUnit;
    let lo = 0;
    let hi = this.keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cmp(this.keys[mid]!, min) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo < this.keys.length && cmp(this.keys[lo]!, max) <= 0;
  }
}
