import { describe, expect, it } from 'vitest';
import { createRestApp } from '../../../runtime/rest/rest-server';
import { openapiDocument } from '../../../runtime/rest/openapi-route';
import { FakeHerder } from './fake-herder';
import { registeredRoutes } from './express-routes';
import { recordingLogger, startHarness } from './rest-harness';

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'options', 'head', 'trace'];

function appRoutes(): Set<string> {
  const app = createRestApp({ herder: new FakeHerder(), metrics: { text: async () => '', contentType: 'text/plain' }, logger: recordingLogger(), maxBodyBytes: 1024, version: 'x' });
  return new Set(registeredRoutes(app).map((r) => `${r.method} ${r.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}')}`));
}

function documentedRoutes(): Set<string> {
  const out = new Set<string>();
  for (const [path, item] of Object.entries(openapiDocument.paths as Record<string, Record<string, unknown>>)) {
    for (const m of Object.keys(item)) if (METHODS.includes(m)) out.add(`${m.toUpperCase()} ${path}`);
  }
  return out;
}

function resolve(ref: string): unknown {
  let node: unknown = openapiDocument;
  for (const part of ref.replace(/^#\//, '').split('/')) node = (node as Record<string, unknown> | undefined)?.[part];
  return node;
}

function refs(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) for (const n of node) refs(n, out);
  else if (typeof node === 'object' && node !== null) {
    for (const [k, v] of Object.entries(node)) {
      if (k === '$ref' && typeof v === 'string') out.push(v);
      else refs(v, out);
    }
  }
  return out;
}

describe('openapi.json', () => {
  it('openapi document every registered route is documented', () => {
    const documented = documentedRoutes();
    const missing = [...appRoutes()].filter((r) => !documented.has(r));
    expect(missing, 'routes registered in the express app but missing from runtime/rest/openapi.json').toEqual([]);
  });

  it('openapi document every documented route is registered', () => {
    const registered = appRoutes();
    const stale = [...documentedRoutes()].filter((r) => !registered.has(r));
    expect(stale, 'operations in runtime/rest/openapi.json that the app does not serve').toEqual([]);
  });

  it('openapi document route walk sees both dialects', () => {
    const routes = appRoutes();
    // Guards against a walker that silently finds nothing (e.g. after an express upgrade).
    for (const r of ['GET /connectors/list', 'GET /connectors/{name}', 'PUT /connectors/{name}/pause', 'GET /connectors/{name}/pause', 'POST /plugin/reload', 'GET /metrics']) {
      expect(routes.has(r), r).toBe(true);
    }
    expect(routes.size).toBeGreaterThan(40);
  });

  it('openapi document every $ref resolves', () => {
    const broken = refs(openapiDocument).filter((r) => resolve(r) === undefined);
    expect(broken).toEqual([]);
  });

  it('openapi document path parameters are declared for every templated path', () => {
    const problems: string[] = [];
    for (const [path, item] of Object.entries(openapiDocument.paths as Record<string, Record<string, unknown>>)) {
      const wanted = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
      const shared = ((item.parameters ?? []) as unknown[]).map((p) => resolve((p as { $ref: string }).$ref) ?? p) as { name: string; in: string }[];
      for (const [m, o] of Object.entries(item)) {
        if (!METHODS.includes(m)) continue;
        const own = (((o as { parameters?: unknown[] }).parameters ?? []) as unknown[]).map((p) => ((p as { $ref?: string }).$ref ? resolve((p as { $ref: string }).$ref) : p)) as { name: string; in: string }[];
        const declared = new Set([...shared, ...own].filter((p) => p.in === 'path').map((p) => p.name));
        for (const w of wanted) if (!declared.has(w!)) problems.push(`${m.toUpperCase()} ${path}: {${w}}`);
        if (!(o as { responses?: Record<string, unknown> }).responses?.default) problems.push(`${m.toUpperCase()} ${path}: no default error response`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('openapi route GET /openapi.json serves the document with the worker version', async () => {
    const h = await startHarness();
    try {
      const res = await h.call('GET', '/openapi.json');
      expect(res.status).toBe(200);
      const doc = res.body as { openapi: string; info: { version: string }; paths: Record<string, unknown> };
      expect(doc.openapi).toMatch(/^3\.0\./);
      expect(doc.info.version).toBe('0.1.0-test');
      expect(Object.keys(doc.paths)).toEqual(Object.keys(openapiDocument.paths));
    } finally {
      await h.close();
    }
  });
});
