// The hudi-sink task with fake SPI contexts on a temp table: exactly-once bookkeeping (skip what the
// last commit holds, seek to its resume offsets, report safe only committed offsets), errant records,
// the commit cadence, and the final commit on stop.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HudiSinkConnector, HudiSinkTask } from '../../../../plugins/hudi/hudi-sink';
import { fakeSinkTaskContext, sinkRecords, type FakeSinkTaskContext } from '../../../helpers/fake-contexts';
import { completedCommits } from '../../../helpers/hudi-files';
import { tableFixture, type Payment, type TableFixture } from '../../../helpers/hudi-table';

const TOPIC = 'pay';
const Q0 = { topic: TOPIC, queue: '0' };
const Q1 = { topic: TOPIC, queue: '1' };

const fixtures: TableFixture[] = [];
const tasks: HudiSinkTask[] = [];
afterEach(async () => {
  for (const t of tasks.splice(0)) await t.stop().catch(() => undefined);
  for (const f of fixtures.splice(0)) await f.close();
});

interface Sink {
  f: TableFixture;
  config: Record<string, string>;
  /** Starts a new task on the table (a restart, when one ran before). */
  start(overrides?: Record<string, string>, options?: { tolerateErrors?: boolean }): Promise<{ task: HudiSinkTask; ctx: FakeSinkTaskContext }>;
}

async function sink(config: Record<string, string> = {}): Promise<Sink> {
  const f = await tableFixture();
  fixtures.push(f);
  const base: Record<string, string> = {
    topicNames: TOPIC,
    tablePath: f.table,
    tableName: 'payments',
    schemaPath: f.schemaPath,
    'hoodie.datasource.write.recordkey.field': 'id',
    'hoodie.datasource.write.precombine.field': 'ver',
    'hoodie.datasource.write.partitionpath.field': 'region',
    'hoodie.index.bloom.num_entries': '200',
    'parquet.encoder.threads': '0',
    'commit.interval.ms': '3600000',
    'commit.max.records': '100000',
    ...config,
  };
  return {
    f,
    config: base,
    start: async (overrides = {}, options = {}) => {
      const task = new HudiSinkTask();
      tasks.push(task);
      const ctx = fakeSinkTaskContext({ baseDir: f.dir, assignment: [Q0, Q1], ...options });
      await task.start({ ...base, ...overrides }, ctx);
      return { task, ctx };
    },
  };
}

const pay = (id: string, ver = 1, amount = ver, region = 'eu'): Payment => ({ id, region, amount, ver, _hoodie_is_deleted: false });
const records = (values: unknown[], from = 0, queue = '0') => sinkRecords(values, { topic: TOPIC, queue, from });

async function positions(f: TableFixture): Promise<Record<string, [number, number][]>> {
  const commits = f.commits();
  const meta = await f.commitMetadata(commits[commits.length - 1]!);
  return JSON.parse(meta.extraMetadata['tributary.positions'] ?? '{}') as Record<string, [number, number][]>;
}

