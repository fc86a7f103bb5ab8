import * as fs from 'node:fs';
import Module, { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { builtinPluginsPath, distRoot, runningFromSource, spiModulePath } from '../../../runtime/plugins/dist-layout';
import { installedSpiTarget, installSpiResolver } from '../../../runtime/plugins/spi-resolver';
import { ensureBuilt, repoRoot } from '../../helpers/build';

describe('spi-resolver', () => {
  beforeAll(async () => {
    await ensureBuilt();
  });

  it('dist-layout from source points at the repository dist directory', () => {
    expect(runningFromSource()).toBe(true);
    expect(distRoot()).toBe(path.join(repoRoot, 'dist'));
    expect(spiModulePath()).toBe(path.join(repoRoot, 'dist', 'runtime', 'spi', 'index.js'));
    expect(builtinPluginsPath()).toBe(path.join(repoRoot, 'dist', 'plugins'));
  });

  it('installSpiResolver from any directory resolves tributary/spi and tributary to the runtime SPI', () => {
    const target = installSpiResolver();
    expect(target).toBe(spiModulePath());
    const elsewhere = fs.mkdtempSync(path.join(os.tmpdir(), 'tributary-resolver-'));
    const req = createRequire(path.join(elsewhere, 'index.js'));
    expect(req.resolve('tributary/spi')).toBe(target);
    expect(req.resolve('tributary')).toBe(target);
    const spi = req('tributary/spi') as Record<string, unknown>;
    expect(typeof spi['ConfigDef']).toBe('function');
    expect(req('tributary')).toBe(spi);
  });

  it('installSpiResolver called again is a no-op that keeps the first target', () => {
    const first = installSpiResolver();
    const patched = (Module as unknown as { _resolveFilename: unknown })._resolveFilename;
    expect(installSpiResolver('/somewhere/else/index.js')).toBe(first);
    expect((Module as unknown as { _resolveFilename: unknown })._resolveFilename).toBe(patched);
    expect(installedSpiTarget()).toBe(first);
  });

  it('installSpiResolver other requests resolve as before', () => {
    installSpiResolver();
    const req = createRequire(path.join(repoRoot, 'package.json'));
    expect(req.resolve('node:path')).toBe('node:path');
    expect(req.resolve('pino')).toContain(path.join('node_modules', 'pino'));
    expect(() => req.resolve('tributary/other')).toThrow();
  });
});
