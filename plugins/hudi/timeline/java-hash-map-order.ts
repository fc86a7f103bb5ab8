// The iteration order of a java.util.HashMap, for writing Avro maps in the order Hudi's Java code re-encodes them.
// Avro's reader decodes a map of n entries into `new HashMap<>(n)`; entries come out by bucket
// ((h ^ h >>> 16) & (capacity - 1), h = String.hashCode), ties in insertion order, so this order is a fixed point.

/** java.lang.String.hashCode: over UTF-16 code units, 32-bit wrap-around. */
export function javaStringHash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(31, h) + s.charCodeAt(i)) | 0;
  return h;
}

/** The table size `new HashMap<>(n)` ends with after n puts (tableSizeFor, then resizes past 0.75). */
function capacityFor(n: number): number {
  let cap = 1;
  while (cap < n) cap *= 2;
  while (n > Math.floor(cap * 0.75)) cap *= 2;
  return cap;
}

/** The keys in the order a HashMap sized for them iterates them (buckets of more than 8 keys aside: Java treeifies those). */
export function javaHashMapOrder(keys: readonly string[]): string[] {
  const mask = capacityFor(keys.length) - 1;
  const bucket = (k: string): number => {
    const h = javaStringHash(k);
    return (h ^ (h >>> 16)) & mask;
  };
  return keys
    .map((k, i) => ({ k, i, b: bucket(k) }))
    .sort((x, y) => x.b - y.b || x.i - y.i)
    .map((e) => e.k);
}

/**
 * A copy of a string-keyed map with its entries in javaHashMapOrder. JS objects keep insertion order except for
 * integer-like keys ("2024"), which always come first: such maps still decode equal, only their bytes may differ.
 */
export function inJavaHashMapOrder<V>(map: Readonly<Record<string, V>>): Record<string, V> {
  const out: Record<string, V> = {};
  for (const k of javaHashMapOrder(Object.keys(map))) out[k] = map[k]!;
  return out;
}

interface TypeShape {
  typeName: string;
  types?: TypeShape[];
  fields?: { name: string; type: TypeShape }[];
  valuesType?: TypeShape;
  itemsType?: TypeShape;
  isValid(v: unknown): boolean;
}

/**
 * A copy of an Avro value (avsc, unions unwrapped) with every map in javaHashMapOrder: the order in which Java code
 * re-encodes a record that Avro's SpecificDatumReader decoded (each map a `new HashMap<>(n)`).
 */
export function withJavaMapOrder<T>(type: unknown, value: T): T {
  const walk = (t: TypeShape, v: unknown): unknown => {
    if (v === null || v === undefined) return v;
    if (t.types) {
      const branch = t.types.find((b) => b.typeName !== 'null' && b.isValid(v));
      return branch ? walk(branch, v) : v;
    }
    if (t.fields) {
      const out: Record<string, unknown> = { ...(v as Record<string, unknown>) };
      for (const f of t.fields) out[f.name] = walk(f.type, out[f.name]);
      return out;
    }
    if (t.valuesType) {
      const m = inJavaHashMapOrder(v as Record<string, unknown>);
      for (const k of Object.keys(m)) m[k] = walk(t.valuesType, m[k]);
      return m;
    }
    if (t.itemsType) return (v as unknown[]).map((x) => walk(t.itemsType!, x));
    return v;
  };
  return walk(type as TypeShape, value) as T;
}
