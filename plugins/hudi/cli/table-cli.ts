// `tributary table`: look at a Hudi table without Spark — its timeline (instants, operation, counts,
// consumed positions) and its rows as a snapshot, as of an instant (time travel) or incrementally — and
// compact a merge-on-read table by hand. Works on the table files directly; no worker is needed.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { Logger } from '../../../runtime/spi';
import { hudiSinkConfigDef, hudiSinkSettings } from '../hudi-sink-config';
import { openTableDeps, openTableWriter } from '../hudi-sink-deps';
import { readTableProperties } from '../table/table-properties';
import { SCHEMA_KEY } from '../timeline/commit-metadata';
import { LocalStorage } from '../storage/local-storage';
import { S3Storage, createS3Client, isS3Uri, parseS3Uri } from '../storage/s3-storage';
import type { Storage } from '../storage/storage';
import { HudiTableReader } from '../table/table-reader';
import { createParquetCodec } from '../hudi-sink-deps';

export interface TableCliIo {
  stdout: { write(s: string): unknown };
  stderr: { write(s: string): unknown };
}

const USAGE = `usage:
  tributary table timeline <table path> [--json]
  tributary table read <table path> [--as-of <instant>] [--from <instant> [--to <instant>]] [--json] [--limit N]
  tributary table compact <table path>
    compacts a MERGE_ON_READ table now: every file group with log files gets a new base file. It writes to the
    table as its single writer: stop (or pause) the connector writing it first, which would otherwise be fenced.
    --as-of   time travel: the table as of that instant (yyyyMMddHHmmssSSS)
    --from    incremental: rows committed after --from, up to --to (default: the latest commit)
    --json    one JSON object per line (default: a table of rows)
  <table path> is a directory or s3://bucket/prefix. On S3, credentials and region come from the AWS
  environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION, profiles); an S3-compatible server is
  named with --s3-endpoint http://host:port or AWS_ENDPOINT_URL.
`;

function jsonValue(v: unknown): unknown {
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  if (Buffer.isBuffer(v)) return v.toString('base64');
  return v;
}

