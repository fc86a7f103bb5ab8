// The file-system view: which base files are the latest committed slice of each file group, from the
// timeline and the partition directories (found by .hoodie_partition_metadata) alone.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LocalStorage } from '../../../../../plugins/hudi/storage/local-storage';
import { baseFileName } from '../../../../../plugins/hudi/table/base-file';
import { FileSystemView, PARTITION_METAFILE, findPartitions, renderPartitionMetadata } from '../../../../../plugins/hudi/table/file-system-view';
import { METAFOLDER, Timeline } from '../../../../../plugins/hudi/timeline/timeline';

const T0 = '20260101000000000';
const T1 = '20260101000000001';
const T2 = '20260101000000002';
const T3 = '20260101000000003';
const T4 = '20260101000000004';
const F1 = '11111111-1111-1111-1111-111111111111-0';
const F2 = '22222222-2222-2222-2222-222222222222-0';

interface Layout {
  /** Timeline file names in .hoodie/. */
  timeline: string[];
  /** Partitions to mark with .hoodie_partition_metadata ('' = table root). */
  partitions: string[];
  /** [partition, fileId, instant] of base files. */
  files: [string, string, string][];
}

async function table(layout: Layout): Promise<LocalStorage> {
  const s = new LocalStorage(mkdtempSync(path.join(tmpdir(), 'hudi-fsv-')));
  for (const n of layout.timeline) await s.writeFile(`${METAFOLDER}/${n}`, '');
  for (const p of layout.partitions) await s.writeFile(p === '' ? PARTITION_METAFILE : `${p}/${PARTITION_METAFILE}`, renderPartitionMetadata(T1, p, new Date(0)));
  for (const [p, id, t] of layout.files) {
    const name = baseFileName(id, '0-1-0', t);
    await s.writeFile(p === '' ? name : `${p}/${name}`, `data of ${id} at ${t}`);
  }
  return s;
}

const commit = (t: string) => [`${t}.commit.requested`, `${t}.inflight`, `${t}.commit`];
const inflight = (t: string) => [`${t}.commit.requested`, `${t}.inflight`];

async function view(s: LocalStorage): Promise<FileSystemView> {
  return FileSystemView.build(s, await Timeline.load(s));
}

describe('FileSystemView.build', () => {
  it('FileSystemView.build takes a file group\'s slice of an inflight instant for nothing, keeping the completed one', async () => {
    const s = await table({ timeline: [...commit(T1), ...inflight(T2)], partitions: ['eu'], files: [['eu', F1, T1], ['eu', F1, T2], ['eu', F2, T2]] });
    const v = await view(s);
    expect(v.latestOf('eu', F1)?.instantTime).toBe(T1);
    // A file group that only an inflight instant wrote does not exist yet.
    expect(v.latestOf('eu', F2)).toBeUndefined();
    expect(v.all().map((f) => f.path)).toEqual([`eu/${baseFileName(F1, '0-1-0', T1)}`]);
  });

  it('FileSystemView.build of a file group with several completed slices keeps the latest', async () => {
    const s = await table({ timeline: [...commit(T1), ...commit(T2), ...commit(T3)], partitions: ['eu'], files: [['eu', F1, T1], ['eu', F1, T3], ['eu', F1, T2]] });
    const latest = (await view(s)).latestOf('eu', F1)!;
    expect(latest.instantTime).toBe(T3);
    expect(latest).toMatchObject({ partitionPath: 'eu', fileId: F1, writeToken: '0-1-0', path: `eu/${baseFileName(F1, '0-1-0', T3)}` });
    expect(latest.size).toBe(Buffer.byteLength(`data of ${F1} at ${T3}`));
  });

  it('FileSystemView.build counts files older than the active timeline (archived commits) but not newer unknown ones', async () => {
    // T0 is before the first active instant (its commit was archived); T4 has no instant at all.
    const s = await table({ timeline: [...commit(T1), ...commit(T2)], partitions: ['eu'], files: [['eu', F1, T0], ['eu', F2, T1], ['eu', F2, T4]] });
    const v = await view(s);
    expect(v.latestOf('eu', F1)?.instantTime).toBe(T0);
    expect(v.latestOf('eu', F2)?.instantTime).toBe(T1);
  });

  it('FileSystemView.build does not count a file of a pending instant even when it is the oldest', async () => {
    const s = await table({ timeline: [...inflight(T0), ...commit(T1)], partitions: ['eu'], files: [['eu', F1, T0], ['eu', F2, T1]] });
    const v = await view(s);
    expect(v.latestOf('eu', F1)).toBeUndefined();
    expect(v.latestOf('eu', F2)?.instantTime).toBe(T1);
  });

  it('FileSystemView.build of a table without instants counts nothing', async () => {
    const s = await table({ timeline: [], partitions: ['eu'], files: [['eu', F1, T1]] });
    expect((await view(s)).all()).toEqual([]);
  });

  it('FileSystemView.build keeps file groups of different partitions apart and ignores non-base files', async () => {
    const s = await table({ timeline: [...commit(T1)], partitions: ['eu', 'us'], files: [['eu', F1, T1], ['us', F1, T1]] });
    await s.writeFile(`eu/.${baseFileName(F2, '0-1-0', T1)}.crc`, 'x');
    await s.writeFile('eu/notes.txt', 'x');
    await s.writeFile(`eu/${F2}_${T1}.parquet`, 'x'); // not fileId_token_instant
    const v = await view(s);
    expect(v.partitions()).toEqual(['eu', 'us']);
    expect(v.latest('eu').map((f) => f.fileId)).toEqual([F1]);
    expect(v.latest('us').map((f) => f.fileId)).toEqual([F1]);
    expect(v.latest('ap')).toEqual([]);
  });
});

