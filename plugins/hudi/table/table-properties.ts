// .hoodie/hoodie.properties: the table's identity and layout, written once at creation (Java
// properties, as Hudi writes them) and checked at every open: a table whose type, version or key
// fields differ from the connector's config is refused rather than written with other semantics.

import { ConfigError } from '../../../runtime/spi';
import type { Storage } from '../storage/storage';
import { METAFOLDER } from '../timeline/timeline';

export const PROPERTIES_FILE = `${METAFOLDER}/hoodie.properties`;

/** hoodie.table.type: how updates are stored (rewritten base files, or log files merged on read). */
export type TableType = 'COPY_ON_WRITE' | 'MERGE_ON_READ';

export interface TableIdentity {
  tableName: string;
  tableType: TableType;
  databaseName: string;
  recordKeyFields: string[];
  precombineField: string | undefined;
  partitionFields: string[];
  keyGeneratorClass: string;
  hiveStylePartitioning: boolean;
  urlEncodePartitioning: boolean;
}

/** CRC32 (IEEE) of UTF-8 bytes, as java.util.zip.CRC32. */
export function crc32(data: Buffer): number {
  let crc = ~0;
  for (let i = 0; i < data.length; i++) {
    crc ^= data[i]!;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  return ~crc >>> 0;
}

/** hoodie.table.checksum: CRC32 of "<database or ''>.<table name>". */
export function tableChecksum(databaseName: string, tableName: string): string {
  return String(crc32(Buffer.from(`${databaseName}.${tableName}`, 'utf8')));
}

/** The payload class whose merge rule this writer applies: against stored rows too, the greater precombine value
 *  wins (ties to the later write). */
export const DEFAULT_PAYLOAD = 'org.apache.hudi.common.model.DefaultHoodieRecordPayload';

export function renderTableProperties(id: TableIdentity, createdAt: Date): string {
  const props: [string, string][] = [
    ['hoodie.table.name', id.tableName],
    ['hoodie.database.name', id.databaseName],
    ['hoodie.table.type', id.tableType],
    ['hoodie.table.version', '6'],
    ['hoodie.timeline.layout.version', '1'],
    ['hoodie.table.base.file.format', 'PARQUET'],
    // A keyless table has no record key fields and, as Spark writes it, no such line.
    ...(id.recordKeyFields.length > 0 ? ([['hoodie.table.recordkey.fields', id.recordKeyFields.join(',')]] as [string, string][]) : []),
    ...(id.precombineField ? ([['hoodie.table.precombine.field', id.precombineField]] as [string, string][]) : []),
    ['hoodie.table.partition.fields', id.partitionFields.join(',')],
    ['hoodie.table.keygenerator.class', id.keyGeneratorClass],
    ['hoodie.datasource.write.hive_style_partitioning', String(id.hiveStylePartitioning)],
    ['hoodie.datasource.write.partitionpath.urlencode', String(id.urlEncodePartitioning)],
    ['hoodie.datasource.write.drop.partition.columns', 'false'],
    ['hoodie.populate.meta.fields', 'true'],
    ['hoodie.table.timeline.timezone', 'UTC'],
    ['hoodie.table.metadata.partitions', ''],
    ['hoodie.archivelog.folder', 'archived'],
    ['hoodie.compaction.payload.class', DEFAULT_PAYLOAD],
    ['hoodie.table.checksum', tableChecksum(id.databaseName, id.tableName)],
  ];
  const escape = (s: string) => s.replace(/\\/g, '\\\\').replace(/:/g, '\\:').replace(/=/g, '\\=').replace(/\n/g, '\\n');
  return `#Properties saved on ${createdAt.toUTCString()}\n#Updated at ${createdAt.toISOString()}\n` + props.map(([k, v]) => `${k}=${escape(v)}`).join('\n') + '\n';
}

export function parseTableProperties(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith('!')) continue;
    const m = /^((?:\\.|[^=:\s])+)\s*[=:]?\s*(.*)$/.exec(line);
    if (!m) continue;
    const unescape = (s: string) => s.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c === 't' ? '\t' : c));
    out[unescape(m[1]!)] = unescape(m[2]!);
  }
  return out;
}

export async function readTableProperties(storage: Storage): Promise<Record<string, string> | undefined> {
  if (!(await storage.exists(PROPERTIES_FILE))) return undefined;
  return parseTableProperties((await storage.readFile(PROPERTIES_FILE)).toString('utf8'));
}

