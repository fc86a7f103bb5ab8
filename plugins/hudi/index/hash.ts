// The two hash functions Hudi's bloom filters can name in their serialized header (hash type 0 = Jenkins,
// 1 = Murmur), with Hudi's exact arithmetic: they decide which bits a key sets, so any deviation makes a
// filter Spark reads answer "absent" for keys that are present.
// Invariants: inputs are bytes (a key's UTF-8 encoding, see java-utf8.ts); results are signed 32-bit ints,
// as Java's `int`. Hudi creates every filter with Murmur; Jenkins exists only to read old-format filters.

export const JENKINS_HASH = 0;
export const MURMUR_HASH = 1;
export type HashType = typeof JENKINS_HASH | typeof MURMUR_HASH;

/**
 * Hudi's MurmurHash (a MurmurHash2 variant): four-byte blocks little-endian, but the 1–3 trailing bytes are
 * folded in *reverse* order compared with reference MurmurHash2 and are sign-extended (Java `byte` → `int`)
 * before shifting. Both quirks change the result for most keys, so they are kept deliberately.
 */
export function murmurHash(data: Uint8Array, length: number, seed: number): number {
  const m = 0x5bd1e995;
  let h = (seed ^ length) | 0;
  const blocks = length >> 2;
  let i = 0;
  for (let b = 0; b < blocks; b++, i += 4) {
    let k = data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24);
    k = Math.imul(k, m);
    k ^= k >>> 24;
    k = Math.imul(k, m);
    h = Math.imul(h, m) ^ k;
  }
  const left = length - (blocks << 2);
  if (left !== 0) {
    // The first remaining byte lands highest: data[length-3] << 16, data[length-2] << 8, data[length-1].
    if (left >= 3) h ^= ((data[length - 3]! << 24) >> 24) << 16;
    if (left >= 2) h ^= ((data[length - 2]! << 24) >> 24) << 8;
    h ^= (data[length - 1]! << 24) >> 24;
    h = Math.imul(h, m);
  }
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return h | 0;
}

/** Bob Jenkins' lookup3 `hashlittle`, as Hudi's (Hadoop's) JenkinsHash computes it. */
export function jenkinsHash(key: Uint8Array, nbytes: number, initval: number): number {
  let length = nbytes;
  let a = (0xdeadbeef + length + initval) | 0;
  let b = a;
  let c = a;
  let o = 0;
  const rot = (v: number, s: number): number => (v << s) | (v >>> (32 - s));
  for (; length > 12; o += 12, length -= 12) {
    a = (a + (key[o]! | (key[o + 1]! << 8) | (key[o + 2]! << 16) | (key[o + 3]! << 24))) | 0;
    b = (b + (key[o + 4]! | (key[o + 5]! << 8) | (key[o + 6]! << 16) | (key[o + 7]! << 24))) | 0;
    c = (c + (key[o + 8]! | (key[o + 9]! << 8) | (key[o + 10]! << 16) | (key[o + 11]! << 24))) | 0;
    // mix(a, b, c)
    a = (a - c) | 0; a ^= rot(c, 4); c = (c + b) | 0;
    b = (b - a) | 0; b ^= rot(a, 6); a = (a + c) | 0;
    c = (c - b) | 0; c ^= rot(b, 8); b = (b + a) | 0;
    a = (a - c) | 0; a ^= rot(c, 16); c = (c + b) | 0;
    b = (b - a) | 0; b ^= rot(a, 19); a = (a + c) | 0;
    c = (c - b) | 0; c ^= rot(b, 4); b = (b + a) | 0;
  }
  if (length === 0) return c | 0;
  // The tail: bytes o..o+length-1, little-endian into a, then b, then c.
  let ta = 0;
  let tb = 0;
  let tc = 0;
  for (let j = 0; j < length; j++) {
    const v = key[o + j]! << ((j & 3) * 8);
    if (j < 4) ta |= v;
    else if (j < 8) tb |= v;
    else tc |= v;
  }
  a = (a + ta) | 0;
  b = (b + tb) | 0;
  c = (c + tc) | 0;
  // final(a, b, c)
  c ^= b; c = (c - rot(b, 14)) | 0;
  a ^= c; a = (a - rot(c, 11)) | 0;
  b ^= a; b = (b - rot(a, 25)) | 0;
  c ^= b; c = (c - rot(b, 16)) | 0;
  a ^= c; a = (a - rot(c, 4)) | 0;
  b ^= a; b = (b - rot(a, 14)) | 0;
  c ^= b; c = (c - rot(b, 24)) | 0;
  return c | 0;
}

export function hashFunction(type: number): ((data: Uint8Array, length: number, seed: number) => number) | undefined {
  if (type === MURMUR_HASH) return murmurHash;
  if (type === JENKINS_HASH) return jenkinsHash;
  return undefined;
}
