import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { JsonFile } from '../../../runtime/stores/json-file';

const dirs: string[] = [];
function tempDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'tributary-json-'));
  dirs.push(d);
  return d;
}

afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe('JsonFile', () => {
  it('read of a missing file returns undefined', async () => {
    expect(await new JsonFile(path.join(tempDir(), 'none.json')).read()).toBeUndefined();
  });

  it('write then read returns the document and leaves no tmp file', async () => {
    const dir = tempDir();
    const f = new JsonFile<{ a: number[] }>(path.join(dir, 'doc.json'));
    await f.write({ a: [1, 2] });
    expect(await f.read()).toEqual({ a: [1, 2] });
    expect(await new JsonFile(path.join(dir, 'doc.json')).read()).toEqual({ a: [1, 2] });
    expect(fs.readdirSync(dir)).toEqual(['doc.json']);
  });

  it('read after a crash between tmp write and rename returns the previous document and ignores the tmp file', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'doc.json');
    await new JsonFile(file).write({ v: 1 });
    // What a crash leaves: a complete and a torn tmp file next to the untouched target.
    fs.writeFileSync(`${file}.tmp-99999-0`, JSON.stringify({ v: 2 }));
    fs.writeFileSync(`${file}.tmp-99999-1`, '{"v": 3, "tor');

    const after = new JsonFile<{ v: number }>(file);
    expect(await after.read()).toEqual({ v: 1 });
    await after.write({ v: 4 });
    expect(await new JsonFile(file).read()).toEqual({ v: 4 });
  });

  it('write when a tmp file of the same name is left over picks the next name and keeps the leftover', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'doc.json');
    const leftover = `${file}.tmp-${process.pid}-0`;
    fs.writeFileSync(leftover, 'left over');
    await new JsonFile(file).write({ ok: true });
    expect(await new JsonFile(file).read()).toEqual({ ok: true });
    expect(fs.readFileSync(leftover, 'utf8')).toBe('left over');
  });

  it('read of a corrupt file rejects with an error naming the file', async () => {
    const file = path.join(tempDir(), 'bad.json');
    fs.writeFileSync(file, '{"connectors": [');
    const err = await new JsonFile(file).read().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'INTERNAL' });
    expect((err as Error).message).toContain(file);
    expect((err as Error).message).toMatch(/corrupt/);
  });

  it('writes not awaited are serialised and the last one wins', async () => {
    const dir = tempDir();
    const f = new JsonFile<{ n: number }>(path.join(dir, 'doc.json'));
    const writes = Array.from({ length: 25 }, (_, n) => f.write({ n }));
    await Promise.all(writes);
    expect(await new JsonFile(path.join(dir, 'doc.json')).read()).toEqual({ n: 24 });
    expect(fs.readdirSync(dir)).toEqual(['doc.json']);
  });

  it('write serialises the value at call time, not when the write runs', async () => {
    const f = new JsonFile<{ n: number }>(path.join(tempDir(), 'doc.json'));
    const value = { n: 1 };
    const first = f.write(value);
    value.n = 2;
    await first;
    expect(await f.read()).toEqual({ n: 1 });
  });

  it('write two instances on one path concurrently both land without sharing a tmp file', async () => {
    const file = path.join(tempDir(), 'doc.json');
    const a = new JsonFile(file);
    const b = new JsonFile(file);
    await Promise.all([a.write({ from: 'a' }), b.write({ from: 'b' }), a.write({ from: 'a2' }), b.write({ from: 'b2' })]);
    expect(['a2', 'b2']).toContain(((await a.read()) as { from: string }).from);
  });

  it('write that cannot rename rejects naming the file, removes its tmp file and keeps the target', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'doc.json');
    fs.mkdirSync(file); // rename over a directory fails, even for root
    fs.writeFileSync(path.join(file, 'keep'), 'x');
    const err = await new JsonFile(file).write({ v: 1 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'INTERNAL' });
    expect((err as Error).message).toContain(file);
    expect(fs.readdirSync(dir)).toEqual(['doc.json']);
    expect(fs.statSync(file).isDirectory()).toBe(true);
  });

  it('write of a value JSON cannot encode rejects with BAD_REQUEST and leaves the file as it was', async () => {
    const file = path.join(tempDir(), 'doc.json');
    const f = new JsonFile<unknown>(file);
    await f.write({ v: 1 });
    await expect(f.write({ v: BigInt(1) })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    expect(await f.read()).toEqual({ v: 1 });
  });

  it('write after a failed write still works', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'doc.json');
    fs.mkdirSync(file);
    const f = new JsonFile(file);
    await expect(f.write({ v: 1 })).rejects.toMatchObject({ code: 'INTERNAL' });
    fs.rmdirSync(file);
    await f.write({ v: 2 });
    expect(await f.read()).toEqual({ v: 2 });
  });
});
