// Avro-serialized timeline metadata (rollback and clean instants), as Hudi 0.x writes them: Avro
// container files whose records use Hudi's record names, so Hudi's readers resolve them against
// their own schemas. The schemas here are our own declarations of the same wire format.
//
// What Hudi 0.15 writes (hudi-common / hudi-client-common 0.15.0, read from the release's sources):
//   <ts>.rollback.requested  HoodieRollbackPlan, version 1 (BaseRollbackPlanActionExecutor)
//   <ts>.rollback.inflight   empty (HoodieActiveTimeline.transitionRollbackRequestedToInflight: Option.empty())
//   <ts>.rollback            HoodieRollbackMetadata, version 1 (TimelineMetadataUtils.convertRollbackMetadata)
//   <ts>.clean.requested     HoodieCleanerPlan, version 2 (CleanPlanActionExecutor, CleanPlanner.LATEST_CLEAN_PLAN_VERSION)
//   <ts>.clean.inflight      the same HoodieCleanerPlan bytes (CleanActionExecutor.runClean); archival reads it
//   <ts>.clean               HoodieCleanMetadata, version 2 (CleanerUtils.convertCleanMetadata)
// All four are written by TimelineMetadataUtils.serializeAvroMetadata: a DataFileWriter (codec null) over
// the specific record's schema, one block with one record; read back by deserializeAvroMetadata
// (DataFileReader + SpecificDatumReader, i.e. writer-schema → reader-schema resolution by field name).
//
// The schema objects below reproduce `getClassSchema().toString()` of Hudi 0.15.0's generated classes
// character for character (field order, docs, defaults and the `avro.java.string` hints the Avro Maven
// plugin adds), so the avro.schema in our file headers is the very string Hudi writes.
// test/fixtures/hudi/avro-check/ proves both directions against the real Hudi classes.
//
// Paths: Hudi puts absolute file paths (base path + relative path, e.g. `file:/data/t/p/f.parquet` or
// `s3a://bucket/t/p/f.parquet`) into rollback plans (filesToBeDeleted), rollback metadata
// (successDeleteFiles/failedDeleteFiles) and cleaner plans (filePath), and Hudi resolves them as given
// when it re-executes a pending plan (a relative path fails in HadoopFSUtils.getRelativePartitionPath).
// Clean metadata (version 2) holds bare file names. Pass `basePath` to have relative paths made absolute.

import { createHash } from 'node:crypto';
import { inflateRawSync } from 'node:zlib';
import { Type } from 'avsc';

// ---------------------------------------------------------------------------------------------
// Inputs (the first four fields of each are the fixed interface; the optional ones are additions)

export interface RollbackPlanInput {
  /** The instant being rolled back. */
  instantToRollback: { commitTime: string; action: string };
  /** Files to delete, per partition. */
  filesToDelete: { partitionPath: string; files: string[] }[];
  /**
   * The table's base path as Hudi addresses it (`/data/t`, `file:/data/t`, `s3a://bucket/t`). When set,
   * relative file paths become `<basePath>/<path>`, as Hudi writes them. Without it paths are written as given.
   */
  basePath?: string;
}

export interface RollbackMetadataInput {
  startRollbackTime: string;
  timeTakenInMillis: number;
  commitsRollback: string[];
  /** The instants rolled back with their action (instantsRollback). */
  instants: { commitTime: string; action: string }[];
  partitions: { partitionPath: string; successDeleteFiles: string[]; failedDeleteFiles: string[] }[];
  /** As in RollbackPlanInput: makes relative paths in successDeleteFiles/failedDeleteFiles absolute. */
  basePath?: string;
}

export interface CleanerPlanInput {
  earliestInstantToRetain: { timestamp: string; action: string; state: string } | undefined;
  lastCompletedCommitTimestamp: string;
  policy: string;
  /** Files to delete per partition (full file paths relative to the base path, or file names, as Hudi does). */
  filePathsToBeDeletedPerPartition: { partitionPath: string; files: { filePath: string; isBootstrapBaseFile: boolean }[] }[];
  /** As in RollbackPlanInput: makes relative filePaths absolute (Hudi's cleaner deletes `new Path(filePath)`). */
  basePath?: string;
  /** Partitions the plan deletes entirely (Hudi: partitionsToBeDeleted; default none). */
  partitionsToBeDeleted?: string[];
  /** Hudi: `savepointed_timestamps` when savepoints exist; default empty. Copied into the clean metadata by Hudi. */
  extraMetadata?: Record<string, string>;
}

