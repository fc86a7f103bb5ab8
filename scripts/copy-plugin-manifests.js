#!/usr/bin/env node
// Copies each built-in plugin's package.json (its `tributary` manifest) from plugins/<name>/ to
// dist/plugins/<name>/, next to the JavaScript tsc compiled there: tsc does not copy them, and
// without a manifest the plugin loader does not see the plugin. Plain CommonJS so it runs without
// being compiled itself. Run after `tsc -p .` (npm run build does both).
'use strict';

const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const source = path.join(root, 'plugins');
const target = path.join(root, 'dist', 'plugins');

function main() {
  if (!fs.existsSync(source)) {
    process.stderr.write(`copy-plugin-manifests: ${source} does not exist; nothing to copy\n`);
    return 0;
  }
  let copied = 0;
  const problems = [];
  for (const entry of fs.readdirSync(source, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const from = path.join(source, entry.name, 'package.json');
    if (!fs.existsSync(from)) continue;
    try {
      // Parse before copying: a broken manifest should stop the build here, not surface later as a
      // plugin load error in a running worker.
      JSON.parse(fs.readFileSync(from, 'utf8'));
      const dir = path.join(target, entry.name);
      fs.mkdirSync(dir, { recursive: true });
      fs.copyFileSync(from, path.join(dir, 'package.json'));
      copied++;
    } catch (err) {
      problems.push(`${from}: ${err.message}`);
    }
  }
  for (const p of problems) process.stderr.write(`copy-plugin-manifests: ${p}\n`);
  if (problems.length === 0) process.stderr.write(`copy-plugin-manifests: copied ${copied} plugin manifest(s) to ${target}\n`);
  return problems.length === 0 ? 0 : 1;
}

process.exitCode = main();
