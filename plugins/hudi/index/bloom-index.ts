// Finds the file group holding a record key without scanning the table: per base file, the key range
// and bloom filter from its Parquet footer prune the candidates; only candidate files have their key
// column read to confirm. Footer facts and key sets are cached per base file, and the writer registers
// the files it writes, so a steady stream of upserts reads each file's footer at most once.

import type { ColumnSpec } from '../parquet/column-spec';
import type { Storage } from '../storage/storage';
import type { BaseFile } from '../table/base-file';
import type { BloomFilter, BloomFilterFactory, ParquetCodec } from '../table/collaborators';

export const BLOOM_FILTER_KEY = 'org.apache.hudi.bloomfilter';
export const BLOOM_TYPE_KEY = 'hoodie_bloom_filter_type_code';
export const MIN_KEY = 'hoodie_min_record_key';
export const MAX_KEY = 'hoodie_max_record_key';

const RECORD_KEY_COLUMN: ColumnSpec = { name: '_hoodie_record_key', type: { kind: 'string' }, nullable: true };

interface FileFacts {
  min: string;
  max: string;
  bloom: BloomFilter | undefined;
}

export class BloomIndex {
  private readonly facts = new Map<string, FileFacts>();
  private readonly keySets = new Map<string, Set<string>>();
  /** Bound on cached key sets (files); older entries are dropped first. */
  private readonly maxKeySets = 64;

  constructor(
    private readonly storage: Storage,
    private readonly codec: ParquetCodec,
    private readonly blooms: BloomFilterFactory,
  ) {}

  /** Registers a file this writer has just written (no need to read it back). */
  remember(path: string, keys: Set<string>, min: string, max: string, bloom: BloomFilter): void {
    this.facts.set(path, { min, max, bloom });
    this.cacheKeys(path, keys);
  }

  forget(path: string): void {
    this.facts.delete(path);
    this.keySets.delete(path);
  }

  /** For each key, the file (among `files`) that holds it, if any. Without `pruning` (the SIMPLE index) every
   *  file's key column is read; with it footers' key ranges and bloom filters rule files out first. */
  async locate(keys: Iterable<string>, files: BaseFile[], pruning = true): Promise<Map<string, BaseFile>> {
    const found = new Map<string, BaseFile>();
    if (files.length === 0) return found;
    if (!pruning) {
      const wanted = [...keys];
      for (const file of files) {
        const set = await this.keysOf(file);
        for (const k of wanted) if (set.has(k)) found.set(k, file);
      }
      return found;
    }
    const facts = await Promise.all(files.map((f) => this.factsOf(f)));
    const candidates = new Map<BaseFile, string[]>();
    for (const key of keys) {
      for (let i = 0; i < files.length; i++) {
        const f = facts[i]!;
        if (key < f.min || key > f.max) continue;
        if (f.bloom && !f.bloom.mightContain(key)) continue;
        let list = candidates.get(files[i]!);
        if (!list) candidates.set(files[i]!, (list = []));
        list.push(key);
      }
    }
    for (const [file, keysInRange] of candidates) {
      const set = await this.keysOf(file);
      for (const k of keysInRange) if (set.has(k)) found.set(k, file);
    }
    return found;
  }

  private async factsOf(file: BaseFile): Promise<FileFacts> {
    const known = this.facts.get(file.path);
    if (known) return known;
    const data = await this.storage.readFile(file.path);
    const { keyValueMetadata: kv } = await this.codec.footer(data);
    let facts: FileFacts;
    if (kv[MIN_KEY] !== undefined && kv[MAX_KEY] !== undefined) {
      const serialized = kv[BLOOM_FILTER_KEY];
      facts = { min: kv[MIN_KEY]!, max: kv[MAX_KEY]!, bloom: serialized ? this.blooms.deserialize(serialized, kv[BLOOM_TYPE_KEY] ?? 'SIMPLE') : undefined };
    } else {
      // A file without index footers (another writer's): derive the range from its keys.
      const keys = await this.readKeys(data);
      this.cacheKeys(file.path, keys);
      const sorted = [...keys].sort();
      facts = { min: sorted[0] ?? '', max: sorted[sorted.length - 1] ?? '', bloom: undefined };
    }
    this.facts.set(file.path, facts);
    return facts;
  }

  private async keysOf(file: BaseFile): Promise<Set<string>> {
    const cached = this.keySets.get(file.path);
    if (cached) return cached;
    const keys = await this.readKeys(await this.storage.readFile(file.path));
    this.cacheKeys(file.path, keys);
    return keys;
  }

  private async readKeys(data: Uint8Array): Promise<Set<string>> {
    const rows = await this.codec.decode(data, [RECORD_KEY_COLUMN]);
    return new Set(rows.map((r) => String(r['_hoodie_record_key'])));
  }

  private cacheKeys(path: string, keys: Set<string>): void {
    this.keySets.delete(path);
    this.keySets.set(path, keys);
    while (this.keySets.size > this.maxKeySets) this.keySets.delete(this.keySets.keys().next().value!);
  }
}
