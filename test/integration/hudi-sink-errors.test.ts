// Records that do not fit the table's Avro schema, on a real worker: with errors.tolerance=none the
// hudi-sink task becomes FAILED with a message naming the field, the expected type and the value; with
// errors.tolerance=all the record is skipped, counted in the metrics, and the good records land.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { duckdbRows, latestSliceFiles } from '../helpers/hudi-files';
import { api, startWorker, until, workerDir, writeConf, type WorkerHandle } from '../helpers/worker-process';

const running: WorkerHandle[] = [];
afterAll(async () => {
  for (const w of running) if (w.child.exitCode === null) await w.kill('SIGKILL');
});

const SCHEMA = { type: 'record', name: 'Reading', namespace: 'test', fields: [{ name: 'id', type: 'string' }, { name: 'value', type: 'double' }] };

describe('hudi-sink with records that do not fit the schema', () => {
  it('errors.tolerance none fails the task naming the field; all skips and counts the record', async () => {
    const dir = workerDir('hudi-errors-');
    const conf = writeConf(dir, { embeddedQueuesPerTopic: '1' });
    writeFileSync(path.join(dir, 'data', 'reading.avsc'), JSON.stringify(SCHEMA));
    writeFileSync(path.join(dir, 'data', 'in.jsonl'), ['{"id":"a","value":1.5}', '{"id":"b","value":"12,5"}', '{"id":"c","value":3}'].join('\n') + '\n');
    const w = await startWorker(dir, conf);
    running.push(w);
    await api(w.url, 'POST', '/connectors', { name: 'src', config: { 'connector.class': 'file-source', file: 'data/in.jsonl', format: 'jsonl', 'connect.topicname': 'readings' } });
    const sink = (name: string, tolerance: string) => ({
      name,
      config: {
        'connector.class': 'hudi-sink',
        'connect.topicnames': 'readings',
        tablePath: `data/${name}`,
        schemaPath: 'data/reading.avsc',
        'hoodie.datasource.write.recordkey.field': 'id',
        'commit.interval.ms': '0',
        'errors.tolerance': tolerance,
        'errors.log.enable': 'true',
        'task.group.id': `group-${name}`,
      },
    });
    expect((await api(w.url, 'POST', '/connectors', sink('strict', 'none'))).status).toBe(201);
    expect((await api(w.url, 'POST', '/connectors', sink('lenient', 'all'))).status).toBe(201);

    const failed = await until('strict task FAILED', async () => {
      const t = (await api(w.url, 'GET', '/connectors/strict/status')).body.tasks?.[0];
      return t?.state === 'FAILED' ? t : undefined;
    });
    expect(failed.trace).toMatch(/field value: expected double, got "12,5" \(string\)/);
    expect(failed.trace).toMatch(/errors\.tolerance=all/);

    await until('lenient table holds a and c', async () => {
      const rows = await duckdbRows(latestSliceFiles(path.join(dir, 'data', 'lenient')));
      return rows.map((r) => r['id']).sort().join(',') === 'a,c';
    });
    const metrics = await (await fetch(`${w.url}/metrics`)).text();
    expect(metrics).toMatch(/tributary_task_records_skipped_total\{connector="lenient",task="0"\} 1/);
    expect((await api(w.url, 'GET', '/connectors/lenient/status')).body.tasks[0].state).toBe('RUNNING');
    expect(w.logs.some((l) => l.includes('record skipped') && l.includes('lenient'))).toBe(true);
    expect(await w.kill('SIGTERM')).toBe(0);
  }, 120_000);
});
