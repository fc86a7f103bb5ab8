// Summarises the V8 CPU profiles `node --cpu-prof` writes (one .cpuprofile per thread) of the table writer:
// per phase (the load and the upsert, cut by the phases.json bench-table writes next to them) and per thread,
// the time by write concern and the top functions by self time. A sample's time goes to the innermost frame
// that belongs to a known module (a builtin such as TextEncoder.encode or Map.get counts for the code that called
// it, WASM frames for the JS function that entered WASM, apache-arrow's helpers for their caller: IPC, the row
// builder, the decoder); comparators passed to sort count as sorting (V8 does not show the sort builtin as a frame:
// its own time is its caller's, see the hottest lines).
//   node dist/scripts/cpuprofile-summary.js DIR [--top 25]

import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
  /** Self samples by source line (1-based), over the whole profile. */
  positionTicks?: { line: number; ticks: number }[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** The module a frame's URL names, relative to the repository's dist/ or node_modules/. */
function moduleOf(url: string): string {
  const dist = url.lastIndexOf('/dist/');
  if (dist >= 0) return url.slice(dist + 6);
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) return url.slice(nm + 14);
  return url.replace(/^file:\/\//, '');
}

const sources = new Map<string, string[]>();
/** Line `line` (1-based) of a file:// script, trimmed, or '' when it cannot be read. */
function sourceLine(url: string, line: number): string {
  if (!url.startsWith('file://')) return '';
  let lines = sources.get(url);
  if (!lines) {
    try {
      lines = readFileSync(new URL(url), 'utf8').split('\n');
    } catch {
      lines = [];
    }
    sources.set(url, lines);
  }
  return (lines[line - 1] ?? '').trim();
}

/** The write concern a frame belongs to, or undefined to let its caller decide. */
function frameConcern(f: CallFrame): string | undefined {
  const { functionName: fn, url } = f;
  if (fn === '(garbage collector)') return 'GC';
  if (fn === '(idle)') return 'idle';
  if (fn === '(program)') return 'V8/native, unattributed ((program))';
  if (url === '' || url.startsWith('wasm://') || url.startsWith('node:internal/') || url.startsWith('node:')) {
    if (url.startsWith('node:internal/fs') || url === 'node:fs' || url === 'node:fs/promises') return 'storage (fs)';
    if (url.startsWith('node:internal/worker') || url.startsWith('node:internal/per_context/messageport')) return 'encoder pool (worker messaging)';
    return undefined;
  }
  const m = moduleOf(url);
  if (m.startsWith('parquet-wasm/')) {
    if (fn === 'writeParquet') return 'parquet-wasm encode (WASM)';
    if (fn === 'readParquet') return 'decode: parquet-wasm readParquet (WASM)';
    if (fn === 'fromIPCStream') return 'IPC: parse in WASM (Table.fromIPCStream)';
    if (fn === 'intoIPCStream') return 'decode: Arrow IPC out of WASM (intoIPCStream)';
    if (fn === 'setKeyValueMetadata') return 'parquet-wasm: footer key-values into WASM (setKeyValueMetadata)';
    return undefined; // wasm-bindgen glue: its caller says what for
  }
  // apache-arrow's vectors, buffers and flatbuffers serve whoever called them: IPC, the row builder or the decoder.
  if (m.startsWith('apache-arrow/ipc/')) return 'IPC: Arrow IPC serialise/parse (apache-arrow)';
  if (m.startsWith('apache-arrow/') || m.startsWith('flatbuffers/')) return undefined;
  if (m.startsWith('avsc/')) return 'Avro coercion (avsc)';
  if (m.startsWith('hyparquet')) return 'footer reads (hyparquet)';
  if (m.startsWith('plugins/hudi/')) {
    const rel = m.slice('plugins/hudi/'.length);
    if (rel === 'parquet/arrow-columns.js') return 'row → Arrow building (arrow-columns)';
    if (rel === 'parquet/arrow-rows.js') return 'decode: Arrow → rows (arrow-rows)';
    if (rel === 'parquet/wasm-encoder.js') return 'parquet-wasm encode (WASM)';
    if (rel === 'parquet/parquet-footer.js') return 'footer reads (hyparquet)';
    if (rel === 'parquet/encoder-pool.js' || rel === 'parquet/encoder-worker.js') return 'encoder pool (worker messaging)';
    if (rel.startsWith('parquet/')) return `parquet: other (${rel})`;
    if (rel === 'index/bloom-filter.js' || rel === 'index/hash.js' || rel === 'index/java-utf8.js') return 'bloom filter (build/serialise/probe)';
    if (rel.startsWith('index/')) return `index lookup (${rel})`;
    if (rel.startsWith('keygen/')) return 'key generation (keygen)';
    if (rel.startsWith('avro/')) return 'Avro coercion (avro/)';
    if (rel.startsWith('storage/')) return 'storage (fs)';
    if (rel.startsWith('timeline/')) return 'timeline / commit metadata';
    // A comparator passed to sort is sorting, wherever it is defined.
    if (sourceLine(url, f.lineNumber + 1).includes('.sort(')) return 'sorting (comparators)';
    if (rel.startsWith('table/')) return `table writer: ${rel.slice('table/'.length)} ${fn || `(anonymous):${f.lineNumber + 1}`}`;
    if (rel === 'hudi-sink-deps.js' && fn === 'coerce') return 'Avro coercion (avro/)';
    return `hudi: ${rel}`;
  }
  if (m.startsWith('scripts/')) return 'bench harness (input records, untimed)';
  if (m.startsWith('runtime/')) return `runtime: ${m.slice('runtime/'.length)}`;
  return `other: ${m.split('/')[0]}`;
}

/** The concern of a sample, from its stack (leaf first). */
function sampleConcern(stack: CallFrame[]): string {
  if (stack.some((f) => f.functionName === 'sort' && f.url === '')) return 'sorting (Array.prototype.sort + comparators)';
  for (const f of stack) {
    const c = frameConcern(f);
    if (c !== undefined) return c;
  }
  return 'other: builtins/native with no JS caller';
}

interface Tally {
  byConcern: Map<string, number>;
  bySelf: Map<string, number>;
  /** Self time in the window by profile node, to spread over its positionTicks lines. */
  byNode: Map<ProfileNode, number>;
  byModule: Map<string, number>;
  totalUs: number;
  idleUs: number;
}

function tally(profile: CpuProfile, window: [number, number] | undefined): Tally {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const concernOf = new Map<number, string>();
  const concern = (id: number): string => {
    let c = concernOf.get(id);
    if (c === undefined) {
      const stack: CallFrame[] = [];
      for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) stack.push(byId.get(at)!.callFrame);
      c = sampleConcern(stack);
      concernOf.set(id, c);
    }
    return c;
  };
  const t: Tally = { byConcern: new Map(), bySelf: new Map(), byNode: new Map(), byModule: new Map(), totalUs: 0, idleUs: 0 };
  const add = (m: Map<string, number>, k: string, v: number) => m.set(k, (m.get(k) ?? 0) + v);
  // Sample i is taken at startTime + timeDeltas[0..i]; it stands for the time until the next sample.
  let ts = profile.startTime;
  const times = profile.samples.map((_, i) => (ts += profile.timeDeltas[i] ?? 0));
  for (let i = 0; i < profile.samples.length; i++) {
    const at = times[i]!;
    if (window && (at < window[0] || at >= window[1])) continue;
    const dur = (i + 1 < times.length ? times[i + 1]! : profile.endTime) - at;
    const node = byId.get(profile.samples[i]!)!;
    const c = concern(node.id);
    if (c === 'idle') {
      t.idleUs += dur;
      continue;
    }
    t.totalUs += dur;
    add(t.byConcern, c, dur);
    const f = node.callFrame;
    add(t.bySelf, `${f.functionName || '(anonymous)'} ${f.url ? `${moduleOf(f.url)}:${f.lineNumber + 1}` : '(builtin)'}`, dur);
    add(t.byModule, f.url ? moduleOf(f.url) : `(builtin/native: ${f.functionName.startsWith('(') ? f.functionName : 'V8 builtins'})`, dur);
    t.byNode.set(node, (t.byNode.get(node) ?? 0) + dur);
  }
  return t;
}

