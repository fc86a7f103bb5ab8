// Keyless tables (no hoodie.datasource.write.recordkey.field): the seed walkthrough's config as it is, the
// operation each mode takes (and the one refused), the seed keys that have no effect, and the task writing an
// append-only table whose rows are keyed by source position: once each across a restart with re-delivery,
// delete markers kept as data, and upsert overwriting a position that another connector wrote already.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HudiSinkConnector, HudiSinkTask } from '../../../../plugins/hudi/hudi-sink';
import { hudiSinkConfigDef, hudiSinkSettings } from '../../../../plugins/hudi/hudi-sink-config';
import { createParquetCodec } from '../../../../plugins/hudi/hudi-sink-deps';
import { parseTableProperties } from '../../../../plugins/hudi/table/table-properties';
import type { SinkRecord } from '../../../../runtime/spi';
import { fakeConnectorContext, fakeSinkTaskContext, sinkRecords } from '../../../helpers/fake-contexts';
import { completedCommits, latestSliceFiles } from '../../../helpers/hudi-files';
import { SEED_USER_SCHEMA, seedSinkConfig, seedUserAvroJson } from '../../../helpers/seed-walkthrough';

function walkthroughConfig(dir: string): Record<string, string> {
  return seedSinkConfig({ tablePath: `file://${dir}/hudi_connector_test`, schemaPath: `${dir}/user.avsc` });
}

function settingsOf(config: Record<string, string>) {
  return hudiSinkSettings(hudiSinkConfigDef().parse(config, { allowUnknown: (k) => k.startsWith('hoodie.') || k === 'connector-class' || k === 'topicNames' }));
}

function configError(fn: () => unknown): { name: string; message: string }[] {
  try {
    fn();
  } catch (err) {
    expect(err).toMatchObject({ code: 'CONFIG_INVALID' });
    return (err as { errors: { name: string; message: string }[] }).errors;
  }
  throw new Error('expected a ConfigError');
}

const tasks: HudiSinkTask[] = [];
afterEach(async () => {
  for (const t of tasks.splice(0)) await t.stop().catch(() => undefined);
});

function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'hudi-keyless-'));
  writeFileSync(path.join(dir, 'user.avsc'), JSON.stringify(SEED_USER_SCHEMA));
  return dir;
}

async function startTask(dir: string, config: Record<string, string>, connectorName = 'rocketmq-connect-hudi'): Promise<HudiSinkTask> {
  const task = new HudiSinkTask();
  tasks.push(task);
  await task.start({ 'parquet.encoder.threads': '0', 'commit.interval.ms': '3600000', ...config }, fakeSinkTaskContext({ baseDir: dir, connectorName, assignment: [{ topic: 'topicc', queue: '0' }] }));
  return task;
}

async function rows(table: string): Promise<Record<string, unknown>[]> {
  const codec = createParquetCodec('snappy');
  const out: Record<string, unknown>[] = [];
  for (const f of latestSliceFiles(table)) out.push(...(await codec.decode(await readFile(f))));
  return out;
}

const users = (from: number, n: number, queue = '0'): SinkRecord[] =>
  sinkRecords(Array.from({ length: n }, (_, i) => seedUserAvroJson(from + i)), { topic: 'topicc', queue, from });

