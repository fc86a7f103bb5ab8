import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { configQuery, startHarness, type Harness } from './rest-harness';

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.close();
});

const seedConfig = { 'connector-class': 'org.apache.rocketmq.connect.file.FileSourceConnector', file: '/tmp/in.jsonl', 'connect.topicname': 'fileTopic' };

describe('RocketMQ dialect /connectors', () => {
  it('GET /connectors/{name}?config= creates with the envelope and stringified values', async () => {
    const res = await h.call('GET', `/connectors/fileSource${configQuery({ ...seedConfig, 'tasks.max': 2, 'errors.log.enable': true })}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 200, body: { name: 'fileSource', type: 'source' } });
    const put = h.herder.calls.find((c) => c.method === 'putConnectorConfig')!;
    expect(put.args[1]).toMatchObject({ name: 'fileSource', 'tasks.max': '2', 'errors.log.enable': 'true', 'connector-class': seedConfig['connector-class'] });
    expect(put.args[2]).toEqual({ allowReplace: true });
  });

  it('GET /connectors/{name}?config= with malformed JSON answers 400 naming the parse problem', async () => {
    const res = await h.call('GET', `/connectors/x?config=${encodeURIComponent('{"a": ')}`);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error_code: 400, code: 'BAD_REQUEST' });
    expect((res.body as { message: string }).message).toMatch(/malformed JSON in query parameter config: .+/);
  });

  it('GET /connectors/{name}?config= empty answers 400', async () => {
    const res = await h.call('GET', '/connectors/x?config=');
    expect(res.status).toBe(400);
    expect((res.body as { message: string }).message).toContain('config');
  });

  it('GET /connectors/{name}?config= with an invalid config answers 400 with field errors', async () => {
    const res = await h.call('GET', `/connectors/x${configQuery({ 'connector-class': 'Unknown', file: 'f' })}`);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: 'CONFIG_INVALID', errors: [{ name: 'connector.class' }] });
  });

  it('POST /connectors/{name} with the config map creates', async () => {
    const res = await h.call('POST', '/connectors/fileSource', seedConfig);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 200, body: { name: 'fileSource' } });
    expect(h.herder.connectorsByName.has('fileSource')).toBe(true);
  });

  it('POST /connectors/{name} with a {config} body creates', async () => {
    const res = await h.call('POST', '/connectors/fileSource', { config: { ...seedConfig, 'tasks.max': 3 } });
    expect(res.status).toBe(200);
    expect(h.herder.connectorsByName.get('fileSource')!.config).toMatchObject({ 'tasks.max': '3', name: 'fileSource' });
  });

  it('POST /connectors/{name} without Content-Type still parses the JSON body (bare curl -d)', async () => {
    const res = await h.call('POST', '/connectors/fileSource', JSON.stringify(seedConfig), { 'content-type': 'application/x-www-form-urlencoded' });
    expect(res.status).toBe(200);
    expect(h.herder.connectorsByName.has('fileSource')).toBe(true);
  });

  it('POST /connectors/{name} without a body answers 400', async () => {
    const res = await h.call('POST', '/connectors/fileSource');
    expect(res.status).toBe(400);
    expect((res.body as { message: string }).message).toContain('request body is required');
  });

  it('POST /connectors/{name} with a null value answers 400 naming the key', async () => {
    const res = await h.call('POST', '/connectors/fileSource', { ...seedConfig, file: null });
    expect(res.status).toBe(400);
    expect((res.body as { message: string }).message).toContain('"file"');
  });

  it('GET /connectors/{name}/stop deletes the connector', async () => {
    h.herder.seed('a');
    const res = await h.call('GET', '/connectors/a/stop');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 200, body: 'Connector [a] deleted successfully' });
    expect(h.herder.connectorsByName.has('a')).toBe(false);
    expect(h.herder.calls.some((c) => c.method === 'deleteConnector')).toBe(true);
  });

  it('GET /connectors/{name}/stop of an unknown connector answers 404, not 200', async () => {
    const res = await h.call('GET', '/connectors/nope/stop');
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ error_code: 404, code: 'NOT_FOUND' });
  });

  it('GET /connectors/{name}/pause and /resume answer the envelope', async () => {
    h.herder.seed('a');
    const paused = await h.call('GET', '/connectors/a/pause');
    expect(paused.body).toEqual({ status: 200, body: 'Connector [a] paused successfully' });
    expect(h.herder.connectorsByName.get('a')!.target).toBe('PAUSED');
    const resumed = await h.call('GET', '/connectors/a/resume');
    expect(resumed.body).toEqual({ status: 200, body: 'Connector [a] resumed successfully' });
    expect(h.herder.connectorsByName.get('a')!.target).toBe('STARTED');
  });

  it('GET /connectors/{name}/pause in a wrong state answers 409', async () => {
    h.herder.seed('a', {}, 'STOPPED');
    expect((await h.call('GET', '/connectors/a/pause')).status).toBe(409);
  });

  it('GET /connectors/pause/all and /resume/all act on every connector', async () => {
    h.herder.seed('a');
    h.herder.seed('b');
    const paused = await h.call('GET', '/connectors/pause/all');
    expect(paused.body).toEqual({ status: 200, body: '2 connectors paused' });
    expect([...h.herder.connectorsByName.values()].map((c) => c.target)).toEqual(['PAUSED', 'PAUSED']);
    const resumed = await h.call('GET', '/connectors/resume/all');
    expect(resumed.body).toEqual({ status: 200, body: '2 connectors resumed' });
    expect([...h.herder.connectorsByName.values()].map((c) => c.target)).toEqual(['STARTED', 'STARTED']);
  });

  it('GET /connectors/stop/all removes every connector', async () => {
    h.herder.seed('a');
    h.herder.seed('b');
    const res = await h.call('GET', '/connectors/stop/all');
    expect(res.status).toBe(200);
    expect(h.herder.connectorsByName.size).toBe(0);
    expect((res.body as { body: string }).body).toContain('a, b');
  });

  it('GET /connectors/list returns status and info per connector', async () => {
    h.herder.seed('a');
    const res = await h.call('GET', '/connectors/list');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 200, body: { a: { status: { name: 'a' }, info: { name: 'a' } } } });
  });

  it('GET /getConfigInfo returns connector and task configs', async () => {
    h.herder.seed('a');
    const res = await h.call('GET', '/getConfigInfo');
    expect(res.status).toBe(200);
    const body = (res.body as { body: { connectorConfigs: Record<string, object>; taskConfigs: Record<string, object[]> } }).body;
    expect(body.connectorConfigs.a).toMatchObject({ name: 'a' });
    expect(body.taskConfigs.a).toHaveLength(2);
  });

  it('GET shared /connectors/{name}/config, /status and /tasks answer in Kafka shape', async () => {
    h.herder.seed('a');
    expect((await h.call('GET', '/connectors/a/config')).body).toMatchObject({ name: 'a' });
    expect((await h.call('GET', '/connectors/a/status')).body).toMatchObject({ name: 'a', connector: { state: 'RUNNING' } });
    expect(Array.isArray((await h.call('GET', '/connectors/a/tasks')).body)).toBe(true);
  });
});

describe('RocketMQ dialect route order', () => {
  it('route order GET /connectors/list lists, even when no connector is called list', async () => {
    const res = await h.call('GET', '/connectors/list');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 200, body: {} });
    expect(h.herder.calls.some((c) => c.method === 'connectorInfo')).toBe(false);
  });

  it.each(['stop', 'pause', 'resume'])('route order GET /connectors/%s/all is not taken as a connector name', async (what) => {
    h.herder.seed(what);
    const res = await h.call('GET', `/connectors/${what}/all`);
    expect(res.status).toBe(200);
    // No per-connector call carried the literal segment as the connector name before the /all action.
    expect(h.herder.calls.some((c) => c.method === 'connectors')).toBe(true);
  });

  it('route order a connector named stop is still reachable by its own paths', async () => {
    h.herder.seed('stop');
    expect((await h.call('GET', '/connectors/stop')).body).toMatchObject({ name: 'stop' });
    expect((await h.call('GET', '/connectors/stop/status')).body).toMatchObject({ name: 'stop' });
  });

  it('route order GET /connectors/{name} without config gets info and does not create', async () => {
    h.herder.seed('a');
    const res = await h.call('GET', '/connectors/a');
    expect(res.body).toMatchObject({ name: 'a', tasks: expect.any(Array) });
    expect(h.herder.calls.some((c) => c.method === 'putConnectorConfig')).toBe(false);
  });

  it('route order creating a connector named list answers 400 (it could not be addressed)', async () => {
    const viaPost = await h.call('POST', '/connectors', { name: 'list', config: { 'connector.class': 'file-source', file: 'f' } });
    expect(viaPost.status).toBe(400);
    expect((viaPost.body as { message: string }).message).toContain('reserved');
    const viaQuery = await h.call('GET', `/connectors/list${configQuery({ 'connector.class': 'file-source' })}`);
    expect(viaQuery.status).toBe(400);
    expect((viaQuery.body as { message: string }).message).toContain('reserved');
    expect(h.herder.calls.some((c) => c.method === 'putConnectorConfig')).toBe(false);
  });

  it('route order DELETE /connectors/list answers 405, not a delete of a connector named list', async () => {
    const res = await h.call('DELETE', '/connectors/list');
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, HEAD, OPTIONS');
    expect(h.herder.calls.some((c) => c.method === 'deleteConnector')).toBe(false);
  });
});
