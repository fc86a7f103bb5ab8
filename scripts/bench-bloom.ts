// Benchmark of the Hudi bloom filter the index writes into every base file footer, with Hudi's default
// parameters (DYNAMIC_V0, 60000 entries per row, fpp 1e-9, at most 100000 entries before round-robin):
//   per-file: N keys (default 1,000,000) spread over files of F keys (default 125,000), as one commit writes
//             them — add + min/max, footer serialization, lookups of present and absent keys;
//   one filter: all N keys in a single filter (the worst case for one call site; past ~120,000 keys the
//             filter saturates, so its false-positive rate is meaningless there).
// Usage: npx tsc -p . && node dist/scripts/bench-bloom.js [N] [F]

import { randomUUID } from 'node:crypto';
import { HUDI_BLOOM_FILTER_DEFAULTS, HudiBloomFilter } from '../plugins/hudi/index/bloom-filter';
import { FooterIndexWriter, readFooterBloomFilter } from '../plugins/hudi/index/footer-index';

function rate(n: number, ms: number): string {
  return `${Math.round((n / ms) * 1000).toLocaleString('en-US')}/s`.padStart(12);
}

function perFile(keys: string[], absent: string[], perFileKeys: number, print: boolean): void {
  let t = performance.now();
  const writers: FooterIndexWriter[] = [];
  for (let i = 0; i < keys.length; i += perFileKeys) {
    const w = new FooterIndexWriter();
    const end = Math.min(keys.length, i + perFileKeys);
    for (let j = i; j < end; j++) w.addKey(keys[j]!);
    writers.push(w);
  }
  const addMs = performance.now() - t;

  t = performance.now();
  const footers = writers.map((w) => w.footer());
  const footerMs = performance.now() - t;
  const footerChars = footers.reduce((sum, f) => sum + Object.values(f).reduce((s, v) => s + v.length, 0), 0);

  t = performance.now();
  const filters = footers.map((f) => readFooterBloomFilter(f)!);
  const readMs = performance.now() - t;

  t = performance.now();
  let hits = 0;
  for (let i = 0; i < keys.length; i++) if (filters[Math.floor(i / perFileKeys)]!.mightContain(keys[i]!)) hits++;
  const hitMs = performance.now() - t;

  t = performance.now();
  let falsePositives = 0;
  for (const k of absent) for (const f of filters) if (f.mightContain(k)) falsePositives++;
  const missMs = performance.now() - t;
  const probes = absent.length * filters.length;

  if (!print) return;
  console.log(`per file: ${keys.length.toLocaleString('en-US')} keys in ${writers.length} files of up to ${perFileKeys.toLocaleString('en-US')} keys`);
  console.log(`  add + min/max        ${addMs.toFixed(0).padStart(6)} ms ${rate(keys.length, addMs)}`);
  console.log(`  footer() (base64)    ${footerMs.toFixed(0).padStart(6)} ms  ${footerChars.toLocaleString('en-US')} chars, ${filters[0]!.rowCount} row(s) in a full file`);
  console.log(`  read footers         ${readMs.toFixed(0).padStart(6)} ms`);
  console.log(`  mightContain hit     ${hitMs.toFixed(0).padStart(6)} ms ${rate(keys.length, hitMs)}  (${hits} of ${keys.length} found)`);
  console.log(`  mightContain miss    ${missMs.toFixed(0).padStart(6)} ms ${rate(probes, missMs)}  (${falsePositives} false positives in ${probes.toLocaleString('en-US')} probes)`);
}

function oneFilter(keys: string[], print: boolean): void {
  const filter = HudiBloomFilter.create(HUDI_BLOOM_FILTER_DEFAULTS.type, HUDI_BLOOM_FILTER_DEFAULTS);
  let t = performance.now();
  for (const k of keys) filter.add(k);
  const addMs = performance.now() - t;
  t = performance.now();
  let hits = 0;
  for (const k of keys) if (filter.mightContain(k)) hits++;
  const hitMs = performance.now() - t;
  t = performance.now();
  const value = filter.serialize();
  const serializeMs = performance.now() - t;
  if (!print) return;
  console.log(`one filter: ${keys.length.toLocaleString('en-US')} keys`);
  console.log(`  add                  ${addMs.toFixed(0).padStart(6)} ms ${rate(keys.length, addMs)}`);
  console.log(`  mightContain hit     ${hitMs.toFixed(0).padStart(6)} ms ${rate(keys.length, hitMs)}  (${hits} of ${keys.length} found)`);
  console.log(`  serialize            ${serializeMs.toFixed(0).padStart(6)} ms  ${value.length.toLocaleString('en-US')} chars, ${filter.rowCount} row(s)`);
}

function main(): void {
  const n = Number(process.argv[2] ?? 1_000_000);
  const perFileKeys = Number(process.argv[3] ?? 125_000);
  const keys = Array.from({ length: n }, () => randomUUID());
  const absent = Array.from({ length: 20_000 }, () => randomUUID());
  console.log(
    `Hudi bloom filter ${HUDI_BLOOM_FILTER_DEFAULTS.type} numEntries=${HUDI_BLOOM_FILTER_DEFAULTS.numEntries} ` +
      `fpp=${HUDI_BLOOM_FILTER_DEFAULTS.fpp} maxEntries=${HUDI_BLOOM_FILTER_DEFAULTS.maxEntries}; UUID record keys; node ${process.version}`,
  );
  perFile(keys.slice(0, Math.min(n, 200_000)), absent.slice(0, 1000), perFileKeys, false); // warm-up
  perFile(keys, absent, perFileKeys, true);
  oneFilter(keys.slice(0, Math.min(n, 200_000)), false); // warm-up
  oneFilter(keys, true);
}

main();
