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
    expect(() => guard('http://example/x', 'file')).toThrowError(/give a local path, a file:\/\/ URL/);
  });

  describe('S3 locations', () => {
    const s3guard = createPathGuard(['data', 's3://lake/tables/'], base);

    it('are accepted only where the key allows them, inside an S3 root, normalised', () => {
      expect(s3guard('s3://lake/tables/orders/', 'tablePath', { allowS3: true })).toBe('s3://lake/tables/orders');
      expect(s3guard('s3a://lake/tables', 'tablePath', { allowS3: true })).toBe('s3://lake/tables');
      expect(() => s3guard('s3://lake/tables/orders', 'file')).toThrowError(/uses a scheme this key does not support/);
    });

    it('outside the S3 roots, a sibling prefix, or with .. are refused naming the key and what to add', () => {
      expect(() => s3guard('s3://lake/other/orders', 'tablePath', { allowS3: true })).toThrowError(/S3 location "s3:\/\/lake\/other\/orders" is outside the allowed roots s3:\/\/lake\/tables; add s3:\/\/<bucket>\/<prefix> to allowedRoots/);
      expect(() => s3guard('s3://lake/tablesX/orders', 'tablePath', { allowS3: true })).toThrowError(/outside the allowed roots/);
      expect(() => s3guard('s3://lake/tables/../secret', 'tablePath', { allowS3: true })).toThrowError(/not a valid S3 location/);
      expect(() => guard('s3://lake/tables/x', 'tablePath', { allowS3: true })).toThrowError(/none is an S3 location/);
    });

    it('local roots still work beside S3 roots', () => {
      expect(s3guard('data/in/x', 'file')).toBe(path.join(base, 'data', 'in', 'x'));
    });
  });
});
