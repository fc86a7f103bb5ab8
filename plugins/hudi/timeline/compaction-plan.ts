// HoodieCompactionPlan, the content of `<ts>.compaction.requested`, as Hudi 0.15.0 declares and writes it: an Avro
// container file (TimelineMetadataUtils.serializeCompactionPlan) with one plan of version 2, whose operations name
// each file slice to compact by bare file names (CompactionUtils.buildHoodieCompactionOperation); see compaction facts.
//
// Hudi 0.15 builds a plan as CompactionStrategy.generateCompactionPlan does: operations, version 2 (CompactionUtils.
// LATEST_COMPACTION_METADATA_VERSION); extraMetadata only when the scheduler is given some; strategy null and
// preserveHoodieMetadata false (the builder's defaults; only log compaction plans set it true). An operation's fileId
// and baseInstantTime come from the base file name, or from the first log file of a log-only slice (CompactionOperation).

import { parseLogFileName } from '../log/log-file-name';
import { inJavaHashMapOrder } from './java-hash-map-order';
import { NS, readOne, recordType, str, strArray, versionField, writeAvroContainer, type AvroJson, type TimelineRecordType } from './timeline-avro';

/** CompactionUtils.LATEST_COMPACTION_METADATA_VERSION (CompactionV2MigrationHandler.VERSION): file names, not paths. */
export const COMPACTION_PLAN_VERSION = 2;

const optStr = (): AvroJson => ['null', str()];
const strMap = (): AvroJson => ({ type: 'map', values: str(), 'avro.java.string': 'String' });

export const HOODIE_COMPACTION_PLAN_SCHEMA: AvroJson = {
  type: 'record',
  name: 'HoodieCompactionPlan',
  namespace: NS,
  fields: [
    {
      name: 'operations',
      type: [
        'null',
        {
          type: 'array',
          items: {
            type: 'record',
            name: 'HoodieCompactionOperation',
            fields: [
              { name: 'baseInstantTime', type: optStr() },
              { name: 'deltaFilePaths', type: ['null', strArray()], default: null },
              { name: 'dataFilePath', type: optStr(), default: null },
              { name: 'fileId', type: optStr() },
              { name: 'partitionPath', type: optStr(), default: null },
              { name: 'metrics', type: ['null', { type: 'map', values: 'double', 'avro.java.string': 'String' }], default: null },
              { name: 'bootstrapFilePath', type: optStr(), default: null },
            ],
          },
        },
      ],
      default: null,
    },
    { name: 'extraMetadata', type: ['null', strMap()], default: null },
    versionField(),
    {
      name: 'strategy',
      type: [
        'null',
        {
          type: 'record',
          name: 'HoodieCompactionStrategy',
          fields: [
            {
              name: 'compactorClassName',
              type: optStr(),
              doc: 'The class name that is provided here should extend CompactionExecutionStrategy abstract class, idea is that the plan generator will also provide the execution strategy to use.',
              default: null,
            },
            {
              name: 'strategyParams',
              type: ['null', strMap()],
              doc: 'These parameters play a key role in determining which action type it is i.e. compaction or logcompaction and it will also include configs that determine how compaction needs to be executed.',
              default: null,
            },
            versionField(),
          ],
        },
      ],
      default: null,
    },
    { name: 'preserveHoodieMetadata', type: ['boolean', 'null'], default: false },
  ],
};

export const COMPACTION_PLAN: TimelineRecordType = recordType(HOODIE_COMPACTION_PLAN_SCHEMA);

export interface HoodieCompactionOperation {
  baseInstantTime: string | null;
  deltaFilePaths: string[] | null;
  dataFilePath: string | null;
  fileId: string | null;
  partitionPath: string | null;
  metrics: Record<string, number> | null;
  bootstrapFilePath: string | null;
}
export interface HoodieCompactionStrategy {
  compactorClassName: string | null;
  strategyParams: Record<string, string> | null;
  version: number | null;
}
export interface HoodieCompactionPlan {
  operations: HoodieCompactionOperation[] | null;
  extraMetadata: Record<string, string> | null;
  version: number | null;
  strategy: HoodieCompactionStrategy | null;
  preserveHoodieMetadata: boolean | null;
}

/** One file slice to compact. File names may be given bare, relative to the base path, or absolute. */
export interface CompactionOperationInput {
  partitionPath: string;
  /** The slice's base file `<fileId>_<writeToken>_<instant>.<ext>`; absent for a slice of log files only. */
  baseFile?: string;
  /** The slice's log files `.<fileId>_<baseInstant>.log.<version>_<writeToken>`, at least one. */
  logFiles: string[];
  /**
   * The strategy's metrics (compactionOperationMetrics computes the ones Hudi's strategies capture). Hudi's executor
   * needs TOTAL_LOG_FILES_SIZE: HoodieCompactor.compact sets the write stat's totalLogSizeCompacted from
   * `operation.getMetrics().get(TOTAL_LOG_FILE_SIZE).longValue()` and fails without it.
   */
  metrics: Record<string, number>;
}

export interface CompactionPlanInput {
  operations: CompactionOperationInput[];
  /**
   * Written only when given: ScheduleCompactionActionExecutor sets the scheduler's extraMetadata if it has some, else the
   * plan keeps null. Spark's write client passes an empty map when it schedules inline (its plans hold `{}`).
   */
  extraMetadata?: Record<string, string>;
}

/** CompactionStrategy.TOTAL_LOG_FILE_SIZE: the one metric Hudi's compactor requires. */
export const TOTAL_LOG_FILES_SIZE = 'TOTAL_LOG_FILES_SIZE';

const BASE_FILE = /^([^_]+)_([^_]+)_([^_.]+)\.[A-Za-z0-9]+$/;

