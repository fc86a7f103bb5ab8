// Several writers on one table (optimistic concurrency control) on local disk, interleaved on purpose:
// one writer is held just after uploading its data files while another commits. Conflicts (same file
// group, same new key) must make the held writer write its batch again on top of the other's commit, so
// the table ends as if the commits had run one after the other; disjoint commits must not conflict; a
// live writer's in-flight instant is never rolled back by another, an abandoned one is once its
// heartbeat expired. The table lock is checked on its own: mutual exclusion, takeover, timeout. A
// single_writer that another writer superseded (opened the table after it) has its commits refused.
// Merge-on-read: two deltacommits appending to one file group conflict, a compaction completed meanwhile conflicts
// with a deltacommit whose log went to a slice it compacted, a compaction yields to a deltacommit completed while
// it ran, and a dead compaction is rolled back once its heartbeat expired.
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Storage } from '../../../../../plugins/hudi/storage/storage';
import { ConcurrentWriterError } from '../../../../../plugins/hudi/commit/sole-writer-claim';
import { TableLock } from '../../../../../plugins/hudi/commit/table-lock';
import type { FaultPoint } from '../../../../../plugins/hudi/table/fault-points';
import type { ConcurrencyOptions, HudiTableWriter } from '../../../../../plugins/hudi/table/table-writer';
import { fakeLogger } from '../../../../helpers/fake-contexts';
import { HudiTableReader } from '../../../../../plugins/hudi/table/table-reader';
import { tableFixture, type Payment, type TableFixture } from '../../../../helpers/hudi-table';

const open: TableFixture[] = [];
const writers: HudiTableWriter[] = [];
afterEach(async () => {
  for (const w of writers.splice(0)) w.close();
  for (const f of open.splice(0)) await f.close();
});

const p = (id: string, region: string, ver: number, amount = ver, deleted = false): Payment => ({ id, region, amount, ver, _hoodie_is_deleted: deleted });

const occ = (owner: string, more: Partial<ConcurrencyOptions> = {}): ConcurrencyOptions => ({
  owner,
  heartbeat: { intervalMs: 60_000, tolerableMisses: 2 },
  lockValidityMs: 60_000,
  lockWaitMs: 10_000,
  conflictRetries: 3,
  ...more,
});

/** A gate: `wait()` parks callers until `open()`. */
function gate(): { wait(): Promise<void>; open(): void; reached: Promise<void> } {
  let release!: () => void;
  let arrive!: () => void;
  const opened = new Promise<void>((r) => (release = r));
  const reached = new Promise<void>((r) => (arrive = r));
  return {
    reached,
    wait: () => {
      arrive();
      return opened;
    },
    open: () => release(),
  };
}

/** `storage` whose first data file (base or log) upload of each armed gate waits for the gate. */
function heldStorage(storage: Storage): { storage: Storage; holdNextUpload(): ReturnType<typeof gate> } {
  const gates: ReturnType<typeof gate>[] = [];
  const held: Storage = Object.create(storage) as Storage;
  held.openWrite = async (file) => {
    if (!file.startsWith('.hoodie/') && gates.length > 0) await gates.shift()!.wait();
    return storage.openWrite(file);
  };
  return {
    storage: held,
    holdNextUpload: () => {
      const g = gate();
      gates.push(g);
      return g;
    },
  };
}

async function twoWriters(config: Record<string, string> = {}): Promise<{ f: TableFixture; a: ReturnType<typeof heldStorage>; writerA: HudiTableWriter; writerB: HudiTableWriter }> {
  const f = await tableFixture(config);
  open.push(f);
  const a = heldStorage(f.storage);
  const writerA = await f.open({ storage: a.storage, concurrency: occ('writer A') });
  const writerB = await f.open({ concurrency: occ('writer B') });
  writers.push(writerA, writerB);
  return { f, a, writerA, writerB };
}

