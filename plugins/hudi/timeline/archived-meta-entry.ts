// HoodieArchivedMetaEntry: the record Hudi 0.15's HoodieTimelineArchiver writes, one per archived instant file, into
// Avro data blocks of the `.hoodie/archived/.commits_.archive.N_<token>` log files (the log container is not ours here).
// buildArchivedMetaEntry turns one active-timeline file into the record exactly as MetadataConversionUtils.createMetaWrapper does.
//
// createMetaWrapper (hudi-client-common 0.15.0) fills commitTime, actionState, stateTransitionTime, actionType and one
// payload per action and state; every other field stays null, `version` included (it uses the no-argument constructor,
// which sets no schema defaults). A completed instant file of zero bytes gets no payload (createMetaWrapperForEmptyInstant).

import type { HoodieCleanMetadata, HoodieCleanerPlan, HoodieRollbackMetadata, TimelineRecordType } from './timeline-avro';
import {
  CLEAN_METADATA,
  CLEANER_PLAN,
  HOODIE_CLEAN_METADATA_SCHEMA,
  HOODIE_CLEANER_PLAN_SCHEMA,
  HOODIE_ROLLBACK_METADATA_SCHEMA,
  NS,
  ROLLBACK_METADATA,
  encodeChecked,
  readOne,
  recordType,
  str,
  versionField,
  type AvroJson,
} from './timeline-avro';
import {
  HOODIE_COMMIT_METADATA_SCHEMA,
  HOODIE_COMPACTION_METADATA_SCHEMA,
  HOODIE_INDEX_COMMIT_METADATA_SCHEMA,
  HOODIE_REPLACE_COMMIT_METADATA_SCHEMA,
  HOODIE_REQUESTED_REPLACE_METADATA_SCHEMA,
  HOODIE_SAVEPOINT_METADATA_SCHEMA,
} from './archived-record-schemas';
import { nestSchema } from './avro-schema-nesting';
import { withJavaMapOrder } from './java-hash-map-order';
import { COMPACTION_PLAN, HOODIE_COMPACTION_PLAN_SCHEMA, type HoodieCompactionPlan } from './compaction-plan';
import { instantFileName } from './instant';

const opt = (name: string, type: AvroJson): AvroJson => ({ name, type: ['null', type], default: null });

export const HOODIE_ARCHIVED_META_ENTRY_SCHEMA: AvroJson = nestSchema({
  type: 'record',
  name: 'HoodieArchivedMetaEntry',
  namespace: NS,
  fields: [
    opt('hoodieCommitMetadata', HOODIE_COMMIT_METADATA_SCHEMA),
    opt('hoodieCleanMetadata', HOODIE_CLEAN_METADATA_SCHEMA),
    opt('hoodieCompactionMetadata', HOODIE_COMPACTION_METADATA_SCHEMA),
    opt('hoodieRollbackMetadata', HOODIE_ROLLBACK_METADATA_SCHEMA),
    opt('hoodieSavePointMetadata', HOODIE_SAVEPOINT_METADATA_SCHEMA),
    opt('commitTime', str()),
    opt('actionType', str()),
    versionField(),
    opt('hoodieCompactionPlan', HOODIE_COMPACTION_PLAN_SCHEMA),
    opt('hoodieCleanerPlan', HOODIE_CLEANER_PLAN_SCHEMA),
    opt('actionState', str()),
    opt('hoodieReplaceCommitMetadata', HOODIE_REPLACE_COMMIT_METADATA_SCHEMA),
    opt('hoodieRequestedReplaceMetadata', HOODIE_REQUESTED_REPLACE_METADATA_SCHEMA),
    opt('HoodieInflightReplaceMetadata', 'HoodieCommitMetadata'),
    opt('hoodieIndexCommitMetadata', HOODIE_INDEX_COMMIT_METADATA_SCHEMA),
    opt('stateTransitionTime', str()),
  ],
});

export const ARCHIVED_META_ENTRY: TimelineRecordType = recordType(HOODIE_ARCHIVED_META_ENTRY_SCHEMA);
/** The Avro form of commit metadata alone (its string equals Hudi's org.apache.hudi.avro.model.HoodieCommitMetadata). */
export const AVRO_COMMIT_METADATA: TimelineRecordType = recordType(HOODIE_COMMIT_METADATA_SCHEMA);

