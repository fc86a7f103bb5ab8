// Compaction plans in Hudi 0.15's Avro format. The fixture java-20240104050607000.compaction.requested was written by
// the real Hudi 0.15.0 classes (CheckTimelineAvro write: HoodieCompactionPlanGenerator's steps over two file slices);
// Hudi reading what we write is proven by test/fixtures/hudi/avro-check/check.sh, which needs a JDK and Maven.

import * as fs from 'node:fs';
import * as path from 'node:path';
import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import {
  COMPACTION_PLAN,
  buildCompactionPlan,
  compactionOperationMetrics,
  deserializeCompactionPlan,
  serializeCompactionPlan,
  type CompactionPlanInput,
} from '../../../../../plugins/hudi/timeline/compaction-plan';
import { readAvroContainer, writeAvroContainer } from '../../../../../plugins/hudi/timeline/timeline-avro';
import { parseLogFileName } from '../../../../../plugins/hudi/log/log-file-name';

const FIXTURES = path.resolve(__dirname, '../../../../fixtures/hudi/avro-check');
const fixture = (name: string): Buffer => fs.readFileSync(path.join(FIXTURES, name));
const hudiSchemas = JSON.parse(fixture('hudi-schemas.json').toString('utf8')) as Record<string, string>;
const javaExpected = JSON.parse(fixture('java-expected.json').toString('utf8')) as { records: Record<string, unknown> };
const plain = (v: unknown): unknown => JSON.parse(JSON.stringify(v));

// The slices CheckTimelineAvro.compactionSlices() plans.
const BASE = 'file:/tmp/tributary-avro-check/orders';
const COMPACTION = '20240104050607000';
const FG1 = '6f7a6a0e-7b5e-4b8e-9f43-0b0f4b1c2d3e-0';
const FG2 = '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d-0';
const B1 = '20240104000000000';
const B2 = '20240104010000000';
const base1 = `${FG1}_0-1-2_${B1}.parquet`;
const log11 = `.${FG1}_${B1}.log.1_0-1-2`;
const log12 = `.${FG1}_${B1}.log.2_0-3-4`;
const log21 = `.${FG2}_${B2}.log.1_1-2-3`;
const MAX_PARQUET = 125829120;

const input: CompactionPlanInput = {
  operations: [
    {
      partitionPath: 'region=eu',
      baseFile: `region=eu/${base1}`,
      logFiles: [`${BASE}/region=eu/${log12}`, `region=eu/${log11}`],
      metrics: compactionOperationMetrics({ baseFileSize: 3 * 1024 * 1024 + 17, logFileSizes: [900000, 1234567], maxBaseFileSize: MAX_PARQUET }),
    },
    { partitionPath: 'region=us', logFiles: [log21], metrics: compactionOperationMetrics({ logFileSizes: [4321], maxBaseFileSize: MAX_PARQUET }) },
  ],
};