function table(m: Map<string, number>, totalUs: number, top: number): string[] {
  return [...m]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([k, us]) => `      ${(us / 1000).toFixed(0).padStart(7)} ms ${((100 * us) / totalUs).toFixed(1).padStart(5)}%  ${k}`);
}

/**
 * The hottest source lines of our own code (compiled dist/ JavaScript, with the line's text): a node's self time in
 * the window spread over its lines in proportion to its positionTicks, which V8 counts over the whole profile.
 * Builtins called from a line (Array.prototype.sort, Map.set, TextEncoder.encode, ...) count as that line's.
 */
function hotLines(t: Tally, top: number): string[] {
  const byLine = new Map<string, number>();
  for (const [node, us] of t.byNode) {
    const f = node.callFrame;
    if (!f.url.startsWith('file://') || !node.positionTicks?.length) continue;
    const total = node.positionTicks.reduce((n, p) => n + p.ticks, 0);
    for (const p of node.positionTicks) {
      const k = `${moduleOf(f.url)}:${p.line} ${f.functionName || '(anonymous)'}  ${sourceLine(f.url, p.line).slice(0, 90)}`;
      byLine.set(k, (byLine.get(k) ?? 0) + (us * p.ticks) / total);
    }
  }
  return table(byLine, t.totalUs, top);
}

