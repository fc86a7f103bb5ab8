import { afterEach, describe, expect, it } from 'vitest';
import { createRestApp, startRestServer } from '../../../runtime/rest/rest-server';
import { FakeHerder } from './fake-herder';
import { configQuery, recordingLogger, startHarness, type Harness } from './rest-harness';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('rest server', () => {
  it('rest server body over maxBodyBytes answers 413', async () => {
    h = await startHarness();
    const res = await h.call('POST', '/connectors', { name: 'big', config: { 'connector.class': 'file-source', blob: 'x'.repeat(10_000) } });
    expect(res.status).toBe(413);
    expect(res.body).toMatchObject({ error_code: 413, code: 'PAYLOAD_TOO_LARGE', message: expect.stringContaining('4096') });
    expect(h.herder.calls.some((c) => c.method === 'putConnectorConfig')).toBe(false);
  });

  it('rest server malformed JSON body answers 400 naming the parse problem', async () => {
    h = await startHarness();
    const res = await h.call('POST', '/connectors', '{"name": "a", "config": {');
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error_code: 400, code: 'BAD_REQUEST' });
    expect((res.body as { message: string }).message).toMatch(/^malformed JSON in request body: .*JSON/);
  });

  it('rest server path parameter with broken percent-encoding answers 400', async () => {
    h = await startHarness();
    const res = await h.call('GET', '/connectors/%E0%A4%A');
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error_code: 400, code: 'BAD_REQUEST', message: expect.stringContaining('decode') });
  });

  it('rest server unknown route answers 404 JSON', async () => {
    h = await startHarness();
    const res = await h.call('GET', '/no/such/route');
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toContain('application/json');
    expect(res.body).toMatchObject({ error_code: 404, code: 'NOT_FOUND', message: expect.stringContaining('/no/such/route') });
  });

  it('rest server wrong method on a known path answers 405 with Allow', async () => {
    h = await startHarness();
    const res = await h.call('DELETE', '/connectors');
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, POST, HEAD, OPTIONS');
    expect(res.body).toMatchObject({ error_code: 405, code: 'BAD_REQUEST', message: expect.stringContaining('DELETE') });
  });

  it('rest server wrong method on a parameterised path answers 405 listing both dialects', async () => {
    h = await startHarness();
    h.herder.seed('a');
    const res = await h.call('POST', '/connectors/a/pause');
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, PUT, HEAD, OPTIONS');
    expect(h.herder.connectorsByName.get('a')!.target).toBe('STARTED');
  });

  it('rest server OPTIONS on a known path answers 204 with Allow', async () => {
    h = await startHarness();
    const res = await h.call('OPTIONS', '/connectors/a/config');
    expect(res.status).toBe(204);
    expect(res.headers.get('allow')).toBe('GET, PUT, PATCH, HEAD, OPTIONS');
  });

  it('rest server herder bug answers 500 and logs the stack without the query', async () => {
    h = await startHarness();
    h.herder.seed('a');
    h.herder.bugs.add('connectorStatus');
    const res = await h.call('GET', '/connectors/a/status?secret=hunter2');
    expect(res.status).toBe(500);
    expect(res.body).toMatchObject({ error_code: 500, code: 'INTERNAL' });
    const errors = h.logger.entries.filter((e) => e.level === 'error');
    expect(errors).toHaveLength(1);
    expect(JSON.stringify(errors[0])).toContain('TypeError');
    expect(JSON.stringify(errors[0])).toContain('at ');
    expect(JSON.stringify(h.logger.entries)).not.toContain('hunter2');
  });

  it('rest server client errors are not logged as errors', async () => {
    h = await startHarness();
    await h.call('GET', '/connectors/nope');
    expect(h.logger.entries.filter((e) => e.level === 'error')).toEqual([]);
  });

  it('rest server never logs request bodies or ?config= values', async () => {
    h = await startHarness();
    await h.call('GET', `/connectors/a${configQuery({ 'connector.class': 'file-source', 'db.password': 'hunter2' })}`);
    await h.call('POST', '/connectors/b', { 'connector.class': 'file-source', 'db.password': 'hunter2' });
    await h.call('POST', '/connectors/c', { 'connector.class': 'nope', 'db.password': 'hunter2' });
    expect(h.logger.entries.length).toBeGreaterThan(0);
    expect(JSON.stringify(h.logger.entries)).not.toContain('hunter2');
  });

  it('rest server GET /metrics answers Prometheus text with its content type', async () => {
    h = await startHarness();
    const res = await h.call('GET', '/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(res.text).toContain('tributary_task_records_in_total{connector="a",task="0"} 3');
  });

  it('rest server HEAD on a GET route answers without a body', async () => {
    h = await startHarness();
    const res = await h.call('HEAD', '/connectors');
    expect(res.status).toBe(200);
    expect(res.text).toBe('');
  });

  it('rest server createRestApp with a bad maxBodyBytes throws naming it', () => {
    expect(() => createRestApp({ herder: new FakeHerder(), metrics: { text: async () => '', contentType: 'text/plain' }, logger: recordingLogger(), maxBodyBytes: 0, version: 'x' })).toThrow(/maxBodyBytes/);
  });

  it('rest server startRestServer on a busy port rejects naming host and port', async () => {
    h = await startHarness();
    const port = Number(new URL(h.url).port);
    const app = createRestApp({ herder: new FakeHerder(), metrics: { text: async () => '', contentType: 'text/plain' }, logger: recordingLogger(), maxBodyBytes: 1024, version: 'x' });
    await expect(startRestServer({ app, host: '127.0.0.1', port })).rejects.toMatchObject({ code: 'ILLEGAL_STATE', message: expect.stringContaining(`127.0.0.1:${port}`) });
  });

  it('rest server close stops listening and is idempotent', async () => {
    const started = await startHarness();
    expect(started.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    await started.call('GET', '/connectors');
    await Promise.all([started.close(), started.close()]);
    await expect(fetch(started.url + '/connectors')).rejects.toThrow();
  });
});
