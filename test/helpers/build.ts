// Makes sure dist/ is current before a test loads compiled code (plugins are loaded as JavaScript, and
// `tributary/spi` resolves to dist/runtime/spi/index.js). The build runs only when a source is newer
// than the last build, and at most once per test process; scripts/ensure-built.sh holds the staleness
// check and the cross-process lock, so parallel test files never run two compilers at once.

import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export const repoRoot = path.resolve(__dirname, '..', '..');
export const distDir = path.join(repoRoot, 'dist');

let built: Promise<void> | undefined;

function run(cmd: string, args: string[]): void {
  try {
    execFileSync(cmd, args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`build step failed: ${cmd} ${args.join(' ')}\n${e.stdout ?? ''}${e.stderr ?? ''}`.trim(), { cause: err });
  }
}

function build(): void {
  const script = path.join(repoRoot, 'scripts', 'ensure-built.sh');
  if (fs.existsSync(script)) {
    run('bash', [script]);
    return;
  }
  // Without the script: the same two commands as `npm run build`.
  run(process.execPath, [path.join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', '.']);
  run(process.execPath, [path.join(repoRoot, 'scripts', 'copy-plugin-manifests.js')]);
}

/** Builds dist/ if it is older than the sources; resolves when dist/ is current. */
export function ensureBuilt(): Promise<void> {
  built ??= new Promise<void>((resolve, reject) => {
    try {
      build();
      resolve();
    } catch (err) {
      built = undefined;
      reject(err as Error);
    }
  });
  return built;
}
