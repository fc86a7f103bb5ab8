// A Hudi table on a temp directory written through the real layers (Avro coercion, key generator,
// bloom filters, Parquet codec from hudi-sink-deps.ts, LocalStorage), for unit tests of the table core.
// Rows are read back from file names and `.commit` files alone (test/helpers/hudi-files.ts), not
// through the writer's own file-system view. Encoding runs in-thread (encoderThreads 0): nothing to close
// but the deps, which `close()` does anyway.

import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { hudiSinkConfigDef, hudiSinkSettings, type HudiSinkSettings } from '../../plugins/hudi/hudi-sink-config';
import { openTableDeps } from '../../plugins/hudi/hudi-sink-deps';
import type { Row } from '../../plugins/hudi/parquet/column-spec';
import { LocalStorage } from '../../plugins/hudi/storage/local-storage';
import { HudiTableWriter, type CommitResult, type TableWriterOptions, type WriteOperation } from '../../plugins/hudi/table/table-writer';
import { parseCommitMetadata, type CommitMetadata } from '../../plugins/hudi/timeline/commit-metadata';
import { fakeLogger, type FakeLogger } from './fake-contexts';
import { completedCommits, latestSliceFiles } from './hudi-files';
import { oracle } from './hudi-oracle';

export interface Payment {
  id: string;
  region: string;
  amount: number;
  ver: number;
  _hoodie_is_deleted?: boolean;
}

export const PAYMENT_SCHEMA = {
  type: 'record',
  name: 'Payment',
  namespace: 'test',
  fields: [
    { name: 'id', type: 'string' },
    { name: 'region', type: 'string' },
    { name: 'amount', type: 'double' },
    { name: 'ver', type: 'long' },
    { name: '_hoodie_is_deleted', type: 'boolean', default: false },
  ],
};

/** A payments snapshot as `region|amount|ver` per record key, from any reader's rows; a key twice is an error. */
export function paymentsByKey(rows: Record<string, unknown>[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const r of rows) {
    const key = String(r['_hoodie_record_key']);
    if (out[key] !== undefined) throw new Error(`duplicate key ${key} in the table`);
    out[key] = `${r['region']}|${Number(r['amount'])}|${Number(r['ver'])}`;
  }
  return out;
}

/** What a payments table must hold after `recs` (the oracle), in paymentsByKey's form. */
export function expectedPayments(recs: Payment[]): Record<string, string> {
  const o = oracle(recs.map((r) => ({ key: r.id, ordering: r.ver, isDelete: r._hoodie_is_deleted === true, row: { ...r } })));
  return Object.fromEntries([...o].map(([k, r]) => [k, `${r['region']}|${Number(r['amount'])}|${Number(r['ver'])}`]));
}

/** Small bloom filters, so a file's size reflects its rows rather than a 430 KB default filter. */
export const SMALL_BLOOM = {
  'hoodie.index.bloom.num_entries': '200',
  'hoodie.index.bloom.fpp': '0.0001',
  'hoodie.bloom.index.filter.dynamic.max.entries': '1000',
};

export type Deps = Awaited<ReturnType<typeof openTableDeps>>;

export interface TableFixture {
  dir: string;
  table: string;
  schemaPath: string;
  storage: LocalStorage;
  settings: HudiSinkSettings;
  deps: Deps;
  logger: FakeLogger;
  /** Opens a writer on the table (rolling back anything pending, as every open does). */
  open(overrides?: Partial<TableWriterOptions>): Promise<HudiTableWriter>;
  /** One commit of `recs` through `writer`. `isDelete` comes from `_hoodie_is_deleted`. */
  write(writer: HudiTableWriter, recs: Payment[], operation?: WriteOperation, extraMetadata?: Record<string, string>): Promise<CommitResult>;
  /** Every row of the latest completed slices (meta columns included). */
  rows(): Promise<Row[]>;
  /** `id@ver:amount` per row, sorted, with the partition: what a snapshot holds, compactly. */
  snapshot(): Promise<string[]>;
  commits(): string[];
  commitMetadata(instant: string): Promise<CommitMetadata>;
  close(): Promise<void>;
}

/** `schema` replaces PAYMENT_SCHEMA (same field names, other types) where a test needs another type; `root` is
 *  where the table's directory is made (default the system's temporary directory). */