export interface AvroWriteStat {
  fileId: string | null;
  path: string | null;
  prevCommit: string | null;
  numWrites: number | null;
  numDeletes: number | null;
  numUpdateWrites: number | null;
  totalWriteBytes: number | null;
  totalWriteErrors: number | null;
  partitionPath: string | null;
  totalLogRecords: number | null;
  totalLogFiles: number | null;
  totalUpdatedRecordsCompacted: number | null;
  numInserts: number | null;
  totalLogBlocks: number | null;
  totalCorruptLogBlock: number | null;
  totalRollbackBlocks: number | null;
  fileSizeInBytes: number | null;
}
export interface AvroCommitMetadata {
  partitionToWriteStats: Record<string, AvroWriteStat[]> | null;
  extraMetadata: Record<string, string> | null;
  version: number | null;
  operationType: string | null;
}
export interface HoodieArchivedMetaEntry {
  hoodieCommitMetadata: AvroCommitMetadata | null;
  hoodieCleanMetadata: HoodieCleanMetadata | null;
  /** Never filled by Hudi 0.15 (compactions archive as commit metadata with operationType COMPACT). */
  hoodieCompactionMetadata: unknown;
  hoodieRollbackMetadata: HoodieRollbackMetadata | null;
  hoodieSavePointMetadata: unknown;
  commitTime: string | null;
  actionType: string | null;
  version: number | null;
  hoodieCompactionPlan: HoodieCompactionPlan | null;
  hoodieCleanerPlan: HoodieCleanerPlan | null;
  actionState: string | null;
  hoodieReplaceCommitMetadata: unknown;
  hoodieRequestedReplaceMetadata: unknown;
  HoodieInflightReplaceMetadata: AvroCommitMetadata | null;
  hoodieIndexCommitMetadata: unknown;
  stateTransitionTime: string | null;
}

export type ArchivedAction = 'commit' | 'deltacommit' | 'clean' | 'rollback' | 'compaction';
export type ArchivedState = 'REQUESTED' | 'INFLIGHT' | 'COMPLETED';

/** One file of the active timeline, as the archiver reads it. */
export interface ArchivedInstantInput {
  /** The instant time, e.g. 20240101000000000. */
  timestamp: string;
  /** The action in the file name (a completed compaction is a `commit`, and is archived as one). */
  action: ArchivedAction;
  state: ArchivedState;
  /** The file's bytes, as HoodieActiveTimeline.getInstantDetails returns them (may be empty). */
  content: Buffer;
  /**
   * HoodieInstant.getStateTransitionTime: the file's modification time as an instant string, i.e.
   * formatInstantTime(mtimeMs) for a UTC timeline (HoodieInstantTimeGenerator.formatDate in the timeline's time zone),
   * as Hudi sets it for instants listed from storage; null when unknown.
   */
  stateTransitionTime: string | null;
}

/** HoodieRollingStatMetadata.ROLLING_STAT_METADATA_KEY: convertCommitMetadata sets it to "" in every archived commit. */
export const ROLLING_STAT_METADATA_KEY = 'ROLLING_STAT';

const WRITE_STAT_LONGS = [
  'numWrites',
  'numDeletes',
  'numUpdateWrites',
  'totalWriteBytes',
  'totalWriteErrors',
  'totalLogRecords',
  'totalUpdatedRecordsCompacted',
  'numInserts',
  'totalLogBlocks',
  'totalCorruptLogBlock',
  'totalRollbackBlocks',
  'fileSizeInBytes',
] as const;

function jsonString(v: unknown, where: string): string | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string') throw new Error(`${where}: expected a string, got ${JSON.stringify(v)}`);
  return v;
}

function jsonLong(v: unknown, where: string): number {
  // The model's fields are Java primitives: absent or null read as 0.
  if (v === undefined || v === null) return 0;
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw new Error(`${where}: expected an integer, got ${JSON.stringify(v)}`);
  return v;
}

