import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './rest-harness';

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.close();
});

describe('plugin routes', () => {
  it('GET /connector-plugins lists class, type, version and aliases', async () => {
    const res = await h.call('GET', '/connector-plugins');
    expect(res.status).toBe(200);
    expect(res.body).toEqual([
      { class: 'file-source', type: 'source', version: '1.0.0', aliases: ['FileSourceConnector', 'org.apache.rocketmq.connect.file.FileSourceConnector'] },
      { class: 'file-sink', type: 'sink', version: '1.0.0', aliases: ['FileSinkConnector', 'org.apache.rocketmq.connect.file.FileSinkConnector'] },
    ]);
  });

  it('GET /connector-plugins with connectorsOnly=false answers the same list', async () => {
    const res = await h.call('GET', '/connector-plugins?connectorsOnly=false');
    expect(res.status).toBe(200);
    expect(res.body).toHaveLength(2);
  });

  it('GET /connector-plugins with a non-boolean connectorsOnly answers 400', async () => {
    const res = await h.call('GET', '/connector-plugins?connectorsOnly=maybe');
    expect(res.status).toBe(400);
    expect((res.body as { message: string }).message).toContain('connectorsOnly');
  });

  it('GET /connector-plugins/{type}/config returns key definitions, also by Java alias', async () => {
    const res = await h.call('GET', '/connector-plugins/org.apache.rocketmq.connect.file.FileSourceConnector/config');
    expect(res.status).toBe(200);
    expect((res.body as { name: string }[]).map((d) => d.name)).toContain('connector.class');
  });

  it('GET /connector-plugins/{type}/config of an unknown plugin answers 404', async () => {
    const res = await h.call('GET', '/connector-plugins/nope/config');
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ error_code: 404, code: 'NOT_FOUND', message: expect.stringContaining('nope') });
  });

  it('PUT /connector-plugins/{type}/config/validate with errors answers 200 with error_count', async () => {
    const res = await h.call('PUT', '/connector-plugins/file-source/config/validate', { 'tasks.max': 0 });
    expect(res.status).toBe(200);
    const body = res.body as { name: string; error_count: number; configs: { value: { name: string; errors: string[] } }[] };
    expect(body.error_count).toBe(2);
    const errs = Object.fromEntries(body.configs.map((c) => [c.value.name, c.value.errors]));
    expect(errs['tasks.max']).toHaveLength(1);
    expect(errs.file).toHaveLength(1);
    expect(errs['connector.class']).toEqual([]);
    // The plugin in the path is filled in as connector.class.
    expect(h.herder.calls.find((c) => c.method === 'validateConfig')!.args[1]).toMatchObject({ 'connector.class': 'file-source', 'tasks.max': '0' });
  });

  it('PUT /connector-plugins/{type}/config/validate accepts an alias of the same plugin in the body', async () => {
    const res = await h.call('PUT', '/connector-plugins/file-source/config/validate', { 'connector-class': 'FileSourceConnector', file: 'f' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ error_count: 0 });
  });

  it('PUT /connector-plugins/{type}/config/validate naming another plugin in the body answers 400', async () => {
    const res = await h.call('PUT', '/connector-plugins/file-source/config/validate', { 'connector.class': 'file-sink' });
    expect(res.status).toBe(400);
    expect((res.body as { message: string }).message).toContain('"file-sink"');
  });

  it('PUT /connector-plugins/{type}/config/validate of an unknown plugin answers 404', async () => {
    const res = await h.call('PUT', '/connector-plugins/nope/config/validate', {});
    expect(res.status).toBe(404);
  });

  it('GET /plugin/list answers plugins in the envelope with load errors beside', async () => {
    const res = await h.call('GET', '/plugin/list');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      status: 200,
      body: [{ class: 'file-source', plugin: 'tributary-file', location: '/plugins/file' }, { class: 'file-sink' }],
      errors: [{ location: '/plugins/broken', message: expect.any(String) }],
    });
  });

  it.each(['GET', 'POST'])('%s /plugin/reload reloads and answers plugins and errors', async (method) => {
    const res = await h.call(method, '/plugin/reload');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 200, body: expect.any(Array), errors: expect.any(Array) });
    expect(h.herder.calls.some((c) => c.method === 'reloadPlugins')).toBe(true);
  });
});
