import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileSinkConnector, FileSinkTask, toJsonLine } from '../../../../plugins/file/file-sink';
import { fakeConnectorContext, fakeSinkTaskContext, sinkRecords } from '../../../helpers/fake-contexts';

function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'file-sink-'));
}

async function startTask(dir: string, file = 'out/sink.jsonl', extra: Record<string, string> = {}): Promise<{ task: FileSinkTask; ctx: ReturnType<typeof fakeSinkTaskContext>; path: string }> {
  const task = new FileSinkTask();
  const ctx = fakeSinkTaskContext({ baseDir: dir, assignment: [{ topic: 'topic-a', queue: '0' }] });
  await task.start({ 'connect.topicnames': 'topic-a', file, ...extra }, ctx);
  return { task, ctx, path: path.join(dir, file) };
}

describe('toJsonLine', () => {
  it('toJsonLine strings, objects, buffers, bigints and null map to one JSON line each', () => {
    expect(toJsonLine('a "quoted"\nline')).toBe('"a \\"quoted\\"\\nline"');
    expect(toJsonLine({ a: 1, b: [true, null] })).toBe('{"a":1,"b":[true,null]}');
    expect(toJsonLine(Buffer.from('hi'))).toBe('"aGk="');
    expect(toJsonLine({ bytes: new Uint8Array([1, 2, 3]) })).toBe('{"bytes":"AQID"}');
    expect(toJsonLine({ small: 5n, big: 2n ** 70n })).toBe('{"small":5,"big":"1180591620717411303424"}');
    expect(toJsonLine(null)).toBe('null');
    expect(toJsonLine(undefined)).toBe('null');
  });

  it('toJsonLine cyclic value throws DataError', () => {
    const v: Record<string, unknown> = {};
    v['v'] = v;
    expect(() => toJsonLine(v)).toThrow(expect.objectContaining({ code: 'CONVERSION_FAILED' }));
  });
});

