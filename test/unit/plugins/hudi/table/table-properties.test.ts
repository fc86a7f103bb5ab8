// hoodie.properties: the checksum Hudi verifies, rendering and parsing as Java properties, and the
// identity check that refuses to write a table whose layout differs from the connector config.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LocalStorage } from '../../../../../plugins/hudi/storage/local-storage';
import {
  PROPERTIES_FILE,
  checkIdentity,
  crc32,
  parseTableProperties,
  readTableProperties,
  renderTableProperties,
  tableChecksum,
  type TableIdentity,
} from '../../../../../plugins/hudi/table/table-properties';

const REFERENCE = path.resolve(__dirname, '../../../../fixtures/hudi/spark-reference/table/.hoodie/hoodie.properties');
const reference = parseTableProperties(readFileSync(REFERENCE, 'utf8'));

/** The identity of the Spark reference table, as the connector config would give it. */
const referenceIdentity: TableIdentity = {
  tableName: 'orders',
  databaseName: '',
  recordKeyFields: ['orderId'],
  precombineField: 'version',
  partitionFields: ['orderStatus'],
  keyGeneratorClass: 'org.apache.hudi.keygen.SimpleKeyGenerator',
  hiveStylePartitioning: false,
  urlEncodePartitioning: false,
  tableType: 'COPY_ON_WRITE',
};

const createdAt = new Date(Date.UTC(2026, 10, 23, 12, 10, 18));

describe('tableChecksum', () => {
  it('tableChecksum of the Spark reference table name equals its hoodie.table.checksum', () => {
    expect(reference['hoodie.table.name']).toBe('orders');
    expect(reference['hoodie.database.name']).toBe('');
    expect(tableChecksum(reference['hoodie.database.name']!, reference['hoodie.table.name']!)).toBe(reference['hoodie.table.checksum']);
    expect(reference['hoodie.table.checksum']).toBe('1443086834');
  });

  it('crc32 of the standard check input gives 0xCBF43926 (java.util.zip.CRC32)', () => {
    expect(crc32(Buffer.from('123456789', 'ascii'))).toBe(0xcbf43926);
    expect(crc32(Buffer.alloc(0))).toBe(0);
  });

  it('tableChecksum of a database-qualified name covers the database too', () => {
    expect(tableChecksum('sales', 'orders')).toBe(String(crc32(Buffer.from('sales.orders'))));
    expect(tableChecksum('sales', 'orders')).not.toBe(tableChecksum('', 'orders'));
  });
});

