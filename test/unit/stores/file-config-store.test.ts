import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { StoredConnector } from '../../../runtime/stores/config-store';
import { FileConfigStore } from '../../../runtime/stores/file-config-store';

const dirs: string[] = [];
function tempDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'tributary-config-'));
  dirs.push(d);
  return d;
}

afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function connector(name: string, extra: Partial<StoredConnector> = {}): StoredConnector {
  return { name, config: { 'connector.class': 'file-source', file: `/in/${name}` }, target: 'STARTED', taskConfigs: [{ file: `/in/${name}` }], ...extra };
}

async function loaded(dir: string): Promise<FileConfigStore> {
  const s = new FileConfigStore({ dir });
  await s.load();
  return s;
}

describe('FileConfigStore', () => {
  it('load of a missing directory creates it and starts empty', async () => {
    const dir = path.join(tempDir(), 'a', 'b');
    const s = await loaded(dir);
    expect(s.list()).toEqual([]);
    expect(fs.statSync(dir).isDirectory()).toBe(true);
  });

  it('put, remove and target changes survive a reopen', async () => {
    const dir = tempDir();
    const s = await loaded(dir);
    await s.put(connector('a'));
    await s.put(connector('b'));
    await s.put(connector('c'));
    await s.put(connector('a', { target: 'PAUSED' }));
    await s.remove('b');
    await s.close();

    const again = await loaded(dir);
    expect(again.list()).toEqual([connector('a', { target: 'PAUSED' }), connector('c')]);
    expect(again.get('b')).toBeUndefined();
    const file = JSON.parse(fs.readFileSync(path.join(dir, 'connectors.json'), 'utf8')) as { version: number };
    expect(file.version).toBe(1);
  });

  it('list keeps creation order when a connector is updated', async () => {
    const s = await loaded(tempDir());
    await s.put(connector('z'));
    await s.put(connector('a'));
    await s.put(connector('z', { target: 'STOPPED' }));
    expect(s.list().map((c) => c.name)).toEqual(['z', 'a']);
  });

  it('get returns a copy that callers cannot use to change the store', async () => {
    const s = await loaded(tempDir());
    const c = connector('a');
    await s.put(c);
    c.config.file = 'changed after put';
    s.get('a')!.config.file = 'changed after get';
    expect(s.get('a')!.config.file).toBe('/in/a');
  });

  it('put whose write fails rejects and is undone in memory', async () => {
    const dir = tempDir();
    const s = await loaded(dir);
    await s.put(connector('a'));
    // Make the next write fail: the target becomes a non-empty directory, which rename cannot replace.
    fs.rmSync(path.join(dir, 'connectors.json'));
    fs.mkdirSync(path.join(dir, 'connectors.json'));
    fs.writeFileSync(path.join(dir, 'connectors.json', 'x'), '');
    await expect(s.put(connector('b'))).rejects.toMatchObject({ code: 'INTERNAL' });
    await expect(s.put(connector('a', { target: 'STOPPED' }))).rejects.toMatchObject({ code: 'INTERNAL' });
    await expect(s.remove('a')).rejects.toMatchObject({ code: 'INTERNAL' });
    expect(s.list()).toEqual([connector('a')]);
  });

  it('put of an invalid connector rejects with BAD_REQUEST naming the value', async () => {
    const s = await loaded(tempDir());
    await expect(s.put(connector('a', { target: 'RUNNING' as never }))).rejects.toMatchObject({ code: 'BAD_REQUEST', message: expect.stringContaining('"RUNNING"') });
    await expect(s.put(connector(''))).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(s.put(connector('a', { config: { n: 1 as unknown as string } }))).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    expect(s.list()).toEqual([]);
  });

  it('load of a file with another format version rejects naming the file and version', async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'connectors.json'), JSON.stringify({ version: 2, connectors: [] }));
    const err = await new FileConfigStore({ dir }).load().catch((e: unknown) => e);
    expect((err as Error).message).toContain(path.join(dir, 'connectors.json'));
    expect((err as Error).message).toContain('version 2');
  });

  it('load of a corrupt file rejects naming the file', async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'connectors.json'), '{"version": 1, "conn');
    await expect(new FileConfigStore({ dir }).load()).rejects.toMatchObject({ message: expect.stringContaining(path.join(dir, 'connectors.json')) });
  });

  it('load of an entry with a bad target rejects naming the entry', async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'connectors.json'), JSON.stringify({ version: 1, connectors: [connector('a'), { ...connector('b'), target: 'GONE' }] }));
    await expect(new FileConfigStore({ dir }).load()).rejects.toMatchObject({ message: expect.stringMatching(/entry 1 .*"GONE"/) });
  });

  it('use before load or after close throws ILLEGAL_STATE', async () => {
    const s = new FileConfigStore({ dir: tempDir() });
    expect(() => s.list()).toThrow(expect.objectContaining({ code: 'ILLEGAL_STATE' }));
    await s.load();
    await s.close();
    await expect(s.put(connector('a'))).rejects.toMatchObject({ code: 'ILLEGAL_STATE' });
  });

  it('close waits for writes in flight', async () => {
    const dir = tempDir();
    const s = await loaded(dir);
    const writes = [s.put(connector('a')), s.put(connector('b'))];
    await s.close();
    const again = await loaded(dir);
    expect(again.list().map((c) => c.name)).toEqual(['a', 'b']);
    await Promise.all(writes);
  });
});
