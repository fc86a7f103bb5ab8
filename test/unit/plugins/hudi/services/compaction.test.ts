// When a merge-on-read table's compaction is due (hoodie.compact.inline.*): deltacommits since the last
// compaction (a completed commit) and the time since the first of them, under each trigger strategy.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compactionDue, type CompactionSettings } from '../../../../../plugins/hudi/services/compaction';
import { LocalStorage } from '../../../../../plugins/hudi/storage/local-storage';
import { parseInstantTime } from '../../../../../plugins/hudi/timeline/instant';
import { METAFOLDER, Timeline } from '../../../../../plugins/hudi/timeline/timeline';

async function timeline(names: string[]): Promise<Timeline> {
  const s = new LocalStorage(mkdtempSync(path.join(tmpdir(), 'hudi-compaction-due-')));
  for (const n of names) await s.writeFile(`${METAFOLDER}/${n}`, '');
  return Timeline.load(s);
}

const settings = (o: Partial<CompactionSettings> = {}): CompactionSettings => ({ enabled: true, maxDeltaCommits: 3, maxDeltaSeconds: 60, trigger: 'NUM_COMMITS', ...o });
const T = (s: number) => `20260101000${String(s).padStart(3, '0')}000`; // 2026-01-01 00:0m:ss.000 for s < 60

describe('compactionDue', () => {
  it('counts the deltacommits after the last compaction commit only', async () => {
    const t = await timeline([`${T(1)}.deltacommit`, `${T(2)}.deltacommit`, `${T(3)}.deltacommit`, `${T(4)}.commit`, `${T(5)}.deltacommit`, `${T(6)}.deltacommit`, `${T(7)}.deltacommit.inflight`]);
    const now = parseInstantTime(T(7));
    expect(compactionDue(t, settings(), now)).toBe(false); // two since the compaction at T(4); the inflight one does not count
    expect(compactionDue(t, settings({ maxDeltaCommits: 2 }), now)).toBe(true);
    expect(compactionDue(t, settings({ maxDeltaCommits: 2, enabled: false }), now)).toBe(false);
  });

  it('time is measured from the first deltacommit after the last compaction', async () => {
    const t = await timeline([`${T(1)}.deltacommit`, `${T(10)}.commit`, `${T(20)}.deltacommit`]);
    const at = (s: number) => parseInstantTime(T(20)) + s * 1000;
    expect(compactionDue(t, settings({ trigger: 'TIME_ELAPSED', maxDeltaSeconds: 30 }), at(29))).toBe(false);
    expect(compactionDue(t, settings({ trigger: 'TIME_ELAPSED', maxDeltaSeconds: 30 }), at(30))).toBe(true);
    expect(compactionDue(t, settings({ trigger: 'NUM_OR_TIME', maxDeltaSeconds: 30 }), at(30))).toBe(true);
    expect(compactionDue(t, settings({ trigger: 'NUM_AND_TIME', maxDeltaSeconds: 30 }), at(30))).toBe(false);
    expect(compactionDue(t, settings({ trigger: 'NUM_AND_TIME', maxDeltaSeconds: 30, maxDeltaCommits: 1 }), at(30))).toBe(true);
  });

  it('nothing is due without deltacommits since the last compaction', async () => {
    const t = await timeline([`${T(1)}.deltacommit`, `${T(2)}.commit`]);
    expect(compactionDue(t, settings({ maxDeltaCommits: 1, trigger: 'NUM_OR_TIME', maxDeltaSeconds: 1 }), parseInstantTime(T(59)))).toBe(false);
  });
});
