// The index entries of a base file's Parquet footer, written and read exactly as Hudi does
// (HoodieBloomFilterWriteSupport.finalizeMetadata on write, FileFormatUtils.readBloomFilterFromMetadata and
// readMinMaxRecordKeys on read), so Spark's BLOOM index finds the keys we wrote and we find the keys Spark wrote.
// Invariants: every record key of the file is in the filter and inside [min, max]; the type code key is
// written only for dynamic filters (Hudi's rule); a file without keys carries the filter but no min/max.

import type { BloomFilter } from '../table/collaborators';
import { HUDI_BLOOM_FILTER_DEFAULTS, HudiBloomFilter, type BloomFilterOptions, type BloomFilterTypeCode } from './bloom-filter';
import { RecordKeyRange } from './key-range';

export const BLOOM_FILTER_FOOTER_KEY = 'org.apache.hudi.bloomfilter';
/** Written by releases before Hudi moved to Apache; still read as a fallback. */
export const OLD_BLOOM_FILTER_FOOTER_KEY = 'com.uber.hoodie.bloomfilter';
export const BLOOM_FILTER_TYPE_CODE_FOOTER_KEY = 'hoodie_bloom_filter_type_code';
export const MIN_RECORD_KEY_FOOTER_KEY = 'hoodie_min_record_key';
export const MAX_RECORD_KEY_FOOTER_KEY = 'hoodie_max_record_key';
/**
 * Tributary's own key (Hudi's readers ignore it): how many keys the bloom filter holds that the file no longer
 * does. A merge that carries row groups over continues the previous slice's filter and key range instead of
 * hashing every kept key again, and adds the keys it removed here; 0 when the filter was built from exactly
 * the file's keys. Stale keys can only cause false positives, which every reader of the index confirms.
 */
export const STALE_KEYS_FOOTER_KEY = 'tributary_bloom_stale_keys';

export type FooterKeyValues = Readonly<Record<string, string | undefined>> | ReadonlyMap<string, string>;

function get(kv: FooterKeyValues, key: string): string | undefined {
  return kv instanceof Map ? kv.get(key) : (kv as Readonly<Record<string, string | undefined>>)[key];
}

/** Collects the keys of one base file while it is written; `footer()` gives the key-values to store. */
export class FooterIndexWriter {
  readonly filter: BloomFilter;
  readonly range = new RecordKeyRange();
  /** Keys in the filter that the file does not hold (STALE_KEYS_FOOTER_KEY). */
  stale = 0;

  /** A new filter of `type`, or the given (empty) one, e.g. from the writer's BloomFilterFactory. */
  constructor(type: BloomFilterTypeCode | BloomFilter = HUDI_BLOOM_FILTER_DEFAULTS.type, options: BloomFilterOptions = HUDI_BLOOM_FILTER_DEFAULTS) {
    this.filter = typeof type === 'string' ? HudiBloomFilter.create(type, options) : type;
  }

  /** Continues a previous file's filter, key range and stale count (see STALE_KEYS_FOOTER_KEY). */
  static continuing(previous: { filter: BloomFilter; min: string; max: string; stale: number }): FooterIndexWriter {
    const w = new FooterIndexWriter(previous.filter);
    w.range.add(previous.min);
    w.range.add(previous.max);
    w.stale = previous.stale;
    return w;
  }

  addKey(recordKey: string): void {
    this.filter.add(recordKey);
    this.range.add(recordKey);
  }

  footer(): Record<string, string> {
    const out: Record<string, string> = { [BLOOM_FILTER_FOOTER_KEY]: this.filter.serialize() };
    if (this.filter.typeCode.includes('DYNAMIC')) out[BLOOM_FILTER_TYPE_CODE_FOOTER_KEY] = this.filter.typeCode;
    if (this.range.min !== undefined && this.range.max !== undefined) {
      out[MIN_RECORD_KEY_FOOTER_KEY] = this.range.min;
      out[MAX_RECORD_KEY_FOOTER_KEY] = this.range.max;
    }
    out[STALE_KEYS_FOOTER_KEY] = String(this.stale);
    return out;
  }
}

/** The file's bloom filter, or undefined when the footer has none (then every key must be checked by reading). */
export function readFooterBloomFilter(kv: FooterKeyValues): HudiBloomFilter | undefined {
  const value = get(kv, BLOOM_FILTER_FOOTER_KEY) ?? get(kv, OLD_BLOOM_FILTER_FOOTER_KEY);
  if (value === undefined) return undefined;
  return HudiBloomFilter.deserialize(value, get(kv, BLOOM_FILTER_TYPE_CODE_FOOTER_KEY) ?? 'SIMPLE');
}

/** The file's key range, or undefined unless both min and max are present. */
export function readFooterKeyRange(kv: FooterKeyValues): RecordKeyRange | undefined {
  const min = get(kv, MIN_RECORD_KEY_FOOTER_KEY);
  const max = get(kv, MAX_RECORD_KEY_FOOTER_KEY);
  return min === undefined || max === undefined ? undefined : new RecordKeyRange(min, max);
}