export interface CleanMetadataInput {
  startCleanTime: string;
  timeTakenInMillis: number;
  totalFilesDeleted: number;
  earliestCommitToRetain: string;
  lastCompletedCommitTimestamp: string;
  /** Hudi's HoodieCleanMetadata has no top-level policy; this is the default for partitions without one. */
  policy: string;
  /** deletePathPatterns / successDeleteFiles / failedDeleteFiles are bare file names in version 2. */
  partitions: { partitionPath: string; policy: string; deletePathPatterns: string[]; successDeleteFiles: string[]; failedDeleteFiles: string[]; isPartitionDeleted: boolean }[];
  /** The cleaner plan's extraMetadata (Hudi copies it over); default empty. */
  extraMetadata?: Record<string, string>;
}

// ---------------------------------------------------------------------------------------------
// The Avro records, as avsc decodes them (unions unwrapped: null or the value; longs as numbers)

export interface HoodieInstantInfo { commitTime: string; action: string }
export interface HoodieRollbackRequest {
  partitionPath: string;
  fileId: string | null;
  latestBaseInstant: string | null;
  filesToBeDeleted: string[];
  logBlocksToBeDeleted: Record<string, number> | null;
}
export interface HoodieRollbackPlan {
  instantToRollback: HoodieInstantInfo | null;
  RollbackRequests: HoodieRollbackRequest[] | null;
  version: number | null;
}
export interface HoodieRollbackPartitionMetadata {
  partitionPath: string;
  successDeleteFiles: string[];
  failedDeleteFiles: string[];
  rollbackLogFiles: Record<string, number> | null;
  logFilesFromFailedCommit: Record<string, number> | null;
}
export interface HoodieRollbackMetadata {
  startRollbackTime: string;
  timeTakenInMillis: number;
  totalFilesDeleted: number;
  commitsRollback: string[];
  partitionMetadata: Record<string, HoodieRollbackPartitionMetadata>;
  version: number | null;
  instantsRollback: HoodieInstantInfo[];
}
export interface HoodieActionInstant { timestamp: string; action: string; state: string }
export interface HoodieCleanFileInfo { filePath: string | null; isBootstrapBaseFile: boolean | null }
export interface HoodieCleanerPlan {
  earliestInstantToRetain: HoodieActionInstant | null;
  lastCompletedCommitTimestamp: string;
  policy: string;
  filesToBeDeletedPerPartition: Record<string, string[]> | null;
  version: number | null;
  filePathsToBeDeletedPerPartition: Record<string, HoodieCleanFileInfo[]> | null;
  partitionsToBeDeleted: string[] | null;
  extraMetadata: Record<string, string> | null;
}
export interface HoodieCleanPartitionMetadata {
  partitionPath: string;
  policy: string;
  deletePathPatterns: string[];
  successDeleteFiles: string[];
  failedDeleteFiles: string[];
  isPartitionDeleted: boolean | null;
}
export interface HoodieCleanMetadata {
  startCleanTime: string;
  timeTakenInMillis: number;
  totalFilesDeleted: number;
  earliestCommitToRetain: string;
  lastCompletedCommitTimestamp: string;
  partitionMetadata: Record<string, HoodieCleanPartitionMetadata>;
  version: number | null;
  bootstrapPartitionMetadata: Record<string, HoodieCleanPartitionMetadata> | null;
  extraMetadata: Record<string, string> | null;
}

/** BaseRollbackPlanActionExecutor.LATEST_ROLLBACK_PLAN_VERSION */
export const ROLLBACK_PLAN_VERSION = 1;
/** TimelineMetadataUtils.DEFAULT_VERSION, used by convertRollbackMetadata */
export const ROLLBACK_METADATA_VERSION = 1;
/** CleanPlanner.LATEST_CLEAN_PLAN_VERSION (CleanPlanV2MigrationHandler.VERSION) */
export const CLEAN_PLAN_VERSION = 2;
/** CleanerUtils.LATEST_CLEAN_METADATA_VERSION (CleanMetadataV2MigrationHandler.VERSION) */
export const CLEAN_METADATA_VERSION = 2;

