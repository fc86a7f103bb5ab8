// The Hudi sink's commit.interval.ms kept to the clock, on a real worker: with the worker's own offset
// commit an hour away and no more records arriving, a batch is committed to the table once its interval
// ends, each batch as one commit, and the sink's offsets follow the table commit.
import { appendFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { completedCommits, duckdbRows, latestSliceFiles } from '../helpers/hudi-files';
import { api, startWorker, until, workerDir, writeConf, type WorkerHandle } from '../helpers/worker-process';

const running: WorkerHandle[] = [];
afterAll(async () => {
  for (const w of running) if (w.child.exitCode === null) await w.kill('SIGKILL');
});

const SCHEMA = { type: 'record', name: 'Reading', namespace: 'test', fields: [{ name: 'id', type: 'string' }, { name: 'value', type: 'double' }] };

describe('hudi-sink commit cadence', () => {
  it('a batch is committed when commit.interval.ms ends, with no further records and the offset commit an hour away', async () => {
    const dir = workerDir('hudi-cadence-');
    const conf = writeConf(dir, { embeddedQueuesPerTopic: '1', offsetCommitIntervalMs: '3600000' });
    writeFileSync(path.join(dir, 'data', 'reading.avsc'), JSON.stringify(SCHEMA));
    const input = path.join(dir, 'data', 'in.jsonl');
    writeFileSync(input, ['{"id":"a","value":1}', '{"id":"b","value":2}'].join('\n') + '\n');
    const w = await startWorker(dir, conf);
    running.push(w);
    await api(w.url, 'POST', '/connectors', { name: 'src', config: { 'connector.class': 'file-source', file: 'data/in.jsonl', format: 'jsonl', 'connect.topicname': 'readings' } });
    const created = await api(w.url, 'POST', '/connectors', {
      name: 'table',
      config: {
        'connector.class': 'hudi-sink',
        'connect.topicnames': 'readings',
        tablePath: 'data/table',
        schemaPath: 'data/reading.avsc',
        'hoodie.datasource.write.recordkey.field': 'id',
        'commit.interval.ms': '700',
        'commit.max.records': '100000',
      },
    });
    expect(created.status).toBe(201);
    const table = path.join(dir, 'data', 'table');
    const rows = async (): Promise<string> => (await duckdbRows(latestSliceFiles(table))).map((r) => r['id']).sort().join(',');

    await until('the first batch is committed', async () => completedCommits(table).length === 1 && (await rows()) === 'a,b');
    appendFileSync(input, '{"id":"c","value":3}\n');
    await until('the second batch is committed', async () => completedCommits(table).length === 2 && (await rows()) === 'a,b,c');
    expect(completedCommits(table)).toHaveLength(2);

    // The sink's offsets were committed with the table commits, not an hour later.
    const offsets = (await api(w.url, 'GET', '/connectors/table/offsets')).body.offsets;
    expect(offsets).toEqual([{ partition: { topic: 'readings', queue: '0' }, offset: { offset: 3 } }]);
    expect(await w.kill('SIGTERM')).toBe(0);
  }, 120_000);
});
