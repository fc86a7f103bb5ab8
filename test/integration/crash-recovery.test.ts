// A real worker (scripts/run_worker.sh) is killed with SIGKILL in the middle of a file-source →
// file-sink run, started again on the same store, and must resume every connector where it was:
// configs, target states and positions survive, and no input line is lost. Duplicates (the sink
// re-writing lines it wrote but had not committed before the kill) are reported as a figure.
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { api, startWorker, until, workerDir, writeConf, type WorkerHandle } from '../helpers/worker-process';

const running: WorkerHandle[] = [];
afterAll(async () => {
  for (const w of running) if (w.child.exitCode === null) await w.kill('SIGKILL');
});

function lines(from: number, to: number): string {
  let s = '';
  for (let i = from; i < to; i++) s += `line-${i}\n`;
  return s;
}

function outputLines(file: string): string[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').filter((l) => l.length > 0).map((l) => JSON.parse(l) as string);
}

describe('worker killed with SIGKILL mid-run', () => {
  it('restarted worker resumes every connector and loses no record', async () => {
    const dir = workerDir('crash-');
    const conf = writeConf(dir);
    const input = path.join(dir, 'data', 'in.txt');
    const output = path.join(dir, 'data', 'out.jsonl');
    writeFileSync(input, lines(0, 3000));

    const w1 = await startWorker(dir, conf);
    running.push(w1);
    expect((await api(w1.url, 'POST', '/connectors', { name: 'tail', config: { 'connector.class': 'file-source', file: 'data/in.txt', 'connect.topicname': 'lines', format: 'text' } })).status).toBe(201);
    expect((await api(w1.url, 'POST', '/connectors', { name: 'out', config: { 'connector.class': 'file-sink', file: 'data/out.jsonl', 'connect.topicnames': 'lines', 'tasks.max': '2' } })).status).toBe(201);
    expect((await api(w1.url, 'POST', '/connectors', { name: 'parked', config: { 'connector.class': 'file-sink', file: 'data/parked.jsonl', 'connect.topicnames': 'other' } })).status).toBe(201);
    expect((await api(w1.url, 'PUT', '/connectors/parked/pause')).status).toBe(202);
    await until('paused', async () => (await api(w1.url, 'GET', '/connectors/parked/status')).body.connector.state === 'PAUSED');

    // Keep appending while the pipeline runs, and kill the worker part-way.
    let written = 3000;
    await until('part of the output', () => outputLines(output).length >= 1000);
    appendFileSync(input, lines(written, written + 2000));
    written += 2000;
    await until('more output', () => outputLines(output).length >= 3500);
    expect(await w1.kill('SIGKILL')).toBe('SIGKILL');
    const beforeRestart = outputLines(output).length;

    // Lines appended while the worker is down must be picked up after the restart.
    appendFileSync(input, lines(written, written + 2000));
    written += 2000;

    const w2 = await startWorker(dir, conf);
    running.push(w2);
    const list = (await api(w2.url, 'GET', '/connectors')).body as string[];
    expect(list.sort()).toEqual(['out', 'parked', 'tail']);
    await until('parked stays paused', async () => (await api(w2.url, 'GET', '/connectors/parked/status')).body.connector.state === 'PAUSED');
    await until('all lines in the output', () => new Set(outputLines(output)).size >= written, 60_000);

    const out = outputLines(output);
    const distinct = new Set(out);
    const missing: string[] = [];
    for (let i = 0; i < written; i++) if (!distinct.has(`line-${i}`)) missing.push(`line-${i}`);
    expect(missing).toEqual([]);
    expect(distinct.size).toBe(written);
    const duplicates = out.length - distinct.size;
    // The figure the issue asks for: duplicates are allowed (at-least-once file sink), losses are not.
    console.log(`crash-recovery: ${written} input lines, ${beforeRestart} written before SIGKILL, ${out.length} output lines, ${duplicates} duplicates after restart`);

    // The source position survived: it ends at the input's size.
    await until('source position at end of file', async () => {
      const offsets = (await api(w2.url, 'GET', '/connectors/tail/offsets')).body.offsets as { offset: { offset: number } }[];
      return offsets.length === 1 && offsets[0]!.offset.offset === readFileSync(input).length;
    });
    expect(await w2.kill('SIGTERM')).toBe(0);
  }, 180_000);
});
