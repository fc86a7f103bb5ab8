// Finds the file group holding a record key without scanning the table: per base file, the key range
// and bloom filter from its Parquet footer prune the candidates; only candidate files have their key
// column read (a row group at a time) to confirm. Memory is bounded, not grown with the table: key ranges
// are kept for every file (two strings each), bloom filters (~300 KB each at Hudi's defaults) and key sets
// only for the most recently used files, within fixed budgets; what falls out is read again when needed.

import { BaseFileReader, readFileTail } from '../file-group/base-file-reader';
import { KeyProbe } from '../file-group/key-probe';
import { BLOOM_FILTER_FOOTER_KEY, BLOOM_FILTER_TYPE_CODE_FOOTER_KEY, MAX_RECORD_KEY_FOOTER_KEY, MIN_RECORD_KEY_FOOTER_KEY } from './footer-index';
import type { Storage } from '../storage/storage';
import type { BaseFile } from '../table/base-file';
import { RecordKeyRange } from './key-range';
import { RECORD_KEY_COLUMN } from '../table/meta-columns';
import type { BloomFilter, BloomFilterFactory, ParquetCodec } from '../table/collaborators';



interface KeyRange {
  min: string;
  max: string;
  /** The footer carries no bloom filter (another writer's file): every in-range key is confirmed. */
  noBloom: boolean;
}

/** Budgets of the caches (see the module comment). */
export interface BloomIndexLimits {
  /** Bloom filters kept deserialized (default 64, about 20 MB at Hudi's default filter size). */
  maxBlooms?: number;
  /** Record keys kept in cached key sets, all files together (default 200,000). */
  maxCachedKeys?: number;
}

export class BloomIndex {
  private readonly ranges = new Map<string, KeyRange>();
  private readonly blooms = new Map<string, BloomFilter>();
  private readonly keySets = new Map<string, Set<string>>();
  private cachedKeys = 0;
  private readonly maxBlooms: number;
  private readonly maxCachedKeys: number;

  constructor(
    private readonly storage: Storage,
    private readonly codec: ParquetCodec,
    private readonly bloomFactory: BloomFilterFactory,
    limits: BloomIndexLimits = {},
  ) {
    this.maxBlooms = limits.maxBlooms ?? 64;
    this.maxCachedKeys = limits.maxCachedKeys ?? 200_000;
  }

  /** Registers a file this writer has just written (no need to read its footer back). */
  remember(path: string, min: string, max: string, bloom: BloomFilter): void {
    this.ranges.set(path, { min, max, noBloom: false });
    touch(this.blooms, path, bloom, this.maxBlooms);
  }

  forget(path: string): void {
    this.ranges.delete(path);
    this.blooms.delete(path);
    this.dropKeys(path);
  }

  /** For each key, the file (among `files`) that holds it, if any. Without `pruning` (the SIMPLE index) every
   *  file's key column is read; with it footers' key ranges and bloom filters rule files out first. */
  async locate(keys: Iterable<string>, files: BaseFile[], pruning = true): Promise<Map<string, BaseFile>> {
    const found = new Map<string, BaseFile>();
    if (files.length === 0) return found;
    if (!pruning) {
      const wanted = new Set(keys);
      for (const file of files) for (const k of await this.keysIn(file, wanted)) found.set(k, file);
      return found;
    }
    const candidates = new Map<BaseFile, Set<string>>();
    const all = [...keys];
    for (const file of files) {
      const r = await this.rangeOf(file);
      let inRange: string[] | undefined;
      for (const key of all) {
        if (key < r.min || key > r.max) continue;
        (inRange ??= []).push(key);
      }
      if (!inRange) continue;
      // The filter is only fetched for files some key falls into the range of.
      const bloom = r.noBloom ? undefined : await this.bloomOf(file);
      const maybe = bloom ? inRange.filter((k) => bloom.mightContain(k)) : inRange;
      if (maybe.length > 0) candidates.set(file, new Set(maybe));
    }
    for (const [file, maybe] of candidates) for (const k of await this.keysIn(file, maybe)) found.set(k, file);
    return found;
  }

