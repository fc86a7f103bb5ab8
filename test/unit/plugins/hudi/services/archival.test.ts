// Timeline archival: what is chosen (pure, on synthetic timelines), and whole tables written by the real writer
// with archival on — the active timeline stays bounded, every archived instant file is in the archive once with
// its state and payload, the table reads the same before and after (files of archived commits stay part of it,
// also after a reopen), a writer resumes its positions from an archived commit, and a crash at each step of an
// archival leaves a table that reads the same and is archived again by the next commit.
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { instantsToArchive, type ArchivalSettings } from '../../../../../plugins/hudi/services/archival';
import { HudiTableReader } from '../../../../../plugins/hudi/table/table-reader';
import { LocalStorage } from '../../../../../plugins/hudi/storage/local-storage';
import { listArchiveFiles, readArchivedEntries } from '../../../../../plugins/hudi/timeline/archived-timeline';
import { Timeline } from '../../../../../plugins/hudi/timeline/timeline';
import { tableFixture, type Payment, type TableFixture } from '../../../../helpers/hudi-table';

const dirs: string[] = [];
const open: TableFixture[] = [];
afterEach(async () => {
  for (const f of open.splice(0)) await f.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A timeline of the given instant files (names as in .hoodie/, e.g. `…001.commit`). */
async function timelineOf(names: string[]): Promise<Timeline> {
  const dir = mkdtempSync(path.join(tmpdir(), 'archival-'));
  dirs.push(dir);
  const s = new LocalStorage(dir);
  for (const n of names) await s.writeFile(`.hoodie/${n}`, '');
  return Timeline.load(s);
}

const ts = (n: number) => `20260101000000${String(n).padStart(3, '0')}`;
const SETTINGS: ArchivalSettings = { enabled: true, minCommits: 3, maxCommits: 5 };

describe('choosing the instants to archive', () => {
  it('archives the oldest completed writes down to the minimum once there are more than the maximum', async () => {
    const five = await timelineOf([1, 2, 3, 4, 5].map((n) => `${ts(n)}.commit`));
    expect(instantsToArchive(five, SETTINGS), 'five is not more than the maximum').toEqual([]);
    const six = await timelineOf([1, 2, 3, 4, 5, 6].map((n) => `${ts(n)}.commit`));
    expect(instantsToArchive(six, SETTINGS)).toEqual([ts(1), ts(2), ts(3)]);
  });

  it('never archives at or after the newest completed write before the oldest pending write or compaction', async () => {
    const names = [1, 2, 3, 5, 6, 7, 8].map((n) => `${ts(n)}.deltacommit`);
    const t = await timelineOf([...names, `${ts(4)}.compaction.requested`]);
    expect(instantsToArchive(t, SETTINGS)).toEqual([ts(1), ts(2)]);
    const inflight = await timelineOf([...names, `${ts(4)}.deltacommit.requested`, `${ts(4)}.deltacommit.inflight`]);
    expect(instantsToArchive(inflight, SETTINGS)).toEqual([ts(1), ts(2)]);
  });

  it('stops before a savepoint, a replace commit and the earliest commit the last clean retained', async () => {
    const commits = [1, 2, 3, 4, 5, 6, 7, 8].map((n) => `${ts(n)}.commit`);
    expect(instantsToArchive(await timelineOf([...commits, `${ts(3)}.savepoint`]), SETTINGS)).toEqual([ts(1), ts(2)]);
    expect(instantsToArchive(await timelineOf(commits.map((c, i) => (i === 1 ? `${ts(2)}.replacecommit` : c))), SETTINGS)).toEqual([ts(1)]);
    expect(instantsToArchive(await timelineOf(commits), SETTINGS, ts(4))).toEqual([ts(1), ts(2), ts(3)]);
    expect(instantsToArchive(await timelineOf(commits), SETTINGS, ts(2))).toEqual([ts(1)]);
  });

  it('keeps the deltacommits a count-triggered compaction still has to see, and the latest compaction with them', async () => {
    const compaction = { enabled: true, maxDeltaCommits: 4, maxDeltaSeconds: 3600, trigger: 'NUM_COMMITS' as const };
    const t = await timelineOf([...[1, 2, 3, 4].map((n) => `${ts(n)}.deltacommit`), `${ts(5)}.commit`, ...[6, 7, 8].map((n) => `${ts(n)}.deltacommit`)]);
    expect(instantsToArchive(t, { ...SETTINGS, compaction }), 'three deltacommits since the compaction at 5: it stays').toEqual([ts(1), ts(2), ts(3), ts(4)]);
    const none = await timelineOf([1, 2, 3, 4, 5, 6, 7, 8].map((n) => `${ts(n)}.deltacommit`));
    expect(instantsToArchive(none, { ...SETTINGS, compaction }), 'no compaction yet: the newest four deltacommits stay').toEqual([ts(1), ts(2), ts(3), ts(4)]);
    const few = await timelineOf([1, 2, 3, 4, 5, 6].map((n) => `${ts(n)}.deltacommit`));
    expect(instantsToArchive(few, { ...SETTINGS, compaction: { ...compaction, maxDeltaCommits: 10 } }), 'fewer than the trigger count and no compaction: all stay').toEqual([]);
    expect(instantsToArchive(few, { ...SETTINGS, compaction: { ...compaction, maxDeltaCommits: 10, trigger: 'TIME_ELAPSED' } }), 'a time trigger counts nothing').toEqual([ts(1), ts(2), ts(3)]);
  });

  it('archives cleans and rollbacks by their own counts', async () => {
    const t = await timelineOf([...[1, 2, 3].map((n) => `${ts(n)}.commit`), ...[11, 12, 13, 14, 15, 16].map((n) => `${ts(n)}.clean`), ...[21, 22].map((n) => `${ts(n)}.rollback`)]);
    expect(instantsToArchive(t, SETTINGS)).toEqual([ts(11), ts(12), ts(13)]);
  });

  it('a file older than the first write on the active timeline belongs to the table even when a clean is older still', async () => {
    const t = await timelineOf([`${ts(2)}.clean`, `${ts(5)}.commit`, `${ts(6)}.deltacommit.requested`]);
    expect(t.holdsWrite(ts(3)), 'archived write after an active clean').toBe(true);
    expect(t.holdsWrite(ts(6)), 'pending').toBe(false);
    expect(t.holdsWrite(ts(7)), 'newer than the timeline and not completed').toBe(false);
  });
});

/** What our reader (which merges log files) reads as the latest snapshot, compactly. */
async function snapshot(f: TableFixture): Promise<string[]> {
  const read = await (await HudiTableReader.open(f.storage, f.deps.codec)).snapshot();
  return read.map((r) => `${String(r['_hoodie_partition_path'])}/${String(r['id'])}@${Number(r['ver'])}:${Number(r['amount'])}`).sort();
}

/** Four of seven keys per batch, each key always in the same partition. */
const rows = (n: number, ver: number): Payment[] => Array.from({ length: 4 }, (_, i) => (n + i) % 7).map((k) => ({ id: `k${k}`, region: k % 2 ? 'eu' : 'us', amount: n * 10 + k, ver }));
const active = (f: TableFixture) => readdirSync(path.join(f.table, '.hoodie')).filter((n) => /^\d/.test(n));
const ARCHIVING = { 'hoodie.keep.min.commits': '4', 'hoodie.keep.max.commits': '6', 'hoodie.clean.commits.retained': '2' };

describe.each(['COPY_ON_WRITE', 'MERGE_ON_READ'])('archival of a %s table written by the real writer', (tableType) => {
  const config = { ...ARCHIVING, 'hoodie.table.type': tableType, 'hoodie.compact.inline.max.delta.commits': '3' };

  it('keeps the active timeline bounded, archives every state file once, and the table reads the same', async () => {
    const f = await tableFixture(config);
    open.push(f);
    const w = await f.open();
    const expected = new Map<string, string>();
    const model = (recs: Payment[]) => recs.forEach((r) => expected.set(r.id, `${r.region}/${r.id}@${r.ver}:${r.amount}`));
    const before = new Map<string, string[]>();
    for (let n = 1; n <= 30; n++) {
      const batch = rows(n, n);
      await f.write(w, batch, 'upsert', { 'tributary.positions': JSON.stringify({ [`t/${n}`]: [[0, n]] }) });
      model(batch);
      for (const name of active(f)) if (!before.has(name)) before.set(name, [name]);
      const writes = active(f).filter((n) => /\.(commit|deltacommit)$/.test(n));
      expect(writes.length, `after commit ${n}: completed writes on the active timeline`).toBeLessThanOrEqual(6);
      expect(await snapshot(f)).toEqual([...expected.values()].sort());
    }
    w.close();
    const archives = await listArchiveFiles(f.storage);
    expect(archives.length, 'several archival runs, one file version each').toBeGreaterThan(2);
    expect(archives.map((a) => a.version)).toEqual(archives.map((_, i) => i + 1));
    const entries = await readArchivedEntries(f.storage);
    const archivedNames = new Set(entries.map((e) => `${e.commitTime}.${e.actionType}.${e.actionState}`));
    expect(archivedNames.size).toBe(entries.length);
    // Every instant file that existed and is gone now was archived with its action and state.
    const nowActive = new Set(active(f));
    for (const name of before.keys()) {
      if (nowActive.has(name)) continue;
      const m = /^(\d{17})\.(.*)$/.exec(name)!;
      const [action, state] = m[2] === 'inflight' ? ['commit', 'INFLIGHT'] : m[2]!.endsWith('.requested') ? [m[2]!.slice(0, -10), 'REQUESTED'] : m[2]!.endsWith('.inflight') ? [m[2]!.slice(0, -9), 'INFLIGHT'] : [m[2]!, 'COMPLETED'];
      expect(archivedNames.has(`${m[1]}.${action}.${state}`), `${name} left the active timeline and is in the archive`).toBe(true);
    }
    const completed = entries.filter((e) => e.actionState === 'COMPLETED' && (e.actionType === 'commit' || e.actionType === 'deltacommit'));
    expect(completed.length).toBeGreaterThan(15);
    const written = completed.filter((e) => e.hoodieCommitMetadata?.operationType !== 'COMPACT');
    expect(written.length).toBeGreaterThan(10);
    expect(written.every((e) => e.hoodieCommitMetadata?.extraMetadata?.['tributary.positions'] !== undefined), 'archived commits keep their extraMetadata').toBe(true);
    if (tableType === 'MERGE_ON_READ') expect(entries.some((e) => e.actionType === 'compaction' && e.actionState === 'REQUESTED' && e.hoodieCompactionPlan !== null), 'a compaction plan was archived').toBe(true);
    expect(entries.some((e) => e.actionType === 'clean' && e.actionState === 'COMPLETED' && e.hoodieCleanMetadata !== null)).toBe(true);

    // A reopened writer builds its view from storage: files of archived commits are still the table's.
    const again = await f.open();
    const last = rows(31, 31);
    await f.write(again, last);
    model(last);
    again.close();
    expect(await snapshot(f)).toEqual([...expected.values()].sort());
  });

  it('a writer finds its positions in an archived commit when newer commits are another writer\'s', async () => {
    const f = await tableFixture(config);
    open.push(f);
    const w = await f.open();
    await f.write(w, rows(1, 1), 'upsert', { 'tributary.positions': '{"t/0":[[0,5]]}', 'tributary.writer': 'mine' });
    for (let n = 2; n <= 12; n++) await f.write(w, rows(n, n), 'upsert', { 'tributary.positions': '{"t/1":[[0,9]]}', 'tributary.writer': 'other' });
    expect((await readArchivedEntries(f.storage)).length).toBeGreaterThan(0);
    const mine = await w.lastCommitMetadata((m) => m.extraMetadata['tributary.writer'] === 'mine');
    w.close();
    expect(mine?.extraMetadata['tributary.positions']).toBe('{"t/0":[[0,5]]}');
  });

  it.each(['after-archive-file', 'after-archive-pending-deleted'] as const)('a crash at %s leaves a table that reads the same and is archived again', async (point) => {
    const f = await tableFixture(config);
    open.push(f);
    const w = await f.open();
    const expected = new Map<string, string>();
    let n = 0;
    const commit = async (writer: typeof w) => {
      n++;
      const batch = rows(n, n);
      try {
        await f.write(writer, batch);
      } catch (err) {
        // The crash point is in the table services after the commit point: the batch is in the table.
        if (!crashed) throw err;
      }
      batch.forEach((r) => expected.set(r.id, `${r.region}/${r.id}@${r.ver}:${r.amount}`));
    };
    for (let i = 0; i < 6; i++) await commit(w);
    w.close();
    let crashed = false;
    const crashing = await f.open({ faultPoint: (p) => { if (p === point && !crashed) { crashed = true; throw new Error(`crash at ${p}`); } } });
    for (let i = 0; i < 6 && !crashed; i++) {
      // The commit completes; the crash is in its table services, which only log.
      await commit(crashing);
    }
    crashing.close();
    expect(crashed, 'archival ran and crashed').toBe(true);
    expect(await snapshot(f)).toEqual([...expected.values()].sort());
    const after = await f.open();
    for (let i = 0; i < 8; i++) await commit(after);
    after.close();
    expect(await snapshot(f)).toEqual([...expected.values()].sort());
    const entries = await readArchivedEntries(f.storage);
    const completed = entries.filter((e) => e.actionState === 'COMPLETED' && e.actionType !== 'clean');
    expect(new Set(completed.map((e) => e.commitTime)).size, 'each archived once in the read archive').toBe(completed.length);
    const writes = active(f).filter((x) => /\.(commit|deltacommit)$/.test(x));
    expect(writes.length).toBeLessThanOrEqual(6);
    // No hole: every completed write older than the first active one is in the archive.
    const firstActive = writes.sort()[0]!.slice(0, 17);
    expect(completed.filter((e) => e.commitTime! < firstActive).length).toBe(completed.length);
  });
});

describe('archival settings', () => {
  it('refuses bounds that would archive what cleaning or compaction needs, naming both values', async () => {
    const bad = async (config: Record<string, string>) => {
      const dir = mkdtempSync(path.join(tmpdir(), 'archival-config-'));
      dirs.push(dir);
      writeFileSync(path.join(dir, 's.avsc'), '{}');
      return tableFixture(config).then(
        async (f) => {
          await f.close();
          return '';
        },
        (e: Error) => e.message,
      );
    };
    expect(await bad({ 'hoodie.keep.min.commits': '5', 'hoodie.keep.max.commits': '5' })).toMatch(/hoodie\.keep\.max\.commits.*5 must be greater than hoodie\.keep\.min\.commits \(5\)/);
    expect(await bad({ 'hoodie.keep.min.commits': '10', 'hoodie.keep.max.commits': '20', 'hoodie.clean.commits.retained': '10' })).toMatch(/10 must be greater than hoodie\.clean\.commits\.retained \(10\)/);
    expect(await bad({ 'hoodie.table.type': 'MERGE_ON_READ', 'hoodie.keep.min.commits': '12', 'hoodie.keep.max.commits': '20', 'hoodie.compact.inline.max.delta.commits': '12' })).toMatch(/12 must be greater than hoodie\.compact\.inline\.max\.delta\.commits \(12\)/);
    expect(await bad({ 'hoodie.table.type': 'MERGE_ON_READ', 'hoodie.keep.min.commits': '12', 'hoodie.keep.max.commits': '20', 'hoodie.compact.inline.max.delta.commits': '12', 'hoodie.compact.inline.trigger.strategy': 'TIME_ELAPSED' })).toBe('');
    expect(await bad({ 'hoodie.table.type': 'MERGE_ON_READ', 'hoodie.keep.min.commits': '12', 'hoodie.keep.max.commits': '20', 'hoodie.compact.inline.max.delta.commits': '12', 'hoodie.compact.inline': 'false' }), 'no inline compaction counts deltacommits').toBe('');
  });
});