const fileName = (p: string): string => p.slice(p.lastIndexOf('/') + 1);

function checkInPartition(partitionPath: string, path: string): void {
  const dir = path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : undefined;
  if (dir === undefined || partitionPath === '') return;
  if (dir !== partitionPath && !dir.endsWith(`/${partitionPath}`)) {
    throw new Error(`compaction plan: file ${path} is not in partition "${partitionPath}"; give the slice's own files`);
  }
}

export function buildCompactionOperation(op: CompactionOperationInput): HoodieCompactionOperation {
  if (op.logFiles.length === 0) {
    throw new Error(`compaction plan: the slice in partition "${op.partitionPath}" (base file ${op.baseFile ?? 'none'}) has no log files; Hudi plans only slices with logs`);
  }
  const logs = op.logFiles.map((p) => {
    checkInPartition(op.partitionPath, p);
    const parsed = parseLogFileName(fileName(p));
    if (!parsed) throw new Error(`compaction plan: ${p} is not a log file name (.<fileId>_<baseInstant>.log.<version>_<writeToken>)`);
    return { name: fileName(p), ...parsed };
  });
  let fileId: string;
  let baseInstantTime: string;
  let dataFilePath: string | null = null;
  if (op.baseFile !== undefined) {
    checkInPartition(op.partitionPath, op.baseFile);
    const m = BASE_FILE.exec(fileName(op.baseFile));
    if (!m) throw new Error(`compaction plan: ${op.baseFile} is not a base file name (<fileId>_<writeToken>_<instant>.<ext>)`);
    fileId = m[1]!;
    baseInstantTime = m[3]!;
    dataFilePath = fileName(op.baseFile);
  } else {
    fileId = logs[0]!.fileId;
    baseInstantTime = logs[0]!.baseInstant;
  }
  for (const l of logs) {
    if (l.fileId !== fileId || l.baseInstant !== baseInstantTime) {
      throw new Error(`compaction plan: log file ${l.name} belongs to file group ${l.fileId} at base instant ${l.baseInstant}, not to the slice ${fileId} at ${baseInstantTime}`);
    }
  }
  if (typeof op.metrics?.[TOTAL_LOG_FILES_SIZE] !== 'number') {
    throw new Error(`compaction plan: the slice ${fileId} in partition "${op.partitionPath}" has no ${TOTAL_LOG_FILES_SIZE} metric; Hudi's compactor reads it (use compactionOperationMetrics)`);
  }
  // BaseHoodieCompactionPlanGenerator sorts the slice's logs with HoodieLogFile.getLogFileComparator (version, then token).
  logs.sort((a, b) => a.version - b.version || (a.writeToken < b.writeToken ? -1 : a.writeToken > b.writeToken ? 1 : 0));
  return {
    baseInstantTime,
    deltaFilePaths: logs.map((l) => l.name),
    dataFilePath,
    fileId,
    partitionPath: op.partitionPath,
    metrics: inJavaHashMapOrder(op.metrics),
    bootstrapFilePath: null,
  };
}

export function buildCompactionPlan(p: CompactionPlanInput): HoodieCompactionPlan {
  const seen = new Set<string>();
  const operations = p.operations.map((op) => {
    const built = buildCompactionOperation(op);
    const key = `${built.partitionPath}/${built.fileId}`;
    // BaseHoodieCompactionPlanGenerator: "FileId MUST NOT have multiple pending compactions".
    if (seen.has(key)) throw new Error(`compaction plan: file group ${built.fileId} in partition "${built.partitionPath}" appears twice; plan one slice per file group`);
    seen.add(key);
    return built;
  });
  return {
    operations,
    extraMetadata: p.extraMetadata ? inJavaHashMapOrder(p.extraMetadata) : null,
    version: COMPACTION_PLAN_VERSION,
    strategy: null,
    preserveHoodieMetadata: false,
  };
}

/**
 * `<ts>.compaction.requested`. (`<ts>.compaction.inflight` is empty: HoodieActiveTimeline.transitionCompactionRequestedToInflight
 * passes Option.empty(); readers take the plan from the requested file whatever the state.)
 */
export function serializeCompactionPlan(p: CompactionPlanInput): Buffer {
  return writeAvroContainer(COMPACTION_PLAN, [buildCompactionPlan(p)]);
}

/** Reads a plan from any Hudi 0.x writer (fields resolved by name); a version 1 plan (paths, not names) is returned as written. */
export function deserializeCompactionPlan(buf: Buffer): HoodieCompactionPlan {
  return readOne(buf, COMPACTION_PLAN);
}

/**
 * The metrics Hudi 0.15's strategies capture per slice (CompactionStrategy.captureMetrics →
 * FileSliceMetricUtils.addFileSliceCommonMetrics): sizes in whole MiB (FSUtils.getSizeInMB), the write estimate
 * being the base file's size or, without one, hoodie.parquet.max.file.size.
 */
export function compactionOperationMetrics(s: { baseFileSize?: number; logFileSizes: number[]; maxBaseFileSize: number }): Record<string, number> {
  const mb = (bytes: number): number => Math.floor(bytes / (1024 * 1024));
  const logSize = s.logFileSizes.filter((n) => n >= 0).reduce((a, b) => a + b, 0);
  const base = s.baseFileSize ?? 0;
  const read = mb(base + logSize);
  const write = mb(base > 0 ? base : s.maxBaseFileSize);
  return {
    TOTAL_IO_READ_MB: read,
    TOTAL_IO_WRITE_MB: write,
    TOTAL_IO_MB: read + write,
    [TOTAL_LOG_FILES_SIZE]: logSize,
    TOTAL_LOG_FILES: s.logFileSizes.length,
  };
}
