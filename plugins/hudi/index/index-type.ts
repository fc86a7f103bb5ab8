// Hudi's index types this writer implements. BLOOM and SIMPLE look a key up in its own partition (the
// same key in two partitions is two records); the GLOBAL_ ones look it up table-wide (one record per key,
// moved when its partition value changes). BLOOM prunes base files by footer key ranges and bloom filters
// before confirming in the key column; SIMPLE reads the key column of every candidate file. BUCKET looks
// nothing up: a key's hash names its file group within its partition (bucket-index.ts).

export type IndexType = 'BLOOM' | 'GLOBAL_BLOOM' | 'SIMPLE' | 'GLOBAL_SIMPLE' | 'BUCKET';

export function isGlobalIndex(t: IndexType): boolean {
  return t === 'GLOBAL_BLOOM' || t === 'GLOBAL_SIMPLE';
}

export function usesBloomFilters(t: IndexType): boolean {
  return t === 'BLOOM' || t === 'GLOBAL_BLOOM';
}

export function isBucketIndex(t: IndexType): boolean {
  return t === 'BUCKET';
}
