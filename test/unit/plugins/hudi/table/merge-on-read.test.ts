// Merge-on-read tables through the real writer: updates as log files of the latest slice (deltacommits),
// deletes as delete blocks where they outrank their slice and otherwise by rewriting their file group with its logs
// folded in, inline compaction into a Hudi compaction
// instant (plan, empty inflight, `.commit` with compacted: true), a crashed compaction rolled back by the next
// open, and `tributary table compact`; under a global index a key moving partitions is ordered against its merged
// (base and log) value. Our reader merges the logs; the fuzz grid and the conformance tests check
// the same tables against the model with hudi-rs and Spark.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { main as tableCli } from '../../../../../plugins/hudi/cli/table-cli';
import { HudiTableReader } from '../../../../../plugins/hudi/table/table-reader';
import { deserializeCompactionPlan } from '../../../../../plugins/hudi/timeline/compaction-plan';
import { decodeLogFile } from '../../../../../plugins/hudi/log/log-block';
import { compactionGate, tableFixture, type TableFixture } from '../../../../helpers/hudi-table';

const open: TableFixture[] = [];
afterEach(async () => {
  for (const f of open.splice(0)) await f.close();
});

async function mor(config: Record<string, string> = {}): Promise<TableFixture> {
  const f = await tableFixture({ 'hoodie.table.type': 'MERGE_ON_READ', 'hoodie.compact.inline': 'false', ...config });
  open.push(f);
  return f;
}

const ONE_BUCKET = { 'hoodie.index.type': 'BUCKET', 'hoodie.bucket.index.num.buckets': '1' };
const hoodie = (f: TableFixture) => readdirSync(path.join(f.table, '.hoodie')).filter((n) => /^\d/.test(n)).sort();
const files = (f: TableFixture, dir: string) => readdirSync(path.join(f.table, dir)).sort();
const logsIn = (f: TableFixture, dir: string) => files(f, dir).filter((n) => n.includes('.log.'));
const basesIn = (f: TableFixture, dir: string) => files(f, dir).filter((n) => n.endsWith('.parquet'));

async function snapshot(f: TableFixture): Promise<string[]> {
  const rows = await (await HudiTableReader.open(f.storage, f.deps.codec)).snapshot();
  return rows.map((r) => `${String(r['_hoodie_partition_path'])}/${String(r['id'])}@${Number(r['ver'])}:${Number(r['amount'])}`).sort();
}

