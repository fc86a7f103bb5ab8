// The table settings of the lost-update report (issue 11): generated orders keyed by orderId, ordered by
// version, partitioned by their status (so keys move between partitions), GLOBAL_BLOOM, and base files
// small enough that each partition holds many file groups. Shared by the tests that replay the report.

export const REPORT_TABLE_KEYS: Readonly<Record<string, string>> = {
  'hoodie.datasource.write.recordkey.field': 'orderId',
  'hoodie.datasource.write.precombine.field': 'version',
  'hoodie.datasource.write.partitionpath.field': 'orderStatus',
  'hoodie.index.type': 'GLOBAL_BLOOM',
  'hoodie.parquet.max.file.size': '262144',
  'hoodie.parquet.small.file.limit': '131072',
};
