// The active timeline: one entry per instant at its furthest state, pending vs completed, and state
// changes that create the next state's file exclusively so two writers can never both move an instant.
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LocalStorage } from '../../../../../plugins/hudi/storage/local-storage';
import { METAFOLDER, Timeline } from '../../../../../plugins/hudi/timeline/timeline';

const T1 = '20260101000000001';
const T2 = '20260101000000002';
const T3 = '20260101000000003';
const T4 = '20260101000000004';

function storage(): { dir: string; storage: LocalStorage } {
  const dir = mkdtempSync(path.join(tmpdir(), 'hudi-timeline-'));
  return { dir, storage: new LocalStorage(dir) };
}

async function touch(s: LocalStorage, names: string[]): Promise<void> {
  for (const n of names) await s.writeFile(`${METAFOLDER}/${n}`, '');
}

describe('Timeline.load', () => {
  it('Timeline.load of an instant with several state files keeps only its furthest state', async () => {
    const { storage: s } = storage();
    await touch(s, [`${T1}.commit.requested`, `${T1}.inflight`, `${T1}.commit`, `${T2}.commit.requested`, `${T2}.inflight`, `${T3}.clean.requested`]);
    const t = await Timeline.load(s);
    expect(t.instants).toEqual([
      { timestamp: T1, action: 'commit', state: 'COMPLETED' },
      { timestamp: T2, action: 'commit', state: 'INFLIGHT' },
      { timestamp: T3, action: 'clean', state: 'REQUESTED' },
    ]);
  });

  it('Timeline.load ignores hoodie.properties, directories and names that are not instants', async () => {
    const { storage: s } = storage();
    await touch(s, ['hoodie.properties', `.${T1}.commit.crc`, `${T1}.commit`, `.temp/${T2}/p/x.parquet.marker.CREATE`]);
    const t = await Timeline.load(s);
    expect(t.instants).toEqual([{ timestamp: T1, action: 'commit', state: 'COMPLETED' }]);
  });

  it('Timeline.load of a table without .hoodie gives an empty timeline', async () => {
    const t = await Timeline.load(storage().storage);
    expect(t.instants).toEqual([]);
    expect(t.lastTimestamp()).toBeUndefined();
    expect(t.lastCompletedWrite()).toBeUndefined();
  });

  it('Timeline.load lists instants sorted by timestamp whatever the file order', async () => {
    const { storage: s } = storage();
    await touch(s, [`${T3}.commit`, `${T1}.rollback`, `${T2}.replacecommit.requested`]);
    expect((await Timeline.load(s)).instants.map((i) => i.timestamp)).toEqual([T1, T2, T3]);
  });
});

describe('Timeline queries', () => {
  it('pending, completed and completed writes separate unfinished instants from finished ones by action', async () => {
    const { storage: s } = storage();
    await touch(s, [
      `${T1}.commit.requested`, `${T1}.inflight`, `${T1}.commit`,
      `${T2}.rollback.requested`, `${T2}.rollback.inflight`, `${T2}.rollback`,
      `${T3}.commit.requested`, `${T3}.inflight`,
      `${T4}.replacecommit.requested`, `${T4}.replacecommit.inflight`, `${T4}.replacecommit`,
    ]);
    const t = await Timeline.load(s);
    expect(t.pending()).toEqual([{ timestamp: T3, action: 'commit', state: 'INFLIGHT' }]);
    expect(t.pending('commit').map((i) => i.timestamp)).toEqual([T3]);
    expect(t.pending('clean')).toEqual([]);
    expect(t.completed().map((i) => `${i.timestamp}.${i.action}`)).toEqual([`${T1}.commit`, `${T2}.rollback`, `${T4}.replacecommit`]);
    expect(t.completed('rollback').map((i) => i.timestamp)).toEqual([T2]);
    // A rollback is completed but wrote no data; a replace commit did.
    expect(t.completedWrites().map((i) => i.timestamp)).toEqual([T1, T4]);
    expect(t.lastCompletedWrite()?.timestamp).toBe(T4);
    expect(t.isCompletedWrite(T1)).toBe(true);
    expect(t.isCompletedWrite(T2)).toBe(false);
    expect(t.isCompletedWrite(T3)).toBe(false);
    expect(t.lastTimestamp()).toBe(T4);
  });
});

