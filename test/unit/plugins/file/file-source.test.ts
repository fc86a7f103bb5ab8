import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FileSourceConnector, FileSourceTask } from '../../../../plugins/file/file-source';
import type { SourceRecord } from '../../../../runtime/spi';
import { fakeConnectorContext, fakeSourceTaskContext, type FakeSourceTaskContext } from '../../../helpers/fake-contexts';

const tasks: FileSourceTask[] = [];

afterEach(async () => {
  for (const t of tasks.splice(0)) await t.stop();
});

function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'file-source-'));
}

async function startTask(dir: string, config: Record<string, string>, ctx: FakeSourceTaskContext = fakeSourceTaskContext({ baseDir: dir })): Promise<{ task: FileSourceTask; ctx: FakeSourceTaskContext }> {
  const task = new FileSourceTask();
  tasks.push(task);
  await task.start({ 'connect.topicname': 'lines', 'poll.interval.ms': '5', ...config }, ctx);
  return { task, ctx };
}

/** Polls until `n` records arrived (or a poll returns nothing after some did). */
async function pollN(task: FileSourceTask, n: number): Promise<SourceRecord[]> {
  const out: SourceRecord[] = [];
  for (let i = 0; i < 50 && out.length < n; i++) out.push(...(await task.poll()));
  return out;
}

