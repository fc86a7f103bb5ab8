// The Avro record types a HoodieArchivedMetaEntry carries besides the rollback, clean and compaction ones, as Hudi
// 0.15.0 declares them (hudi-common/src/main/avro/*.avsc; strings equal to the generated classes' getClassSchema()).
// Only the commit metadata is filled by our archiver; the others are declared because the entry's schema holds them.

import { NS, str, strArray, versionField, type AvroJson } from './timeline-avro';

const optStr = (): AvroJson => ['null', str()];
const optLong = (): AvroJson => ['null', 'long'];
const strMap = (): AvroJson => ({ type: 'map', values: str(), 'avro.java.string': 'String' });
const optField = (name: string, type: AvroJson): AvroJson => ({ name, type, default: null });

const writeStat = (): AvroJson => ({
  type: 'record',
  name: 'HoodieWriteStat',
  fields: [
    optField('fileId', optStr()),
    optField('path', optStr()),
    optField('prevCommit', optStr()),
    optField('numWrites', optLong()),
    optField('numDeletes', optLong()),
    optField('numUpdateWrites', optLong()),
    optField('totalWriteBytes', optLong()),
    optField('totalWriteErrors', optLong()),
    optField('partitionPath', optStr()),
    optField('totalLogRecords', optLong()),
    optField('totalLogFiles', optLong()),
    optField('totalUpdatedRecordsCompacted', optLong()),
    optField('numInserts', optLong()),
    optField('totalLogBlocks', optLong()),
    optField('totalCorruptLogBlock', optLong()),
    optField('totalRollbackBlocks', optLong()),
    optField('fileSizeInBytes', optLong()),
  ],
});
const partitionToWriteStats = (): AvroJson =>
  optField('partitionToWriteStats', ['null', { type: 'map', values: { type: 'array', items: writeStat() }, 'avro.java.string': 'String' }]);

/** The Avro form of HoodieCommitMetadata (the JSON `.commit`/`.deltacommit` converted for the archive). */
export const HOODIE_COMMIT_METADATA_SCHEMA: AvroJson = {
  type: 'record',
  name: 'HoodieCommitMetadata',
  namespace: NS,
  fields: [
    partitionToWriteStats(),
    optField('extraMetadata', ['null', { type: 'map', values: str(), 'avro.java.string': 'String', default: null }]),
    versionField(),
    optField('operationType', optStr()),
  ],
};

export const HOODIE_COMPACTION_METADATA_SCHEMA: AvroJson = {
  type: 'record',
  name: 'HoodieCompactionMetadata',
  namespace: NS,
  fields: [
    {
      name: 'partitionToCompactionWriteStats',
      type: [
        'null',
        {
          type: 'map',
          values: {
            type: 'array',
            items: {
              type: 'record',
              name: 'HoodieCompactionWriteStat',
              fields: [
                optField('partitionPath', optStr()),
                optField('totalLogRecords', optLong()),
                optField('totalLogFiles', optLong()),
                optField('totalUpdatedRecordsCompacted', optLong()),
                optField('hoodieWriteStat', ['null', writeStat()]),
              ],
            },
          },
          'avro.java.string': 'String',
        },
      ],
    },
  ],
};

export const HOODIE_SAVEPOINT_METADATA_SCHEMA: AvroJson = {
  type: 'record',
  name: 'HoodieSavepointMetadata',
  namespace: NS,
  fields: [
    { name: 'savepointedBy', type: str() },
    { name: 'savepointedAt', type: 'long' },
    { name: 'comments', type: str() },
    {
      name: 'partitionMetadata',
      type: {
        type: 'map',
        values: {
          type: 'record',
          name: 'HoodieSavepointPartitionMetadata',
          fields: [
            { name: 'partitionPath', type: str() },
            { name: 'savepointDataFile', type: strArray() },
          ],
        },
        'avro.java.string': 'String',
      },
    },
    versionField(),
  ],
};

export const HOODIE_REPLACE_COMMIT_METADATA_SCHEMA: AvroJson = {
  type: 'record',
  name: 'HoodieReplaceCommitMetadata',
  namespace: NS,
  fields: [
    partitionToWriteStats(),
    optField('extraMetadata', ['null', strMap()]),
    versionField(),
    optField('operationType', optStr()),
    optField('partitionToReplaceFileIds', ['null', { type: 'map', values: strArray(), 'avro.java.string': 'String' }]),
  ],
};

export const HOODIE_REQUESTED_REPLACE_METADATA_SCHEMA: AvroJson = {
  type: 'record',
  name: 'HoodieRequestedReplaceMetadata',
  namespace: NS,
  fields: [
    optField('operationType', optStr()),
    optField('clusteringPlan', [
      'null',
      {
        type: 'record',
        name: 'HoodieClusteringPlan',
        fields: [
          optField('inputGroups', [
            'null',
            {
              type: 'array',
              items: {
                type: 'record',
                name: 'HoodieClusteringGroup',
                fields: [
                  optField('slices', [
                    'null',
                    {
                      type: 'array',
                      items: {
                        type: 'record',
                        name: 'HoodieSliceInfo',
                        fields: [
                          optField('dataFilePath', optStr()),
                          optField('deltaFilePaths', ['null', strArray()]),
                          { name: 'fileId', type: optStr() },
                          optField('partitionPath', optStr()),
                          optField('bootstrapFilePath', optStr()),
                          versionField(),
                        ],
                      },
                    },
                  ]),
                  optField('metrics', ['null', { type: 'map', values: 'double', 'avro.java.string': 'String' }]),
                  { name: 'numOutputFileGroups', type: ['int', 'null'], default: 1 },
                  optField('extraMetadata', ['null', strMap()]),
                  versionField(),
                ],
              },
            },
          ]),
          optField('strategy', [
            'null',
            {
              type: 'record',
              name: 'HoodieClusteringStrategy',
              fields: [optField('strategyClassName', optStr()), optField('strategyParams', ['null', strMap()]), versionField()],
            },
          ]),
          optField('extraMetadata', ['null', strMap()]),
          versionField(),
          optField('preserveHoodieMetadata', ['null', 'boolean']),
        ],
      },
    ]),
    optField('extraMetadata', ['null', strMap()]),
    versionField(),
  ],
};

const REPLACES_DOC = 'This field replaces the field filesToBeDeletedPerPartition'; // sic: Hudi's doc string, copied into the index schema

export const HOODIE_INDEX_COMMIT_METADATA_SCHEMA: AvroJson = {
  type: 'record',
  name: 'HoodieIndexCommitMetadata',
  namespace: NS,
  fields: [
    { name: 'version', type: ['int', 'null'], doc: REPLACES_DOC, default: 1 },
    { name: 'operationType', type: optStr(), doc: REPLACES_DOC, default: null },
    {
      name: 'indexPartitionInfos',
      type: [
        'null',
        {
          type: 'array',
          items: {
            type: 'record',
            name: 'HoodieIndexPartitionInfo',
            fields: [versionField(), optField('metadataPartitionPath', optStr()), optField('indexUptoInstant', optStr())],
          },
        },
      ],
      doc: 'This field contains the info for each partition that got indexed',
      default: null,
    },
  ],
};
