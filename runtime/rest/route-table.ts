// Resources declare their routes as data; this module registers them on the express router. Keeping the
// table in one place is what makes the two dialects share one port safely:
// - paths are ordered so a literal segment wins over a parameter (`/connectors/list` before
//   `/connectors/:name`), whatever order the resource files were combined in;
// - each path is registered once with all its methods, then a catch-all answering 405 with `Allow`, so a
//   wrong method on a known path never falls through to another route or to 404;
// - two resources may claim the same method and path only if the earlier one is guarded (answers only
//   when its guard accepts the request, e.g. RocketMQ's `GET /connectors/{name}?config=`).

import type { IRouter, NextFunction, Request, Response } from 'express';
import { methodNotAllowed } from './error-mapper';

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

export type RouteHandler = (req: Request, res: Response) => void | Promise<void>;

export interface RouteDef {
  method: HttpMethod;
  /** express path syntax, single-segment `:params` only. */
  path: string;
  handler: RouteHandler;
  /** When present, the route answers only requests it accepts; others go to the next route for the same
   *  method and path. */
  guard?: (req: Request) => boolean;
}

function segments(path: string): string[] {
  return path.split('/').filter((s) => s.length > 0);
}

/** Orders paths so that, at the first segment where two paths differ in kind, the literal one comes first
 *  (`/connectors/list` before `/connectors/:name`). It compares the sequences of segment kinds
 *  lexicographically (literal < parameter, shorter prefix first), which is a consistent total preorder as
 *  Array.prototype.sort requires; paths with the same kinds keep their declaration order (stable sort). */
export function compareSpecificity(a: string, b: string): number {
  const ka = segments(a).map((s) => (s.startsWith(':') ? 1 : 0));
  const kb = segments(b).map((s) => (s.startsWith(':') ? 1 : 0));
  for (let i = 0; i < Math.min(ka.length, kb.length); i++) {
    if (ka[i] !== kb[i]) return ka[i]! - kb[i]!;
  }
  return ka.length - kb.length;
}

function allowedMethods(defs: RouteDef[]): string[] {
  const methods = new Set(defs.map((d) => d.method.toUpperCase()));
  if (methods.has('GET')) methods.add('HEAD');
  return [...methods, 'OPTIONS'];
}

/** Registers the routes on `router`; throws at start-up on a conflicting declaration. */
export function registerRoutes(router: Pick<IRouter, 'route'>, routes: RouteDef[]): void {
  const byPath = new Map<string, RouteDef[]>();
  for (const r of routes) {
    const list = byPath.get(r.path) ?? [];
    const clash = list.find((d) => d.method === r.method && d.guard === undefined);
    if (clash) throw new Error(`route ${r.method.toUpperCase()} ${r.path} declared twice and the earlier declaration has no guard`);
    list.push(r);
    byPath.set(r.path, list);
  }
  // Array.prototype.sort is stable, so equally specific paths keep their declaration order.
  const paths = [...byPath.keys()].sort(compareSpecificity);
  for (const path of paths) {
    const defs = byPath.get(path)!;
    const route = router.route(path);
    for (const def of defs) {
      route[def.method](async (req: Request, res: Response, next: NextFunction) => {
        if (def.guard && !def.guard(req)) {
          next();
          return;
        }
        await def.handler(req, res);
      });
    }
    const allow = allowedMethods(defs).join(', ');
    route.all((req: Request, res: Response, next: NextFunction) => {
      res.setHeader('Allow', allow);
      if (req.method === 'OPTIONS') {
        res.status(204).end();
        return;
      }
      next(methodNotAllowed(req.method, req.path, allow));
    });
  }
}
