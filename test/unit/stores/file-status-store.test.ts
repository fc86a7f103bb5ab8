import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FileStatusStore } from '../../../runtime/stores/file-status-store';
import type { StateRecord } from '../../../runtime/stores/status-store';

const dirs: string[] = [];
function tempDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'tributary-status-'));
  dirs.push(d);
  return d;
}

afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

const running = (since = 1): StateRecord => ({ state: 'RUNNING', workerId: 'w1:8083', since });
const failed: StateRecord = { state: 'FAILED', workerId: 'w1:8083', trace: 'Error: boom\n    at x', since: 2 };

async function loaded(dir: string): Promise<FileStatusStore> {
  const s = new FileStatusStore({ dir });
  await s.load();
  return s;
}

describe('FileStatusStore', () => {
  it('connector and task states with traces survive a reopen', async () => {
    const dir = path.join(tempDir(), 'nested');
    const s = await loaded(dir);
    await s.putConnector('orders', running());
    await s.putTask('orders', 1, failed);
    await s.putTask('orders', 0, running(3));
    await s.putTask('other', 0, running());
    await s.close();

    const again = await loaded(dir);
    expect(again.connector('orders')).toEqual(running());
    expect(again.task('orders', 1)).toEqual(failed);
    expect([...again.tasks('orders').entries()]).toEqual([
      [0, running(3)],
      [1, failed],
    ]);
    expect(again.connector('other')).toBeUndefined();
    expect(again.task('other', 0)).toEqual(running());
    const file = JSON.parse(fs.readFileSync(path.join(dir, 'status.json'), 'utf8')) as { version: number };
    expect(file.version).toBe(1);
  });

  it('remove deletes the connector and all its tasks durably', async () => {
    const dir = tempDir();
    const s = await loaded(dir);
    await s.putConnector('a', running());
    await s.putTask('a', 0, running());
    await s.putConnector('b', running());
    await s.remove('a');
    await s.remove('never-existed');
    const again = await loaded(dir);
    expect(again.connector('a')).toBeUndefined();
    expect(again.tasks('a').size).toBe(0);
    expect(again.connector('b')).toEqual(running());
  });

  it('removeTasksFrom keeps tasks below the id and removes the rest durably', async () => {
    const dir = tempDir();
    const s = await loaded(dir);
    for (const id of [0, 1, 2, 3]) await s.putTask('a', id, running(id));
    await s.removeTasksFrom('a', 2);
    expect([...s.tasks('a').keys()]).toEqual([0, 1]);
    expect([...(await loaded(dir)).tasks('a').keys()]).toEqual([0, 1]);
  });

  it('tasks returns a copy that callers cannot use to change the store', async () => {
    const s = await loaded(tempDir());
    await s.putTask('a', 0, running());
    s.tasks('a').delete(0);
    s.task('a', 0)!.state = 'FAILED';
    expect(s.task('a', 0)).toEqual(running());
  });

  it('put of an unknown state or a bad task id rejects with BAD_REQUEST', async () => {
    const s = await loaded(tempDir());
    await expect(s.putConnector('a', { ...running(), state: 'DANCING' as never })).rejects.toMatchObject({ code: 'BAD_REQUEST', message: expect.stringContaining('"DANCING"') });
    await expect(s.putTask('a', -1, running())).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    expect(s.connector('a')).toBeUndefined();
  });

  it('load of a corrupt file rejects naming the file', async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'status.json'), 'not json');
    await expect(new FileStatusStore({ dir }).load()).rejects.toMatchObject({ message: expect.stringContaining(path.join(dir, 'status.json')) });
  });

  it('load of a file with another format version rejects naming the version', async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'status.json'), JSON.stringify({ version: 7, connectors: {} }));
    await expect(new FileStatusStore({ dir }).load()).rejects.toMatchObject({ message: expect.stringContaining('version 7') });
  });

  it('use before load throws ILLEGAL_STATE', () => {
    const s = new FileStatusStore({ dir: tempDir() });
    expect(() => s.connector('a')).toThrow(expect.objectContaining({ code: 'ILLEGAL_STATE' }));
  });
});