describe('hudi-sink config without a record key', () => {
  it('the walkthrough config parses as a keyless table written with insert, under its tableName', () => {
    const s = settingsOf(walkthroughConfig('/tmp/x'));
    expect(s.recordKeyFields).toEqual([]);
    expect(s.operation).toBe('insert');
    expect(s.tableName).toBe('hudi_connector_test_table');
  });

  it('the default operation is upsert with a record key and insert without one', () => {
    const keyed = settingsOf({ tablePath: 't', schemaPath: 's', 'hoodie.datasource.write.recordkey.field': 'id' });
    expect(keyed.operation).toBe('upsert');
    expect(settingsOf({ tablePath: 't', schemaPath: 's' }).operation).toBe('insert');
    expect(settingsOf({ tablePath: 't', schemaPath: 's', 'hoodie.datasource.write.recordkey.field': '' }).operation).toBe('insert');
  });

  it('keyless with operation upsert or bulk_insert is accepted as configured', () => {
    expect(settingsOf({ tablePath: 't', schemaPath: 's', 'hoodie.datasource.write.operation': 'upsert' }).operation).toBe('upsert');
    expect(settingsOf({ tablePath: 't', schemaPath: 's', 'hoodie.datasource.write.operation': 'bulk_insert' }).operation).toBe('bulk_insert');
  });

  it('keyless with operation delete is refused naming the key, the value and what to do', () => {
    const [e, ...rest] = configError(() => settingsOf({ tablePath: 't', schemaPath: 's', 'hoodie.datasource.write.operation': 'delete' }));
    expect(rest).toEqual([]);
    expect(e!.name).toBe('hoodie.datasource.write.operation');
    expect(e!.message).toMatch(/^"delete" needs a record key, and this table is keyless .* Set hoodie.datasource.write.recordkey.field to the field\(s\) .* or use insert/);
  });

  it('the seed keys without effect are declared, with their aliases, and still checked for their type', () => {
    const def = hudiSinkConfigDef();
    for (const k of ['insertShuffleParallelism', 'upsertShuffleParallelism', 'deleteParallelism', 'bulkInsertShuffleParallelism', 'source-record-converter', 'source-rocketmq', 'source-cluster', 'refresh-interval']) {
      expect(def.key(k)?.doc, k).toMatch(/has no effect/);
    }
    expect(def.key('src-cluster')?.name).toBe('source-cluster');
    expect(def.key('refresh.interval')?.name).toBe('refresh-interval');
    const [e] = configError(() => settingsOf({ tablePath: 't', schemaPath: 's', insertShuffleParallelism: 'two' }));
    expect(e!.name).toBe('insertShuffleParallelism');
  });

  it('start with the walkthrough config logs the seed keys as without effect and the keyless mode', () => {
    const dir = tempDir();
    const ctx = fakeConnectorContext({ baseDir: dir, connectorName: 'rocketmq-connect-hudi' });
    new HudiSinkConnector().start(walkthroughConfig(dir), ctx);
    const infos = ctx.logger.entries.filter((e) => e.level === 'info');
    const ignored = infos.find((e) => /no effect/.test(e.msg ?? ''));
    expect((ignored?.obj as { keys: string[] }).keys.sort()).toEqual(
      ['deleteParallelism', 'insertShuffleParallelism', 'refresh-interval', 'source-cluster', 'source-record-converter', 'source-rocketmq', 'upsertShuffleParallelism'].sort(),
    );
    expect(infos.some((e) => /keyless, append-only table/.test(e.msg ?? '') && (e.obj as { operation: string }).operation === 'insert')).toBe(true);
  });
});

