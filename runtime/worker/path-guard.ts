// Confines paths that arrive in connector configs (files, tables, schemas) to the worker's allowed
// roots. Symlinks are resolved on the longest existing prefix, so a link inside a root cannot lead out.

import { realpathSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, type PathOptions } from '../spi';

export type PathResolver = (value: string, key: string, options?: PathOptions) => string;

function realpathOfExistingPrefix(p: string): string {
  let cur = p;
  const rest: string[] = [];
  for (;;) {
    try {
      return path.join(realpathSync(cur), ...rest.reverse());
    } catch {
      const parent = path.dirname(cur);
      if (parent === cur) return p;
      rest.push(path.basename(cur));
      cur = parent;
    }
  }
}

const S3_URL = /^s3a?:\/\/([^/]+)(?:\/(.*))?$/i;

/** `s3://bucket/a/b/` → `s3://bucket/a/b` (scheme lower-cased, s3a:// read as s3://, no trailing '/'). */
function normalizeS3(url: string): string | undefined {
  const m = S3_URL.exec(url.trim());
  if (!m) return undefined;
  const prefix = (m[2] ?? '').split('/').filter((seg) => seg.length > 0);
  if (prefix.some((seg) => seg === '.' || seg === '..')) return undefined;
  return ['s3:/', m[1]!, ...prefix].join('/');
}

/**
 * `roots` are absolute paths, or S3 locations (`s3://bucket/prefix`) that S3 values must lie inside;
 * relative values resolve against `cwd` (the worker's working directory).
 */
export function createPathGuard(roots: string[], cwd: string): PathResolver {
  const s3Roots = roots.map(normalizeS3).filter((r): r is string => r !== undefined);
  const realRoots = roots.filter((r) => normalizeS3(r) === undefined).map((r) => realpathOfExistingPrefix(path.resolve(cwd, r)));
  return (value: string, key: string, options: PathOptions = {}): string => {
    let p = value.trim();
    if (options.allowS3 && S3_URL.test(p)) {
      const url = normalizeS3(p);
      if (url === undefined) throw new ConfigError([{ name: key, message: `${JSON.stringify(value)} is not a valid S3 location (. and .. are not allowed); write s3://<bucket>/<prefix>` }]);
      if (!s3Roots.some((root) => url === root || url.startsWith(`${root}/`))) {
        throw new ConfigError([{ name: key, message: `S3 location ${JSON.stringify(value)} is outside the allowed roots${s3Roots.length > 0 ? ` ${s3Roots.join(', ')}` : ' (none is an S3 location)'}; add s3://<bucket>/<prefix> to allowedRoots in the worker config` }]);
      }
      return url;
    }
    if (p.startsWith('file:')) {
      try {
        p = fileURLToPath(p);
      } catch {
        throw new ConfigError([{ name: key, message: `${JSON.stringify(value)} is not a valid file:// URL` }]);
      }
    } else if (/^[a-z][a-z0-9+.-]*:\/\//i.test(p)) {
      throw new ConfigError([{ name: key, message: `${JSON.stringify(value)} uses a scheme this key does not support here; give a local path, a file:// URL or (where the key allows it) an s3:// location` }]);
    }
    if (p === '') throw new ConfigError([{ name: key, message: 'must not be empty; give a path inside the allowed roots' }]);
    const abs = realpathOfExistingPrefix(path.resolve(cwd, p));
    const inside = realRoots.some((root) => abs === root || abs.startsWith(root.endsWith(path.sep) ? root : root + path.sep));
    if (!inside) {
      throw new ConfigError([{ name: key, message: `path ${JSON.stringify(value)} (${abs}) is outside the allowed roots ${realRoots.join(', ')}; move it inside one or add its directory to allowedRoots in the worker config` }]);
    }
    return abs;
  };
}
