import express from 'express';
import { describe, expect, it } from 'vitest';
import { compareSpecificity, registerRoutes, type RouteDef } from '../../../runtime/rest/route-table';
import { registeredRoutes } from './express-routes';

const noop: RouteDef['handler'] = (_req, res) => void res.end();

describe('route table', () => {
  it('route table literal segments sort before parameters', () => {
    const paths = ['/connectors/:name', '/connectors/:name/stop', '/connectors/stop/all', '/connectors/list', '/connectors'];
    const sorted = [...paths].sort(compareSpecificity);
    expect(sorted.indexOf('/connectors/list')).toBeLessThan(sorted.indexOf('/connectors/:name'));
    expect(sorted.indexOf('/connectors/stop/all')).toBeLessThan(sorted.indexOf('/connectors/:name/stop'));
    // Every permutation of the input sorts the same way (the comparator is consistent).
    const permutations = (xs: string[]): string[][] => (xs.length <= 1 ? [xs] : xs.flatMap((x, i) => permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((p) => [x, ...p])));
    for (const p of permutations(paths)) expect(p.sort(compareSpecificity)).toEqual(sorted);
  });

  it('route table registers each path once whatever the declaration order', () => {
    const app = express();
    registerRoutes(app, [
      { method: 'get', path: '/connectors/:name', handler: noop },
      { method: 'get', path: '/connectors/list', handler: noop },
      { method: 'put', path: '/connectors/:name', handler: noop },
    ]);
    expect(registeredRoutes(app)).toEqual([
      { method: 'GET', path: '/connectors/list' },
      { method: 'GET', path: '/connectors/:name' },
      { method: 'PUT', path: '/connectors/:name' },
    ]);
  });

  it('route table duplicate unguarded method and path throws at registration', () => {
    expect(() => registerRoutes(express(), [
      { method: 'get', path: '/a', handler: noop },
      { method: 'get', path: '/a', handler: noop, guard: () => true },
    ])).toThrow(/GET \/a declared twice/);
  });

  it('route table guarded route before an unguarded one is accepted', () => {
    expect(() => registerRoutes(express(), [
      { method: 'get', path: '/a', handler: noop, guard: () => true },
      { method: 'get', path: '/a', handler: noop },
    ])).not.toThrow();
  });
});
