import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './rest-harness';

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.close();
});

const fileSource = { 'connector.class': 'file-source', file: '/tmp/in.jsonl' };

describe('Kafka dialect /connectors', () => {
  it('GET /connectors lists names', async () => {
    h.herder.seed('a');
    h.herder.seed('b');
    const res = await h.call('GET', '/connectors');
    expect(res.status).toBe(200);
    expect(res.body).toEqual(['a', 'b']);
  });

  it('GET /connectors with expand=status and expand=info returns both per connector', async () => {
    h.herder.seed('a');
    const res = await h.call('GET', '/connectors?expand=status&expand=info');
    expect(res.status).toBe(200);
    const body = res.body as Record<string, { status: { connector: { state: string } }; info: { name: string } }>;
    expect(body.a!.status.connector.state).toBe('RUNNING');
    expect(body.a!.info.name).toBe('a');
  });

  it('GET /connectors with expand=status only omits info', async () => {
    h.herder.seed('a');
    const res = await h.call('GET', '/connectors?expand=status');
    expect(Object.keys((res.body as Record<string, object>).a!)).toEqual(['status']);
  });

  it('GET /connectors with an unknown expand answers 400 naming it', async () => {
    const res = await h.call('GET', '/connectors?expand=tasks');
    expect(res.status).toBe(400);
    expect((res.body as { message: string }).message).toContain('"tasks"');
  });

  it('POST /connectors creates and answers 201 with info and Location', async () => {
    const res = await h.call('POST', '/connectors', { name: 'orders', config: { ...fileSource, 'tasks.max': 3 } });
    expect(res.status).toBe(201);
    expect(res.headers.get('location')).toBe('/connectors/orders');
    expect(res.body).toMatchObject({ name: 'orders', type: 'source', config: { name: 'orders', 'tasks.max': '3' } });
    expect((res.body as { tasks: unknown[] }).tasks).toHaveLength(3);
  });

  it('POST /connectors with initial_state PAUSED passes the target state to the herder', async () => {
    await h.call('POST', '/connectors', { name: 'orders', config: fileSource, initial_state: 'PAUSED' });
    const put = h.herder.calls.find((c) => c.method === 'putConnectorConfig')!;
    expect(put.args[2]).toEqual({ allowReplace: false, initialState: 'PAUSED' });
  });

  it('POST /connectors with an existing name answers 409', async () => {
    h.herder.seed('orders');
    const res = await h.call('POST', '/connectors', { name: 'orders', config: fileSource });
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ error_code: 409, code: 'ALREADY_EXISTS' });
  });

  it('POST /connectors with a mismatching config name answers 400', async () => {
    const res = await h.call('POST', '/connectors', { name: 'orders', config: { ...fileSource, name: 'other' } });
    expect(res.status).toBe(400);
    expect((res.body as { message: string }).message).toContain('"other"');
  });

  it('POST /connectors without a name answers 400', async () => {
    const res = await h.call('POST', '/connectors', { config: fileSource });
    expect(res.status).toBe(400);
    expect((res.body as { message: string }).message).toContain('name');
  });

  it('POST /connectors with an invalid config answers 400 listing the fields', async () => {
    const res = await h.call('POST', '/connectors', { name: 'orders', config: { 'connector.class': 'nope', 'tasks.max': 'x' } });
    expect(res.status).toBe(400);
    const body = res.body as { code: string; errors: { name: string }[] };
    expect(body.code).toBe('CONFIG_INVALID');
    expect(body.errors.map((e) => e.name).sort()).toEqual(['connector.class', 'tasks.max']);
  });

  it('POST /connectors with a bad initial_state answers 400 naming it', async () => {
    const res = await h.call('POST', '/connectors', { name: 'orders', config: fileSource, initial_state: 'SLEEPING' });
    expect(res.status).toBe(400);
    expect((res.body as { message: string }).message).toContain('SLEEPING');
  });

  it('POST /connectors with a nested object value answers 400 naming the key', async () => {
    const res = await h.call('POST', '/connectors', { name: 'orders', config: { ...fileSource, nested: { a: 1 } } });
    expect(res.status).toBe(400);
    expect((res.body as { message: string }).message).toContain('"nested"');
  });

  it('GET /connectors/{name} returns info', async () => {
    h.herder.seed('a');
    const res = await h.call('GET', '/connectors/a');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ name: 'a', type: 'source', tasks: [{ connector: 'a', task: 0 }, { connector: 'a', task: 1 }] });
  });

  it('GET /connectors/{name} of an unknown connector answers 404', async () => {
    const res = await h.call('GET', '/connectors/nope');
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ error_code: 404, code: 'NOT_FOUND' });
    expect((res.body as { message: string }).message).toContain('nope');
  });

  it('DELETE /connectors/{name} answers 204 and removes it', async () => {
    h.herder.seed('a');
    const res = await h.call('DELETE', '/connectors/a');
    expect(res.status).toBe(204);
    expect(h.herder.connectorsByName.has('a')).toBe(false);
  });

  it('GET /connectors/{name}/config returns the config map with secrets hidden', async () => {
    h.herder.seed('a', { 'db.password': 's3cret' });
    const res = await h.call('GET', '/connectors/a/config');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ name: 'a', 'db.password': '[hidden]' });
  });

  it('PUT /connectors/{name}/config creates with 201 then updates with 200', async () => {
    const created = await h.call('PUT', '/connectors/a/config', fileSource);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'a', config: { name: 'a' } });
    const updated = await h.call('PUT', '/connectors/a/config', { ...fileSource, 'tasks.max': 4 });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ config: { 'tasks.max': '4' } });
  });

  it('PUT /connectors/{name}/config with a body that is not an object answers 400', async () => {
    const res = await h.call('PUT', '/connectors/a/config', [1, 2]);
    expect(res.status).toBe(400);
    expect((res.body as { message: string }).message).toContain('array');
  });

  it('PATCH /connectors/{name}/config with null removes the key', async () => {
    h.herder.seed('a', { extra: 'x' });
    const res = await h.call('PATCH', '/connectors/a/config', { extra: null, 'tasks.max': 5 });
    expect(res.status).toBe(200);
    const config = (res.body as { config: Record<string, string> }).config;
    expect(config.extra).toBeUndefined();
    expect(config['tasks.max']).toBe('5');
  });

  it('PATCH /connectors/{name}/config of an unknown connector answers 404', async () => {
    const res = await h.call('PATCH', '/connectors/nope/config', { a: 'b' });
    expect(res.status).toBe(404);
  });

  it('GET /connectors/{name}/status returns connector and task states', async () => {
    h.herder.seed('a');
    const res = await h.call('GET', '/connectors/a/status');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ name: 'a', connector: { state: 'RUNNING', worker_id: 'worker-1' }, tasks: [{ id: 0 }, { id: 1 }], type: 'source' });
  });

  it('GET /connectors/{name}/tasks returns task configs', async () => {
    h.herder.seed('a');
    const res = await h.call('GET', '/connectors/a/tasks');
    expect(res.status).toBe(200);
    expect(res.body).toHaveLength(2);
    expect((res.body as { id: unknown }[])[1]!.id).toEqual({ connector: 'a', task: 1 });
  });

  it('GET /connectors/{name}/tasks/{id}/status returns one task state', async () => {
    h.herder.seed('a');
    const res = await h.call('GET', '/connectors/a/tasks/1/status');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: 1, state: 'RUNNING' });
  });

  it.each(['-1', 'x', '1.5', '01a'])('GET /connectors/{name}/tasks/%s/status answers 400 naming the task id', async (id) => {
    h.herder.seed('a');
    const res = await h.call('GET', `/connectors/a/tasks/${id}/status`);
    expect(res.status).toBe(400);
    expect((res.body as { message: string }).message).toContain(JSON.stringify(id));
  });

  it('GET /connectors/{name}/tasks/{id}/status of an unknown task answers 404', async () => {
    h.herder.seed('a');
    const res = await h.call('GET', '/connectors/a/tasks/9/status');
    expect(res.status).toBe(404);
  });

  it('POST /connectors/{name}/tasks/{id}/restart answers 204', async () => {
    h.herder.seed('a');
    const res = await h.call('POST', '/connectors/a/tasks/0/restart');
    expect(res.status).toBe(204);
    expect(h.herder.calls.some((c) => c.method === 'restartTask' && c.args[1] === 0)).toBe(true);
  });

  it('PUT /connectors/{name}/pause, resume and stop answer 202', async () => {
    h.herder.seed('a');
    expect((await h.call('PUT', '/connectors/a/pause')).status).toBe(202);
    expect(h.herder.connectorsByName.get('a')!.target).toBe('PAUSED');
    expect((await h.call('PUT', '/connectors/a/resume')).status).toBe(202);
    expect(h.herder.connectorsByName.get('a')!.target).toBe('STARTED');
    expect((await h.call('PUT', '/connectors/a/stop')).status).toBe(202);
    expect(h.herder.connectorsByName.get('a')!.target).toBe('STOPPED');
    // Kafka's stop keeps the connector; only RocketMQ's GET .../stop deletes it.
    expect(h.herder.connectorsByName.has('a')).toBe(true);
  });

  it('PUT /connectors/{name}/pause in a wrong state answers 409', async () => {
    h.herder.seed('a', {}, 'STOPPED');
    const res = await h.call('PUT', '/connectors/a/pause');
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ code: 'ILLEGAL_STATE' });
  });

  it('POST /connectors/{name}/restart without options answers 204', async () => {
    h.herder.seed('a');
    const res = await h.call('POST', '/connectors/a/restart');
    expect(res.status).toBe(204);
    expect(h.herder.calls.find((c) => c.method === 'restartConnector')!.args[1]).toEqual({ includeTasks: false, onlyFailed: false });
  });

  it('POST /connectors/{name}/restart with includeTasks and onlyFailed answers 202 with status', async () => {
    h.herder.seed('a');
    h.herder.connectorsByName.get('a')!.failedTasks.add(1);
    const res = await h.call('POST', '/connectors/a/restart?includeTasks=true&onlyFailed=true');
    expect(res.status).toBe(202);
    expect((res.body as { tasks: { id: number; state: string }[] }).tasks).toEqual([
      expect.objectContaining({ id: 0, state: 'RUNNING' }),
      expect.objectContaining({ id: 1, state: 'RESTARTING' }),
    ]);
  });

  it('POST /connectors/{name}/restart with a non-boolean flag answers 400 naming it', async () => {
    h.herder.seed('a');
    const res = await h.call('POST', '/connectors/a/restart?includeTasks=yes');
    expect(res.status).toBe(400);
    expect((res.body as { message: string }).message).toContain('includeTasks');
  });

  it('GET /connectors/{name}/offsets returns the offsets', async () => {
    h.herder.seed('a');
    const res = await h.call('GET', '/connectors/a/offsets');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ offsets: [{ partition: { file: '/tmp/in.jsonl' }, offset: { position: 42 } }] });
  });

  it('PATCH /connectors/{name}/offsets while running answers 409', async () => {
    h.herder.seed('a');
    const res = await h.call('PATCH', '/connectors/a/offsets', { offsets: [{ partition: { file: 'x' }, offset: { position: 1 } }] });
    expect(res.status).toBe(409);
  });

  it('PATCH and DELETE /connectors/{name}/offsets while stopped answer 200 with a message', async () => {
    h.herder.seed('a', {}, 'STOPPED');
    const offsets = { offsets: [{ partition: { topic: 't', queue: '0' }, offset: { offset: 7 } }, { partition: { file: 'y' }, offset: null }] };
    const patched = await h.call('PATCH', '/connectors/a/offsets', offsets);
    expect(patched.status).toBe(200);
    expect(patched.body).toEqual({ message: expect.stringContaining('altered') });
    expect(h.herder.connectorsByName.get('a')!.offsets).toEqual(offsets);
    const reset = await h.call('DELETE', '/connectors/a/offsets');
    expect(reset.status).toBe(200);
    expect(reset.body).toEqual({ message: expect.stringContaining('reset') });
  });

  it('PATCH /connectors/{name}/offsets with a malformed entry answers 400 naming its index', async () => {
    h.herder.seed('a', {}, 'STOPPED');
    const res = await h.call('PATCH', '/connectors/a/offsets', { offsets: [{ partition: { f: 1 }, offset: 3 }] });
    expect(res.status).toBe(400);
    expect((res.body as { message: string }).message).toContain('offsets[0].offset');
  });
});
