// The bytes Hudi hashes for a record key: Java's `String.getBytes(StandardCharsets.UTF_8)`.
// Invariant: identical to the WHATWG UTF-8 encoder (TextEncoder, Buffer.from) for every well-formed string;
// they differ only on a lone surrogate, which Java replaces with '?' (0x3F) and TextEncoder with U+FFFD
// (EF BF BD). Keys must hash to Java's bytes, so this encoder follows Java.

/** Writes `s` as Java would encode it into `out` from offset 0; returns the byte count, or -1 if `out` is too small. */
export function encodeJavaUtf8Into(s: string, out: Uint8Array): number {
  const n = s.length;
  const cap = out.length;
  let p = 0;
  for (let i = 0; i < n; i++) {
    let c = s.charCodeAt(i);
    if (c < 0x80) {
      if (p >= cap) return -1;
      out[p++] = c;
    } else if (c < 0x800) {
      if (p + 2 > cap) return -1;
      out[p++] = 0xc0 | (c >> 6);
      out[p++] = 0x80 | (c & 0x3f);
    } else if (c >= 0xd800 && c <= 0xdfff) {
      const next = i + 1 < n ? s.charCodeAt(i + 1) : 0;
      if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        if (p + 4 > cap) return -1;
        c = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
        i++;
        out[p++] = 0xf0 | (c >> 18);
        out[p++] = 0x80 | ((c >> 12) & 0x3f);
        out[p++] = 0x80 | ((c >> 6) & 0x3f);
        out[p++] = 0x80 | (c & 0x3f);
      } else {
        if (p >= cap) return -1;
        out[p++] = 0x3f; // lone surrogate: Java's replacement byte '?'
      }
    } else {
      if (p + 3 > cap) return -1;
      out[p++] = 0xe0 | (c >> 12);
      out[p++] = 0x80 | ((c >> 6) & 0x3f);
      out[p++] = 0x80 | (c & 0x3f);
    }
  }
  return p;
}

/** Java's UTF-8 bytes of `s` in a new array. */
export function javaUtf8Bytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length * 3);
  return out.subarray(0, encodeJavaUtf8Into(s, out));
}