function convertWriteStat(s: Record<string, unknown>, at: string): AvroWriteStat {
  const long = (k: (typeof WRITE_STAT_LONGS)[number]): number => jsonLong(s[k], `${at}.${k}`);
  return {
    fileId: jsonString(s.fileId, `${at}.fileId`),
    path: jsonString(s.path, `${at}.path`),
    prevCommit: jsonString(s.prevCommit, `${at}.prevCommit`),
    numWrites: long('numWrites'),
    numDeletes: long('numDeletes'),
    numUpdateWrites: long('numUpdateWrites'),
    totalWriteBytes: long('totalWriteBytes'),
    totalWriteErrors: long('totalWriteErrors'),
    partitionPath: jsonString(s.partitionPath, `${at}.partitionPath`),
    totalLogRecords: long('totalLogRecords'),
    totalLogFiles: null,
    totalUpdatedRecordsCompacted: long('totalUpdatedRecordsCompacted'),
    numInserts: long('numInserts'),
    totalLogBlocks: long('totalLogBlocks'),
    totalCorruptLogBlock: long('totalCorruptLogBlock'),
    totalRollbackBlocks: long('totalRollbackBlocks'),
    fileSizeInBytes: long('fileSizeInBytes'),
  };
}

/**
 * MetadataConversionUtils.convertCommitMetadata of `HoodieCommitMetadata.fromBytes(content)`: Jackson maps the model's
 * getters onto the Avro class by name, so write stats keep the 16 fields both share (`totalLogFiles` has no model
 * getter of that name and stays null; the model's totalLogFilesCompacted, totalLogSizeCompacted, tempPath, event
 * times, runtime stats and delta-stat fields are dropped); `version` stays null; operationType is the model's
 * (UNKNOWN when absent), or COMPACT when `compacted`; extraMetadata gains ROLLING_STAT = "".
 */
export function convertCommitMetadata(content: Buffer | string, where = 'commit metadata'): AvroCommitMetadata {
  const text = typeof content === 'string' ? content : content.toString('utf8');
  let model: Record<string, unknown> = {};
  if (text.length > 0) {
    try {
      model = JSON.parse(text) as Record<string, unknown>;
    } catch (err) {
      throw new Error(`${where} is not valid JSON (Hudi's HoodieCommitMetadata.fromBytes would fail too): ${(err as Error).message}`);
    }
    if (model === null || typeof model !== 'object' || Array.isArray(model)) throw new Error(`${where} is not a JSON object`);
  }
  const stats = model.partitionToWriteStats === undefined ? {} : model.partitionToWriteStats;
  let partitionToWriteStats: Record<string, AvroWriteStat[]> | null = null;
  if (stats !== null) {
    if (typeof stats !== 'object' || Array.isArray(stats)) throw new Error(`${where}: partitionToWriteStats is not an object`);
    partitionToWriteStats = {};
    for (const [partition, list] of Object.entries(stats as Record<string, unknown>)) {
      if (!Array.isArray(list)) throw new Error(`${where}: partitionToWriteStats["${partition}"] is ${JSON.stringify(list)}, not a list`);
      partitionToWriteStats[partition] = list.map((raw, i) => convertWriteStat((raw ?? {}) as Record<string, unknown>, `${where}: partitionToWriteStats["${partition}"][${i}]`));
    }
  }
  const extra = model.extraMetadata === undefined ? {} : model.extraMetadata;
  if (extra === null || typeof extra !== 'object' || Array.isArray(extra)) {
    throw new Error(`${where}: extraMetadata is ${JSON.stringify(extra)}; Hudi's convertCommitMetadata fails on a missing map (it adds ROLLING_STAT)`);
  }
  const extraMetadata: Record<string, string> = {};
  for (const [k, v] of Object.entries(extra as Record<string, unknown>)) {
    const s = jsonString(v, `${where}: extraMetadata["${k}"]`);
    if (s === null) throw new Error(`${where}: extraMetadata["${k}"] is null; the archived entry's map holds strings only`);
    extraMetadata[k] = s;
  }
  extraMetadata[ROLLING_STAT_METADATA_KEY] = '';
  const compacted = model.compacted === true;
  const op = model.operationType === undefined ? 'UNKNOWN' : jsonString(model.operationType, `${where}: operationType`);
  return { partitionToWriteStats, extraMetadata, version: null, operationType: compacted ? 'COMPACT' : op };
}