/** Refuses to write a table whose identity differs from the config, naming the key and both values. */
export function checkIdentity(props: Record<string, string>, id: TableIdentity, location: string): void {
  const problems: { name: string; message: string }[] = [];
  const want = (tableKey: string, configKey: string, expected: string) => {
    const actual = props[tableKey] ?? '';
    if (actual !== expected) problems.push({ name: configKey, message: `the table at ${location} has ${tableKey}=${JSON.stringify(actual)} but the connector config gives ${JSON.stringify(expected)}; use the table's value or another tablePath` });
  };
  // A table without the key is copy-on-write (Hudi's default). The type is fixed when a table is created.
  const tableType = props['hoodie.table.type'] ?? 'COPY_ON_WRITE';
  if (tableType !== id.tableType) {
    problems.push({ name: 'hoodie.table.type', message: `the table at ${location} has hoodie.table.type=${tableType} but the connector config gives ${id.tableType}; a table's type is fixed when it is created: set hoodie.table.type=${tableType} or use another tablePath` });
  }
  const version = Number(props['hoodie.table.version'] ?? '0');
  if (version !== 6) problems.push({ name: 'tablePath', message: `the table at ${location} has hoodie.table.version=${props['hoodie.table.version']}; only version 6 is written` });
  want('hoodie.table.name', 'tableName', id.tableName);
  const tableKeys = props['hoodie.table.recordkey.fields'] ?? '';
  const configKeys = id.recordKeyFields.join(',');
  if (tableKeys !== configKeys && (tableKeys === '' || configKeys === '')) {
    // Keyed and keyless tables key rows differently: one cannot be written as the other.
    problems.push({
      name: 'hoodie.datasource.write.recordkey.field',
      message: tableKeys === ''
        ? `the table at ${location} is keyless (no hoodie.table.recordkey.fields; rows keyed by source position) but the connector config gives record key ${JSON.stringify(configKeys)}; remove hoodie.datasource.write.recordkey.field or use another tablePath`
        : `the table at ${location} has hoodie.table.recordkey.fields=${JSON.stringify(tableKeys)} but the connector config gives no record key (keyless); set hoodie.datasource.write.recordkey.field=${tableKeys} or use another tablePath`,
    });
  } else {
    want('hoodie.table.recordkey.fields', 'hoodie.datasource.write.recordkey.field', configKeys);
  }
  want('hoodie.table.partition.fields', 'hoodie.datasource.write.partitionpath.field', id.partitionFields.join(','));
  if (id.precombineField !== undefined) want('hoodie.table.precombine.field', 'hoodie.datasource.write.precombine.field', id.precombineField);
  // Our merges (rewrites, compaction) keep the stored row when it has the greater precombine value. Under another
  // payload class, e.g. OverwriteWithLatestAvroPayload (what Spark stores in a MERGE_ON_READ table it creates),
  // readers let a logged row win over the base row whatever its value: our compaction would change what the table
  // reads as. An absent key is left alone (Spark stores none for copy-on-write tables).
  const payload = props['hoodie.compaction.payload.class'];
  if (payload !== undefined && payload !== DEFAULT_PAYLOAD && id.precombineField !== undefined) {
    problems.push({
      name: 'tablePath',
      message: `the table at ${location} has hoodie.compaction.payload.class=${payload}, and this writer merges as ${DEFAULT_PAYLOAD} does (the greater ${id.precombineField} wins, also against stored rows), so readers and compactions would disagree; write to a table created with hoodie.datasource.write.payload.class=${DEFAULT_PAYLOAD}, or use another tablePath`,
    });
  }
  // Partition layout and key format must match too: otherwise the same key would land in another
  // partition directory or under another record key string, and be duplicated.
  if (props['hoodie.datasource.write.hive_style_partitioning'] !== undefined) want('hoodie.datasource.write.hive_style_partitioning', 'hoodie.datasource.write.hive_style_partitioning', String(id.hiveStylePartitioning));
  if (props['hoodie.datasource.write.partitionpath.urlencode'] !== undefined) want('hoodie.datasource.write.partitionpath.urlencode', 'hoodie.datasource.write.partitionpath.urlencode', String(id.urlEncodePartitioning));
  if (props['hoodie.table.keygenerator.class'] !== undefined) want('hoodie.table.keygenerator.class', 'hoodie.datasource.write.keygenerator.class', id.keyGeneratorClass);
  if (problems.length > 0) throw new ConfigError(problems, `Table ${location} does not match the connector config`);
}