// ---------------------------------------------------------------------------------------------
// Schemas: Hudi 0.15.0's, in the key order Avro's Schema.toString() writes them

/** A JSON value: the schema declarations below. */
export type AvroJson = null | boolean | number | string | AvroJson[] | { [key: string]: AvroJson };

/** The namespace of every Hudi timeline record. */
export const NS = 'org.apache.hudi.avro.model';
// Schema parts shared by the declarations here and in the sibling modules (compaction-plan, archived-meta-entry).
export const str = (): AvroJson => ({ type: 'string', 'avro.java.string': 'String' });
export const strArray = (): AvroJson => ({ type: 'array', items: str() });
export const longMap = (): AvroJson => ({ type: 'map', values: 'long', 'avro.java.string': 'String' });
export const versionField = (): AvroJson => ({ name: 'version', type: ['int', 'null'], default: 1 });
const instantInfo = (): AvroJson => ({
  type: 'record',
  name: 'HoodieInstantInfo',
  fields: [
    { name: 'commitTime', type: str() },
    { name: 'action', type: str() },
  ],
});

export const HOODIE_ROLLBACK_PLAN_SCHEMA: AvroJson = {
  type: 'record',
  name: 'HoodieRollbackPlan',
  namespace: NS,
  fields: [
    { name: 'instantToRollback', type: ['null', instantInfo()], doc: 'Hoodie instant that needs to be rolled back', default: null },
    {
      name: 'RollbackRequests',
      type: [
        'null',
        {
          type: 'array',
          items: {
            type: 'record',
            name: 'HoodieRollbackRequest',
            fields: [
              { name: 'partitionPath', type: str() },
              { name: 'fileId', type: ['null', str()], default: null },
              { name: 'latestBaseInstant', type: ['null', str()], default: null },
              { name: 'filesToBeDeleted', type: { type: 'array', items: str(), default: [] }, default: [] },
              { name: 'logBlocksToBeDeleted', type: ['null', longMap()], default: null },
            ],
          },
        },
      ],
      default: null,
    },
    versionField(),
  ],
};

export const HOODIE_ROLLBACK_METADATA_SCHEMA: AvroJson = {
  type: 'record',
  name: 'HoodieRollbackMetadata',
  namespace: NS,
  fields: [
    { name: 'startRollbackTime', type: str() },
    { name: 'timeTakenInMillis', type: 'long' },
    { name: 'totalFilesDeleted', type: 'int' },
    { name: 'commitsRollback', type: strArray() },
    {
      name: 'partitionMetadata',
      type: {
        type: 'map',
        values: {
          type: 'record',
          name: 'HoodieRollbackPartitionMetadata',
          fields: [
            { name: 'partitionPath', type: str() },
            { name: 'successDeleteFiles', type: strArray() },
            { name: 'failedDeleteFiles', type: strArray() },
            { name: 'rollbackLogFiles', type: ['null', longMap()], default: null },
            { name: 'logFilesFromFailedCommit', type: ['null', longMap()], default: null },
          ],
        },
        'avro.java.string': 'String',
      },
    },
    versionField(),
    { name: 'instantsRollback', type: { type: 'array', items: instantInfo(), default: [] }, default: [] },
  ],
};

export const HOODIE_CLEANER_PLAN_SCHEMA: AvroJson = {
  type: 'record',
  name: 'HoodieCleanerPlan',
  namespace: NS,
  fields: [
    {
      name: 'earliestInstantToRetain',
      type: [
        'null',
        {
          type: 'record',
          name: 'HoodieActionInstant',
          fields: [
            { name: 'timestamp', type: str() },
            { name: 'action', type: str() },
            { name: 'state', type: str() },
          ],
        },
      ],
      default: null,
    },
    { name: 'lastCompletedCommitTimestamp', type: str(), default: '' },
    { name: 'policy', type: str() },
    { name: 'filesToBeDeletedPerPartition', type: ['null', { type: 'map', values: strArray(), 'avro.java.string': 'String' }], default: null },
    versionField(),
    {
      name: 'filePathsToBeDeletedPerPartition',
      type: [
        'null',
        {
          type: 'map',
          values: {
            type: 'array',
            items: {
              type: 'record',
              name: 'HoodieCleanFileInfo',
              fields: [
                { name: 'filePath', type: ['null', str()], default: null },
                { name: 'isBootstrapBaseFile', type: ['null', 'boolean'], default: null },
              ],
            },
          },
          'avro.java.string': 'String',
        },
      ],
      doc: 'This field replaces the field filesToBeDeletedPerPartition',
      default: null,
    },
    { name: 'partitionsToBeDeleted', type: ['null', strArray()], doc: 'partitions to be deleted', default: null },
    { name: 'extraMetadata', type: ['null', { type: 'map', values: str(), 'avro.java.string': 'String', default: null }], default: null },
  ],
};

