// Rollback and clean instant files in Hudi's Avro format. The fixtures under test/fixtures/hudi/avro-check/
// were written by the real Hudi 0.15.0 classes (check.sh --write-fixtures runs CheckTimelineAvro.java); the
// other direction (Hudi deserializing what we write) is proven by check.sh itself, which needs a JDK and Maven.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { deflateRawSync } from 'node:zlib';
import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import {
  CLEAN_METADATA,
  CLEANER_PLAN,
  ROLLBACK_METADATA,
  ROLLBACK_PLAN,
  buildCleanMetadata,
  buildCleanerPlan,
  buildRollbackMetadata,
  buildRollbackPlan,
  deserializeCleanMetadata,
  deserializeCleanerPlan,
  deserializeRollbackMetadata,
  deserializeRollbackPlan,
  readAvroContainer,
  serializeCleanMetadata,
  serializeCleanerPlan,
  serializeRollbackMetadata,
  serializeRollbackPlan,
  writeAvroContainer,
  type AvroJson,
  type CleanMetadataInput,
  type CleanerPlanInput,
  type RollbackMetadataInput,
  type RollbackPlanInput,
  type TimelineRecordType,
} from '../../../../../plugins/hudi/timeline/timeline-avro';

const FIXTURES = path.resolve(__dirname, '../../../../fixtures/hudi/avro-check');
const fixture = (name: string): Buffer => fs.readFileSync(path.join(FIXTURES, name));
const hudiSchemas = JSON.parse(fixture('hudi-schemas.json').toString('utf8')) as Record<string, string>;
const javaExpected = JSON.parse(fixture('java-expected.json').toString('utf8')) as { hudiVersion: string; records: Record<string, unknown> };
const plain = (v: unknown): unknown => JSON.parse(JSON.stringify(v));

// The same values CheckTimelineAvro.java used for its fixtures (and write-samples.js for check.sh).
const BASE = 'file:/tmp/tributary-avro-check/orders';
const FAILED = '20240102030405000';
const ROLLBACK = '20240102030500123';
const CLEAN = '20240103040506789';
const RETAIN = '20240102000000000';
const LAST = '20240103000000000';
const f1 = '6f7a6a0e-7b5e-4b8e-9f43-0b0f4b1c2d3e-0_0-12-34_20240102030405000.parquet';
const f2 = '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d-0_1-12-35_20240102030405000.parquet';
const f3 = '9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a-0_2-12-36_20240102030405000.parquet';
const old1 = '6f7a6a0e-7b5e-4b8e-9f43-0b0f4b1c2d3e-0_0-3-7_20240101000000000.parquet';
const old2 = '6f7a6a0e-7b5e-4b8e-9f43-0b0f4b1c2d3e-0_0-5-9_20240101010000000.parquet';
const old3 = '9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a-0_1-3-8_20240101000000000.parquet';