export async function main(argv: string[], io: TableCliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options: { json: { type: 'boolean' }, 'as-of': { type: 'string' }, from: { type: 'string' }, to: { type: 'string' }, limit: { type: 'string' }, 's3-endpoint': { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  } catch (err) {
    io.stderr.write(`tributary table: ${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [command, tablePath] = positionals;
  if (values.help || !command || !tablePath || !['timeline', 'read', 'compact'].includes(command)) {
    io.stderr.write(USAGE);
    return values.help ? 0 : 2;
  }
  for (const k of ['as-of', 'from', 'to'] as const) {
    const v = values[k];
    if (v !== undefined && !/^\d{14,17}$/.test(v)) {
      io.stderr.write(`tributary table: --${k} ${JSON.stringify(v)} is not an instant time; give yyyyMMddHHmmssSSS as listed by 'tributary table timeline'\n`);
      return 2;
    }
  }
  let storage: Storage;
  let close = (): void => undefined;
  if (isS3Uri(tablePath)) {
    let location;
    try {
      location = parseS3Uri(tablePath);
    } catch (err) {
      io.stderr.write(`tributary table: ${(err as Error).message}\n`);
      return 2;
    }
    const client = createS3Client({ endpoint: values['s3-endpoint'] });
    close = () => client.destroy();
    storage = new S3Storage({ client, location });
  } else storage = new LocalStorage(tablePath);
  try {
    return await show(storage, command, values, io);
  } finally {
    close();
  }
}

async function show(storage: Storage, command: string, values: { json?: boolean; 'as-of'?: string; from?: string; to?: string; limit?: string }, io: TableCliIo): Promise<number> {
  if (!(await storage.exists('.hoodie/hoodie.properties'))) {
    io.stderr.write(`tributary table: ${storage.location} is not a Hudi table (no .hoodie/hoodie.properties)\n`);
    return 1;
  }
  if (command === 'compact') return compact(storage, io);
  const reader = await HudiTableReader.open(storage, createParquetCodec());
  if (command === 'timeline') {
    const entries = await reader.describeTimeline();
    if (values.json) for (const e of entries) io.stdout.write(JSON.stringify(e) + '\n');
    else {
      io.stdout.write(formatTable(['INSTANT', 'ACTION', 'STATE', 'OPERATION', 'INSERTS', 'UPDATES', 'DELETES', 'FILES', 'BYTES', 'POSITIONS'], entries.map((e) => [e.instant, e.action, e.state, e.operation ?? '', s(e.inserts), s(e.updates), s(e.deletes), s(e.files), s(e.bytes), e.positions ? JSON.stringify(e.positions) : ''])));
    }
    return 0;
  }
  const rows = values.from !== undefined ? await reader.incremental(values.from, values.to) : await reader.snapshot(values['as-of']);
  rows.sort((a, b) => (String(a['_hoodie_record_key']) < String(b['_hoodie_record_key']) ? -1 : 1));
  const limit = values.limit !== undefined ? Number(values.limit) : undefined;
  const shown = limit !== undefined && Number.isInteger(limit) && limit >= 0 ? rows.slice(0, limit) : rows;
  if (values.json) {
    for (const r of shown) io.stdout.write(JSON.stringify(Object.fromEntries(Object.entries(r).map(([k, v]) => [k, jsonValue(v)]))) + '\n');
  } else {
    const cols = shown.length > 0 ? Object.keys(shown[0]!) : [];
    io.stdout.write(formatTable(cols, shown.map((r) => cols.map((c) => (r[c] === null || r[c] === undefined ? '' : String(jsonValue(r[c])))))));
    io.stdout.write(`(${rows.length} rows${shown.length < rows.length ? `, ${shown.length} shown` : ''})\n`);
  }
  return 0;
}

/** Opens the table as its writer would, from hoodie.properties and the schema of its last commit, and compacts it. */
async function compact(storage: Storage, io: TableCliIo): Promise<number> {
  const props = (await readTableProperties(storage))!;
  if (props['hoodie.table.type'] !== 'MERGE_ON_READ') {
    io.stderr.write(`tributary table: ${storage.location} is a ${props['hoodie.table.type'] ?? 'COPY_ON_WRITE'} table; only MERGE_ON_READ tables have log files to compact\n`);
    return 1;
  }
  const reader = await HudiTableReader.open(storage, createParquetCodec());
  const last = reader.timeline.completedWrites().at(-1);
  const schemaJson = last ? (await reader.commitMetadata(last)).extraMetadata[SCHEMA_KEY] : undefined;
  if (schemaJson === undefined) {
    io.stdout.write(`${storage.location}: no commit with a schema yet; nothing to compact\n`);
    return 0;
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'tributary-compact-'));
  try {
    const schemaPath = path.join(dir, 'schema.avsc');
    writeFileSync(schemaPath, schemaJson);
    const raw: Record<string, string> = { tablePath: storage.location, schemaPath, 'hoodie.table.type': 'MERGE_ON_READ', 'hoodie.compact.inline': 'false' };
    for (const [table, write] of TABLE_KEYS) if (props[table] !== undefined && props[table] !== '') raw[write] = props[table]!;
    const settings = hudiSinkSettings(hudiSinkConfigDef().parse(raw, { allowUnknown: true }));
    const deps = await openTableDeps(settings, schemaPath, raw);
    try {
      const writer = await openTableWriter(settings, deps, storage, { tableName: props['hoodie.table.name'] ?? '', logger: stderrLogger(io), writerName: 'tributary table compact' });
      try {
        const done = await writer.compact(deps.schema.columns, deps.schema.schemaJson);
        io.stdout.write(done ? `${storage.location}: compacted ${done.files} file group(s) at instant ${done.instant}\n` : `${storage.location}: no file group has log files; nothing to compact\n`);
        return 0;
      } finally {
        writer.close();
        await writer.drained();
      }
    } finally {
      await deps.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Warnings and errors of the writer on stderr, one line each; info and debug are not shown. */
function stderrLogger(io: TableCliIo): Logger {
  const line = (level: string) => (obj: object | string, msg?: string) => void io.stderr.write(`tributary table: ${level}: ${typeof obj === 'string' ? obj : `${msg ?? ''} ${JSON.stringify(obj)}`}\n`);
  const logger: Logger = { debug: () => undefined, info: () => undefined, warn: line('warning'), error: line('error'), child: () => logger };
  return logger;
}

/** hoodie.properties keys and the connector keys that open the table with the same identity. */
const TABLE_KEYS: [string, string][] = [
  ['hoodie.table.name', 'tableName'],
  ['hoodie.database.name', 'hoodie.database.name'],
  ['hoodie.table.recordkey.fields', 'hoodie.datasource.write.recordkey.field'],
  ['hoodie.table.precombine.field', 'hoodie.datasource.write.precombine.field'],
  ['hoodie.table.partition.fields', 'hoodie.datasource.write.partitionpath.field'],
  ['hoodie.table.keygenerator.class', 'hoodie.datasource.write.keygenerator.class'],
  ['hoodie.datasource.write.hive_style_partitioning', 'hoodie.datasource.write.hive_style_partitioning'],
  ['hoodie.datasource.write.partitionpath.urlencode', 'hoodie.datasource.write.partitionpath.urlencode'],
];

function s(n: number | undefined): string {
  return n === undefined ? '' : String(n);
}

function formatTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd() + '\n';
  return line(header) + rows.map(line).join('');
}