  private async rangeOf(file: BaseFile): Promise<KeyRange> {
    const known = this.ranges.get(file.path);
    if (known) return known;
    const kv = await this.readFooter(file);
    let range: KeyRange;
    if (kv[MIN_RECORD_KEY_FOOTER_KEY] !== undefined && kv[MAX_RECORD_KEY_FOOTER_KEY] !== undefined) {
      range = { min: kv[MIN_RECORD_KEY_FOOTER_KEY]!, max: kv[MAX_RECORD_KEY_FOOTER_KEY]!, noBloom: kv[BLOOM_FILTER_FOOTER_KEY] === undefined };
    } else {
      // A file without index footers (another writer's, or one with no rows): derive the range from its keys.
      const r = new RecordKeyRange();
      for (const k of await this.keysIn(file)) r.add(k);
      range = { min: r.min ?? '', max: r.max ?? '', noBloom: true };
    }
    this.ranges.set(file.path, range);
    return range;
  }

  private async bloomOf(file: BaseFile): Promise<BloomFilter | undefined> {
    const cached = this.blooms.get(file.path);
    if (cached) return touch(this.blooms, file.path, cached, this.maxBlooms);
    await this.readFooter(file);
    return this.blooms.get(file.path);
  }

  /** The file's footer key-values (one ranged read of its tail); its bloom filter, if any, goes into the cache. */
  private async readFooter(file: BaseFile): Promise<Record<string, string>> {
    const { keyValueMetadata: kv } = await this.codec.footer(await readFileTail(this.storage, file.path, file.size));
    const serialized = kv[BLOOM_FILTER_FOOTER_KEY];
    if (serialized) touch(this.blooms, file.path, this.bloomFactory.deserialize(serialized, kv[BLOOM_FILTER_TYPE_CODE_FOOTER_KEY] ?? 'SIMPLE'), this.maxBlooms);
    return kv;
  }

  /** The keys of `wanted` the file holds (all its keys without `wanted`), reading its key column a row
   *  group at a time. A file whose keys fit the budget is read whole and keeps its key set cached; of a
   *  larger one only the row groups whose key statistics may hold a wanted key are read. */
  private async keysIn(file: BaseFile, wanted?: Set<string>): Promise<string[]> {
    const cached = this.keySets.get(file.path);
    if (cached) {
      touch(this.keySets, file.path, cached, Infinity);
      return wanted ? [...wanted].filter((k) => cached.has(k)) : [...cached];
    }
    const reader = await BaseFileReader.open(this.storage, this.codec, file.path, file.size);
    const keep = reader.numRows <= this.maxCachedKeys / 4 ? new Set<string>() : undefined;
    const out: string[] = [];
    const batches = keep || !wanted ? reader.batches([RECORD_KEY_COLUMN]) : reader.batchesHolding(new KeyProbe(wanted), [RECORD_KEY_COLUMN]);
    for await (const rows of batches) {
      for (const r of rows) {
        const k = String(r['_hoodie_record_key']);
        keep?.add(k);
        if (!wanted || wanted.has(k)) out.push(k);
      }
    }
    if (keep) {
      this.keySets.set(file.path, keep);
      this.cachedKeys += keep.size;
      while (this.cachedKeys > this.maxCachedKeys && this.keySets.size > 0) this.dropKeys(this.keySets.keys().next().value!);
    }
    return out;
  }

  private dropKeys(path: string): void {
    const set = this.keySets.get(path);
    if (!set) return;
    this.cachedKeys -= set.size;
    this.keySets.delete(path);
  }
}

/** Marks `key` most recently used in an insertion-ordered map, evicting the oldest beyond `max`. */
function touch<V>(m: Map<string, V>, key: string, value: V, max: number): V {
  m.delete(key);
  m.set(key, value);
  while (m.size > max) m.delete(m.keys().next().value!);
  return value;
}