export const HOODIE_CLEAN_METADATA_SCHEMA: AvroJson = {
  type: 'record',
  name: 'HoodieCleanMetadata',
  namespace: NS,
  fields: [
    { name: 'startCleanTime', type: str() },
    { name: 'timeTakenInMillis', type: 'long' },
    { name: 'totalFilesDeleted', type: 'int' },
    { name: 'earliestCommitToRetain', type: str() },
    { name: 'lastCompletedCommitTimestamp', type: str(), default: '' },
    {
      name: 'partitionMetadata',
      type: {
        type: 'map',
        values: {
          type: 'record',
          name: 'HoodieCleanPartitionMetadata',
          fields: [
            { name: 'partitionPath', type: str() },
            { name: 'policy', type: str() },
            { name: 'deletePathPatterns', type: strArray() },
            { name: 'successDeleteFiles', type: strArray() },
            { name: 'failedDeleteFiles', type: strArray() },
            { name: 'isPartitionDeleted', type: ['null', 'boolean'], default: null },
          ],
        },
        'avro.java.string': 'String',
      },
    },
    versionField(),
    { name: 'bootstrapPartitionMetadata', type: ['null', { type: 'map', values: 'HoodieCleanPartitionMetadata', 'avro.java.string': 'String', default: null }], default: null },
    { name: 'extraMetadata', type: ['null', { type: 'map', values: str(), 'avro.java.string': 'String', default: null }], default: null },
  ],
};

/** A Hudi timeline record type: its schema, the header string Hudi writes, and the avsc type. */
export interface TimelineRecordType {
  readonly name: string;
  readonly schema: AvroJson;
  /** Identical to Hudi 0.15.0's `getClassSchema().toString()`. */
  readonly schemaString: string;
  readonly type: Type;
}

export function recordType(schema: AvroJson): TimelineRecordType {
  const name = `${NS}.${(schema as { name: string }).name}`;
  // wrapUnions false: every union here is null + one other type, so values are plain (null or the value).
  const type = Type.forSchema(schema as never, { wrapUnions: false });
  return { name, schema, schemaString: JSON.stringify(schema), type };
}

export const ROLLBACK_PLAN: TimelineRecordType = recordType(HOODIE_ROLLBACK_PLAN_SCHEMA);
export const ROLLBACK_METADATA: TimelineRecordType = recordType(HOODIE_ROLLBACK_METADATA_SCHEMA);
export const CLEANER_PLAN: TimelineRecordType = recordType(HOODIE_CLEANER_PLAN_SCHEMA);
export const CLEAN_METADATA: TimelineRecordType = recordType(HOODIE_CLEAN_METADATA_SCHEMA);

// ---------------------------------------------------------------------------------------------
// Avro object container files (spec: "Object Container Files"), written synchronously

const MAGIC = Buffer.from([0x4f, 0x62, 0x6a, 0x01]); // "Obj" 1
const HEADER_TYPE = Type.forSchema({
  type: 'record',
  name: 'org.apache.avro.file.Header',
  fields: [
    { name: 'magic', type: { type: 'fixed', name: 'Magic', size: 4 } },
    { name: 'meta', type: { type: 'map', values: 'bytes' } },
    { name: 'sync', type: { type: 'fixed', name: 'Sync', size: 16 } },
  ],
} as never);
const LONG_TYPE = Type.forSchema('long');