const rollbackPlanInput: RollbackPlanInput = {
  instantToRollback: { commitTime: FAILED, action: 'commit' },
  filesToDelete: [
    { partitionPath: 'region=eu', files: [`region=eu/${f1}`, `region=eu/${f2}`] },
    { partitionPath: 'region=us', files: [`region=us/${f3}`] },
  ],
  basePath: BASE,
};
const rollbackMetadataInput: RollbackMetadataInput = {
  startRollbackTime: ROLLBACK,
  timeTakenInMillis: 1234,
  commitsRollback: [FAILED],
  instants: [{ commitTime: FAILED, action: 'commit' }],
  partitions: [
    { partitionPath: 'region=eu', successDeleteFiles: [`region=eu/${f1}`, `region=eu/${f2}`], failedDeleteFiles: [] },
    { partitionPath: 'region=us', successDeleteFiles: [`region=us/${f3}`], failedDeleteFiles: [] },
  ],
  basePath: BASE,
};
const cleanerPlanInput: CleanerPlanInput = {
  earliestInstantToRetain: { timestamp: RETAIN, action: 'commit', state: 'COMPLETED' },
  lastCompletedCommitTimestamp: LAST,
  policy: 'KEEP_LATEST_COMMITS',
  filePathsToBeDeletedPerPartition: [
    { partitionPath: 'region=eu', files: [{ filePath: `region=eu/${old1}`, isBootstrapBaseFile: false }, { filePath: `region=eu/${old2}`, isBootstrapBaseFile: false }] },
    { partitionPath: 'region=us', files: [{ filePath: `region=us/${old3}`, isBootstrapBaseFile: false }] },
  ],
  basePath: BASE,
};
const cleanMetadataInput: CleanMetadataInput = {
  startCleanTime: CLEAN,
  timeTakenInMillis: 567,
  totalFilesDeleted: 3,
  earliestCommitToRetain: RETAIN,
  lastCompletedCommitTimestamp: LAST,
  policy: 'KEEP_LATEST_COMMITS',
  partitions: [
    { partitionPath: 'region=eu', policy: 'KEEP_LATEST_COMMITS', deletePathPatterns: [old1, old2], successDeleteFiles: [old1, old2], failedDeleteFiles: [], isPartitionDeleted: false },
    { partitionPath: 'region=us', policy: 'KEEP_LATEST_COMMITS', deletePathPatterns: [old3], successDeleteFiles: [old3], failedDeleteFiles: [], isPartitionDeleted: false },
  ],
};

/** Decodes a container file with avsc's own streaming BlockDecoder (independent of readAvroContainer). */
async function avscDecode(buf: Buffer): Promise<{ schema: unknown; codec: string; meta: Record<string, Buffer>; records: unknown[] }> {
  return new Promise((resolve, reject) => {
    const records: unknown[] = [];
    let header: { schema: unknown; codec: string; meta: Record<string, Buffer> } | undefined;
    const decoder = new avro.streams.BlockDecoder({ parseHook: (schema: unknown) => avro.Type.forSchema(schema as avro.Schema, { wrapUnions: false }) });
    decoder.on('metadata', (type: avro.Type, codec: string, h: { meta: Record<string, Buffer> }) => {
      header = { schema: type.schema(), codec, meta: h.meta };
    });
    decoder.on('data', (r: unknown) => records.push(r));
    decoder.on('error', reject);
    decoder.on('end', () => (header ? resolve({ ...header, records }) : reject(new Error('no header'))));
    Readable.from([buf]).pipe(decoder);
  });
}

/** `file` with its sync marker (its last 16 bytes, which also end the header) replaced by `sync`. */
function withSync(file: Buffer, sync: Buffer): Buffer {
  const out = Buffer.from(file);
  const old = file.subarray(file.length - 16);
  for (let i = out.indexOf(old); i >= 0; i = out.indexOf(old, i + 16)) sync.copy(out, i);
  return out;
}

describe('schemas', () => {
  const cases: [string, TimelineRecordType][] = [
    ['HoodieRollbackPlan', ROLLBACK_PLAN],
    ['HoodieRollbackMetadata', ROLLBACK_METADATA],
    ['HoodieCleanerPlan', CLEANER_PLAN],
    ['HoodieCleanMetadata', CLEAN_METADATA],
  ];
  it.each(cases)('%s is declared exactly as Hudi 0.15.0 generated it (getClassSchema().toString())', (cls, rt) => {
    expect(hudiSchemas['hudiVersion']).toBe('0.15.0');
    expect(rt.name).toBe(`org.apache.hudi.avro.model.${cls}`);
    expect(rt.schemaString).toBe(hudiSchemas[cls]);
  });
});

