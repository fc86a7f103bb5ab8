// summariseProfiles on a hand-made V8 CPU profile: each sample's time goes to the write concern of the innermost
// frame of a known module (builtins and WASM to their JS caller), comparators passed to sort count as sorting,
// and phases.json cuts the samples by time.

import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { summariseProfiles } from '../../../scripts/cpuprofile-summary';

function profileDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'cpuprofile-'));
  // Frames point at files under a dist/ tree, as a compiled run's do; the writer's comparator line holds ".sort(".
  const dist = path.join(dir, 'repo', 'dist', 'plugins', 'hudi');
  mkdirSync(path.join(dist, 'table'), { recursive: true });
  mkdirSync(path.join(dist, 'parquet'), { recursive: true });
  const writer = path.join(dist, 'table', 'table-writer.js');
  writeFileSync(writer, 'function writeSlice(rows) {\n  rows.sort((a, b) => a.k < b.k ? -1 : 1);\n}\n');
  const columns = path.join(dist, 'parquet', 'arrow-columns.js');
  writeFileSync(columns, 'function buildUtf8() {}\n');
  const url = (f: string) => pathToFileURL(f).href;
  const frame = (functionName: string, u: string, lineNumber = 0) => ({ functionName, url: u, lineNumber, columnNumber: 0, scriptId: '1' });
  const nodes = [
    { id: 1, callFrame: frame('(root)', ''), children: [2, 5, 7] },
    { id: 2, callFrame: frame('writeSlice', url(writer)), children: [3, 4], positionTicks: [{ line: 2, ticks: 1 }] },
    { id: 3, callFrame: frame('', url(writer), 1) }, // the comparator, defined on the ".sort(" line
    { id: 4, callFrame: frame('buildUtf8', url(columns)), children: [6] },
    { id: 5, callFrame: frame('(garbage collector)', '') },
    { id: 6, callFrame: frame('charCodeAt', '') }, // a builtin: counts for its caller
    { id: 7, callFrame: frame('writeParquet', 'file:///x/node_modules/parquet-wasm/node/parquet_wasm.js'), children: [8] },
    { id: 8, callFrame: frame('wasm-function[1]', 'wasm://wasm/abc') },
  ];
  // Samples 1 ms apart from t = 1000 µs: phase "a" holds the first four, phase "b" the last three.
  const samples = [2, 3, 6, 6, 5, 8, 8];
  const startTime = 0;
  const timeDeltas = [1000, 1000, 1000, 1000, 1000, 1000, 1000];
  writeFileSync(path.join(dir, 'CPU.20260101.000000.1.0.001.cpuprofile'), JSON.stringify({ nodes, startTime, endTime: 8000, samples, timeDeltas }));
  writeFileSync(path.join(dir, 'phases.json'), JSON.stringify({ a: [1000, 5000], b: [5000, 9000] }));
  return dir;
}

describe('summariseProfiles', () => {
  it('attributes samples by concern within each phase window', () => {
    const out = summariseProfiles(profileDir());
    const [a, b] = out.split('CPU profile, phase b');
    const concernsA = a!.slice(a!.indexOf('by concern'), a!.indexOf('by module'));
    expect(concernsA).toMatch(/2 ms\s+50\.0%\s+row → Arrow building \(arrow-columns\)/);
    expect(concernsA).toMatch(/1 ms\s+25\.0%\s+sorting \(comparators\)/);
    expect(concernsA).toMatch(/1 ms\s+25\.0%\s+table writer: table-writer\.js writeSlice/);
    expect(concernsA).not.toMatch(/GC|parquet-wasm/);
    const concernsB = b!.slice(b!.indexOf('by concern'), b!.indexOf('by module'));
    expect(concernsB).toMatch(/2 ms\s+66\.7%\s+parquet-wasm encode \(WASM\)/);
    expect(concernsB).toMatch(/1 ms\s+33\.3%\s+GC/);
    expect(a).toContain('rows.sort((a, b) =>');
  });
});
