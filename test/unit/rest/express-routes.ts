// Lists the routes registered in an express 5 app by walking its router stack. Express 5 (router 2.x)
// changed the layer shape: there is no `layer.regexp`/`keys` any more; a route layer has `route.path` and
// `route.methods` (a `_all` flag for `.all()`), a mounted router has `handle.stack`, and the mount path is
// only kept as `layer.rawPath` (router >= 2.3) — so an unknown mount fails loudly instead of guessing.

import type { Express } from 'express';

interface RouteLike {
  path: unknown;
  methods: Record<string, boolean | undefined>;
}

interface LayerLike {
  route?: RouteLike;
  handle?: { stack?: unknown };
  rawPath?: unknown;
}

export interface RegisteredRoute {
  method: string;
  /** express syntax, e.g. /connectors/:name */
  path: string;
}

function walk(stack: LayerLike[], prefix: string, out: RegisteredRoute[]): void {
  for (const layer of stack) {
    if (layer.route) {
      const path = layer.route.path;
      if (typeof path !== 'string') throw new Error(`route with a non-string path ${String(path)} cannot be checked against the OpenAPI document`);
      for (const [method, on] of Object.entries(layer.route.methods)) {
        // `_all` is the 405 catch-all that route-table adds to every path: not an operation.
        if (on && method !== '_all') out.push({ method: method.toUpperCase(), path: (prefix + path).replace(/\/+$/, '') || '/' });
      }
    } else if (layer.handle && Array.isArray(layer.handle.stack)) {
      if (typeof layer.rawPath !== 'string') throw new Error('mounted router without a readable mount path; extend express-routes.ts');
      walk(layer.handle.stack as LayerLike[], prefix + layer.rawPath.replace(/\/$/, ''), out);
    }
  }
}

export function registeredRoutes(app: Express): RegisteredRoute[] {
  const out: RegisteredRoute[] = [];
  walk((app as unknown as { router: { stack: LayerLike[] } }).router.stack, '', out);
  return out;
}