describe('our files, decoded by avsc against the declared schemas', () => {
  it('a rollback plan: one request per file, absolute paths, fileId and base instant from the name, version 1', async () => {
    const buf = serializeRollbackPlan(rollbackPlanInput);
    const d = await avscDecode(buf);
    expect(buf.subarray(0, 4)).toEqual(Buffer.from('Obj\x01', 'latin1'));
    expect(d.codec).toBe('null');
    expect(Object.keys(d.meta)).toEqual(['avro.schema']); // DataFileWriter writes no avro.codec for the null codec
    expect(d.meta['avro.schema']!.toString('utf8')).toBe(hudiSchemas['HoodieRollbackPlan']);
    expect(d.records).toHaveLength(1);
    const decoded = ROLLBACK_PLAN.type.fromBuffer(ROLLBACK_PLAN.type.toBuffer(d.records[0]));
    expect(plain(decoded)).toEqual({
      instantToRollback: { commitTime: FAILED, action: 'commit' },
      RollbackRequests: [
        { partitionPath: 'region=eu', fileId: f1.split('_')[0], latestBaseInstant: FAILED, filesToBeDeleted: [`${BASE}/region=eu/${f1}`], logBlocksToBeDeleted: {} },
        { partitionPath: 'region=eu', fileId: f2.split('_')[0], latestBaseInstant: FAILED, filesToBeDeleted: [`${BASE}/region=eu/${f2}`], logBlocksToBeDeleted: {} },
        { partitionPath: 'region=us', fileId: f3.split('_')[0], latestBaseInstant: FAILED, filesToBeDeleted: [`${BASE}/region=us/${f3}`], logBlocksToBeDeleted: {} },
      ],
      version: 1,
    });
    expect(plain(deserializeRollbackPlan(buf))).toEqual(plain(d.records[0]));
  });

  it('a rollback plan for a commit that wrote nothing has an empty request list; paths stay as given without basePath', async () => {
    const empty = await avscDecode(serializeRollbackPlan({ instantToRollback: { commitTime: FAILED, action: 'commit' }, filesToDelete: [] }));
    expect(plain(empty.records[0])).toEqual({ instantToRollback: { commitTime: FAILED, action: 'commit' }, RollbackRequests: [], version: 1 });
    const relative = deserializeRollbackPlan(serializeRollbackPlan({ instantToRollback: { commitTime: FAILED, action: 'commit' }, filesToDelete: [{ partitionPath: '', files: [f1, 'not-a-base-file.txt'] }] }));
    expect(relative.RollbackRequests!.map((r) => [r.partitionPath, r.fileId, r.latestBaseInstant, r.filesToBeDeleted])).toEqual([
      ['', f1.split('_')[0], FAILED, [f1]],
      ['', '', '', ['not-a-base-file.txt']],
    ]);
    const s3 = buildRollbackPlan({ ...rollbackPlanInput, basePath: 's3a://bucket/orders/' });
    expect(s3.RollbackRequests![0]!.filesToBeDeleted).toEqual([`s3a://bucket/orders/region=eu/${f1}`]);
  });

  it('rollback metadata: partitions keyed by path, totals from the successful deletes, version 1', async () => {
    const input: RollbackMetadataInput = {
      ...rollbackMetadataInput,
      partitions: [
        { partitionPath: 'region=eu', successDeleteFiles: [`region=eu/${f1}`], failedDeleteFiles: [`region=eu/${f2}`] },
        { partitionPath: 'region=us', successDeleteFiles: [`region=us/${f3}`], failedDeleteFiles: [] },
        { partitionPath: 'region=eu', successDeleteFiles: [], failedDeleteFiles: [] }, // merged, as RollbackUtils.mergeRollbackStat does
      ],
    };
    const d = await avscDecode(serializeRollbackMetadata(input));
    expect(d.meta['avro.schema']!.toString('utf8')).toBe(hudiSchemas['HoodieRollbackMetadata']);
    expect(plain(d.records[0])).toEqual({
      startRollbackTime: ROLLBACK,
      timeTakenInMillis: 1234,
      totalFilesDeleted: 2,
      commitsRollback: [FAILED],
      partitionMetadata: {
        'region=eu': { partitionPath: 'region=eu', successDeleteFiles: [`${BASE}/region=eu/${f1}`], failedDeleteFiles: [`${BASE}/region=eu/${f2}`], rollbackLogFiles: {}, logFilesFromFailedCommit: {} },
        'region=us': { partitionPath: 'region=us', successDeleteFiles: [`${BASE}/region=us/${f3}`], failedDeleteFiles: [], rollbackLogFiles: {}, logFilesFromFailedCommit: {} },
      },
      version: 1,
      instantsRollback: [{ commitTime: FAILED, action: 'commit' }],
    });
  });

  it('a cleaner plan: version 2, filePathsToBeDeletedPerPartition with absolute paths, the deprecated map empty', async () => {
    const d = await avscDecode(serializeCleanerPlan(cleanerPlanInput));
    expect(d.meta['avro.schema']!.toString('utf8')).toBe(hudiSchemas['HoodieCleanerPlan']);
    expect(plain(d.records[0])).toEqual({
      earliestInstantToRetain: { timestamp: RETAIN, action: 'commit', state: 'COMPLETED' },
      lastCompletedCommitTimestamp: LAST,
      policy: 'KEEP_LATEST_COMMITS',
      filesToBeDeletedPerPartition: {},
      version: 2,
      filePathsToBeDeletedPerPartition: {
        'region=eu': [{ filePath: `${BASE}/region=eu/${old1}`, isBootstrapBaseFile: false }, { filePath: `${BASE}/region=eu/${old2}`, isBootstrapBaseFile: false }],
        'region=us': [{ filePath: `${BASE}/region=us/${old3}`, isBootstrapBaseFile: false }],
      },
      partitionsToBeDeleted: [],
      extraMetadata: {},
    });
    const none = buildCleanerPlan({ ...cleanerPlanInput, earliestInstantToRetain: undefined, partitionsToBeDeleted: ['region=us'], extraMetadata: { savepointed_timestamps: '1,2' } });
    expect(none.earliestInstantToRetain).toBeNull();
    expect(none.partitionsToBeDeleted).toEqual(['region=us']);
    expect(plain(deserializeCleanerPlan(serializeCleanerPlan({ ...cleanerPlanInput, earliestInstantToRetain: undefined })).earliestInstantToRetain)).toBeNull();
  });

  it('clean metadata: version 2, file names per partition, empty bootstrap map', async () => {
    const d = await avscDecode(serializeCleanMetadata(cleanMetadataInput));
    expect(d.meta['avro.schema']!.toString('utf8')).toBe(hudiSchemas['HoodieCleanMetadata']);
    expect(plain(d.records[0])).toEqual({
      startCleanTime: CLEAN,
      timeTakenInMillis: 567,
      totalFilesDeleted: 3,
      earliestCommitToRetain: RETAIN,
      lastCompletedCommitTimestamp: LAST,
      partitionMetadata: {
        'region=eu': { partitionPath: 'region=eu', policy: 'KEEP_LATEST_COMMITS', deletePathPatterns: [old1, old2], successDeleteFiles: [old1, old2], failedDeleteFiles: [], isPartitionDeleted: false },
        'region=us': { partitionPath: 'region=us', policy: 'KEEP_LATEST_COMMITS', deletePathPatterns: [old3], successDeleteFiles: [old3], failedDeleteFiles: [], isPartitionDeleted: false },
      },
      version: 2,
      bootstrapPartitionMetadata: {},
      extraMetadata: {},
    });
  });

  it('output is deterministic and synchronous; the sync marker can be given', () => {
    expect(serializeCleanMetadata(cleanMetadataInput).equals(serializeCleanMetadata(cleanMetadataInput))).toBe(true);
    const sync = Buffer.alloc(16, 7);
    const buf = writeAvroContainer(CLEAN_METADATA, [buildCleanMetadata(cleanMetadataInput)], sync);
    expect(buf.subarray(buf.length - 16)).toEqual(sync);
    expect(() => writeAvroContainer(CLEAN_METADATA, [], Buffer.alloc(3))).toThrow(/16 bytes/);
  });

  it('a record that does not fit the schema fails with the field named', () => {
    expect(() => serializeRollbackMetadata({ ...rollbackMetadataInput, timeTakenInMillis: Number.NaN })).toThrow(/HoodieRollbackMetadata: invalid record: timeTakenInMillis: expected long, got NaN/);
    expect(() => serializeCleanerPlan({ ...cleanerPlanInput, policy: undefined as unknown as string })).toThrow(/policy: expected string, got undefined/);
    expect(() => serializeCleanerPlan({ ...cleanerPlanInput, filePathsToBeDeletedPerPartition: [{ partitionPath: 'p', files: [{ filePath: 'p/x.parquet', isBootstrapBaseFile: 'no' as unknown as boolean }] }] })).toThrow(
      /filePathsToBeDeletedPerPartition\.p\.0\.isBootstrapBaseFile: expected null \| boolean, got "no"/,
    );
  });
});

