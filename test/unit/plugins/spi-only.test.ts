// Plugins import only the SPI (STYLE.md, habit 1): every module under plugins/ may reach into runtime/
// only through runtime/spi, and the example plugins only through the bare `tributary/spi`.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../helpers/build';

const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|\bimport\s+)(['"])([^'"]+)\1/g;

function sourceFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sourceFiles(p));
    else if (/\.(ts|js|cjs|mjs|mts|cts)$/.test(entry.name) && !entry.name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/** Specifiers in the code (comments removed, so prose mentioning require('x') does not count). */
function importsOf(code: string): string[] {
  const stripped = code.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
  return [...stripped.matchAll(SPECIFIER)].map((m) => m[2]!);
}

const runtimeDir = path.join(repoRoot, 'runtime');
const spiDir = path.join(runtimeDir, 'spi');

/** Why `spec` imported from `file` breaks the rule, or undefined when it is fine. */
function violation(file: string, spec: string): string | undefined {
  if (spec === 'tributary/spi' || spec === 'tributary') return undefined;
  if (spec.startsWith('tributary/')) return `${spec}: only "tributary/spi" is public`;
  if (!spec.startsWith('.')) return undefined; // node built-ins and the plugin's own dependencies
  const target = path.resolve(path.dirname(file), spec);
  if (target !== runtimeDir && !target.startsWith(runtimeDir + path.sep)) return undefined;
  if (target === spiDir || target === path.join(spiDir, 'index') || /^index\.(ts|js)$/.test(path.relative(spiDir, target))) return undefined;
  return `${spec} reaches into runtime/ (${path.relative(repoRoot, target)}); import from runtime/spi only`;
}

describe('plugins import only the SPI', () => {
  it('importsOf finds import, export-from, dynamic import and require specifiers', () => {
    const code = [
      "import { a } from '../../runtime/spi';",
      "import type { B } from \"../../runtime/worker/worker-task\";",
      "export * from './x';",
      "const fs = require('node:fs');",
      "const m = await import('../y');",
      "import './side-effect';",
      "// require('commented-out')",
    ].join('\n');
    expect(importsOf(code)).toEqual(['../../runtime/spi', '../../runtime/worker/worker-task', './x', 'node:fs', '../y', './side-effect']);
  });

  it('violation flags runtime internals and accepts runtime/spi', () => {
    const file = path.join(repoRoot, 'plugins', 'file', 'file-source.ts');
    expect(violation(file, '../../runtime/spi')).toBeUndefined();
    expect(violation(file, '../../runtime/spi/index')).toBeUndefined();
    expect(violation(file, '../../runtime/spi/errors')).toContain('runtime/spi/errors');
    expect(violation(file, '../../runtime/worker/clock')).toContain('runtime/worker/clock');
    expect(violation(file, 'tributary/spi')).toBeUndefined();
    expect(violation(file, 'tributary/dist/runtime/worker/clock')).toContain('only "tributary/spi" is public');
    expect(violation(file, './line-tailer')).toBeUndefined();
  });

  it('plugins and example plugins import nothing from runtime/ but runtime/spi', () => {
    const files = [...sourceFiles(path.join(repoRoot, 'plugins')), ...sourceFiles(path.join(repoRoot, 'examples', 'plugins'))];
    expect(files.length).toBeGreaterThan(0);
    const problems: string[] = [];
    for (const file of files) {
      for (const spec of importsOf(fs.readFileSync(file, 'utf8'))) {
        const v = violation(file, spec);
        if (v) problems.push(`${path.relative(repoRoot, file)}: ${v}`);
      }
    }
    expect(problems).toEqual([]);
  });
});