function emptyEntry(i: ArchivedInstantInput, actionType: string): HoodieArchivedMetaEntry {
  return {
    hoodieCommitMetadata: null,
    hoodieCleanMetadata: null,
    hoodieCompactionMetadata: null,
    hoodieRollbackMetadata: null,
    hoodieSavePointMetadata: null,
    commitTime: i.timestamp,
    actionType,
    version: null,
    hoodieCompactionPlan: null,
    hoodieCleanerPlan: null,
    actionState: i.state,
    hoodieReplaceCommitMetadata: null,
    hoodieRequestedReplaceMetadata: null,
    HoodieInflightReplaceMetadata: null,
    hoodieIndexCommitMetadata: null,
    stateTransitionTime: i.stateTransitionTime,
  };
}

function avroPayload<T>(i: ArchivedInstantInput, rt: TimelineRecordType): T {
  try {
    // Hudi decodes the file into HashMaps before archiving it: its entry holds each map in that order.
    return withJavaMapOrder(rt.type, readOne<T>(i.content, rt));
  } catch (err) {
    // Hudi's archive() logs and skips such a file, or fails the archival (hoodie.archive.fail.on.error? see facts).
    throw new Error(`archiving ${instantFileName(i)}: cannot read its ${rt.name}: ${(err as Error).message}`);
  }
}

/** The record HoodieTimelineArchiver writes for one active-timeline file (MetadataConversionUtils.createMetaWrapper). */
export function buildArchivedMetaEntry(i: ArchivedInstantInput): HoodieArchivedMetaEntry {
  if (i.action === 'compaction' && i.state === 'COMPLETED') {
    throw new Error(`archiving ${i.timestamp}: a completed compaction is the file ${i.timestamp}.commit; archive it with action "commit"`);
  }
  const e = emptyEntry(i, i.action);
  // createMetaWrapperForEmptyInstant: "in local FS and HDFS, there could be empty completed instants due to crash".
  if (i.state === 'COMPLETED' && i.content.length === 0) return e;
  switch (i.action) {
    case 'clean':
      // CleanerUtils.getCleanerMetadata / getCleanerPlan upgrade to version 2; ours are version 2 already.
      if (i.state === 'COMPLETED') e.hoodieCleanMetadata = avroPayload<HoodieCleanMetadata>(i, CLEAN_METADATA);
      else e.hoodieCleanerPlan = avroPayload<HoodieCleanerPlan>(i, CLEANER_PLAN);
      break;
    case 'commit':
    case 'deltacommit':
      // Every state: requested and inflight files are parsed as commit metadata too (empty → an empty model).
      e.hoodieCommitMetadata = convertCommitMetadata(i.content, instantFileName(i));
      break;
    case 'rollback':
      if (i.state === 'COMPLETED') e.hoodieRollbackMetadata = avroPayload<HoodieRollbackMetadata>(i, ROLLBACK_METADATA);
      break;
    case 'compaction':
      if (i.state === 'REQUESTED') e.hoodieCompactionPlan = avroPayload<HoodieCompactionPlan>(i, COMPACTION_PLAN);
      break;
    default:
      throw new Error(`archiving ${i.timestamp}: action ${String(i.action)} is not one we archive (commit, deltacommit, clean, rollback, compaction)`);
  }
  return e;
}

/** Avro binary of one entry, as a HoodieAvroDataBlock holds each record (SpecificDatumWriter, no framing). */
export function encodeArchivedMetaEntry(entry: HoodieArchivedMetaEntry): Buffer {
  return encodeChecked(ARCHIVED_META_ENTRY, entry);
}

/** One entry from its Avro binary written with this schema (Hudi 0.15's; other writer schemas need resolving first). */
export function decodeArchivedMetaEntry(buf: Buffer): HoodieArchivedMetaEntry {
  const { value, offset } = ARCHIVED_META_ENTRY.type.decode(buf, 0) as { value: HoodieArchivedMetaEntry; offset: number };
  if (offset !== buf.length) throw new Error(`HoodieArchivedMetaEntry: ${offset < 0 ? 'truncated record' : `${buf.length - offset} bytes after the record`}`);
  return value;
}
