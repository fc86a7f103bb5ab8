// Confines paths that arrive in connector configs (files, tables, schemas) to the worker's allowed
// roots. Symlinks are resolved on the longest existing prefix, so a link inside a root cannot lead out.

import { realpathSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../spi';

export type PathResolver = (value: string, key: string) => string;

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

/** `roots` are absolute; relative values resolve against `cwd` (the worker's working directory). */
export function createPathGuard(roots: string[], cwd: string): PathResolver {
  const realRoots = roots.map((r) => realpathOfExistingPrefix(path.resolve(cwd, r)));
  return (value: string, key: string): string => {
    let p = value.trim();
    if (p.startsWith('file:')) {
      try {
        p = fileURLToPath(p);
      } catch {
        throw new ConfigError([{ name: key, message: `${JSON.stringify(value)} is not a valid file:// URL` }]);
      }
    } else if (/^[a-z][a-z0-9+.-]*:\/\//i.test(p)) {
      throw new ConfigError([{ name: key, message: `${JSON.stringify(value)} uses a scheme this key does not support here; give a local path or a file:// URL` }]);
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