describe('compaction plan', () => {
  it('the schema string is Hudi 0.15.0\'s HoodieCompactionPlan.getClassSchema()', () => {
    expect(COMPACTION_PLAN.schemaString).toBe(hudiSchemas.HoodieCompactionPlan);
    // 0.15 has neither missingSchedulePartitions nor externalDataFilePath (1.x names); bootstrapFilePath it has.
    expect(COMPACTION_PLAN.schemaString).not.toMatch(/missingSchedulePartitions|externalDataFilePath/);
  });

  it('stores bare file names, logs sorted by version, fileId and base instant from the base file; version 2, no strategy', () => {
    const plan = buildCompactionPlan(input);
    expect(plan.version).toBe(2);
    expect(plan.strategy).toBeNull();
    expect(plan.preserveHoodieMetadata).toBe(false);
    expect(plan.extraMetadata).toBeNull();
    expect(plan.operations![0]).toMatchObject({ baseInstantTime: B1, fileId: FG1, partitionPath: 'region=eu', dataFilePath: base1, deltaFilePaths: [log11, log12], bootstrapFilePath: null });
    // A slice of logs only: fileId and base instant from its first log file, no data file.
    expect(plan.operations![1]).toMatchObject({ baseInstantTime: B2, fileId: FG2, partitionPath: 'region=us', dataFilePath: null, deltaFilePaths: [log21] });
  });

  it('equals, decoded, the plan Hudi 0.15 wrote for the same slices', () => {
    const name = `java-${COMPACTION}.compaction.requested`;
    expect(plain(deserializeCompactionPlan(fixture(name)))).toEqual(javaExpected.records[name]);
    expect(plain(deserializeCompactionPlan(serializeCompactionPlan(input)))).toEqual(javaExpected.records[name]);
  });

  it('writes Hudi\'s container: its header schema, one record, null codec', () => {
    const c = readAvroContainer(serializeCompactionPlan(input));
    expect(c.schemaString).toBe(hudiSchemas.HoodieCompactionPlan);
    expect(c.codec).toBe('null');
    expect(c.records).toHaveLength(1);
  });

  it('metrics as FileSliceMetricUtils computes them: whole MiB, the max base file size when there is no base file', () => {
    expect(compactionOperationMetrics({ baseFileSize: 3 * 1024 * 1024 + 17, logFileSizes: [900000, 1234567], maxBaseFileSize: MAX_PARQUET })).toEqual({
      TOTAL_IO_READ_MB: 5,
      TOTAL_IO_WRITE_MB: 3,
      TOTAL_IO_MB: 8,
      TOTAL_LOG_FILES_SIZE: 2134567,
      TOTAL_LOG_FILES: 2,
    });
    expect(compactionOperationMetrics({ logFileSizes: [4321, -1], maxBaseFileSize: MAX_PARQUET })).toEqual({
      TOTAL_IO_READ_MB: 0,
      TOTAL_IO_WRITE_MB: 120,
      TOTAL_IO_MB: 120,
      TOTAL_LOG_FILES_SIZE: 4321, // unknown sizes (-1) are left out of the sum, as Hudi filters them
      TOTAL_LOG_FILES: 2,
    });
  });

  it('extraMetadata is written only when given; a non-partitioned slice has partition ""', () => {
    const plan = deserializeCompactionPlan(serializeCompactionPlan({ operations: [{ partitionPath: '', logFiles: [log21], metrics: { TOTAL_LOG_FILES_SIZE: 1 } }], extraMetadata: { k: 'v' } }));
    expect(plan.extraMetadata).toEqual({ k: 'v' });
    expect(plan.operations![0]!.partitionPath).toBe('');
  });

  it('parses log file names the way FSUtils does', () => {
    expect(parseLogFileName(log12)).toMatchObject({ fileId: FG1, baseInstant: B1, version: 2, writeToken: '0-3-4' });
    expect(parseLogFileName(base1)).toBeUndefined();
  });

  it('rejects slices Hudi could not execute, naming the file or slice', () => {
    const ok = input.operations[0]!;
    expect(() => buildCompactionPlan({ operations: [{ ...ok, logFiles: [] }] })).toThrow(/has no log files/);
    expect(() => buildCompactionPlan({ operations: [{ ...ok, logFiles: [log21] }] })).toThrow(new RegExp(`${log21.replace(/\./g, '\\.')} belongs to file group ${FG2}`));
    expect(() => buildCompactionPlan({ operations: [{ ...ok, baseFile: 'not-a-base-file.parquet' }] })).toThrow(/not-a-base-file\.parquet is not a base file name/);
    expect(() => buildCompactionPlan({ operations: [{ ...ok, logFiles: ['region=eu/x.log'] }] })).toThrow(/x\.log is not a log file name/);
    expect(() => buildCompactionPlan({ operations: [{ ...ok, logFiles: [`region=us/${log11}`] }] })).toThrow(/is not in partition "region=eu"/);
    expect(() => buildCompactionPlan({ operations: [{ ...ok, metrics: {} }] })).toThrow(/no TOTAL_LOG_FILES_SIZE metric/);
    expect(() => buildCompactionPlan({ operations: [ok, ok] })).toThrow(/appears twice/);
  });

  it('reads a plan of another writer schema by field name (a 0.x plan without strategy/preserveHoodieMetadata)', () => {
    const older = {
      type: 'record',
      name: 'HoodieCompactionPlan',
      namespace: 'org.apache.hudi.avro.model',
      fields: [
        { name: 'operations', type: ['null', { type: 'array', items: { type: 'record', name: 'HoodieCompactionOperation', fields: [{ name: 'baseInstantTime', type: ['null', 'string'] }, { name: 'deltaFilePaths', type: ['null', { type: 'array', items: 'string' }], default: null }, { name: 'dataFilePath', type: ['null', 'string'], default: null }, { name: 'fileId', type: ['null', 'string'] }, { name: 'partitionPath', type: ['null', 'string'], default: null }, { name: 'metrics', type: ['null', { type: 'map', values: 'double' }], default: null }] } }], default: null },
        { name: 'extraMetadata', type: ['null', { type: 'map', values: 'string' }], default: null },
        { name: 'version', type: ['int', 'null'], default: 1 },
      ],
    };
    const type = avro.Type.forSchema(older as never, { wrapUnions: false });
    const bytes = writeAvroContainer({ ...COMPACTION_PLAN, schemaString: JSON.stringify(older), type }, [{ operations: [{ baseInstantTime: B1, deltaFilePaths: [log11], dataFilePath: null, fileId: FG1, partitionPath: 'p', metrics: null }], extraMetadata: null, version: 2 }]);
    const plan = deserializeCompactionPlan(bytes);
    expect(plan.strategy).toBeNull();
    expect(plan.preserveHoodieMetadata).toBe(false);
    expect(plan.operations![0]!.bootstrapFilePath).toBeNull();
    expect(plan.operations![0]!.deltaFilePaths).toEqual([log11]);
  });
});