describe('HudiSinkTask exactly-once', () => {
  it('put after a restart skips records whose offsets the last commit covers and writes the rest', async () => {
    const s = await sink();
    const first = await s.start();
    await first.task.put(records([pay('k0'), pay('k1'), pay('k2')]));
    await first.task.stop();
    expect(await positions(s.f)).toEqual({ 'pay/0': [[0, 3]] });

    const second = await s.start();
    // Offsets 0-2 come again (with other content, to see whether they are written) and 3-4 are new.
    await second.task.put(records([pay('k0', 9, 90), pay('k1', 9, 90), pay('k2', 9, 90), pay('k3'), pay('k4')]));
    await second.task.stop();
    expect(await s.f.snapshot()).toEqual(['eu/k0@1:1', 'eu/k1@1:1', 'eu/k2@1:1', 'eu/k3@1:1', 'eu/k4@1:1']);
    expect(await positions(s.f)).toEqual({ 'pay/0': [[0, 5]] });
  });

  it('put of only records the last commit covers buffers nothing and requests no commit', async () => {
    const s = await sink({ 'commit.interval.ms': '0' });
    const first = await s.start();
    await first.task.put(records([pay('k0'), pay('k1')]));
    await first.task.stop();
    const second = await s.start();
    await second.task.put(records([pay('k0', 5), pay('k1', 5)]));
    expect(second.ctx.commitRequests).toBe(0);
    await second.task.stop();
    expect(s.f.commits()).toHaveLength(1);
  });

  it('open seeks each assigned queue to the end of its committed range, and no other queue', async () => {
    const s = await sink();
    const first = await s.start();
    first.task.open([Q0, Q1]);
    expect(first.ctx.seeks).toEqual([]); // a new table: nothing to resume from
    await first.task.put([...records([pay('a0'), pay('a1'), pay('a2')], 10, '0'), ...records([pay('b0')], 4, '1')]);
    await first.task.stop();

    const second = await s.start();
    second.task.open([Q0]);
    expect(second.ctx.seeks).toEqual([[{ topic: TOPIC, queue: '0', offset: 13 }]]);
    second.task.open([Q0, Q1]);
    expect(second.ctx.seeks[1]).toEqual(expect.arrayContaining([{ topic: TOPIC, queue: '0', offset: 13 }, { topic: TOPIC, queue: '1', offset: 5 }]));
    expect(second.ctx.seeks[1]).toHaveLength(2);
  });

  it('preCommit returns no offset beyond what a completed commit holds', async () => {
    const s = await sink({ 'commit.max.records': '5' });
    const { task } = await s.start();
    const f = s.f;
    await task.put(records([pay('k0'), pay('k1'), pay('k2')]));
    // Nothing committed yet: no offset is safe.
    expect(await task.preCommit([{ ...Q0, offset: 3 }])).toEqual([]);
    expect(f.commits()).toEqual([]);
    await task.put(records([pay('k3'), pay('k4')], 3));
    // The batch is full: preCommit commits it and reports its end.
    expect(await task.preCommit([{ ...Q0, offset: 5 }])).toEqual([{ ...Q0, offset: 5 }]);
    expect(f.commits()).toHaveLength(1);
    await task.put(records([pay('k5'), pay('k6')], 5));
    // Buffered but not committed: still the end of the commit, not the consumer's position.
    expect(await task.preCommit([{ ...Q0, offset: 7 }, { ...Q1, offset: 40 }])).toEqual([{ ...Q0, offset: 5 }]);
    expect(await task.preCommit([{ ...Q0, offset: 4 }])).toEqual([{ ...Q0, offset: 4 }]);
    expect(f.commits()).toHaveLength(1);
  });
});

describe('HudiSinkTask errant records', () => {
  it('a record that does not fit the schema goes to the errant record reporter naming the field, and the rest are written', async () => {
    const s = await sink();
    const { task, ctx } = await s.start();
    await task.put(records([pay('k0'), { id: 'k1', region: 'eu', amount: 'lots', ver: 1 }, pay('k2')]));
    expect(ctx.errant).toHaveLength(1);
    expect(ctx.errant[0]!.record).toMatchObject({ topic: TOPIC, queue: '0', offset: 1 });
    expect(ctx.errant[0]!.error).toMatchObject({ code: 'CONVERSION_FAILED' });
    expect(ctx.errant[0]!.error.message).toContain('amount');
    expect(ctx.errant[0]!.error.message).toContain('lots');
    await task.stop();
    expect(await s.f.snapshot()).toEqual(['eu/k0@1:1', 'eu/k2@1:1']);
    // The errant record's offset is consumed with its batch: a restart does not report it again.
    expect(await positions(s.f)).toEqual({ 'pay/0': [[0, 3]] });
  });

  it('with errors not tolerated, put rejects on a record that does not fit', async () => {
    const s = await sink();
    const { task } = await s.start({}, { tolerateErrors: false });
    await expect(task.put(records([{ id: 'k1', region: 'eu', amount: 1, ver: 'one' }]))).rejects.toThrow(/ver/);
  });

  it('start with a record key field that is not in the schema fails naming the key', async () => {
    const s = await sink();
    await expect(s.start({ 'hoodie.datasource.write.recordkey.field': 'orderId' })).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      errors: [expect.objectContaining({ name: 'hoodie.datasource.write.recordkey.field', message: expect.stringContaining('"orderId"') })],
    });
  });
});