/**
 * One container file holding one block with the given records, codec null, byte for byte as Avro 1.11's
 * DataFileWriter writes it for Hudi: the header's metadata holds only avro.schema (with the null codec
 * DataFileWriter writes no avro.codec entry; the spec reads an absent codec as null). The sync marker
 * defaults to an MD5 of the content, so equal metadata gives equal bytes (Java draws a random one;
 * readers only compare it with the marker after each block).
 */
export function writeAvroContainer(rt: TimelineRecordType, records: unknown[], syncMarker?: Buffer): Buffer {
  const data = Buffer.concat(records.map((r) => encodeChecked(rt, r)));
  const sync = syncMarker ?? createHash('md5').update(rt.schemaString).update(data).digest();
  if (sync.length !== 16) throw new Error(`Avro sync marker must be 16 bytes, got ${sync.length}`);
  const header = HEADER_TYPE.toBuffer({
    magic: MAGIC,
    meta: { 'avro.schema': Buffer.from(rt.schemaString, 'utf8') },
    sync,
  });
  return Buffer.concat([header, LONG_TYPE.toBuffer(records.length), LONG_TYPE.toBuffer(data.length), data, sync]);
}

/** Avro binary of one record, after checking it against the schema (the error names each bad field). */
export function encodeChecked(rt: TimelineRecordType, record: unknown): Buffer {
  const problems: string[] = [];
  rt.type.isValid(record, {
    errorHook: (path: string[], val: unknown, type: Type) => {
      problems.push(`${path.join('.') || '(record)'}: expected ${describeType(type)}, got ${describeValue(val)}`);
    },
  });
  if (problems.length > 0) throw new Error(`${rt.name}: invalid record: ${problems.join('; ')}`);
  return rt.type.toBuffer(record);
}

function describeType(type: Type): string {
  const branches = (type as unknown as { types?: Type[] }).types;
  if (Array.isArray(branches)) return branches.map(describeType).join(' | ');
  return type.name ?? type.typeName;
}

function describeValue(val: unknown): string {
  if (val === undefined || typeof val === 'number' || typeof val === 'bigint') return String(val);
  try {
    return JSON.stringify(val);
  } catch {
    return String(val);
  }
}

/** The header and records of an Avro container file (codecs null and deflate). */
export interface AvroContainer {
  /** The writer schema, as stored in the header (avro.schema). */
  schemaString: string;
  codec: string;
  meta: Record<string, Buffer>;
  records: unknown[];
}

/**
 * Reads a container file. With `rt`, records are decoded with our declared schema, resolved from the
 * writer's schema by field name as Hudi's SpecificDatumReader does (so files from other Hudi versions
 * read too: missing fields take their defaults); without it, with the writer's schema.
 */
export function readAvroContainer(buf: Buffer, rt?: TimelineRecordType): AvroContainer {
  if (buf.length < 4 || !buf.subarray(0, 4).equals(MAGIC)) {
    throw new Error(buf.length === 0 ? 'not an Avro container file: empty' : 'not an Avro container file: bad magic');
  }
  const { value: header, offset } = HEADER_TYPE.decode(buf, 0) as { value: { meta: Record<string, Buffer>; sync: Buffer }; offset: number };
  if (offset < 0) throw new Error('Avro container file: truncated header');
  const schemaBytes = header.meta['avro.schema'];
  if (!schemaBytes) throw new Error('Avro container file: no avro.schema in the header');
  const schemaString = schemaBytes.toString('utf8');
  const codec = header.meta['avro.codec']?.toString('utf8') ?? 'null';
  if (codec !== 'null' && codec !== 'deflate') throw new Error(`Avro container file: unsupported codec ${codec}`);
  const writerType = Type.forSchema(JSON.parse(schemaString), { wrapUnions: false });
  let readerType = writerType;
  let resolver: ReturnType<Type['createResolver']> | undefined;
  if (rt) {
    readerType = rt.type;
    if (schemaString !== rt.schemaString) resolver = rt.type.createResolver(writerType);
  }
  const records: unknown[] = [];
  let pos = offset;
  while (pos < buf.length) {
    const count = LONG_TYPE.decode(buf, pos);
    const size = count.offset < 0 ? count : LONG_TYPE.decode(buf, count.offset);
    if (count.offset < 0 || size.offset < 0) throw new Error('Avro container file: truncated block header');
    const start = size.offset;
    const end = start + (size.value as number);
    if (end + 16 > buf.length) throw new Error('Avro container file: truncated block');
    if (!buf.subarray(end, end + 16).equals(header.sync)) throw new Error('Avro container file: sync marker mismatch');
    let data = buf.subarray(start, end);
    if (codec === 'deflate') data = inflateRawSync(data);
    let p = 0;
    for (let i = 0; i < (count.value as number); i++) {
      const r = readerType.decode(data, p, resolver);
      if (r.offset < 0) throw new Error('Avro container file: truncated record');
      records.push(r.value);
      p = r.offset;
    }
    pos = end + 16;
  }
  return { schemaString, codec, meta: header.meta, records };
}

