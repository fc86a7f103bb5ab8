// Builds once before any test file runs: plugins are loaded as compiled JavaScript and integration
// tests start the compiled worker. scripts/test.sh has already built (and fails on a build error);
// here a failed build only warns, so a unit test run from an editor still reports its own results.
import { execFileSync } from 'node:child_process';
import path from 'node:path';

export default function setup(): void {
  try {
    execFileSync('bash', [path.resolve(__dirname, '../../scripts/ensure-built.sh')], { stdio: 'inherit' });
  } catch {
    process.stderr.write('warning: build failed; tests that load compiled plugins or start workers will fail\n');
  }
}
