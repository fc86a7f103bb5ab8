import { describe, expect, it } from 'vitest';
import { HudiBloomFilter } from '../../../../../plugins/hudi/index/bloom-filter';
import {
  BLOOM_FILTER_FOOTER_KEY,
  BLOOM_FILTER_TYPE_CODE_FOOTER_KEY,
  FooterIndexWriter,
  MAX_RECORD_KEY_FOOTER_KEY,
  MIN_RECORD_KEY_FOOTER_KEY,
  STALE_KEYS_FOOTER_KEY,
  OLD_BLOOM_FILTER_FOOTER_KEY,
  readFooterBloomFilter,
  readFooterKeyRange,
} from '../../../../../plugins/hudi/index/footer-index';

describe('FooterIndexWriter', () => {
  it('writes the filter, the type code for a dynamic filter, and min/max, as Hudi names them, and our stale-key count', () => {
    const w = new FooterIndexWriter();
    for (const k of ['k3', 'k1', 'k2']) w.addKey(k);
    const footer = w.footer();
    expect(Object.keys(footer).sort()).toEqual(
      [BLOOM_FILTER_FOOTER_KEY, BLOOM_FILTER_TYPE_CODE_FOOTER_KEY, MAX_RECORD_KEY_FOOTER_KEY, MIN_RECORD_KEY_FOOTER_KEY, STALE_KEYS_FOOTER_KEY].sort(),
    );
    expect(footer[STALE_KEYS_FOOTER_KEY]).toBe('0');
    expect(BLOOM_FILTER_FOOTER_KEY).toBe('org.apache.hudi.bloomfilter');
    expect(footer[BLOOM_FILTER_TYPE_CODE_FOOTER_KEY]).toBe('DYNAMIC_V0');
    expect(footer[MIN_RECORD_KEY_FOOTER_KEY]).toBe('k1');
    expect(footer[MAX_RECORD_KEY_FOOTER_KEY]).toBe('k3');
  });

  it('a SIMPLE filter carries no type code (Hudi reads its absence as SIMPLE)', () => {
    const w = new FooterIndexWriter('SIMPLE', { numEntries: 100, fpp: 0.001 });
    w.addKey('a');
    const footer = w.footer();
    expect(footer[BLOOM_FILTER_TYPE_CODE_FOOTER_KEY]).toBeUndefined();
    const read = readFooterBloomFilter(footer)!;
    expect(read.typeCode).toBe('SIMPLE');
    expect(read.mightContain('a')).toBe(true);
  });

  it('a file without keys carries the filter but no min/max', () => {
    const footer = new FooterIndexWriter().footer();
    expect(footer[BLOOM_FILTER_FOOTER_KEY]).toBeDefined();
    expect(footer[MIN_RECORD_KEY_FOOTER_KEY]).toBeUndefined();
    expect(readFooterKeyRange(footer)).toBeUndefined();
  });
});

describe('reading footers', () => {
  it('reads what the writer wrote, from a record or a Map', () => {
    const w = new FooterIndexWriter();
    for (let i = 0; i < 1000; i++) w.addKey(`key-${i}`);
    const footer = w.footer();
    for (const kv of [footer, new Map(Object.entries(footer))]) {
      const filter = readFooterBloomFilter(kv)!;
      expect(filter.typeCode).toBe('DYNAMIC_V0');
      for (let i = 0; i < 1000; i++) expect(filter.mightContain(`key-${i}`)).toBe(true);
      const range = readFooterKeyRange(kv)!;
      expect([range.min, range.max]).toEqual(['key-0', 'key-999']);
    }
  });

  it('falls back to the old com.uber.hoodie key and returns undefined without a filter', () => {
    const f = HudiBloomFilter.create('SIMPLE', { numEntries: 10, fpp: 0.01 });
    f.add('x');
    expect(readFooterBloomFilter({ [OLD_BLOOM_FILTER_FOOTER_KEY]: f.serialize() })!.mightContain('x')).toBe(true);
    expect(readFooterBloomFilter({ 'parquet.avro.schema': '{}' })).toBeUndefined();
  });
});