describe('HudiSinkTask commit cadence', () => {
  it('commit.max.records requests a commit when that many records are buffered', async () => {
    const s = await sink({ 'commit.max.records': '3' });
    const { task, ctx } = await s.start();
    await task.put(records([pay('k0'), pay('k1')]));
    expect(ctx.commitRequests).toBe(0);
    await task.put(records([pay('k2')], 2));
    expect(ctx.commitRequests).toBe(1);
    await task.preCommit([{ ...Q0, offset: 3 }]);
    expect(s.f.commits()).toHaveLength(1);
    // The buffer starts over.
    await task.put(records([pay('k3')], 3));
    expect(ctx.commitRequests).toBe(1);
  });

  it('commit.max.bytes requests a commit when the buffered message bodies reach it', async () => {
    const s = await sink({ 'commit.max.bytes': '120' });
    const { task, ctx } = await s.start();
    const body = (p: Payment) => JSON.stringify(p); // ~70 bytes each
    await task.put(records([body(pay('k0'))]));
    expect(ctx.commitRequests).toBe(0);
    await task.put(records([body(pay('k1'))], 1));
    expect(ctx.commitRequests).toBe(1);
  });

  it('commit.interval.ms asks the runtime for a commit when the interval of the first buffered record ends', async () => {
    const s = await sink({ 'commit.interval.ms': '2500' });
    const { task, ctx } = await s.start();
    await task.put(records([pay('k0')]));
    await task.put(records([pay('k1')], 1));
    // One request, for the first record's deadline; none at once.
    expect(ctx.commitDelays).toEqual([2500]);
    expect(ctx.commitRequests).toBe(0);
    await task.stop();
  });

  it('commit.interval.ms 0 requests a commit on every put that buffers a record, and preCommit commits it', async () => {
    const s = await sink({ 'commit.interval.ms': '0' });
    const { task, ctx } = await s.start();
    await task.put(records([pay('k0')]));
    expect(ctx.commitRequests).toBe(1);
    expect(await task.preCommit([{ ...Q0, offset: 1 }])).toEqual([{ ...Q0, offset: 1 }]);
    await task.put(records([pay('k1')], 1));
    expect(ctx.commitRequests).toBe(2);
    await task.preCommit([{ ...Q0, offset: 2 }]);
    expect(s.f.commits()).toHaveLength(2);
    // An empty buffer is never due: no empty commits.
    await task.put([]);
    await task.preCommit([{ ...Q0, offset: 2 }]);
    expect(ctx.commitRequests).toBe(2);
    expect(s.f.commits()).toHaveLength(2);
  });
});

describe('HudiSinkTask errant-only batches', () => {
  it('a batch whose every record was errant commits its positions with no data files', async () => {
    const s = await sink({ 'commit.interval.ms': '0' });
    const { task } = await s.start();
    const bad = records([pay('k0')]).map((r) => ({ ...r, value: { id: 'k0', region: 'eu', amount: 'lots', ver: 1 } }));
    await task.put(bad);
    expect(await task.preCommit([{ ...Q0, offset: 1 }])).toEqual([{ ...Q0, offset: 1 }]);
    expect(s.f.commits()).toHaveLength(1);
    const meta = await s.f.commitMetadata(s.f.commits()[0]!);
    expect(meta.partitionToWriteStats).toEqual({});
    expect(JSON.parse(meta.extraMetadata['tributary.positions']!)).toEqual({ [`${Q0.topic}/${Q0.queue}`]: [[0, 1]] });
  });
});

describe('HudiSinkTask stop', () => {
  it('stop commits what is buffered, with its positions', async () => {
    const s = await sink();
    const { task } = await s.start();
    await task.put(records([pay('k0'), pay('k1', 2, 7, 'us')], 0));
    await task.put(records([pay('k2')], 0, '1'));
    expect(s.f.commits()).toEqual([]);
    await task.stop();
    const commits = completedCommits(s.f.table);
    expect(commits).toHaveLength(1);
    expect(await s.f.snapshot()).toEqual(['eu/k0@1:1', 'eu/k2@1:1', 'us/k1@2:7']);
    expect(await positions(s.f)).toEqual({ 'pay/0': [[0, 2]], 'pay/1': [[0, 1]] });
    const meta = JSON.parse(readFileSync(path.join(s.f.table, '.hoodie', `${commits[0]}.commit`), 'utf8')) as { operationType: string };
    expect(meta.operationType).toBe('UPSERT');
  });

  it('stop with nothing buffered writes no commit', async () => {
    const s = await sink();
    const { task } = await s.start();
    await task.stop();
    expect(s.f.commits()).toEqual([]);
  });

  it('delete markers in the stream remove their keys', async () => {
    const s = await sink();
    const first = await s.start();
    await first.task.put(records([pay('k0'), pay('k1')]));
    await first.task.stop();
    const second = await s.start();
    await second.task.put(records([{ ...pay('k0', 2), _hoodie_is_deleted: true }], 2));
    await second.task.stop();
    expect(await s.f.snapshot()).toEqual(['eu/k1@1:1']);
  });
});

describe('the worker\'s S3 defaults (worker config s3.*)', () => {
  const workerS3 = { 's3.endpoint': 'http://127.0.0.1:9', 's3.access.key': 'worker-ak', 's3.secret.key': 'worker-sk' };
  const validate = async (own: Record<string, string>) => {
    const s = await sink();
    const config = { ...s.config, tablePath: 's3://bucket/t', ...own };
    return new HudiSinkConnector().validate(config, { resolvePath: (v) => v, clientDefaults: workerS3 });
  };

  it('a connector without credentials takes the worker\'s pair', async () => {
    expect(await validate({})).toEqual([]);
  });

  it('a connector\'s own access key is never paired with the worker\'s secret', async () => {
    expect(await validate({ 's3.access.key': 'mine' })).toEqual([{ name: 's3.secret.key', message: expect.stringContaining('give both s3.access.key and s3.secret.key, or neither') }]);
  });
});