export function readOne<T>(buf: Buffer, rt: TimelineRecordType): T {
  const c = readAvroContainer(buf, rt);
  if (c.records.length === 0) throw new Error(`Could not deserialize metadata of type ${rt.name}: no record`);
  return c.records[0] as T;
}

// ---------------------------------------------------------------------------------------------
// Records from our inputs, built as Hudi 0.15's executors build them

function absolute(basePath: string | undefined, p: string): string {
  if (basePath === undefined || basePath === '') return p;
  if (p.startsWith('/') || /^[A-Za-z][A-Za-z0-9+.-]*:/.test(p)) return p; // already absolute, or a URI
  return `${basePath.replace(/\/+$/, '')}/${p.replace(/^\/+/, '')}`;
}

/** FSUtils.getFileId / getCommitTime of a base file name `<fileId>_<writeToken>_<instant>.<ext>`. */
function baseFileParts(path: string): { fileId: string; instant: string } | undefined {
  const name = path.slice(path.lastIndexOf('/') + 1);
  const m = /^([^_]+)_([^_]+)_([^_.]+)\.[A-Za-z0-9]+$/.exec(name);
  return m ? { fileId: m[1]!, instant: m[3]! } : undefined;
}

export function buildRollbackPlan(p: RollbackPlanInput): HoodieRollbackPlan {
  const requests: HoodieRollbackRequest[] = [];
  for (const { partitionPath, files } of p.filesToDelete) {
    for (const f of files) {
      // One request per file, as MarkerBasedRollbackStrategy writes for CREATE/MERGE markers of base
      // files (fileId and base instant from the name); ListingBasedRollbackStrategy writes "" for both.
      const parts = baseFileParts(f);
      requests.push({
        partitionPath,
        fileId: parts?.fileId ?? '',
        latestBaseInstant: parts?.instant ?? '',
        filesToBeDeleted: [absolute(p.basePath, f)],
        logBlocksToBeDeleted: {},
      });
    }
  }
  return {
    instantToRollback: { commitTime: p.instantToRollback.commitTime, action: p.instantToRollback.action },
    RollbackRequests: requests,
    version: ROLLBACK_PLAN_VERSION,
  };
}

export function buildRollbackMetadata(m: RollbackMetadataInput): HoodieRollbackMetadata {
  const partitionMetadata: Record<string, HoodieRollbackPartitionMetadata> = {};
  let total = 0;
  for (const part of m.partitions) {
    // Hudi merges the stats of one partition (RollbackUtils.mergeRollbackStat) into one map entry.
    const entry = (partitionMetadata[part.partitionPath] ??= {
      partitionPath: part.partitionPath,
      successDeleteFiles: [],
      failedDeleteFiles: [],
      rollbackLogFiles: {},
      logFilesFromFailedCommit: {},
    });
    entry.successDeleteFiles.push(...part.successDeleteFiles.map((f) => absolute(m.basePath, f)));
    entry.failedDeleteFiles.push(...part.failedDeleteFiles.map((f) => absolute(m.basePath, f)));
    total += part.successDeleteFiles.length;
  }
  return {
    startRollbackTime: m.startRollbackTime,
    timeTakenInMillis: m.timeTakenInMillis,
    totalFilesDeleted: total,
    commitsRollback: [...m.commitsRollback],
    partitionMetadata,
    version: ROLLBACK_METADATA_VERSION,
    instantsRollback: m.instants.map((i) => ({ commitTime: i.commitTime, action: i.action })),
  };
}