describe('findPartitions', () => {
  it('findPartitions finds nested partitions by .hoodie_partition_metadata and skips directories without it', async () => {
    const s = await table({ timeline: [...commit(T1)], partitions: ['2026/01/01', '2026/01/02', 'eu'], files: [['2026/01/01', F1, T1], ['stray', F2, T1]] });
    expect(await findPartitions(s)).toEqual(['2026/01/01', '2026/01/02', 'eu']);
    const v = await view(s);
    // A directory without the metadata file is no partition: its files are not part of the table.
    expect(v.all().map((f) => f.partitionPath)).toEqual(['2026/01/01']);
  });

  it('findPartitions of a non-partitioned table gives the root, and never looks into .hoodie', async () => {
    const s = await table({ timeline: [...commit(T1)], partitions: [''], files: [['', F1, T1]] });
    await s.writeFile(`${METAFOLDER}/.temp/${T2}/${PARTITION_METAFILE}`, 'x');
    expect(await findPartitions(s)).toEqual(['']);
    expect((await view(s)).latestOf('', F1)?.path).toBe(baseFileName(F1, '0-1-0', T1));
  });

  it('renderPartitionMetadata names the creating commit and the partition depth', () => {
    const text = renderPartitionMetadata(T1, '2026/01/01', new Date(0));
    expect(text.split('\n')[0]).toBe('#partition metadata');
    expect(text).toContain(`\ncommitTime=${T1}\n`);
    expect(text).toContain('\npartitionDepth=3\n');
    expect(renderPartitionMetadata(T1, '', new Date(0))).toContain('partitionDepth=0');
  });
});

describe('FileSystemView.put', () => {
  it('put of an older slice than the known one keeps the newer', () => {
    const v = FileSystemView.empty();
    const slice = (t: string) => ({ partitionPath: 'eu', fileId: F1, writeToken: '0-1-0', instantTime: t, path: `eu/${baseFileName(F1, '0-1-0', t)}`, size: 1 });
    v.put(slice(T2));
    v.put(slice(T1));
    expect(v.latestOf('eu', F1)?.instantTime).toBe(T2);
    v.put(slice(T3));
    expect(v.latestOf('eu', F1)?.instantTime).toBe(T3);
  });
});

describe('merge-on-read slices', () => {
  const delta = (t: string) => [`${t}.deltacommit.requested`, `${t}.deltacommit.inflight`, `${t}.deltacommit`];

  it('log files belong to the slice whose base instant they name, in version order; a removed log leaves it', async () => {
    const s = await table({ timeline: [...delta(T1), ...delta(T2), ...delta(T3), ...delta(T4)], partitions: ['eu'], files: [['eu', F1, T1], ['eu', F1, T3], ['eu', F2, T1]] });
    await s.writeFile(`eu/.${F1}_${T1}.log.1_0-1-0`, 'old slice');
    await s.writeFile(`eu/.${F1}_${T3}.log.2_0-7-0`, 'second');
    await s.writeFile(`eu/.${F1}_${T3}.log.1_0-9-0`, 'first');
    await s.writeFile(`eu/.${F2}_${T0}.log.1_0-1-0`, 'of a slice older than the timeline');
    const v = await view(s);
    const [f1] = v.latest('eu').filter((b) => b.fileId === F1);
    expect(f1!.instantTime).toBe(T3);
    expect(v.logsOf(f1!).map((l) => [l.version, l.writeToken, l.path])).toEqual([
      [1, '0-9-0', `eu/.${F1}_${T3}.log.1_0-9-0`],
      [2, '0-7-0', `eu/.${F1}_${T3}.log.2_0-7-0`],
    ]);
    const older = v.fileGroups().find((g) => g[0]!.fileId === F1)![0]!;
    expect(v.logsOf(older).map((l) => l.path)).toEqual([`eu/.${F1}_${T1}.log.1_0-1-0`]);
    const [f2] = v.latest('eu').filter((b) => b.fileId === F2);
    expect(v.logsOf(f2!), 'a log of another base instant is not this slice\'s').toEqual([]);
    v.remove(`eu/.${F1}_${T3}.log.1_0-9-0`);
    expect(v.logsOf(f1!).map((l) => l.version)).toEqual([2]);
  });
});