describe('files written by Hudi 0.15.0 (fixtures), decoded with our schemas', () => {
  // The rollback and clean records (the compaction plan's are compaction-plan.test.ts's).
  const names = Object.keys(javaExpected.records).filter((n) => /\.(rollback|clean)(\.|$)/.test(n));
  const decoders: [RegExp, (b: Buffer) => unknown, TimelineRecordType][] = [
    [/\.rollback\.requested$/, deserializeRollbackPlan, ROLLBACK_PLAN],
    [/\.rollback$/, deserializeRollbackMetadata, ROLLBACK_METADATA],
    [/\.clean\.(requested|inflight)$/, deserializeCleanerPlan, CLEANER_PLAN],
    [/\.clean$/, deserializeCleanMetadata, CLEAN_METADATA],
  ];

  it('the fixtures are there', () => {
    expect(javaExpected.hudiVersion).toBe('0.15.0');
    expect([...names].sort()).toEqual([
      `java-${ROLLBACK}.rollback`,
      `java-${ROLLBACK}.rollback.requested`,
      `java-${CLEAN}.clean`,
      `java-${CLEAN}.clean.requested`,
    ]);
  });

  it.each(names)('%s decodes to the record Hudi wrote, and its header schema is ours', (name) => {
    const [, decode, rt] = decoders.find(([re]) => re.test(name))!;
    const bytes = fixture(name);
    const c = readAvroContainer(bytes);
    expect(c.schemaString).toBe(rt.schemaString);
    expect(c.codec).toBe('null');
    expect(c.records).toHaveLength(1);
    expect(plain(decode(bytes))).toEqual(javaExpected.records[name]);
  });

  it.each(names)('%s, decoded by avsc with the writer schema from its header, has the same values', async (name) => {
    const d = await avscDecode(fixture(name));
    expect(d.records).toHaveLength(1);
    expect(plain(d.records[0])).toEqual(javaExpected.records[name]);
  });

  it('Hudi writes the rollback inflight empty and the clean inflight as a copy of the plan', () => {
    expect(fixture(`java-${ROLLBACK}.rollback.inflight`)).toHaveLength(0);
    expect(fixture(`java-${CLEAN}.clean.inflight`).equals(fixture(`java-${CLEAN}.clean.requested`))).toBe(true);
  });

  it('for the same inputs our files equal Hudi\'s byte for byte, the random sync marker aside', () => {
    const pairs: [string, Buffer][] = [
      [`java-${ROLLBACK}.rollback.requested`, serializeRollbackPlan(rollbackPlanInput)],
      [`java-${ROLLBACK}.rollback`, serializeRollbackMetadata(rollbackMetadataInput)],
      [`java-${CLEAN}.clean.requested`, serializeCleanerPlan(cleanerPlanInput)],
      [`java-${CLEAN}.clean`, serializeCleanMetadata(cleanMetadataInput)],
    ];
    for (const [name, ours] of pairs) {
      const theirs = fixture(name);
      expect(withSync(theirs, ours.subarray(ours.length - 16)).equals(ours), name).toBe(true);
    }
  });
});