describe('merge-on-read writes', () => {
  it('an update is a deltacommit whose log file joins the latest slice; an older version loses to the base row', async () => {
    const f = await mor();
    const w = await f.open();
    await f.write(w, [{ id: 'k1', region: 'eu', amount: 1, ver: 5 }, { id: 'k2', region: 'eu', amount: 2, ver: 5 }]);
    const [base] = basesIn(f, 'eu');
    await f.write(w, [{ id: 'k1', region: 'eu', amount: 10, ver: 6 }, { id: 'k2', region: 'eu', amount: 20, ver: 4 }]);
    w.close();
    expect(hoodie(f).filter((n) => /\.deltacommit$/.test(n))).toHaveLength(2);
    expect(hoodie(f).some((n) => /^\d+\.commit$/.test(n)), 'no commit action on a merge-on-read table without compaction').toBe(false);
    expect(basesIn(f, 'eu'), 'the base file is not rewritten').toEqual([base]);
    const fileId = base!.split('_')[0]!;
    const baseInstant = base!.split('_')[2]!.replace('.parquet', '');
    expect(logsIn(f, 'eu')).toHaveLength(1);
    expect(logsIn(f, 'eu')[0]).toMatch(new RegExp(`^\\.${fileId}_${baseInstant}\\.log\\.1_\\d+-\\d+-\\d+$`));
    expect(await snapshot(f)).toEqual(['eu/k1@6:10', 'eu/k2@5:2']);
    const last = hoodie(f).filter((n) => /\.deltacommit$/.test(n)).pop()!;
    const meta = JSON.parse(readFileSync(path.join(f.table, '.hoodie', last), 'utf8')) as { partitionToWriteStats: Record<string, { path: string; logFiles: string[]; baseFile: string; logVersion: number; prevCommit: string }[]> };
    const [stat] = meta.partitionToWriteStats['eu']!;
    expect(stat).toMatchObject({ logFiles: [logsIn(f, 'eu')[0]], baseFile: base, logVersion: 1, prevCommit: baseInstant });
  });

  it('a delete rewrites its file group with the logs folded in, so an older re-insert comes back as a new row', async () => {
    const f = await mor();
    const w = await f.open();
    await f.write(w, [{ id: 'k1', region: 'eu', amount: 1, ver: 5 }, { id: 'k2', region: 'eu', amount: 2, ver: 5 }]);
    await f.write(w, [{ id: 'k2', region: 'eu', amount: 3, ver: 7 }]); // a log file
    await f.write(w, [{ id: 'k1', region: 'eu', amount: 0, ver: 5, _hoodie_is_deleted: true }]);
    expect(logsIn(f, 'eu'), 'the rewrite left the log in the old slice').toHaveLength(1);
    expect(basesIn(f, 'eu')).toHaveLength(2);
    expect(await snapshot(f)).toEqual(['eu/k2@7:3']);
    // The key is gone: a version older than the deleted one is a new row, not outranked by the deleted row.
    await f.write(w, [{ id: 'k1', region: 'eu', amount: 9, ver: 2 }]);
    w.close();
    expect(await snapshot(f)).toEqual(['eu/k1@2:9', 'eu/k2@7:3']);
  });

  it('with the bucket index a delete that outranks its whole slice is logged in a delete block; a record logged after it must outrank it, else the slice is rewritten', async () => {
    const f = await mor(ONE_BUCKET);
    const w = await f.open();
    const blocksOfLogs = () => logsIn(f, 'eu').map((n) => decodeLogFile(readFileSync(path.join(f.table, 'eu', n))).map((b) => b.type).join('+')).sort();
    await f.write(w, [{ id: 'k1', region: 'eu', amount: 1, ver: 5 }, { id: 'k2', region: 'eu', amount: 2, ver: 5 }]);
    await f.write(w, [{ id: 'k1', region: 'eu', amount: 0, ver: 6, _hoodie_is_deleted: true }, { id: 'k9', region: 'eu', amount: 0, ver: 6, _hoodie_is_deleted: true }]);
    expect(basesIn(f, 'eu'), 'not rewritten').toHaveLength(1);
    expect(blocksOfLogs()).toEqual(['delete']);
    const last = hoodie(f).filter((n) => /\.deltacommit$/.test(n)).pop()!;
    const stats = (JSON.parse(readFileSync(path.join(f.table, '.hoodie', last), 'utf8')) as { partitionToWriteStats: Record<string, { numDeletes: number; totalLogRecords: number }[]> }).partitionToWriteStats['eu']!;
    expect(stats, 'k9 is not in the table: the bucket index does not know, its delete is logged all the same').toMatchObject([{ numDeletes: 2, totalLogRecords: 2 }]);
    expect(await snapshot(f)).toEqual(['eu/k2@5:2']);
    await f.write(w, [{ id: 'k2', region: 'eu', amount: 20, ver: 8 }]); // outranks the logged delete: logged
    expect(basesIn(f, 'eu')).toHaveLength(1);
    expect(blocksOfLogs()).toEqual(['avro-data', 'delete']);
    await f.write(w, [{ id: 'k1', region: 'eu', amount: 3, ver: 3 }]); // older than the logged delete: rewritten
    expect(basesIn(f, 'eu')).toHaveLength(2);
    expect(await snapshot(f)).toEqual(['eu/k1@3:3', 'eu/k2@8:20']);
    w.close();
    // A new writer knows nothing of the slices: the base file's statistics and the log files themselves bound them.
    const again = await f.open();
    await f.write(again, [{ id: 'k2', region: 'eu', amount: 0, ver: 9, _hoodie_is_deleted: true }]);
    expect(basesIn(f, 'eu'), 'the delete outranks the new base file (ver 8 at most): logged').toHaveLength(2);
    again.close();
    const third = await f.open();
    await f.write(third, [{ id: 'k5', region: 'eu', amount: 5, ver: 2 }]); // older than the delete read back from its log
    third.close();
    expect(basesIn(f, 'eu')).toHaveLength(3);
    expect(await snapshot(f)).toEqual(['eu/k1@3:3', 'eu/k5@2:5']);
  });

  it('hoodie.logfile.max.size splits a deltacommit\'s records for one file group over several log file versions, each with its write stat', async () => {
    const f = await mor({ ...ONE_BUCKET, 'hoodie.logfile.max.size': '3000' });
    const w = await f.open();
    const keys = Array.from({ length: 60 }, (_, i) => `k${String(i).padStart(2, '0')}`);
    await f.write(w, keys.map((id, i) => ({ id, region: 'eu', amount: i, ver: 1 })));
    await f.write(w, [...keys.map((id, i) => ({ id, region: 'eu', amount: 100 + i, ver: 2 })), { id: 'k00', region: 'eu', amount: 0, ver: 3, _hoodie_is_deleted: true }]);
    const logs = logsIn(f, 'eu');
    expect(logs.length, 'one deltacommit, several log files').toBeGreaterThan(2);
    expect(logs.map((n) => Number(/\.log\.(\d+)_/.exec(n)![1])).sort((a, b) => a - b)).toEqual(logs.map((_, i) => i + 1));
    for (const n of logs) expect(readFileSync(path.join(f.table, 'eu', n)).length).toBeLessThanOrEqual(3000);
    const last = hoodie(f).filter((n) => /\.deltacommit$/.test(n)).pop()!;
    const stats = (JSON.parse(readFileSync(path.join(f.table, '.hoodie', last), 'utf8')) as { partitionToWriteStats: Record<string, { path: string; numWrites: number; numDeletes: number; logVersion: number }[]> }).partitionToWriteStats['eu']!;
    expect(stats.map((st) => st.path.slice(3)).sort()).toEqual(logs);
    expect(stats.reduce((n, st) => n + st.numWrites, 0)).toBe(59);
    expect(stats.reduce((n, st) => n + st.numDeletes, 0)).toBe(1);
    expect(await snapshot(f)).toEqual(keys.slice(1).map((id, i) => `eu/${id}@2:${101 + i}`));
    expect((await w.compact(f.deps.schema.columns, f.deps.schema.schemaJson))?.files).toBe(1);
    w.close();
    expect(await snapshot(f)).toEqual(keys.slice(1).map((id, i) => `eu/${id}@2:${101 + i}`));
  });

  it.each(['false', 'true'])('inline compaction (async: %s) folds every slice with logs into a new base file under a Hudi compaction instant', async (async) => {
    const f = await mor({ 'hoodie.compact.inline': 'true', 'hoodie.compact.inline.max.delta.commits': '3', 'hoodie.datasource.compaction.async.enable': async });
    const w = await f.open();
    await f.write(w, [{ id: 'k1', region: 'eu', amount: 1, ver: 1 }, { id: 'k2', region: 'us', amount: 2, ver: 1 }]);
    await f.write(w, [{ id: 'k1', region: 'eu', amount: 11, ver: 2 }]);
    expect(hoodie(f).some((n) => n.includes('compaction')), 'two deltacommits: not due').toBe(false);
    await f.write(w, [{ id: 'k2', region: 'us', amount: 22, ver: 2 }]);
    if (async === 'true') {
      expect(hoodie(f).some((n) => n.endsWith('.compaction.requested')), 'planned by the deltacommit that made it due').toBe(true);
      await w.drained();
    }
    w.close();
    const requested = hoodie(f).filter((n) => n.endsWith('.compaction.requested'));
    expect(requested).toHaveLength(1);
    const instant = requested[0]!.slice(0, 17);
    expect(readFileSync(path.join(f.table, '.hoodie', `${instant}.compaction.inflight`)).length).toBe(0);
    const plan = deserializeCompactionPlan(readFileSync(path.join(f.table, '.hoodie', requested[0]!)));
    expect(plan.operations!.map((o) => o.partitionPath).sort()).toEqual(['eu', 'us']);
    const commit = JSON.parse(readFileSync(path.join(f.table, '.hoodie', `${instant}.commit`), 'utf8')) as { compacted: boolean; operationType: string; extraMetadata: Record<string, string>; partitionToWriteStats: Record<string, { totalLogFilesCompacted: number; prevCommit: string }[]> };
    expect(commit).toMatchObject({ compacted: true, operationType: 'COMPACT' });
    expect(commit.extraMetadata['schema']).toBe(f.deps.schema.schemaJson);
    expect(commit.partitionToWriteStats['eu']![0]!.totalLogFilesCompacted).toBe(1);
    expect(basesIn(f, 'eu').some((n) => n.endsWith(`_${instant}.parquet`))).toBe(true);
    expect(await snapshot(f)).toEqual(['eu/k1@2:11', 'us/k2@2:22']);
    // The compacted rows keep the commit time of the deltacommit that wrote them.
    const rows = await f.rows(); // base files only: the read-optimized view, now complete
    const k1 = rows.find((r) => r['id'] === 'k1')!;
    expect(String(k1['_hoodie_commit_time']) < instant).toBe(true);
    expect(String(k1['_hoodie_file_name'])).toContain(`_${instant}.parquet`);
  });

  it('a crash during a compaction leaves it pending; the next open rolls it back and the table reads the same', async () => {
    const f = await mor({ 'hoodie.compact.inline': 'true', 'hoodie.compact.inline.max.delta.commits': '2', 'hoodie.datasource.compaction.async.enable': 'false' });
    const w = await f.open();
    await f.write(w, [{ id: 'k1', region: 'eu', amount: 1, ver: 1 }]);
    const crashing = await f.open({ faultPoint: (p) => { if (p === 'after-compaction-file') throw new Error('crash'); } });
    w.close();
    await expect(f.write(crashing, [{ id: 'k1', region: 'eu', amount: 2, ver: 2 }])).rejects.toThrow('crash');
    crashing.close();
    expect(hoodie(f).some((n) => n.endsWith('.compaction.inflight'))).toBe(true);
    const compactedBase = basesIn(f, 'eu').length;
    expect(compactedBase, 'the crashed compaction wrote its base file').toBe(2);
    const again = await f.open();
    again.close();
    expect(hoodie(f).some((n) => n.includes('.compaction.')), 'rolled back').toBe(false);
    expect(hoodie(f).some((n) => n.endsWith('.rollback'))).toBe(true);
    expect(basesIn(f, 'eu')).toHaveLength(1);
    expect(await snapshot(f)).toEqual(['eu/k1@2:2']);
  });

  it('an async compaction runs beside deltacommits: logs they append to a compacted slice are carried into its new slice, a slice they rewrite is not', async () => {
    const f = await mor({ 'hoodie.compact.inline': 'true', 'hoodie.compact.inline.max.delta.commits': '2' });
    const gate = compactionGate(f);
    const w = await f.open({ storage: gate.storage });
    await f.write(w, [{ id: 'k1', region: 'eu', amount: 1, ver: 1 }, { id: 'k2', region: 'us', amount: 2, ver: 1 }]);
    await f.write(w, [{ id: 'k1', region: 'eu', amount: 11, ver: 2 }, { id: 'k2', region: 'us', amount: 22, ver: 2 }]);
    await gate.reached; // the compaction is planned and waits at its first base file
    const compaction = hoodie(f).find((n) => n.endsWith('.compaction.requested'))!.slice(0, 17);
    await f.write(w, [{ id: 'k1', region: 'eu', amount: 111, ver: 3 }]); // a log on the slice being compacted
    await f.write(w, [{ id: 'k4', region: 'us', amount: 0, ver: 1, _hoodie_is_deleted: true }]); // older than us's data: rewrites us
    await f.write(w, [{ id: 'k3', region: 'us', amount: 3, ver: 1 }]);
    expect(hoodie(f).some((n) => n === `${compaction}.commit`), 'still pending').toBe(false);
    expect(await snapshot(f)).toEqual(['eu/k1@3:111', 'us/k2@2:22', 'us/k3@1:3']);
    gate.open();
    await w.drained();
    w.close();
    expect(hoodie(f)).toContain(`${compaction}.commit`);
    const carried = logsIn(f, 'eu').filter((n) => n.includes(`_${compaction}.log.`));
    expect(carried, 'the log appended while compacting, in the new slice').toHaveLength(1);
    const meta = JSON.parse(readFileSync(path.join(f.table, '.hoodie', `${compaction}.commit`), 'utf8')) as { partitionToWriteStats: Record<string, { path: string }[]> };
    expect(meta.partitionToWriteStats['eu']!.map((st) => st.path), 'the compaction lists the log it carried (Spark\'s incremental query finds it there)').toContain(`eu/${carried[0]}`);
    expect(logsIn(f, 'us').filter((n) => n.includes(`_${compaction}.log.`)), 'us was rewritten meanwhile: its newer slice holds everything').toEqual([]);
    expect(await snapshot(f)).toEqual(['eu/k1@3:111', 'us/k2@2:22', 'us/k3@1:3']);
    // A new writer builds its view from the listing: the carried log is the new slice's.
    const again = await f.open({ 'hoodie.datasource.compaction.async.enable': 'false' } as never);
    await f.write(again, [{ id: 'k1', region: 'eu', amount: 1111, ver: 4 }]);
    again.close();
    expect(await snapshot(f)).toEqual(['eu/k1@4:1111', 'us/k2@2:22', 'us/k3@1:3']);
  });

  it('a crash in a background compaction is reported by the next write; the next open rolls the compaction back', async () => {
    const f = await mor({ 'hoodie.compact.inline': 'true', 'hoodie.compact.inline.max.delta.commits': '2' });
    const gate = compactionGate(f);
    const w = await f.open({ storage: gate.storage, faultPoint: (p) => { if (p === 'after-compaction-file') throw new Error('crash in the background'); } });
    await f.write(w, [{ id: 'k1', region: 'eu', amount: 1, ver: 1 }]);
    await f.write(w, [{ id: 'k1', region: 'eu', amount: 2, ver: 2 }]);
    await gate.reached;
    gate.open();
    await w.drained();
    await expect(f.write(w, [{ id: 'k1', region: 'eu', amount: 3, ver: 3 }])).rejects.toThrow('crash in the background');
    w.close();
    expect(hoodie(f).some((n) => n.endsWith('.compaction.inflight')), 'left pending, as a crash leaves it').toBe(true);
    const again = await f.open();
    again.close();
    expect(hoodie(f).some((n) => n.includes('.compaction.'))).toBe(false);
    expect(await snapshot(f)).toEqual(['eu/k1@2:2']);
  });

  it.each(['GLOBAL_BLOOM', 'GLOBAL_SIMPLE'])('%s: a move is ordered against the key\'s value in the logs, and moves with its logs folded', async (index) => {
    const f = await mor({ 'hoodie.index.type': index });
    const w = await f.open();
    await f.write(w, [{ id: 'k1', region: 'eu', amount: 1, ver: 1 }, { id: 'k2', region: 'eu', amount: 2, ver: 1 }]);
    await f.write(w, [{ id: 'k1', region: 'eu', amount: 50, ver: 5 }]); // k1's current value is in a log now
    // Older than the log's version (newer than the base file's): the key stays where it is, with its log value.
    await f.write(w, [{ id: 'k1', region: 'us', amount: 30, ver: 3 }]);
    expect(await snapshot(f)).toEqual(['eu/k1@5:50', 'eu/k2@1:2']);
    // Same partition under a global index: an update into the log, the key found table-wide.
    await f.write(w, [{ id: 'k2', region: 'eu', amount: 20, ver: 2 }]);
    // Newer: deleted in eu (its file group rewritten with the logs folded: k2's log value survives) and inserted in us.
    await f.write(w, [{ id: 'k1', region: 'us', amount: 70, ver: 7 }]);
    expect(await snapshot(f)).toEqual(['eu/k2@2:20', 'us/k1@7:70']);
    // And back, updated in its new partition's log first.
    await f.write(w, [{ id: 'k1', region: 'us', amount: 80, ver: 8 }]);
    await f.write(w, [{ id: 'k1', region: 'eu', amount: 75, ver: 7 }]);
    expect(await snapshot(f)).toEqual(['eu/k2@2:20', 'us/k1@8:80']);
    await f.write(w, [{ id: 'k1', region: 'eu', amount: 90, ver: 9 }]);
    w.close();
    expect(await snapshot(f)).toEqual(['eu/k1@9:90', 'eu/k2@2:20']);
  });

  it('tributary table compact compacts a merge-on-read table by hand and refuses a copy-on-write one', async () => {
    const f = await mor();
    const w = await f.open();
    await f.write(w, [{ id: 'k1', region: 'eu', amount: 1, ver: 1 }]);
    await f.write(w, [{ id: 'k1', region: 'eu', amount: 2, ver: 2 }]);
    w.close();
    const out: string[] = [];
    const err: string[] = [];
    const io = { stdout: { write: (s: string) => out.push(s) }, stderr: { write: (s: string) => err.push(s) } };
    expect(await tableCli(['compact', f.table], io)).toBe(0);
    expect(out.join('')).toMatch(/compacted 1 file group\(s\) at instant \d{17}/);
    expect(hoodie(f).filter((n) => /^\d+\.commit$/.test(n))).toHaveLength(1);
    expect(await snapshot(f)).toEqual(['eu/k1@2:2']);
    expect(await tableCli(['compact', f.table], io)).toBe(0);
    expect(out.join('')).toContain('nothing to compact');

    const cow = await tableFixture();
    open.push(cow);
    const cw = await cow.open();
    await cow.write(cw, [{ id: 'k1', region: 'eu', amount: 1, ver: 1 }]);
    cw.close();
    expect(await tableCli(['compact', cow.table], io)).toBe(1);
    expect(err.join('')).toContain('is a COPY_ON_WRITE table; only MERGE_ON_READ tables have log files to compact');
  });
});
