// HoodieArchivedMetaEntry records as Hudi 0.15's timeline archiver writes them. The fixtures (java-*.entry with
// java-archive-index.json) are the entries Hudi's own MetadataConversionUtils.createMetaWrapper built from Hudi-written
// instant files (CheckArchivedEntries write); check.sh also runs createMetaWrapper on instant files we write.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ARCHIVED_META_ENTRY,
  AVRO_COMMIT_METADATA,
  ROLLING_STAT_METADATA_KEY,
  buildArchivedMetaEntry,
  convertCommitMetadata,
  decodeArchivedMetaEntry,
  encodeArchivedMetaEntry,
  type ArchivedInstantInput,
} from '../../../../../plugins/hudi/timeline/archived-meta-entry';
import { renderCommitMetadata, writeStat } from '../../../../../plugins/hudi/timeline/commit-metadata';
import { serializeCompactionPlan } from '../../../../../plugins/hudi/timeline/compaction-plan';

const FIXTURES = path.resolve(__dirname, '../../../../fixtures/hudi/avro-check');
const fixture = (name: string): Buffer => fs.readFileSync(path.join(FIXTURES, name));
const hudiSchemas = JSON.parse(fixture('hudi-schemas.json').toString('utf8')) as Record<string, string>;
interface IndexEntry { file: string; timestamp: string; action: ArchivedInstantInput['action']; state: ArchivedInstantInput['state']; stateTransitionTime: string | null; entry: string; record: Record<string, unknown> }
const index = JSON.parse(fixture('java-archive-index.json').toString('utf8')) as IndexEntry[];
const plain = (v: unknown): unknown => JSON.parse(JSON.stringify(v));
const input = (i: IndexEntry): ArchivedInstantInput => ({ timestamp: i.timestamp, action: i.action, state: i.state, content: fixture(i.file), stateTransitionTime: i.stateTransitionTime });

