// The seed walkthrough end to end on a real worker: its curl (`GET /connectors/{name}?config={...}`, keys verbatim,
// no record key) creates a keyless hudi-sink; 500 Avro-JSON messages, sent as the walkthrough's Java producer sends
// them, go through the embedded transport (file-source, bodies byte for byte); the worker is killed right after a
// commit completed, before its offsets were acknowledged, and restarted. hudi-rs and Spark (Hudi 0.15) then read
// each message exactly once, keyed by its source position. Spark appends to the table as to its own keyless table
// (its auto-generated keys beside ours), and the sink carries on after Spark's commit.
import { execFileSync } from 'node:child_process';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parsePositionRecordKey } from '../../plugins/hudi/keygen/position-key';
import { parseTableProperties } from '../../plugins/hudi/table/table-properties';
import { completedCommits, consumedByTable } from '../helpers/hudi-files';
import { SEED_USER_SCHEMA, seedSinkConfig, seedUser, seedUserAvroJson } from '../helpers/seed-walkthrough';
import { hudiRsSnapshot, readersAvailable, rowsOf, sparkRead, sparkWrite, type Row } from '../helpers/table-readers';
import { api, startWorker, until, workerDir, writeConf, type WorkerHandle } from '../helpers/worker-process';

const running: WorkerHandle[] = [];
afterAll(async () => {
  for (const w of running) if (w.child.exitCode === null) await w.kill('SIGKILL');
});

/** A user row as `name|favorite_number|favorite_color`, the way every reader prints it. */
const user = (r: Row) => `${String(r['name'])}|${String(r['favorite_number'])}|${String(r['favorite_color'])}`;

/** What the table must hold after messages 0..n-1: each user once. */
function expectedUsers(n: number): string[] {
  return Array.from({ length: n }, (_, i) => user(seedUser(i))).sort();
}

/** Our rows: every key a position key of topicc, no key twice, and each position's message is the one sent there. */
function checkPositionKeys(rows: Row[], label: string): void {
  const keys = rows.map((r) => String(r['_hoodie_record_key']));
  expect(new Set(keys).size, `${label}: a record key twice`).toBe(keys.length);
  for (const k of keys) expect(parsePositionRecordKey(k)?.topic, `${label}: key ${k}`).toBe('topicc');
}