export async function tableFixture(config: Record<string, string> = {}, schema: object = PAYMENT_SCHEMA, o: { root?: string } = {}): Promise<TableFixture> {
  const dir = mkdtempSync(path.join(o.root ?? tmpdir(), 'hudi-unit-'));
  const table = path.join(dir, 'payments');
  const schemaPath = path.join(dir, 'payment.avsc');
  writeFileSync(schemaPath, JSON.stringify(schema));
  const raw: Record<string, string> = {
    tablePath: table,
    tableName: 'payments',
    schemaPath,
    'hoodie.datasource.write.recordkey.field': 'id',
    'hoodie.datasource.write.precombine.field': 'ver',
    'hoodie.datasource.write.partitionpath.field': 'region',
    'parquet.encoder.threads': '0',
    ...SMALL_BLOOM,
    ...config,
  };
  const settings = hudiSinkSettings(hudiSinkConfigDef().parse(raw, { allowUnknown: true }));
  const deps = await openTableDeps(settings, schemaPath, raw);
  const storage = new LocalStorage(table);
  const logger = fakeLogger();

  const fixture: TableFixture = {
    dir,
    table,
    schemaPath,
    storage,
    settings,
    deps,
    logger,
    open: (overrides = {}) =>
      HudiTableWriter.open({
        storage,
        identity: {
          tableName: 'payments',
          databaseName: '',
          recordKeyFields: settings.recordKeyFields,
          precombineField: settings.precombineField,
          partitionFields: settings.partitionFields,
          keyGeneratorClass: deps.keygen.className,
          hiveStylePartitioning: settings.hiveStyle,
          tableType: settings.tableType,
          urlEncodePartitioning: settings.urlEncode,
        },
        codec: deps.codec,
        blooms: deps.blooms,
        keygen: deps.keygen,
        logger,
        now: () => Date.now(),
        indexType: settings.indexType,
        bucketIndex: settings.bucketIndex,
        maxFileSize: settings.maxFileSize,
        maxLogFileSize: settings.maxLogFileSize,
        smallFileLimit: settings.smallFileLimit,
        recordSizeEstimate: settings.recordSizeEstimate,
        cleanCommitsRetained: settings.cleanRetained,
        archival: settings.archival,
        compaction: settings.compaction,
        ...overrides,
      }),
    write: (writer, recs, operation = 'upsert', extraMetadata = {}) =>
      writer.write(
        recs.map((r) => ({ row: deps.schema.coerce({ _hoodie_is_deleted: false, ...r }), isDelete: r._hoodie_is_deleted === true })),
        operation,
        deps.schema.columns,
        deps.schema.schemaJson,
        extraMetadata,
      ),
    rows: async () => {
      const out: Row[] = [];
      for (const f of latestSliceFiles(table)) out.push(...(await deps.codec.decode(await readFile(f))));
      return out;
    },
    snapshot: async () =>
      (await fixture.rows()).map((r) => `${String(r['_hoodie_partition_path'])}/${String(r['id'])}@${Number(r['ver'])}:${Number(r['amount'])}`).sort(),
    commits: () => completedCommits(table),
    commitMetadata: async (instant) => parseCommitMetadata(await readFile(path.join(table, '.hoodie', `${instant}.commit`), 'utf8'), instant),
    // The table goes with the fixture: thousands of tests leave no directories behind.
    close: async () => {
      await deps.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return fixture;
}

/**
 * Holds a merge-on-read compaction at its first base file: `storage` is the fixture's, except that opening a base
 * file of a pending compaction waits until open() is called; `reached` resolves when a compaction got there. For
 * tests of what deltacommits do while a compaction runs beside them.
 */
export function compactionGate(f: TableFixture): { storage: LocalStorage; reached: Promise<void>; open(): void } {
  let release!: () => void;
  let arrived!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const reached = new Promise<void>((resolve) => (arrived = resolve));
  const storage = Object.create(f.storage) as LocalStorage;
  storage.openWrite = async (p: string) => {
    const instant = /_(\d{17})\.parquet$/.exec(p)?.[1];
    if (instant !== undefined && existsSync(path.join(f.table, '.hoodie', `${instant}.compaction.requested`))) {
      arrived();
      await released;
    }
    return f.storage.openWrite(p);
  };
  return { storage, reached, open: release };
}