describe('file-source', () => {
  it('file-source text lines become string records with byte-offset positions', async () => {
    const dir = tmpDir();
    const file = path.join(dir, 'in.txt');
    fs.writeFileSync(file, 'alpha\nbé\n\nlast\n');
    const { task } = await startTask(dir, { file: 'in.txt' });
    const records = await pollN(task, 4);
    expect(records.map((r) => r.value)).toEqual(['alpha', 'bé', '', 'last']);
    // 'bé' is 3 bytes in UTF-8: positions count bytes.
    expect(records.map((r) => r.sourcePosition)).toEqual([{ offset: 6 }, { offset: 10 }, { offset: 11 }, { offset: 16 }]);
    expect(records[0]).toMatchObject({ topic: 'lines', sourcePartition: { file }, schema: { type: 'string' }, headers: {} });
  });

  it('file-source partial last line is emitted only once its newline is written', async () => {
    const dir = tmpDir();
    const file = path.join(dir, 'in.txt');
    fs.writeFileSync(file, 'one\ntw');
    const { task } = await startTask(dir, { file: 'in.txt' });
    expect((await pollN(task, 1)).map((r) => r.value)).toEqual(['one']);
    expect(await task.poll()).toEqual([]);
    fs.appendFileSync(file, 'o\r\nthree\n');
    const more = await pollN(task, 2);
    expect(more.map((r) => r.value)).toEqual(['two', 'three']);
    expect(more.map((r) => r.sourcePosition)).toEqual([{ offset: 9 }, { offset: 15 }]);
  });

  it('file-source follows appends like tail -f', async () => {
    const dir = tmpDir();
    const file = path.join(dir, 'in.txt');
    fs.writeFileSync(file, '');
    const { task } = await startTask(dir, { file: 'in.txt' });
    expect(await task.poll()).toEqual([]);
    for (let i = 0; i < 3; i++) {
      fs.appendFileSync(file, `line ${i}\n`);
      expect((await pollN(task, 1)).map((r) => r.value)).toEqual([`line ${i}`]);
    }
  });

  it('file-source restart resumes after the committed position', async () => {
    const dir = tmpDir();
    const file = path.join(dir, 'in.jsonl');
    fs.writeFileSync(file, '{"n":1}\n{"n":2}\n{"n":3}\n');
    const first = await startTask(dir, { file: 'in.jsonl', format: 'jsonl' });
    const records = await pollN(first.task, 3);
    const committed = records[1]!;

    const ctx = fakeSourceTaskContext({ baseDir: dir, positions: [{ partition: committed.sourcePartition, position: committed.sourcePosition }] });
    const second = await startTask(dir, { file: 'in.jsonl', format: 'jsonl' }, ctx);
    expect((await pollN(second.task, 1)).map((r) => r.value)).toEqual([{ n: 3 }]);
  });

  it('file-source jsonl invalid line is reported with line number and byte offset and skipped', async () => {
    const dir = tmpDir();
    const file = path.join(dir, 'in.jsonl');
    fs.writeFileSync(file, '{"a":1}\n\n{broken\n[1,2]\n');
    const { task, ctx } = await startTask(dir, { file: 'in.jsonl', format: 'jsonl' });
    const records = await pollN(task, 2);
    expect(records.map((r) => r.value)).toEqual([{ a: 1 }, [1, 2]]);
    expect(records[0]!.schema).toBeUndefined();
    expect(ctx.errant).toHaveLength(1);
    const { record, error } = ctx.errant[0]!;
    expect(error.message).toContain(`${file} line 3 (byte offset 9) is not valid JSON`);
    expect((error as unknown as { code: string }).code).toBe('CONVERSION_FAILED');
    expect(record).toMatchObject({ value: '{broken', sourcePosition: { offset: 17 } });
  });

  it('file-source jsonl line numbers stay true after a restart in the middle', async () => {
    const dir = tmpDir();
    const file = path.join(dir, 'in.jsonl');
    fs.writeFileSync(file, '1\n2\nnope\n');
    const ctx = fakeSourceTaskContext({ baseDir: dir, positions: [{ partition: { file }, position: { offset: 4 } }] });
    const { task } = await startTask(dir, { file: 'in.jsonl', format: 'jsonl' }, ctx);
    expect(await task.poll()).toEqual([]);
    expect(ctx.errant[0]!.error.message).toContain('line 3 (byte offset 4)');
  });

  it('file-source errant record not tolerated fails the poll', async () => {
    const dir = tmpDir();
    fs.writeFileSync(path.join(dir, 'in.jsonl'), 'nope\n');
    const ctx = fakeSourceTaskContext({ baseDir: dir, tolerateErrors: false });
    const { task } = await startTask(dir, { file: 'in.jsonl', format: 'jsonl' }, ctx);
    await expect(task.poll()).rejects.toThrow(/not tolerated/);
  });

  it('file-source missing file is waited for and read once it appears', async () => {
    const dir = tmpDir();
    const { task, ctx } = await startTask(dir, { file: 'later.txt' });
    expect(await task.poll()).toEqual([]);
    expect(ctx.logger.messages('info').some((m) => m.includes('does not exist yet'))).toBe(true);
    fs.writeFileSync(path.join(dir, 'later.txt'), 'hello\n');
    expect((await pollN(task, 1)).map((r) => r.value)).toEqual(['hello']);
  });

  it('file-source truncated file is read again from the start', async () => {
    const dir = tmpDir();
    const file = path.join(dir, 'in.txt');
    fs.writeFileSync(file, 'aaaa\nbbbb\n');
    const { task, ctx } = await startTask(dir, { file: 'in.txt' });
    await pollN(task, 2);
    fs.truncateSync(file, 0);
    expect(await task.poll()).toEqual([]);
    fs.appendFileSync(file, 'new\n');
    const records = await pollN(task, 1);
    expect(records.map((r) => [r.value, r.sourcePosition])).toEqual([['new', { offset: 4 }]]);
    expect(ctx.logger.messages('warn').some((m) => m.includes('truncated'))).toBe(true);
  });

  it('file-source rotated file (replaced under the same name) is followed from its start', async () => {
    const dir = tmpDir();
    const file = path.join(dir, 'app.log');
    fs.writeFileSync(file, 'old 1\nold 2\n');
    const { task, ctx } = await startTask(dir, { file: 'app.log' });
    expect((await pollN(task, 2)).map((r) => r.value)).toEqual(['old 1', 'old 2']);
    fs.renameSync(file, path.join(dir, 'app.log.1'));
    fs.writeFileSync(file, 'new 1\n');
    const records = await pollN(task, 1);
    expect(records.map((r) => [r.value, r.sourcePosition])).toEqual([['new 1', { offset: 6 }]]);
    expect(ctx.logger.messages('warn').some((m) => m.includes('rotated'))).toBe(true);
  });

  it('file-source lines longer than one read chunk arrive whole', async () => {
    const dir = tmpDir();
    const long = 'x'.repeat(200 * 1024);
    fs.writeFileSync(path.join(dir, 'in.txt'), `${long}\nshort\n`);
    const { task } = await startTask(dir, { file: 'in.txt' });
    const records = await pollN(task, 2);
    expect(records.map((r) => (r.value as string).length)).toEqual([long.length, 5]);
    expect(records[1]!.sourcePosition).toEqual({ offset: long.length + 7 });
  });

  it('file-source batch.size bounds the records per poll', async () => {
    const dir = tmpDir();
    fs.writeFileSync(path.join(dir, 'in.txt'), Array.from({ length: 25 }, (_, i) => `l${i}\n`).join(''));
    const { task } = await startTask(dir, { file: 'in.txt', 'batch.size': '10' });
    expect((await task.poll()).length).toBe(10);
    expect((await task.poll()).length).toBe(10);
    expect((await task.poll()).map((r) => r.value)).toEqual(['l20', 'l21', 'l22', 'l23', 'l24']);
  });

  it('file-source connector validates keys, resolves the path and makes one task', async () => {
    const dir = tmpDir();
    const connector = new FileSourceConnector();
    expect(connector.type).toBe('source');
    expect(connector.config().keys().map((k) => k.name)).toEqual(['file', 'format', 'batch.size', 'poll.interval.ms']);
    expect(connector.config().validate({ file: 'x', format: 'csv' }).errors).toEqual([{ name: 'format', message: 'value "csv" is invalid: accepted values are text, jsonl' }]);
    expect(() => connector.start({ format: 'text' }, fakeConnectorContext({ baseDir: dir }))).toThrow(/file: missing required key/);
    expect(() => connector.start({ file: '/etc/hosts' }, fakeConnectorContext({ baseDir: dir }))).toThrow(/outside the allowed roots/);
    const config = { name: 'fs', 'connector.class': 'file-source', 'connect.topicname': 't', file: 'in.txt' };
    connector.start(config, fakeConnectorContext({ baseDir: dir }));
    expect(connector.taskConfigs(5)).toEqual([config]);
    expect(connector.createTask()).toBeInstanceOf(FileSourceTask);
  });

  it('file-source invalid committed position fails start with what to do', async () => {
    const dir = tmpDir();
    const file = path.join(dir, 'in.txt');
    const ctx = fakeSourceTaskContext({ baseDir: dir, positions: [{ partition: { file }, position: { offset: 'x' } }] });
    await expect(startTask(dir, { file: 'in.txt' }, ctx)).rejects.toThrow(/has no valid "offset".*PATCH \/connectors\/<name>\/offsets/);
  });
});