export function buildCleanerPlan(p: CleanerPlanInput): HoodieCleanerPlan {
  const perPartition: Record<string, HoodieCleanFileInfo[]> = {};
  for (const { partitionPath, files } of p.filePathsToBeDeletedPerPartition) {
    if (files.length === 0) continue; // CleanPlanActionExecutor keeps only partitions with files
    (perPartition[partitionPath] ??= []).push(
      ...files.map((f) => ({ filePath: absolute(p.basePath, f.filePath), isBootstrapBaseFile: f.isBootstrapBaseFile })),
    );
  }
  const e = p.earliestInstantToRetain;
  return {
    earliestInstantToRetain: e ? { timestamp: e.timestamp, action: e.action, state: e.state } : null,
    lastCompletedCommitTimestamp: p.lastCompletedCommitTimestamp,
    policy: p.policy,
    filesToBeDeletedPerPartition: {}, // deprecated (version 1); Hudi 0.15 writes an empty map
    version: CLEAN_PLAN_VERSION,
    filePathsToBeDeletedPerPartition: perPartition,
    partitionsToBeDeleted: [...(p.partitionsToBeDeleted ?? [])],
    extraMetadata: { ...(p.extraMetadata ?? {}) },
  };
}

export function buildCleanMetadata(m: CleanMetadataInput): HoodieCleanMetadata {
  const partitionMetadata: Record<string, HoodieCleanPartitionMetadata> = {};
  for (const part of m.partitions) {
    partitionMetadata[part.partitionPath] = {
      partitionPath: part.partitionPath,
      policy: part.policy || m.policy,
      deletePathPatterns: [...part.deletePathPatterns],
      successDeleteFiles: [...part.successDeleteFiles],
      failedDeleteFiles: [...part.failedDeleteFiles],
      isPartitionDeleted: part.isPartitionDeleted,
    };
  }
  return {
    startCleanTime: m.startCleanTime,
    timeTakenInMillis: m.timeTakenInMillis,
    totalFilesDeleted: m.totalFilesDeleted,
    earliestCommitToRetain: m.earliestCommitToRetain,
    lastCompletedCommitTimestamp: m.lastCompletedCommitTimestamp,
    partitionMetadata,
    version: CLEAN_METADATA_VERSION,
    bootstrapPartitionMetadata: {},
    extraMetadata: { ...(m.extraMetadata ?? {}) },
  };
}

// ---------------------------------------------------------------------------------------------
// The fixed interface: bytes of the instant files

/** `<ts>.rollback.requested`. (`<ts>.rollback.inflight` is empty.) */
export function serializeRollbackPlan(p: RollbackPlanInput): Buffer {
  return writeAvroContainer(ROLLBACK_PLAN, [buildRollbackPlan(p)]);
}
/** `<ts>.rollback`. */
export function serializeRollbackMetadata(m: RollbackMetadataInput): Buffer {
  return writeAvroContainer(ROLLBACK_METADATA, [buildRollbackMetadata(m)]);
}
/** `<ts>.clean.requested`, and the same bytes for `<ts>.clean.inflight`. */
export function serializeCleanerPlan(p: CleanerPlanInput): Buffer {
  return writeAvroContainer(CLEANER_PLAN, [buildCleanerPlan(p)]);
}
/** `<ts>.clean`. */
export function serializeCleanMetadata(m: CleanMetadataInput): Buffer {
  return writeAvroContainer(CLEAN_METADATA, [buildCleanMetadata(m)]);
}

// Readers (ours, and those Hudi or other writers wrote)

export function deserializeRollbackPlan(buf: Buffer): HoodieRollbackPlan {
  return readOne(buf, ROLLBACK_PLAN);
}
export function deserializeRollbackMetadata(buf: Buffer): HoodieRollbackMetadata {
  return readOne(buf, ROLLBACK_METADATA);
}
/** Plans of version 1 (filesToBeDeletedPerPartition, file names) are returned as written, not upgraded. */
export function deserializeCleanerPlan(buf: Buffer): HoodieCleanerPlan {
  return readOne(buf, CLEANER_PLAN);
}
export function deserializeCleanMetadata(buf: Buffer): HoodieCleanMetadata {
  return readOne(buf, CLEAN_METADATA);
}
