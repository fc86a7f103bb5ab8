// Small seeded pseudo-random numbers: a 32-bit integer hash to derive an independent stream from
// (seed, sequence number, purpose), and mulberry32 to draw from it. No Math.random anywhere, so a
// generated sequence depends on its seed and nothing else, on every platform.

/** lowbias32 (Chris Wellons): a well-mixed 32-bit integer hash. */
export function hash32(x: number): number {
  x = (x ^ (x >>> 16)) >>> 0;
  x = Math.imul(x, 0x7feb352d);
  x = (x ^ (x >>> 15)) >>> 0;
  x = Math.imul(x, 0x846ca68b);
  x = (x ^ (x >>> 16)) >>> 0;
  return x;
}

/** A 32-bit state for (seed, n, stream): any safe integers; n may exceed 2^32. */
export function streamState(seed: number, n: number, stream: number): number {
  const seedLo = seed >>> 0;
  const seedHi = Math.floor(seed / 4294967296) >>> 0;
  const nLo = n >>> 0;
  const nHi = Math.floor(n / 4294967296) >>> 0;
  let h = hash32(seedLo ^ hash32(seedHi ^ 0x9e3779b9));
  h = hash32(h ^ Math.imul(stream + 1, 0x85ebca6b));
  h = hash32(h ^ nLo);
  return hash32(h ^ hash32(nHi + 0x632be5ab));
}

/** mulberry32: a fast 32-bit generator with a 2^32 period, plenty for the few draws per record. */
export class Mulberry32 {
  private state: number;

  constructor(state: number) {
    this.state = state >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Uniform integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)] as T;
  }
}

/** The generator for one (seed, n, stream). */
export function rngFor(seed: number, n: number, stream: number): Mulberry32 {
  return new Mulberry32(streamState(seed, n, stream));
}