/** Timeline files of instants that have no completed file. */
function pendingFiles(table: string): string[] {
  const names = readdirSync(path.join(table, '.hoodie'));
  const completed = new Set(names.filter((n) => /^\d+\.[a-z]+$/.test(n) && !n.endsWith('.inflight')));
  return names.filter((n) => {
    const m = /^(\d+)\.(?:(commit|[a-z]+)\.requested|inflight|([a-z]+)\.inflight)$/.exec(n);
    if (!m) return false;
    const action = m[2] ?? m[3] ?? 'commit';
    // A compaction completes as a commit.
    return !completed.has(`${m[1]}.${action === 'compaction' ? 'commit' : action}`);
  });
}

describe('optimistic concurrency control', () => {
  it('a commit that rewrote a file group another writer committed meanwhile is written again on top of it', async () => {
    const { f, a, writerA, writerB } = await twoWriters();
    await f.write(writerA, [p('k1', 'eu', 1), p('k2', 'eu', 1)]);
    const held = a.holdNextUpload();
    const slow = f.write(writerA, [p('k1', 'eu', 5, 50)]); // the greater version: must win
    await held.reached;
    await f.write(writerB, [p('k1', 'eu', 3, 30), p('k2', 'eu', 3, 30)]);
    held.open();
    const result = await slow;
    expect(await f.snapshot()).toEqual(['eu/k1@5:50', 'eu/k2@3:30']);
    expect(f.commits()).toHaveLength(3);
    expect(f.commits().at(-1)).toBe(result.instant);
    expect(f.logger.messages('warn')).toContain('write conflict: writing the batch again on the new commits');
    expect(pendingFiles(f.table)).toEqual([]);
  });

  it('a lower version written concurrently loses to the committed greater one, as if the commits were serial', async () => {
    const { f, a, writerA, writerB } = await twoWriters();
    await f.write(writerA, [p('k1', 'eu', 1), p('k2', 'eu', 1)]);
    const held = a.holdNextUpload();
    const slow = f.write(writerA, [p('k1', 'eu', 2, 20), p('k2', 'eu', 2, 20)]);
    await held.reached;
    await f.write(writerB, [p('k1', 'eu', 7, 70)]);
    held.open();
    await slow;
    expect(await f.snapshot()).toEqual(['eu/k1@7:70', 'eu/k2@2:20']);
  });

  it('two writers inserting the same new key: the second sees the first one\'s row, the key stays unique', async () => {
    const { f, a, writerA, writerB } = await twoWriters();
    const held = a.holdNextUpload();
    const slow = f.write(writerA, [p('k9', 'eu', 2, 20), p('a1', 'eu', 1)]);
    await held.reached;
    await f.write(writerB, [p('k9', 'eu', 1, 10)]);
    held.open();
    await slow;
    expect(await f.snapshot()).toEqual(['eu/a1@1:1', 'eu/k9@2:20']);
    expect(f.logger.messages('warn')).toContain('write conflict: writing the batch again on the new commits');
  });

  it('a delete racing the insert of its key still deletes it', async () => {
    const { f, a, writerA, writerB } = await twoWriters();
    await f.write(writerA, [p('x', 'eu', 1)]);
    const held = a.holdNextUpload();
    const slow = f.write(writerA, [p('k5', 'eu', 9, 0, true), p('x', 'eu', 2)]);
    await held.reached;
    await f.write(writerB, [p('k5', 'eu', 1, 10)]);
    held.open();
    await slow;
    expect(await f.snapshot()).toEqual(['eu/x@2:2']);
  });

  it('commits touching other file groups and keys do not conflict, and each writer learns the other\'s files', async () => {
    const { f, a, writerA, writerB } = await twoWriters({ 'hoodie.parquet.small.file.limit': '0' });
    await f.write(writerA, [p('e1', 'eu', 1)]);
    await f.write(writerB, [p('u1', 'us', 1)]);
    const held = a.holdNextUpload();
    const slow = f.write(writerA, [p('e1', 'eu', 2)]);
    await held.reached;
    await f.write(writerB, [p('u1', 'us', 2), p('u2', 'us', 1)]);
    held.open();
    await slow;
    expect(f.logger.messages('warn')).not.toContain('write conflict: writing the batch again on the new commits');
    // Writer A now updates keys only B wrote: found through B's commits (no duplicate row appears).
    await f.write(writerA, [p('u1', 'us', 3), p('u2', 'us', 3)]);
    expect(await f.snapshot()).toEqual(['eu/e1@2:2', 'us/u1@3:3', 'us/u2@3:3']);
  });

  it('gives up after the configured retries with a retriable error and leaves nothing pending', async () => {
    const f = await tableFixture();
    open.push(f);
    const a = heldStorage(f.storage);
    const writerA = await f.open({ storage: a.storage, concurrency: occ('writer A', { conflictRetries: 0 }) });
    const writerB = await f.open({ concurrency: occ('writer B') });
    writers.push(writerA, writerB);
    await f.write(writerB, [p('k1', 'eu', 1)]);
    const held = a.holdNextUpload();
    const slow = f.write(writerA, [p('k1', 'eu', 2)]);
    await held.reached;
    await f.write(writerB, [p('k1', 'eu', 3)]);
    held.open();
    const err = await slow.then(() => undefined, (e: unknown) => e as { code: string; retriable: boolean; message: string });
    expect(err).toMatchObject({ code: 'RETRIABLE', retriable: true });
    expect(err!.message).toMatch(/conflicts with \d+ completed meanwhile by another writer, which wrote file groups this commit wrote to/);
    expect(pendingFiles(f.table)).toEqual([]);
    expect(await f.snapshot()).toEqual(['eu/k1@3:3']);
    // The same writer's next write succeeds on the fresh view.
    await f.write(writerA, [p('k1', 'eu', 4)]);
    expect(await f.snapshot()).toEqual(['eu/k1@4:4']);
  });

  it('opening the table leaves another writer\'s in-flight commit alone', async () => {
    const { f, a, writerA } = await twoWriters();
    const held = a.holdNextUpload();
    const slow = f.write(writerA, [p('k1', 'eu', 1)]);
    await held.reached;
    const third = await f.open({ concurrency: occ('writer C') });
    writers.push(third);
    expect(pendingFiles(f.table).length).toBeGreaterThan(0);
    held.open();
    await slow;
    expect(await f.snapshot()).toEqual(['eu/k1@1:1']);
    expect(f.logger.messages('warn')).not.toContain('rolled back an unfinished commit');
  });

  it('a single_writer refuses to open while another writer\'s commit has a live heartbeat, instead of rolling it back', async () => {
    const { f, a, writerA } = await twoWriters();
    const held = a.holdNextUpload();
    const slow = f.write(writerA, [p('k1', 'eu', 1)]);
    await held.reached;
    const err = await f.open().then(() => undefined, (e: unknown) => e as { code: string; message: string });
    expect(err?.code).toBe('ILLEGAL_STATE');
    expect(err?.message).toMatch(/commit \d{17} is in flight by another writer .*hoodie\.write\.concurrency\.mode=optimistic_concurrency_control/);
    held.open();
    await slow;
    expect(await f.snapshot()).toEqual(['eu/k1@1:1']);
  });

  it('an instant whose heartbeat expired is rolled back by the next writer', async () => {
    const f = await tableFixture();
    open.push(f);
    const beat = { intervalMs: 100, tolerableMisses: 2 };
    const dying = await f.open({ concurrency: occ('dying', { heartbeat: beat }), faultPoint: (pt) => { if (pt === 'after-data-files') throw new Error('crash'); } });
    await expect(f.write(dying, [p('k1', 'eu', 1)])).rejects.toThrow('crash');
    dying.close(); // the process is gone: its beat stops
    const instant = pendingFiles(f.table)[0]!.split('.')[0]!;
    expect(existsSync(path.join(f.table, '.hoodie', '.heartbeat', instant))).toBe(true);
    const other = await f.open({ concurrency: occ('other', { heartbeat: beat }) });
    writers.push(other);
    expect(pendingFiles(f.table).length).toBeGreaterThan(0); // still within its heartbeat
    await new Promise((r) => setTimeout(r, 350));
    await f.write(other, [p('k2', 'eu', 1)]);
    expect(pendingFiles(f.table)).toEqual([]);
    expect(readdirSync(path.join(f.table, '.hoodie')).some((n) => n.endsWith('.rollback'))).toBe(true);
    expect(existsSync(path.join(f.table, '.hoodie', '.heartbeat', instant))).toBe(false);
    expect(await f.snapshot()).toEqual(['eu/k2@1:1']);
  });

  it('while a write is in flight its heartbeat file is rewritten; afterwards it is gone', async () => {
    const f = await tableFixture();
    open.push(f);
    const a = heldStorage(f.storage);
    const w = await f.open({ storage: a.storage, concurrency: occ('w', { heartbeat: { intervalMs: 50, tolerableMisses: 2 } }) });
    writers.push(w);
    const held = a.holdNextUpload();
    const slow = f.write(w, [p('k1', 'eu', 1)]);
    await held.reached;
    const dir = path.join(f.table, '.hoodie', '.heartbeat');
    const [name] = readdirSync(dir);
    const first = (await f.storage.stat(`.hoodie/.heartbeat/${name}`))!.modifiedAt;
    await new Promise((r) => setTimeout(r, 200));
    expect((await f.storage.stat(`.hoodie/.heartbeat/${name}`))!.modifiedAt).toBeGreaterThan(first);
    held.open();
    await slow;
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('optimistic concurrency control on a merge-on-read table', () => {
  const mor = { 'hoodie.table.type': 'MERGE_ON_READ', 'hoodie.compact.inline': 'false' };
  const snapshot = async (f: TableFixture) =>
    (await (await HudiTableReader.open(f.storage, f.deps.codec)).snapshot()).map((r) => `${String(r['_hoodie_partition_path'])}/${String(r['id'])}@${Number(r['ver'])}:${Number(r['amount'])}`).sort();
  const logs = (f: TableFixture, partition: string) => readdirSync(path.join(f.table, partition)).filter((n) => n.includes('.log.')).sort();
  /** A table and a writer on it that "dies" (a thrown fault) at `point` once `arm()` was called. */
  async function dyingWriter(point: FaultPoint): Promise<{ f: TableFixture; dying: HudiTableWriter; arm(on: boolean): void }> {
    const f = await tableFixture({ ...mor });
    open.push(f);
    let armed = false;
    const dying = await f.open({
      concurrency: occ('writer A'),
      faultPoint: (at) => {
        if (at === point && armed) throw new Error('injected crash');
      },
    });
    writers.push(dying);
    return { f, dying, arm: (on) => (armed = on) };
  }
  const timeline = (f: TableFixture) => readdirSync(path.join(f.table, '.hoodie')).filter((n) => /^\d+\.(deltacommit|commit)$/.test(n)).sort();

  it('two deltacommits appending to one file group conflict: the held one is written again after the other, nothing lost', async () => {
    const { f, a, writerA, writerB } = await twoWriters(mor);
    await f.write(writerA, [p('k1', 'eu', 1), p('k2', 'eu', 1)]);
    const held = a.holdNextUpload();
    const slow = f.write(writerA, [p('k1', 'eu', 5, 50)]);
    await held.reached;
    await f.write(writerB, [p('k2', 'eu', 3, 30)]);
    held.open();
    await slow;
    expect(f.logger.messages('warn')).toContain('write conflict: writing the batch again on the new commits');
    expect(await snapshot(f)).toEqual(['eu/k1@5:50', 'eu/k2@3:30']);
    // Both logs are on the same slice, the retried one a version after the other writer's (learned from its commit).
    expect(logs(f, 'eu').map((n) => n.split('.log.')[1]!.split('_')[0])).toEqual(['1', '2']);
    expect(pendingFiles(f.table)).toEqual([]);
    // Each writer goes on from the other's log files: a third update by B lands as version 3.
    await f.write(writerB, [p('k1', 'eu', 6, 60)]);
    expect(logs(f, 'eu')).toHaveLength(3);
    expect(await snapshot(f)).toEqual(['eu/k1@6:60', 'eu/k2@3:30']);
  });

  it('deltacommits to other file groups do not conflict, and each writer learns the other\'s log files', async () => {
    const { f, a, writerA, writerB } = await twoWriters(mor);
    await f.write(writerA, [p('e1', 'eu', 1), p('u1', 'us', 1)]);
    const held = a.holdNextUpload();
    const slow = f.write(writerA, [p('e1', 'eu', 2)]);
    await held.reached;
    await f.write(writerB, [p('u1', 'us', 2)]);
    held.open();
    await slow;
    expect(f.logger.messages('warn')).not.toContain('write conflict: writing the batch again on the new commits');
    // A appends to the us slice after B's log (version 2), B to the eu slice after A's: each knows the other's log.
    await f.write(writerA, [p('u1', 'us', 3)]);
    await f.write(writerB, [p('e1', 'eu', 3)]);
    expect(logs(f, 'us').map((n) => n.split('.log.')[1]!.split('_')[0])).toEqual(['1', '2']);
    expect(logs(f, 'eu').map((n) => n.split('.log.')[1]!.split('_')[0])).toEqual(['1', '2']);
    expect(await snapshot(f)).toEqual(['eu/e1@3:3', 'us/u1@3:3']);
  });

  it('a compaction completed meanwhile conflicts with a deltacommit whose log went to the slice it compacted', async () => {
    const f = await tableFixture({ ...mor });
    open.push(f);
    const a = heldStorage(f.storage);
    const writerA = await f.open({ storage: a.storage, concurrency: occ('writer A') });
    const writerB = await f.open({ concurrency: occ('writer B'), compaction: { enabled: true, maxDeltaCommits: 1, maxDeltaSeconds: 3600, trigger: 'NUM_COMMITS' } });
    writers.push(writerA, writerB);
    await f.write(writerA, [p('k1', 'eu', 1), p('k2', 'eu', 1), p('u1', 'us', 1)]);
    await f.write(writerA, [p('k2', 'eu', 2, 20)]); // a log file: the next deltacommit of B makes a compaction due
    const held = a.holdNextUpload();
    const slow = f.write(writerA, [p('k1', 'eu', 5, 50)]); // a log file of the slice B is about to compact
    await held.reached;
    // A deltacommit of another file group (no conflict by itself), then B's inline compaction of both slices.
    await f.write(writerB, [p('u1', 'us', 3, 30)]);
    const compaction = timeline(f).filter((n) => n.endsWith('.commit'));
    expect(compaction).toHaveLength(1);
    held.open();
    await slow;
    expect(f.logger.messages('warn')).toContain('write conflict: writing the batch again on the new commits');
    expect(await snapshot(f)).toEqual(['eu/k1@5:50', 'eu/k2@2:20', 'us/u1@3:30']);
    // A's retried log belongs to the compacted slice (its base instant is the compaction's).
    const compactionInstant = compaction[0]!.split('.')[0]!;
    expect(logs(f, 'eu').filter((n) => n.includes(`_${compactionInstant}.log.`))).toHaveLength(1);
    expect(pendingFiles(f.table)).toEqual([]);
  });

  it('a compaction during which another writer completed a deltacommit to a file group it compacts yields: rolled back, nothing lost', async () => {
    const { f, a, writerA, writerB } = await twoWriters(mor);
    await f.write(writerA, [p('k1', 'eu', 1), p('k2', 'eu', 1)]);
    await f.write(writerA, [p('k1', 'eu', 2, 20)]);
    const held = a.holdNextUpload();
    const compaction = writerA.compact(f.deps.schema.columns, f.deps.schema.schemaJson);
    await held.reached; // planned and requested, writing its base file
    await f.write(writerB, [p('k2', 'eu', 3, 30)]); // a log file of the slice being compacted
    held.open();
    await expect(compaction).rejects.toThrow(/compaction \d+ conflicts with \d+, completed meanwhile by another writer, which wrote to file groups it compacted/);
    expect(pendingFiles(f.table)).toEqual([]);
    expect(timeline(f).filter((n) => n.endsWith('.commit'))).toEqual([]);
    expect(await snapshot(f)).toEqual(['eu/k1@2:20', 'eu/k2@3:30']);
    // The next compaction plans anew, with B's log.
    expect((await writerA.compact(f.deps.schema.columns, f.deps.schema.schemaJson))?.files).toBe(1);
    expect(await snapshot(f)).toEqual(['eu/k1@2:20', 'eu/k2@3:30']);
  });

  it('a log file of a deltacommit in flight when a writer opened leaves its view once that deltacommit is rolled back', async () => {
    const { f, dying, arm } = await dyingWriter('after-data-files');
    await f.write(dying, [p('k1', 'eu', 1), p('k2', 'eu', 1)]);
    arm(true);
    await expect(f.write(dying, [p('k1', 'eu', 2, 20)])).rejects.toThrow('injected crash');
    dying.close();
    const dead = logs(f, 'eu');
    expect(dead).toHaveLength(1); // the dead deltacommit's log file, listed by the next writer's open
    const writerB = await f.open({ concurrency: occ('writer B', { heartbeat: { intervalMs: 100, tolerableMisses: 2 } }) });
    writers.push(writerB);
    await new Promise((resolve) => setTimeout(resolve, 300));
    // A delete older than a logged record rewrites the file group with its logs: the rolled-back log must not be
    // read (it is gone).
    await f.write(writerB, [p('k1', 'eu', 5, 50)]);
    const own = logs(f, 'eu').filter((n) => !dead.includes(n));
    await f.write(writerB, [p('k2', 'eu', 3, 0, true)]);
    expect(logs(f, 'eu'), 'the dead log is gone; B\'s own stays in the old slice until cleaned').toEqual(own);
    expect(pendingFiles(f.table)).toEqual([]);
    expect(await snapshot(f)).toEqual(['eu/k1@5:50']);
  });

  it('a compaction left pending by a writer that died is rolled back once its heartbeat expired; the next one compacts everything', async () => {
    const { f, dying, arm } = await dyingWriter('after-compaction-file');
    const writerB = await f.open({ concurrency: occ('writer B', { heartbeat: { intervalMs: 100, tolerableMisses: 2 } }) });
    writers.push(writerB);
    arm(true);
    await f.write(dying, [p('k1', 'eu', 1), p('k2', 'us', 1)]);
    await f.write(dying, [p('k1', 'eu', 2, 20), p('k2', 'us', 2, 20)]);
    await expect(dying.compact(f.deps.schema.columns, f.deps.schema.schemaJson)).rejects.toThrow('injected crash');
    arm(false);
    dying.close();
    expect(pendingFiles(f.table).some((n) => n.includes('compaction'))).toBe(true);
    // The dead compaction's base files are not the table: B's deltacommit goes to the old slice's log.
    await f.write(writerB, [p('k2', 'us', 3, 30)]);
    expect(await snapshot(f)).toEqual(['eu/k1@2:20', 'us/k2@3:30']);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const done = await writerB.compact(f.deps.schema.columns, f.deps.schema.schemaJson);
    expect(done?.files).toBe(2);
    expect(pendingFiles(f.table)).toEqual([]);
    expect(f.logger.messages('warn')).toContain('rolled back an unfinished commit');
    expect(await snapshot(f)).toEqual(['eu/k1@2:20', 'us/k2@3:30']);
  });
});

describe('single_writer fencing: a writer whose table another writer opened since refuses to commit', () => {
  async function singleWriters() {
    const f = await tableFixture();
    open.push(f);
    const a = heldStorage(f.storage);
    const first = await f.open({ storage: a.storage });
    writers.push(first);
    await f.write(first, [p('k1', 'eu', 1), p('k2', 'us', 1)]);
    return { f, a, first };
  }

  it('opened while the first writer was idle: the first one\'s next commit is refused and rolled back, the second one\'s view stays whole', async () => {
    const { f, first } = await singleWriters();
    const second = await f.open();
    writers.push(second);
    const err = await f.write(first, [p('k1', 'eu', 2), p('k3', 'us', 1)]).then(() => undefined, (e: unknown) => e as Error & { code?: string });
    expect(err).toBeInstanceOf(ConcurrentWriterError);
    expect(err?.code).toBe('ILLEGAL_STATE');
    expect(err?.message).toMatch(/commit \d{17} is refused: this writer \(.+\) opened the table at .+, and since then another writer \(.+\) opened it at .+single_writer .*optimistic_concurrency_control/);
    expect(pendingFiles(f.table)).toEqual([]);
    expect(await f.snapshot()).toEqual(['eu/k1@1:1', 'us/k2@1:1']);
    // The second writer never saw the refused attempt and writes on a view that is still the table.
    await f.write(second, [p('k1', 'eu', 3), p('k2', 'us', 2)]);
    expect(await f.snapshot()).toEqual(['eu/k1@3:3', 'us/k2@2:2']);
  });

  it('opened in the middle of the first writer\'s commit: that commit is refused, and no file of it is left behind', async () => {
    const { f, a, first } = await singleWriters();
    const held = a.holdNextUpload();
    const slow = f.write(first, [p('k1', 'eu', 2), p('k3', 'us', 1), p('k4', 'ap', 1)]).then(() => undefined, (e: unknown) => e);
    await held.reached;
    // The second writer rolls the first one's instant back (markers included) while it is still writing.
    const second = await f.open();
    writers.push(second);
    held.open();
    expect(await slow).toBeInstanceOf(ConcurrentWriterError);
    expect(pendingFiles(f.table)).toEqual([]);
    const committed = new Set(readdirSync(path.join(f.table, '.hoodie')).filter((n) => /^\d{17}\.commit$/.test(n)).map((n) => n.slice(0, 17)));
    const stray = ['eu', 'us', 'ap'].flatMap((part) => (existsSync(path.join(f.table, part)) ? readdirSync(path.join(f.table, part)) : []).filter((n) => n.endsWith('.parquet') && !committed.has(n.slice(-25, -8))));
    expect(stray).toEqual([]);
    expect(await f.snapshot()).toEqual(['eu/k1@1:1', 'us/k2@1:1']);
    await f.write(second, [p('k1', 'eu', 3), p('k3', 'us', 1)]);
    expect(await f.snapshot()).toEqual(['eu/k1@3:3', 'us/k2@1:1', 'us/k3@1:1']);
  });

  it('a writer alone on its table keeps committing, and a writer reopened after it was closed takes over', async () => {
    const { f, first } = await singleWriters();
    await f.write(first, [p('k1', 'eu', 2)]);
    first.close();
    const again = await f.open();
    writers.push(again);
    await f.write(again, [p('k1', 'eu', 3)]);
    expect(await f.snapshot()).toEqual(['eu/k1@3:3', 'us/k2@1:1']);
  });
});

describe('table lock', () => {
  async function lockFixture() {
    const f = await tableFixture();
    open.push(f);
    await f.storage.writeFile('.hoodie/hoodie.properties', 'x');
    return f;
  }
  const lockOn = (storage: Storage, owner: string, more: { validityMs?: number; waitMs?: number; now?: () => number } = {}) =>
    new TableLock(storage, { owner, validityMs: more.validityMs ?? 60_000, waitMs: more.waitMs ?? 20_000, now: more.now ?? (() => Date.now()), sleep: (ms) => new Promise((r) => setTimeout(r, ms)), logger: fakeLogger() });

  it('lets one holder at a time into the critical section', async () => {
    const f = await lockFixture();
    let inside = 0;
    let most = 0;
    let counter = 0;
    const worker = async (name: string) => {
      const lock = lockOn(f.storage, name);
      for (let i = 0; i < 15; i++) {
        const lease = await lock.acquire();
        inside++;
        most = Math.max(most, inside);
        const seen = counter;
        await new Promise((r) => setTimeout(r, 1));
        counter = seen + 1;
        inside--;
        await lease.release();
      }
    };
    await Promise.all(['a', 'b', 'c'].map(worker));
    expect(most).toBe(1);
    expect(counter).toBe(45);
    // Older generations are deleted as newer ones are taken: the folder stays small.
    expect(readdirSync(path.join(f.table, '.hoodie', '.locks')).length).toBeLessThanOrEqual(4);
  });

  it('times out with a retriable error naming the holder, and takes over a lock whose holder died', async () => {
    const f = await lockFixture();
    await lockOn(f.storage, 'dead writer').acquire(); // never released
    const err = await lockOn(f.storage, 'patient', { waitMs: 150 }).acquire().then(() => undefined, (e: unknown) => e as { code: string; message: string });
    expect(err).toMatchObject({ code: 'RETRIABLE' });
    expect(err!.message).toContain('held by dead writer');
    const later = () => Date.now() + 61_000;
    const lease = await lockOn(f.storage, 'successor', { now: later }).acquire();
    expect(lease.generation).toBe(2);
    await lease.release();
  });
});
