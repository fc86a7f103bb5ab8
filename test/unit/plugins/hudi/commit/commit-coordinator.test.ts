// The commit coordinator on its own, with a data phase written by the test: a failed attempt is rolled back
// (its marked files deleted, no instant left), a crash at a fault point is left for the next open, and a
// completed commit carries the caller's extraMetadata. The full write path is tested through the table writer.
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CommitCoordinator, type CommitCoordinatorOptions, type InflightInstant } from '../../../../../plugins/hudi/commit/commit-coordinator';
import { BloomIndex } from '../../../../../plugins/hudi/index/bloom-index';
import { tableFixture, type TableFixture } from '../../../../helpers/hudi-table';

const open: TableFixture[] = [];
afterEach(async () => {
  for (const f of open.splice(0)) await f.close();
});

async function coordinator(extra: Partial<CommitCoordinatorOptions> = {}): Promise<{ f: TableFixture; options: CommitCoordinatorOptions }> {
  const f = await tableFixture();
  open.push(f);
  const options: CommitCoordinatorOptions = {
    storage: f.storage,
    logger: f.logger,
    now: () => Date.now(),
    index: new BloomIndex(f.storage, f.deps.codec, f.deps.blooms),
    indexType: 'BLOOM',
    writeAction: 'commit',
    cleanCommitsRetained: 10,
    ...extra,
  };
  return { f, options };
}

/** A data phase that creates one (fake) data file the way handles do: beforeFile, then the bytes. */
async function writeOneFile(f: TableFixture, inflight: InflightInstant): Promise<string> {
  const file = `eu/f1-0_0-1-0_${inflight.instant}.parquet`;
  await inflight.beforeFile('eu', file);
  await f.storage.writeFile(file, 'not parquet');
  return file;
}

const hoodie = (f: TableFixture) => readdirSync(path.join(f.table, '.hoodie')).filter((n) => /^\d/.test(n));

describe('CommitCoordinator', () => {
  it('commit-coordinator a data phase that fails is rolled back: its files are deleted and no instant stays pending', async () => {
    const { f, options } = await coordinator();
    const c = await CommitCoordinator.open(options);
    let written = '';
    await expect(
      c.commit({
        operationType: 'UPSERT',
        schemaJson: '{}',
        extraMetadata: {},
        records: [],
        write: async (inflight) => {
          written = await writeOneFile(f, inflight);
          throw new Error('storage went away');
        },
      }),
    ).rejects.toThrow('storage went away');
    expect(existsSync(path.join(f.table, written))).toBe(false);
    expect(hoodie(f).filter((n) => !n.endsWith('.rollback') && !n.includes('.rollback.'))).toEqual([]);
    expect(c.lastCommitTime()).toBeUndefined();
  });

  it('commit-coordinator a completed commit records extraMetadata and reports it as the last commit', async () => {
    const { options } = await coordinator();
    const c = await CommitCoordinator.open(options);
    let committed = false;
    const result = await c.commit({ operationType: 'INSERT', schemaJson: '{"type":"record"}', extraMetadata: { positions: 'p' }, records: [], write: async () => [], onCommitted: () => (committed = true) });
    expect(committed).toBe(true);
    expect(result).toMatchObject({ operation: 'INSERT', inserts: 0, filesWritten: 0 });
    expect(c.lastCommitTime()).toBe(result.instant);
    expect((await c.lastCommitMetadata())?.extraMetadata).toMatchObject({ positions: 'p', schema: '{"type":"record"}' });
  });

  it('commit-coordinator a crash at a fault point is left as is and rolled back by the next open', async () => {
    const { f, options } = await coordinator();
    const crashing = await CommitCoordinator.open({ ...options, faultPoint: (p) => { if (p === 'after-data-files') throw new Error('crash'); } });
    let written = '';
    await expect(crashing.commit({ operationType: 'UPSERT', schemaJson: '{}', extraMetadata: {}, records: [], write: async (i) => { written = await writeOneFile(f, i); return []; } })).rejects.toThrow('crash');
    expect(existsSync(path.join(f.table, written))).toBe(true);
    expect(hoodie(f).some((n) => n.endsWith('.commit.requested'))).toBe(true);
    crashing.close();
    const next = await CommitCoordinator.open(options);
    expect(existsSync(path.join(f.table, written))).toBe(false);
    expect(next.lastCommitTime()).toBeUndefined();
  });
});