describe('file-sink', () => {
  it('file-sink put buffers and flush writes one JSON line per record value', async () => {
    const dir = tmpDir();
    const { task, path: file } = await startTask(dir);
    expect(fs.existsSync(file)).toBe(true);
    await task.put(sinkRecords(['text', { orderId: 'o1', money: 1.5 }, Buffer.from([0xff])]));
    expect(fs.readFileSync(file, 'utf8')).toBe('');
    await task.flush([{ topic: 'topic-a', queue: '0', offset: 3 }]);
    expect(fs.readFileSync(file, 'utf8')).toBe('"text"\n{"orderId":"o1","money":1.5}\n"/w=="\n');
    await task.stop();
  });

  it('file-sink preCommit writes and fsyncs a due batch before returning its offsets, and holds back the rest', async () => {
    const dir = tmpDir();
    const { task, path: file, ctx } = await startTask(dir, 'out/sink.jsonl', { 'batch.max.records': '3' });
    await task.put(sinkRecords([1, 2], { from: 10 }));
    const current = [
      { topic: 'topic-a', queue: '0', offset: 12 },
      { topic: 'topic-b', queue: '3', offset: 1 },
    ];
    // Not due yet: nothing written, and no offset past a record not written.
    expect(await task.preCommit(current)).toEqual([{ topic: 'topic-a', queue: '0', offset: 10 }, { topic: 'topic-b', queue: '3', offset: 1 }]);
    expect(fs.readFileSync(file, 'utf8')).toBe('');
    await task.put(sinkRecords(['x'], { topic: 'topic-b', queue: '3', from: 0 }));
    expect(ctx.commitRequests).toBe(1);
    const safe = await task.preCommit(current);
    expect(safe).toEqual(current);
    expect(safe[0]).not.toBe(current[0]);
    expect(fs.readFileSync(file, 'utf8')).toBe('1\n2\n"x"\n');
    await task.stop();
  });

  it('file-sink stop drops records that were never flushed', async () => {
    const dir = tmpDir();
    const { task, path: file } = await startTask(dir);
    await task.put(sinkRecords(['kept']));
    await task.flush([]);
    await task.put(sinkRecords(['dropped'], { from: 1 }));
    await task.stop();
    expect(fs.readFileSync(file, 'utf8')).toBe('"kept"\n');
  });

  it('file-sink restart appends and cuts a torn last line', async () => {
    const dir = tmpDir();
    const file = path.join(dir, 'out', 'sink.jsonl');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, '"a"\n"b"\n{"torn":');
    const { task, ctx } = await startTask(dir);
    expect(fs.readFileSync(file, 'utf8')).toBe('"a"\n"b"\n');
    expect(ctx.logger.messages('warn')[0]).toContain('removed an incomplete last line');
    await task.put(sinkRecords(['c']));
    await task.flush([]);
    expect(fs.readFileSync(file, 'utf8')).toBe('"a"\n"b"\n"c"\n');
    await task.stop();
  });

  it('file-sink existing file without any newline is kept and our lines start on a new line', async () => {
    const dir = tmpDir();
    const file = path.join(dir, 'notes.txt');
    fs.writeFileSync(file, 'user text');
    const task = new FileSinkTask();
    await task.start({ file: 'notes.txt' }, fakeSinkTaskContext({ baseDir: dir }));
    await task.put(sinkRecords([1]));
    await task.flush([]);
    expect(fs.readFileSync(file, 'utf8')).toBe('user text\n1\n');
    await task.stop();
  });

  it('file-sink unserialisable value goes to the errant-record reporter', async () => {
    const dir = tmpDir();
    const { task, ctx, path: file } = await startTask(dir);
    const cyclic: Record<string, unknown> = {};
    cyclic['me'] = cyclic;
    await task.put(sinkRecords(['ok', cyclic, 'also ok']));
    await task.flush([]);
    expect(fs.readFileSync(file, 'utf8')).toBe('"ok"\n"also ok"\n');
    expect(ctx.errant.map((e) => e.record.value)).toEqual([cyclic]);
    await task.stop();
  });

  it('file-sink put of more than batch.max.bytes asks for a commit at once, which writes batches within the bound', async () => {
    const dir = tmpDir();
    const { task, path: file, ctx } = await startTask(dir);
    const big = 'x'.repeat(64 * 1024);
    await task.put(sinkRecords(Array.from({ length: 20 }, () => big)));
    expect(ctx.commitRequests).toBe(1);
    expect(fs.statSync(file).size).toBe(0);
    // 20 × 64 KiB is more than one batch of 1 MiB: the full batch is written, the rest waits for its interval.
    const safe = await task.preCommit([{ topic: 'topic-a', queue: '0', offset: 20 }]);
    const lines = fs.readFileSync(file, 'utf8').split('\n').filter(Boolean);
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.length).toBeLessThan(20);
    expect(safe).toEqual([{ topic: 'topic-a', queue: '0', offset: lines.length }]);
    await task.stop();
  });

  it('file-sink connector declares file and the batch keys, checks the path and makes one task', () => {
    const dir = tmpDir();
    const connector = new FileSinkConnector();
    expect(connector.type).toBe('sink');
    expect(connector.config().keys().map((k) => k.name)).toEqual(['file', 'batch.max.records', 'batch.max.bytes', 'batch.interval.ms']);
    expect(() => connector.start({}, fakeConnectorContext({ baseDir: dir }))).toThrow(/file: missing required key/);
    expect(() => connector.start({ file: '../elsewhere.jsonl' }, fakeConnectorContext({ baseDir: dir }))).toThrow(/outside the allowed roots/);
    const config = { 'connect.topicnames': 'a;b', file: 'out.jsonl' };
    connector.start(config, fakeConnectorContext({ baseDir: dir }));
    expect(connector.taskConfigs(3)).toEqual([config]);
    expect(connector.createTask()).toBeInstanceOf(FileSinkTask);
  });
});