describe('HoodieArchivedMetaEntry', () => {
  it('the schema strings are Hudi 0.15.0\'s getClassSchema() (entry, and the Avro commit metadata)', () => {
    expect(ARCHIVED_META_ENTRY.schemaString).toBe(hudiSchemas.HoodieArchivedMetaEntry);
    expect(AVRO_COMMIT_METADATA.schemaString).toBe(hudiSchemas.HoodieCommitMetadata);
  });

  it('the fixtures cover every action and state we archive', () => {
    const seen = new Set(index.map((i) => `${i.action}.${i.state}`));
    for (const k of ['commit.REQUESTED', 'commit.COMPLETED', 'deltacommit.INFLIGHT', 'deltacommit.COMPLETED', 'rollback.REQUESTED', 'rollback.INFLIGHT', 'rollback.COMPLETED', 'clean.REQUESTED', 'clean.INFLIGHT', 'clean.COMPLETED', 'compaction.REQUESTED', 'compaction.INFLIGHT']) {
      expect(seen, k).toContain(k);
    }
  });

  it.each(index.map((i) => [i.entry, i] as const))('%s: we decode Hudi\'s bytes, and build the same record and bytes from its instant file', (_, i) => {
    const bytes = fixture(i.entry);
    expect(plain(decodeArchivedMetaEntry(bytes))).toEqual(i.record);
    const built = buildArchivedMetaEntry(input(i));
    expect(plain(built)).toEqual(i.record);
    expect(encodeArchivedMetaEntry(built).equals(bytes)).toBe(true);
  });

  it('fills what createMetaWrapper fills: state, times, action, one payload; version stays null', () => {
    const byFile = new Map(index.map((i) => [i.file.replace(/^java-/, ''), i.record]));
    const commit = byFile.get('20240104000000000.commit')!;
    expect(commit).toMatchObject({ commitTime: '20240104000000000', actionType: 'commit', actionState: 'COMPLETED', stateTransitionTime: '20240104000001234', version: null });
    expect(commit.hoodieCleanMetadata).toBeNull();
    expect(byFile.get('20240104050607000.compaction.requested')!.hoodieCompactionPlan).not.toBeNull();
    expect(byFile.get('20240104050607000.compaction.inflight')!.hoodieCompactionPlan).toBeNull();
    expect(byFile.get('20240102030500123.rollback.requested')!.hoodieRollbackMetadata).toBeNull();
    expect(byFile.get('20240103040506789.clean.inflight')!.hoodieCleanerPlan).not.toBeNull();
    // A completed compaction is a commit with operationType COMPACT.
    expect((byFile.get('20240104050607000.commit')!.hoodieCommitMetadata as { operationType: string }).operationType).toBe('COMPACT');
    // An empty completed file: no payload at all (createMetaWrapperForEmptyInstant).
    expect(byFile.get('20240104060000000.commit')!.hoodieCommitMetadata).toBeNull();
    // Requested/inflight commit files are read as (empty) commit metadata.
    expect(byFile.get('20240104000000000.commit.requested')!.hoodieCommitMetadata).toEqual({ partitionToWriteStats: {}, extraMetadata: { ROLLING_STAT: '' }, version: null, operationType: 'UNKNOWN' });
  });

  it('converts our own commit JSON as Hudi\'s convertCommitMetadata does', () => {
    const stat = { ...writeStat({ fileId: 'f1-0', path: 'p/f1-0_0-1-2_20240101000000000.parquet', partitionPath: 'p', numWrites: 5, numDeletes: 1, numUpdateWrites: 2, numInserts: 3, fileSizeInBytes: 100 }), totalLogFilesCompacted: 4 };
    const json = renderCommitMetadata({ partitionToWriteStats: { p: [stat] }, compacted: true, extraMetadata: { schema: '{}' }, operationType: 'UPSERT' });
    const m = convertCommitMetadata(Buffer.from(json));
    expect(m.operationType).toBe('COMPACT');
    expect(m.version).toBeNull();
    expect(m.extraMetadata).toEqual({ schema: '{}', [ROLLING_STAT_METADATA_KEY]: '' });
    expect(m.partitionToWriteStats!.p![0]).toEqual({
      fileId: 'f1-0',
      path: 'p/f1-0_0-1-2_20240101000000000.parquet',
      prevCommit: 'null',
      numWrites: 5,
      numDeletes: 1,
      numUpdateWrites: 2,
      totalWriteBytes: 100,
      totalWriteErrors: 0,
      partitionPath: 'p',
      totalLogRecords: 0,
      totalLogFiles: null, // the model's totalLogFilesCompacted has no Avro field of its name
      totalUpdatedRecordsCompacted: 0,
      numInserts: 3,
      totalLogBlocks: 0,
      totalCorruptLogBlock: 0,
      totalRollbackBlocks: 0,
      fileSizeInBytes: 100,
    });
  });

  it('encodes what it builds from our files, and decodes it back', () => {
    const plan = serializeCompactionPlan({ operations: [{ partitionPath: '', logFiles: ['.f-0_20240101000000000.log.1_0-1-2'], metrics: { TOTAL_LOG_FILES_SIZE: 7 } }] });
    const e = buildArchivedMetaEntry({ timestamp: '20240102000000000', action: 'compaction', state: 'REQUESTED', content: plan, stateTransitionTime: null });
    expect(plain(decodeArchivedMetaEntry(encodeArchivedMetaEntry(e)))).toEqual(plain(e));
  });

  it('rejects what Hudi could not archive, naming the file', () => {
    const base = { timestamp: '20240101000000000', stateTransitionTime: null };
    expect(() => buildArchivedMetaEntry({ ...base, action: 'commit', state: 'COMPLETED', content: Buffer.from('{not json') })).toThrow(/20240101000000000\.commit is not valid JSON/);
    expect(() => buildArchivedMetaEntry({ ...base, action: 'commit', state: 'COMPLETED', content: Buffer.from('{"extraMetadata":null}') })).toThrow(/extraMetadata is null/);
    expect(() => buildArchivedMetaEntry({ ...base, action: 'clean', state: 'INFLIGHT', content: Buffer.alloc(0) })).toThrow(/20240101000000000\.clean\.inflight: cannot read its org\.apache\.hudi\.avro\.model\.HoodieCleanerPlan/);
    expect(() => buildArchivedMetaEntry({ ...base, action: 'compaction', state: 'COMPLETED', content: Buffer.from('{}') })).toThrow(/archive it with action "commit"/);
    expect(() => decodeArchivedMetaEntry(Buffer.concat([encodeArchivedMetaEntry(buildArchivedMetaEntry({ ...base, action: 'rollback', state: 'REQUESTED', content: Buffer.alloc(0) })), Buffer.from([0])]))).toThrow(/1 bytes after the record/);
  });
});