describe('the seed walkthrough: a keyless hudi-sink', () => {
  it('its curl creates the sink; 500 Avro-JSON messages land once each across a crash after a commit; hudi-rs and Spark read them', async () => {
    const dir = workerDir('keyless-');
    const conf = writeConf(dir);
    const data = path.join(dir, 'data');
    const schemaPath = path.join(data, 'user.avsc');
    writeFileSync(schemaPath, JSON.stringify(SEED_USER_SCHEMA));
    const table = path.join(data, 'hudi_connector_test');
    const input = path.join(data, 'users.txt');
    writeFileSync(input, '');
    let sent = 0;
    const send = (n: number) => {
      appendFileSync(input, Array.from({ length: n }, (_, i) => seedUserAvroJson(sent + i)).join('\n') + '\n');
      sent += n;
    };
    const readers = readersAvailable();

    let w = await startWorker(dir, conf);
    running.push(w);
    // The walkthrough's curl: the config JSON as it is in the URL, so curl needs -g (no globbing of { } [ ]).
    const config = seedSinkConfig({ tablePath: pathToFileURL(table).href, schemaPath });
    const out = execFileSync('curl', ['-g', '-s', '-w', '\n%{http_code}', `${w.url}/connectors/rocketmq-connect-hudi?config=${JSON.stringify(config)}`], { encoding: 'utf8' });
    const [body, code] = [out.slice(0, out.lastIndexOf('\n')), out.slice(out.lastIndexOf('\n') + 1)];
    expect(code, body).toBe('200');
    expect(JSON.parse(body)).toMatchObject({ status: 200, body: { name: 'rocketmq-connect-hudi', type: 'sink' } });
    await until('the sink task running', async () => (await api(w.url, 'GET', '/connectors/rocketmq-connect-hudi/status')).body?.tasks?.[0]?.state === 'RUNNING');
    // The walkthrough's other spelling, braces escaped as \{ \} for curl's globbing instead of -g, works too.
    const other = seedSinkConfig({ tablePath: pathToFileURL(path.join(data, 'escaped')).href, schemaPath });
    const escaped = execFileSync('curl', ['-s', '-w', '\n%{http_code}', `${w.url}/connectors/escaped?config=\\${JSON.stringify(other).slice(0, -1)}\\}`], { encoding: 'utf8' });
    expect(escaped.slice(escaped.lastIndexOf('\n') + 1), escaped).toBe('200');
    expect((await api(w.url, 'GET', '/connectors/escaped/stop')).status).toBe(200); // RocketMQ Connect's stop deletes
    // The walkthrough's producer sends Avro JSON bodies; a file-source with the string converter sends each line so.
    const source = await api(w.url, 'POST', '/connectors', { name: 'users', config: { 'connector.class': 'file-source', file: 'data/users.txt', format: 'text', 'value.converter': 'string', 'connect.topicname': 'topicc' } });
    expect(source.status, JSON.stringify(source.body)).toBe(201);

    send(250);
    await until('a commit covering the first 250 messages', () => consumedByTable(table) >= 250, 90_000);
    expect(await w.kill('SIGTERM'), w.logs.slice(-30).join('\n')).toBe(0);

    // Killed right after the next commit completes, before the runtime acknowledged its offsets.
    w = await startWorker(dir, conf, { TRIBUTARY_HUDI_CRASH_AT: 'after-commit' });
    running.push(w);
    send(250);
    expect(await w.exited).toBe('SIGKILL');
    const commitsAtCrash = completedCommits(table).length;
    expect(commitsAtCrash).toBeGreaterThanOrEqual(2);

    w = await startWorker(dir, conf);
    running.push(w);
    await until('the restarted task resuming from the table', () => w.logs.some((l) => l.includes('resuming from the positions of the last completed commit')), 60_000);
    await until('commits covering all 500 messages', () => consumedByTable(table) >= 500, 90_000);
    expect(await w.kill('SIGTERM'), w.logs.slice(-30).join('\n')).toBe(0);

    const props = parseTableProperties(readFileSync(path.join(table, '.hoodie', 'hoodie.properties'), 'utf8'));
    expect(props['hoodie.table.name']).toBe('hudi_connector_test_table');
    expect(props['hoodie.table.recordkey.fields']).toBeUndefined();
    expect(props['hoodie.table.keygenerator.class']).toBe('org.apache.hudi.keygen.NonpartitionedKeyGenerator');

    await readers;
    const viaHudiRs = await hudiRsSnapshot(table);
    expect(viaHudiRs).toHaveLength(500);
    checkPositionKeys(viaHudiRs, 'hudi-rs');
    expect(viaHudiRs.map(user).sort(), 'hudi-rs: every message once').toEqual(expectedUsers(500));
    const [spark] = await sparkRead(table, [{ type: 'snapshot' }]);
    const viaSpark = rowsOf(spark!);
    expect(viaSpark).toHaveLength(500);
    checkPositionKeys(viaSpark, 'Spark');
    expect(viaSpark.map(user).sort(), 'Spark: every message once').toEqual(expectedUsers(500));

    // Spark treats the table as its own keyless table: an insert gets Hudi's auto-generated keys.
    const appended = await sparkWrite(table, [{ name: 'spark-0', favorite_number: 7, favorite_color: 'blue' }], 'insert', { readBack: true });
    expect(appended.rows).toHaveLength(501);
    const sparkKey = String(appended.rows!.find((r) => r['name'] === 'spark-0')?.['_hoodie_record_key']);
    expect(sparkKey).toMatch(new RegExp(`^${appended.instant}_\\d+_0$`)); // <instant>_<sparkPartitionId>_<rowId>

    // The sink resumes from its own last commit, past Spark's.
    w = await startWorker(dir, conf);
    running.push(w);
    send(20);
    await until('a commit covering all 520 messages', () => consumedByTable(table) >= 520, 90_000);
    expect(await w.kill('SIGTERM'), w.logs.slice(-30).join('\n')).toBe(0);
    const after = await hudiRsSnapshot(table);
    expect(after.filter((r) => r['name'] !== 'spark-0').map(user).sort()).toEqual(expectedUsers(520));
    expect(after.filter((r) => r['name'] === 'spark-0').map((r) => r['_hoodie_record_key'])).toEqual([sparkKey]);
  }, 420_000);
});
