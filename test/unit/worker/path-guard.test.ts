import { mkdtempSync, mkdirSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createPathGuard } from '../../../runtime/worker/path-guard';

describe('createPathGuard', () => {
  const base = mkdtempSync(path.join(tmpdir(), 'guard-'));
  mkdirSync(path.join(base, 'data', 'in'), { recursive: true });
  mkdirSync(path.join(base, 'outside'), { recursive: true });
  symlinkSync(path.join(base, 'outside'), path.join(base, 'data', 'escape'));
  const guard = createPathGuard(['data'], base);

  it('relative path inside the root resolves against the working directory', () => {
    expect(guard('data/in/x.txt', 'file')).toBe(path.join(base, 'data', 'in', 'x.txt'));
  });

  it('file URL inside the root is accepted', () => {
    expect(guard(`file://${path.join(base, 'data', 'new', 'y')}`, 'file')).toBe(path.join(base, 'data', 'new', 'y'));
  });

  it('dot-dot escape is refused naming the key and the allowed roots', () => {
    expect(() => guard('data/../outside/x', 'file')).toThrowError(/file: path "data\/..\/outside\/x" .* is outside the allowed roots/);
  });

  it('symlink inside the root pointing out is refused', () => {
    expect(() => guard('data/escape/x', 'tablePath')).toThrowError(/tablePath: .*outside the allowed roots/);
  });

  it('unsupported scheme is refused with what to give instead', () => {
    expect(() => guard('http://example/x', 'file')).toThrowError(/give a local path or a file:\/\/ URL/);
  });
});