/** The summary of every .cpuprofile in `dir`, split by the phases in dir/phases.json when it is there. */
export function summariseProfiles(dir: string, top = 25): string {
  const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).sort();
  if (files.length === 0) throw new Error(`no .cpuprofile files in ${dir}: run the writer under node --cpu-prof --cpu-prof-dir ${dir}`);
  let phases: Record<string, [number, number]> = {};
  try {
    phases = JSON.parse(readFileSync(path.join(dir, 'phases.json'), 'utf8')) as Record<string, [number, number]>;
  } catch {
    phases = {};
  }
  const windows: [string, [number, number] | undefined][] = Object.keys(phases).length ? Object.entries(phases) : [['whole process', undefined]];
  const out: string[] = [];
  const profiles = files.map((f) => ({ file: f, profile: JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as CpuProfile }));
  for (const [phase, window] of windows) {
    out.push(`CPU profile, phase ${phase}${window ? ` (${((window[1] - window[0]) / 1000).toFixed(0)} ms wall)` : ''}:`);
    const all = { byConcern: new Map<string, number>(), totalUs: 0 };
    for (const { file, profile } of profiles) {
      // node names them CPU.<date>.<time>.<pid>.<thread id>.<seq>.cpuprofile; thread 0 is the main thread.
      const thread = file.split('.')[4] === '0' ? 'main thread' : `worker thread ${file.split('.')[4]}`;
      const t = tally(profile, window);
      if (t.totalUs === 0) continue;
      all.totalUs += t.totalUs;
      for (const [k, v] of t.byConcern) all.byConcern.set(k, (all.byConcern.get(k) ?? 0) + v);
      out.push(`  ${thread}: ${(t.totalUs / 1000).toFixed(0)} ms on CPU, ${(t.idleUs / 1000).toFixed(0)} ms idle`);
      out.push('    by concern (share of this thread\'s CPU time):', ...table(t.byConcern, t.totalUs, top));
      out.push('    by module (self time):', ...table(t.byModule, t.totalUs, 12));
      out.push('    top functions (self time):', ...table(t.bySelf, t.totalUs, top));
      out.push('    hottest lines of JS with a file (self time, builtins they call included):', ...hotLines(t, top));
    }
    out.push(`  all threads: ${(all.totalUs / 1000).toFixed(0)} ms on CPU; by concern:`, ...table(all.byConcern, all.totalUs, top));
  }
  return out.join('\n');
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const dir = args.find((a) => !a.startsWith('--'));
  const topAt = args.indexOf('--top');
  if (!dir) {
    console.error('usage: node dist/scripts/cpuprofile-summary.js DIR [--top 25]');
    process.exit(2);
  }
  console.log(summariseProfiles(path.resolve(dir), topAt >= 0 ? Number(args[topAt + 1]) : 25));
}