describe('HudiSinkTask on a keyless table', () => {
  it('put writes every message as a row keyed by its position, in a table named by tableName with no record key fields', async () => {
    const dir = tempDir();
    const table = path.join(dir, 'hudi_connector_test');
    const task = await startTask(dir, walkthroughConfig(dir));
    await task.put([...users(0, 5), ...users(0, 3, '1')]);
    await task.stop();
    const props = parseTableProperties(readFileSync(path.join(table, '.hoodie', 'hoodie.properties'), 'utf8'));
    expect(props['hoodie.table.name']).toBe('hudi_connector_test_table');
    expect(props['hoodie.table.recordkey.fields']).toBeUndefined();
    expect(props['hoodie.table.keygenerator.class']).toBe('org.apache.hudi.keygen.NonpartitionedKeyGenerator');
    const got = (await rows(table)).map((r) => `${String(r['_hoodie_record_key'])}=${String(r['name'])}|${String(r['favorite_number'])}|${String(r['favorite_color'])}`).sort();
    expect(got).toEqual([
      'topicc/0/0000000000000000000=user-0|0|null',
      'topicc/0/0000000000000000001=user-1|1|red',
      'topicc/0/0000000000000000002=user-2|2|white',
      'topicc/0/0000000000000000003=user-3|3|red',
      'topicc/0/0000000000000000004=user-4|4|white',
      'topicc/1/0000000000000000000=user-0|0|null',
      'topicc/1/0000000000000000001=user-1|1|red',
      'topicc/1/0000000000000000002=user-2|2|white',
    ]);
    const [instant] = completedCommits(table);
    expect(JSON.parse(readFileSync(path.join(table, '.hoodie', `${instant}.commit`), 'utf8')).operationType).toBe('INSERT');
  });

  it('a partitioned keyless table takes SimpleKeyGenerator and writes each row to its partition under its position key', async () => {
    const dir = tempDir();
    const table = path.join(dir, 'hudi_connector_test');
    const task = await startTask(dir, { ...walkthroughConfig(dir), 'hoodie.datasource.write.partitionpath.field': 'favorite_color' });
    await task.put(users(0, 4));
    await task.stop();
    const props = parseTableProperties(readFileSync(path.join(table, '.hoodie', 'hoodie.properties'), 'utf8'));
    expect(props['hoodie.table.keygenerator.class']).toBe('org.apache.hudi.keygen.SimpleKeyGenerator');
    expect(props['hoodie.table.partition.fields']).toBe('favorite_color');
    expect((await rows(table)).map((r) => `${String(r['_hoodie_partition_path'])}:${String(r['_hoodie_record_key'])}`).sort()).toEqual([
      '__HIVE_DEFAULT_PARTITION__:topicc/0/0000000000000000000',
      'red:topicc/0/0000000000000000001',
      'red:topicc/0/0000000000000000003',
      'white:topicc/0/0000000000000000002',
    ]);
  });

  it('a restart with re-delivered messages writes each message once', async () => {
    const dir = tempDir();
    const table = path.join(dir, 'hudi_connector_test');
    const first = await startTask(dir, walkthroughConfig(dir));
    await first.put(users(0, 10));
    await first.stop();
    // The runtime re-delivers 5..9 (their offsets were not acknowledged yet) and then 10..14.
    const second = await startTask(dir, walkthroughConfig(dir));
    await second.put(users(5, 10));
    await second.stop();
    const keys = (await rows(table)).map((r) => String(r['_hoodie_record_key']));
    expect(keys).toHaveLength(15);
    expect(new Set(keys).size).toBe(15);
    expect(completedCommits(table)).toHaveLength(2);
  });

  it('delete markers are kept as data: a keyless table has no key to delete by', async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'event.avsc'), JSON.stringify({ type: 'record', name: 'Event', fields: [{ name: 'id', type: 'string' }, { name: '_hoodie_is_deleted', type: 'boolean', default: false }] }));
    const table = path.join(dir, 'events');
    const task = await startTask(dir, { topicNames: 'topicc', tablePath: table, schemaPath: path.join(dir, 'event.avsc') });
    await task.put(sinkRecords([{ id: 'a', _hoodie_is_deleted: false }, { id: 'a', _hoodie_is_deleted: true }], { topic: 'topicc' }));
    await task.stop();
    expect((await rows(table)).map((r) => `${String(r['id'])}:${String(r['_hoodie_is_deleted'])}`).sort()).toEqual(['a:false', 'a:true']);
  });

  it('upsert overwrites a position another connector already wrote; insert, relying on each connector\'s own positions, does not', async () => {
    for (const operation of ['upsert', 'insert'] as const) {
      const dir = tempDir();
      const table = path.join(dir, 'hudi_connector_test');
      const config = { ...walkthroughConfig(dir), 'hoodie.datasource.write.operation': operation };
      const first = await startTask(dir, config, 'first');
      await first.put(users(0, 4));
      await first.stop();
      // A connector of another name has its own positions: it reads the topic again from the start.
      const second = await startTask(dir, config, 'second');
      await second.put(users(0, 6));
      await second.stop();
      const keys = (await rows(table)).map((r) => String(r['_hoodie_record_key']));
      if (operation === 'upsert') {
        expect(keys.sort()).toEqual(Array.from({ length: 6 }, (_, i) => `topicc/0/${String(i).padStart(19, '0')}`));
      } else {
        expect(keys).toHaveLength(10); // 0..3 twice, under the same keys: visible as duplicates of a key
        expect(new Set(keys).size).toBe(6);
      }
    }
  });
});
