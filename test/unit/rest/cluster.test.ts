import { afterEach, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './rest-harness';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('cluster routes', () => {
  it('GET / returns version, commit, worker id and cluster', async () => {
    h = await startHarness();
    const res = await h.call('GET', '/');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ version: '0.1.0-test', commit: 'abc123', worker_id: 'worker-1', cluster: 'embedded' });
  });

  it('GET / with an explicit cluster shows it', async () => {
    h = await startHarness({ cluster: 'DefaultCluster' });
    expect((await h.call('GET', '/')).body).toMatchObject({ cluster: 'DefaultCluster' });
  });

  it('GET /health when the herder has started answers 200 healthy', async () => {
    h = await startHarness();
    const res = await h.call('GET', '/health');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'healthy' });
  });

  it('GET /health before the herder has started answers 503 starting', async () => {
    h = await startHarness();
    h.herder.started = false;
    const res = await h.call('GET', '/health');
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({ status: 'starting' });
  });

  it('GET /health with a ready probe follows the probe', async () => {
    let ready = false;
    h = await startHarness({ ready: () => ready });
    expect((await h.call('GET', '/health')).status).toBe(503);
    ready = true;
    expect((await h.call('GET', '/health')).status).toBe(200);
  });

  it('GET /health with a throwing probe answers 500 unhealthy', async () => {
    h = await startHarness({ ready: () => { throw new Error('store closed'); } });
    const res = await h.call('GET', '/health');
    expect(res.status).toBe(500);
    expect(res.body).toMatchObject({ status: 'unhealthy', message: expect.stringContaining('store closed') });
  });

  it('GET /getClusterInfo returns the workers in the envelope', async () => {
    h = await startHarness();
    const res = await h.call('GET', '/getClusterInfo');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 200, body: [{ workerId: 'worker-1', transport: 'embedded' }] });
  });

  it.each(['/allocated/connectors', '/getAllocatedConnectors'])('GET %s maps connector names to configs', async (path) => {
    h = await startHarness();
    h.herder.seed('a');
    const res = await h.call('GET', path);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 200, body: { a: { name: 'a', 'connector.class': 'file-source' } } });
  });

  it.each(['/allocated/tasks', '/getAllocatedTasks'])('GET %s groups tasks by state', async (path) => {
    h = await startHarness();
    h.herder.seed('a');
    h.herder.connectorsByName.get('a')!.failedTasks.add(1);
    h.herder.seed('b', {}, 'PAUSED');
    const res = await h.call('GET', path);
    expect(res.status).toBe(200);
    const body = (res.body as { body: Record<string, { connector: string; task: number; state: string; trace?: string }[]> }).body;
    expect(body.runningTasks).toEqual([{ connector: 'a', task: 0, state: 'RUNNING', worker_id: 'worker-1' }]);
    expect(body.errorTasks).toEqual([{ connector: 'a', task: 1, state: 'FAILED', worker_id: 'worker-1', trace: 'Error: disk full' }]);
    expect(body.pausedTasks!.map((t) => t.task)).toEqual([0, 1]);
    expect(body.pendingTasks).toEqual([]);
    expect(body.stoppedTasks).toEqual([]);
  });
});