describe('readAvroContainer', () => {
  it('rejects what is not a container file', () => {
    expect(() => deserializeRollbackPlan(Buffer.alloc(0))).toThrow(/empty/);
    expect(() => deserializeCleanMetadata(Buffer.from('{"startCleanTime":"1"}'))).toThrow(/bad magic/);
    const good = serializeCleanMetadata(cleanMetadataInput);
    expect(() => deserializeCleanMetadata(good.subarray(0, good.length - 5))).toThrow(/truncated/);
    const badSync = Buffer.from(good);
    badSync[badSync.length - 1] ^= 0xff;
    expect(() => deserializeCleanMetadata(badSync)).toThrow(/sync marker/);
  });

  it('reads deflate blocks too', () => {
    const sync = Buffer.alloc(16, 1);
    const rec = CLEAN_METADATA.type.toBuffer(buildCleanMetadata(cleanMetadataInput));
    const data = deflateRawSync(rec);
    const header = avro.Type.forSchema({
      type: 'record',
      name: 'org.apache.avro.file.Header',
      fields: [
        { name: 'magic', type: { type: 'fixed', name: 'Magic', size: 4 } },
        { name: 'meta', type: { type: 'map', values: 'bytes' } },
        { name: 'sync', type: { type: 'fixed', name: 'Sync', size: 16 } },
      ],
    } as avro.Schema).toBuffer({ magic: Buffer.from('Obj\x01', 'latin1'), meta: { 'avro.schema': Buffer.from(CLEAN_METADATA.schemaString), 'avro.codec': Buffer.from('deflate') }, sync });
    const long = avro.Type.forSchema('long');
    const file = Buffer.concat([header, long.toBuffer(1), long.toBuffer(data.length), data, sync]);
    expect(plain(deserializeCleanMetadata(file))).toEqual(plain(buildCleanMetadata(cleanMetadataInput)));
  });

  it('resolves an older Hudi writer schema by field name, filling defaults (Hudi 0.x HoodieRollbackMetadata without instantsRollback)', () => {
    const oldSchema: AvroJson = {
      type: 'record',
      name: 'HoodieRollbackMetadata',
      namespace: 'org.apache.hudi.avro.model',
      fields: [
        { name: 'startRollbackTime', type: 'string' },
        { name: 'timeTakenInMillis', type: 'long' },
        { name: 'totalFilesDeleted', type: 'int' },
        { name: 'commitsRollback', type: { type: 'array', items: 'string' } },
        {
          name: 'partitionMetadata',
          type: {
            type: 'map',
            values: {
              type: 'record',
              name: 'HoodieRollbackPartitionMetadata',
              fields: [
                { name: 'partitionPath', type: 'string' },
                { name: 'successDeleteFiles', type: { type: 'array', items: 'string' } },
                { name: 'failedDeleteFiles', type: { type: 'array', items: 'string' } },
                { name: 'writtenLogFiles', type: ['null', { type: 'map', values: 'long' }], default: null },
              ],
            },
          },
        },
        { name: 'version', type: ['int', 'null'], default: 1 },
      ],
    };
    const old: TimelineRecordType = {
      name: 'org.apache.hudi.avro.model.HoodieRollbackMetadata',
      schema: oldSchema,
      schemaString: JSON.stringify(oldSchema),
      type: avro.Type.forSchema(oldSchema as avro.Schema, { wrapUnions: false }),
    };
    const file = writeAvroContainer(old, [
      { startRollbackTime: ROLLBACK, timeTakenInMillis: 5, totalFilesDeleted: 1, commitsRollback: [FAILED], partitionMetadata: { p: { partitionPath: 'p', successDeleteFiles: ['/t/p/x.parquet'], failedDeleteFiles: [], writtenLogFiles: null } }, version: 1 },
    ]);
    expect(plain(deserializeRollbackMetadata(file))).toEqual({
      startRollbackTime: ROLLBACK,
      timeTakenInMillis: 5,
      totalFilesDeleted: 1,
      commitsRollback: [FAILED],
      partitionMetadata: { p: { partitionPath: 'p', successDeleteFiles: ['/t/p/x.parquet'], failedDeleteFiles: [], rollbackLogFiles: null, logFilesFromFailedCommit: null } },
      version: 1,
      instantsRollback: [],
    });
    expect(buildRollbackMetadata(rollbackMetadataInput).totalFilesDeleted).toBe(3);
  });
});