describe('renderTableProperties and parseTableProperties', () => {
  it('renderTableProperties for the reference identity gives the reference value of every key both files hold', () => {
    const ours = parseTableProperties(renderTableProperties(referenceIdentity, createdAt));
    const shared = Object.keys(ours).filter((k) => k in reference);
    // Every key readers need (docs/hudi-format-notes.md) is among them.
    for (const k of ['hoodie.table.name', 'hoodie.table.type', 'hoodie.table.version', 'hoodie.timeline.layout.version', 'hoodie.table.checksum', 'hoodie.table.timeline.timezone', 'hoodie.table.recordkey.fields', 'hoodie.table.partition.fields', 'hoodie.table.precombine.field', 'hoodie.table.keygenerator.class', 'hoodie.datasource.write.hive_style_partitioning', 'hoodie.datasource.write.partitionpath.urlencode', 'hoodie.datasource.write.drop.partition.columns', 'hoodie.populate.meta.fields', 'hoodie.table.base.file.format']) {
      expect(shared, k).toContain(k);
    }
    for (const k of shared) expect(ours[k], k).toBe(reference[k]);
    // Greatest-precombine-wins also for a later Spark upsert (see the format notes).
    expect(ours['hoodie.compaction.payload.class']).toBe('org.apache.hudi.common.model.DefaultHoodieRecordPayload');
  });

  it('renderTableProperties starts with two comment lines, as Java writes them', () => {
    const lines = renderTableProperties(referenceIdentity, createdAt).split('\n');
    expect(lines[0]).toMatch(/^#/);
    expect(lines[1]).toMatch(/^#/);
    expect(lines[2]).not.toMatch(/^#/);
  });

  it('parseTableProperties of a rendered identity with =, :, \\ and a newline in values gives the values back', () => {
    const id: TableIdentity = { ...referenceIdentity, tableName: 'a=b:c\\d', databaseName: 'db\nx', recordKeyFields: ['k1', 'k2'], partitionFields: ['y', 'm'] };
    const p = parseTableProperties(renderTableProperties(id, createdAt));
    expect(p['hoodie.table.name']).toBe('a=b:c\\d');
    expect(p['hoodie.database.name']).toBe('db\nx');
    expect(p['hoodie.table.recordkey.fields']).toBe('k1,k2');
    expect(p['hoodie.table.partition.fields']).toBe('y,m');
    expect(p['hoodie.table.checksum']).toBe(tableChecksum('db\nx', 'a=b:c\\d'));
  });

  it('parseTableProperties reads Java separators (=, :, whitespace) and skips # and ! comments', () => {
    expect(parseTableProperties('# c\n! c\na=1\nb: 2\nc 3\n  d = 4 \r\ne=\n')).toEqual({ a: '1', b: '2', c: '3', d: '4', e: '' });
  });

  it('readTableProperties of a table without hoodie.properties gives undefined, and of a written one its keys', async () => {
    const s = new LocalStorage(mkdtempSync(path.join(tmpdir(), 'hudi-props-')));
    expect(await readTableProperties(s)).toBeUndefined();
    await s.writeFile(PROPERTIES_FILE, renderTableProperties(referenceIdentity, createdAt));
    expect((await readTableProperties(s))?.['hoodie.table.name']).toBe('orders');
  });
});

describe('checkIdentity', () => {
  const props = () => parseTableProperties(renderTableProperties(referenceIdentity, createdAt));

  /** The ConfigError's field errors, or a failure if checkIdentity accepted. */
  const problems = (p: Record<string, string>, id: TableIdentity): { name: string; message: string }[] => {
    try {
      checkIdentity(p, id, '/tables/orders');
    } catch (err) {
      expect(err).toMatchObject({ code: 'CONFIG_INVALID' });
      return (err as { errors: { name: string; message: string }[] }).errors;
    }
    throw new Error('checkIdentity accepted a mismatching table');
  };

  it('checkIdentity of the reference table with its own identity accepts', () => {
    expect(() => checkIdentity(reference, referenceIdentity, '/ref')).not.toThrow();
    expect(() => checkIdentity(props(), referenceIdentity, '/ours')).not.toThrow();
  });

  it('checkIdentity with another record key field refuses, naming the config key, the table key and both values', () => {
    const [e, ...rest] = problems(props(), { ...referenceIdentity, recordKeyFields: ['userPhoneNo'] });
    expect(rest).toEqual([]);
    expect(e!.name).toBe('hoodie.datasource.write.recordkey.field');
    expect(e!.message).toContain('hoodie.table.recordkey.fields="orderId"');
    expect(e!.message).toContain('"userPhoneNo"');
  });

  it('checkIdentity with hive-style partitioning switched on refuses, naming the hive-style key', () => {
    const [e, ...rest] = problems(props(), { ...referenceIdentity, hiveStylePartitioning: !referenceIdentity.hiveStylePartitioning });
    expect(rest).toEqual([]);
    expect(e!.name).toBe('hoodie.datasource.write.hive_style_partitioning');
  });

  it('checkIdentity with another key generator class refuses, naming the key generator key', () => {
    const [e] = problems(props(), { ...referenceIdentity, keyGeneratorClass: 'org.apache.hudi.keygen.ComplexKeyGenerator' });
    expect(e!.name).toBe('hoodie.datasource.write.keygenerator.class');
    expect(e!.message).toContain('ComplexKeyGenerator');
  });

  it('checkIdentity with another partition field refuses, naming the partition path key', () => {
    const [e] = problems(props(), { ...referenceIdentity, partitionFields: ['prodId'] });
    expect(e!.name).toBe('hoodie.datasource.write.partitionpath.field');
    expect(e!.message).toContain('hoodie.table.partition.fields="orderStatus"');
  });

  it('checkIdentity with another precombine field refuses, naming the precombine key', () => {
    const [e] = problems(props(), { ...referenceIdentity, precombineField: 'chargeTime' });
    expect(e!.name).toBe('hoodie.datasource.write.precombine.field');
    expect(e!.message).toContain('hoodie.table.precombine.field="version"');
  });

  it('checkIdentity with another table name refuses, naming tableName', () => {
    const [e] = problems(props(), { ...referenceIdentity, tableName: 'payments' });
    expect(e!.name).toBe('tableName');
    expect(e!.message).toContain('hoodie.table.name="orders"');
  });

  it('checkIdentity of a table of the other type refuses, naming hoodie.table.type and both values', () => {
    const [e, ...rest] = problems({ ...props(), 'hoodie.table.type': 'MERGE_ON_READ' }, referenceIdentity);
    expect(rest).toEqual([]);
    expect(e!.name).toBe('hoodie.table.type');
    expect(e!.message).toContain('hoodie.table.type=MERGE_ON_READ');
    expect(e!.message).toContain('gives COPY_ON_WRITE');
    const [m] = problems(props(), { ...referenceIdentity, tableType: 'MERGE_ON_READ' });
    expect(m!.message).toContain('hoodie.table.type=COPY_ON_WRITE but the connector config gives MERGE_ON_READ');
    expect(() => checkIdentity({ ...props(), 'hoodie.table.type': 'MERGE_ON_READ' }, { ...referenceIdentity, tableType: 'MERGE_ON_READ' }, '/t')).not.toThrow();
  });

  it('checkIdentity of a table whose payload class lets a later write beat a greater precombine value refuses, naming the class and the one to use', () => {
    // Spark 0.15 stores OverwriteWithLatestAvroPayload in a MERGE_ON_READ table it creates: Spark and hudi-rs then read a
    // logged row with a smaller precombine value over the base row, and our compaction (which keeps the greater one)
    // would change what the table reads as.
    const overwrite = 'org.apache.hudi.common.model.OverwriteWithLatestAvroPayload';
    const mor = { ...referenceIdentity, tableType: 'MERGE_ON_READ' as const };
    const [e, ...rest] = problems({ ...props(), 'hoodie.table.type': 'MERGE_ON_READ', 'hoodie.compaction.payload.class': overwrite }, mor);
    expect(rest).toEqual([]);
    expect(e!.name).toBe('tablePath');
    expect(e!.message).toContain(`hoodie.compaction.payload.class=${overwrite}`);
    expect(e!.message).toContain('hoodie.datasource.write.payload.class=org.apache.hudi.common.model.DefaultHoodieRecordPayload');
    expect(problems({ ...props(), 'hoodie.compaction.payload.class': overwrite }, referenceIdentity)[0]!.name).toBe('tablePath');
    // Our own tables carry DefaultHoodieRecordPayload; Spark's copy-on-write tables carry no payload class; a keyed
    // table without a precombine field is ordered by arrival under either class.
    expect(props()['hoodie.compaction.payload.class']).toBe('org.apache.hudi.common.model.DefaultHoodieRecordPayload');
    expect(() => checkIdentity({ ...props(), 'hoodie.table.type': 'MERGE_ON_READ' }, mor, '/t')).not.toThrow();
    const noPayload = props();
    delete noPayload['hoodie.compaction.payload.class'];
    expect(() => checkIdentity(noPayload, referenceIdentity, '/t')).not.toThrow();
    const unordered = props();
    delete unordered['hoodie.table.precombine.field'];
    expect(() => checkIdentity({ ...unordered, 'hoodie.compaction.payload.class': overwrite }, { ...referenceIdentity, precombineField: undefined }, '/t')).not.toThrow();
  });

  it('renders the table type it is given', () => {
    const text = renderTableProperties({ ...referenceIdentity, tableType: 'MERGE_ON_READ' }, createdAt);
    expect(parseTableProperties(text)['hoodie.table.type']).toBe('MERGE_ON_READ');
  });

  it('checkIdentity of a table of another version refuses, naming hoodie.table.version and its value', () => {
    const [e] = problems({ ...props(), 'hoodie.table.version': '8' }, referenceIdentity);
    expect(e!.name).toBe('tablePath');
    expect(e!.message).toContain('hoodie.table.version=8');
  });

  it('checkIdentity without a precombine field in the config does not check the table one', () => {
    expect(() => checkIdentity(props(), { ...referenceIdentity, precombineField: undefined }, '/t')).not.toThrow();
  });
});

describe('keyless tables', () => {
  /** hoodie.properties of keyless tables Spark 3.5 + Hudi 0.15 wrote (test/fixtures/hudi/spark-keyless/make.sh). */
  const spark = JSON.parse(readFileSync(path.resolve(__dirname, '../../../../fixtures/hudi/spark-keyless/expected.json'), 'utf8')) as Record<
    'nonpartitioned' | 'partitioned',
    { properties: Record<string, string>; recordKeys: string[] }
  >;
  const keyless = (name: string, partitionFields: string[], keyGeneratorClass: string): TableIdentity => ({
    tableName: name,
    databaseName: '',
    recordKeyFields: [],
    precombineField: undefined,
    partitionFields,
    keyGeneratorClass,
    hiveStylePartitioning: false,
    urlEncodePartitioning: false,
    tableType: 'COPY_ON_WRITE',
  });
  const nonpartitioned = keyless('nonpartitioned', [], 'org.apache.hudi.keygen.NonpartitionedKeyGenerator');
  const partitioned = keyless('partitioned', ['color'], 'org.apache.hudi.keygen.SimpleKeyGenerator');

  it('renderTableProperties of a keyless identity has no record key line, as Spark writes none', () => {
    expect(spark.nonpartitioned.properties['hoodie.table.recordkey.fields']).toBeUndefined();
    const ours = parseTableProperties(renderTableProperties(nonpartitioned, createdAt));
    expect(ours['hoodie.table.recordkey.fields']).toBeUndefined();
    expect(ours['hoodie.table.precombine.field']).toBeUndefined();
  });

  it('renderTableProperties of keyless identities agrees with Spark on every key both hold but the timeline time zone', () => {
    for (const [id, theirs] of [
      [nonpartitioned, spark.nonpartitioned.properties],
      [partitioned, spark.partitioned.properties],
    ] as const) {
      const ours = parseTableProperties(renderTableProperties(id, createdAt));
      // Spark records LOCAL; this writer's instants are UTC and it says so.
      const shared = Object.keys(theirs).filter((k) => k in ours && k !== 'hoodie.table.timeline.timezone');
      expect(shared.length).toBeGreaterThan(10);
      for (const k of shared) expect([k, ours[k]]).toEqual([k, theirs[k]]);
    }
  });

  it('checkIdentity of Spark\'s keyless tables with a keyless identity accepts', () => {
    expect(() => checkIdentity(spark.nonpartitioned.properties, nonpartitioned, '/np')).not.toThrow();
    expect(() => checkIdentity(spark.partitioned.properties, partitioned, '/p')).not.toThrow();
  });

  it('checkIdentity of a keyless table with a record key in the config refuses, saying the table is keyless', () => {
    expect(() => checkIdentity(spark.nonpartitioned.properties, { ...nonpartitioned, recordKeyFields: ['name'] }, '/np')).toThrow(
      /hoodie.datasource.write.recordkey.field: the table at \/np is keyless .* config gives record key "name"; remove hoodie.datasource.write.recordkey.field/,
    );
  });

  it('checkIdentity of a keyed table with no record key in the config refuses, naming the table\'s key fields', () => {
    const props = parseTableProperties(renderTableProperties(referenceIdentity, createdAt));
    expect(() => checkIdentity(props, { ...referenceIdentity, recordKeyFields: [] }, '/t')).toThrow(
      /hoodie.table.recordkey.fields="orderId" but the connector config gives no record key \(keyless\); set hoodie.datasource.write.recordkey.field=orderId/,
    );
  });
});