describe('Timeline.request and Timeline.transition', () => {
  it('request then transition create each next state file with its content, and load sees COMPLETED', async () => {
    const { dir, storage: s } = storage();
    const requested = await Timeline.request(s, T1, 'commit');
    expect(requested).toEqual({ timestamp: T1, action: 'commit', state: 'REQUESTED' });
    expect(readFileSync(path.join(dir, METAFOLDER, `${T1}.commit.requested`), 'utf8')).toBe('');
    const inflight = await Timeline.transition(s, requested, '{"plan":1}');
    expect(inflight.state).toBe('INFLIGHT');
    expect(readFileSync(path.join(dir, METAFOLDER, `${T1}.inflight`), 'utf8')).toBe('{"plan":1}');
    expect((await Timeline.load(s)).pending()).toEqual([inflight]);
    const done = await Timeline.transition(s, inflight, '{"done":1}');
    expect(done.state).toBe('COMPLETED');
    const t = await Timeline.load(s);
    expect(t.completed()).toEqual([done]);
    expect((await t.readDetails(done)).toString('utf8')).toBe('{"done":1}');
  });

  it('a second transition of the same instant fails with ALREADY_EXISTS and leaves the first file as written', async () => {
    const { dir, storage: s } = storage();
    const requested = await Timeline.request(s, T1, 'commit');
    const inflight = await Timeline.transition(s, requested, 'first');
    await expect(Timeline.transition(s, requested, 'second')).rejects.toMatchObject({ code: 'ALREADY_EXISTS' });
    expect(readFileSync(path.join(dir, METAFOLDER, `${T1}.inflight`), 'utf8')).toBe('first');
    await Timeline.transition(s, inflight, 'done-1');
    await expect(Timeline.transition(s, inflight, 'done-2')).rejects.toMatchObject({ code: 'ALREADY_EXISTS' });
    expect(readFileSync(path.join(dir, METAFOLDER, `${T1}.commit`), 'utf8')).toBe('done-1');
  });

  it('request of an instant that already exists fails with ALREADY_EXISTS', async () => {
    const { storage: s } = storage();
    await Timeline.request(s, T1, 'clean', 'plan');
    await expect(Timeline.request(s, T1, 'clean', 'other plan')).rejects.toMatchObject({ code: 'ALREADY_EXISTS' });
  });

  it('transition of a COMPLETED instant throws ILLEGAL_STATE and creates no file', async () => {
    const { dir, storage: s } = storage();
    await expect(Timeline.transition(s, { timestamp: T1, action: 'commit', state: 'COMPLETED' })).rejects.toMatchObject({ code: 'ILLEGAL_STATE' });
    expect(existsSync(path.join(dir, METAFOLDER))).toBe(false);
  });

  it('deleteInstantFiles removes every state file of the instant and no other', async () => {
    const { storage: s } = storage();
    await touch(s, [`${T1}.commit`, `${T2}.commit.requested`, `${T2}.inflight`]);
    await Timeline.deleteInstantFiles(s, { timestamp: T2, action: 'commit', state: 'INFLIGHT' });
    expect((await Timeline.load(s)).instants).toEqual([{ timestamp: T1, action: 'commit', state: 'COMPLETED' }]);
  });
});

describe('merge-on-read instants', () => {
  it('a deltacommit is a completed write; holdsWrite covers completed writes and archived ones, never pending', async () => {
    const { storage: s } = storage();
    await touch(s, [`${T2}.deltacommit.requested`, `${T2}.deltacommit.inflight`, `${T2}.deltacommit`, `${T3}.deltacommit.requested`, `${T4}.clean`]);
    const t = await Timeline.load(s);
    expect(t.completedWrites()).toEqual([{ timestamp: T2, action: 'deltacommit', state: 'COMPLETED' }]);
    expect(t.isCompletedWrite(T2)).toBe(true);
    expect(t.holdsWrite(T2)).toBe(true);
    expect(t.holdsWrite(T1), 'older than the active timeline: archived').toBe(true);
    expect(t.holdsWrite(T3), 'pending').toBe(false);
    expect(t.holdsWrite(T4), 'a clean wrote no data').toBe(false);
  });

  it('a completed compaction is the commit of its instant: requested and inflight files beside it are not pending', async () => {
    const { storage: s } = storage();
    await touch(s, [`${T1}.deltacommit`, `${T2}.compaction.requested`, `${T2}.compaction.inflight`, `${T2}.commit`, `${T3}.compaction.requested`]);
    const t = await Timeline.load(s);
    expect(t.instants).toEqual([
      { timestamp: T1, action: 'deltacommit', state: 'COMPLETED' },
      { timestamp: T2, action: 'commit', state: 'COMPLETED' },
      { timestamp: T3, action: 'compaction', state: 'REQUESTED' },
    ]);
    expect(t.pending()).toEqual([{ timestamp: T3, action: 'compaction', state: 'REQUESTED' }]);
  });

  it('transition of a compaction to COMPLETED creates <ts>.commit and returns the commit', async () => {
    const { dir, storage: s } = storage();
    let i = await Timeline.request(s, T3, 'compaction', 'plan');
    i = await Timeline.transition(s, i, '');
    const done = await Timeline.transition(s, i, '{}');
    expect(done).toEqual({ timestamp: T3, action: 'commit', state: 'COMPLETED' });
    expect(readFileSync(path.join(dir, METAFOLDER, `${T3}.commit`), 'utf8')).toBe('{}');
    expect(readFileSync(path.join(dir, METAFOLDER, `${T3}.compaction.requested`), 'utf8')).toBe('plan');
    const before = await Timeline.load(s);
    expect(before.withCompleted({ timestamp: T3, action: 'compaction', state: 'COMPLETED' }).instants).toEqual([{ timestamp: T3, action: 'commit', state: 'COMPLETED' }]);
  });
});
