// `tributary table`: look at a Hudi table without Spark — its timeline (instants, operation, counts,
// consumed positions) and its rows as a snapshot, as of an instant (time travel) or incrementally.
// Reads the table files directly; no worker is needed.

import { parseArgs } from 'node:util';
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
  if (values.help || !command || !tablePath || !['timeline', 'read'].includes(command)) {
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

function s(n: number | undefined): string {
  return n === undefined ? '' : String(n);
}

function formatTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd() + '\n';
  return line(header) + rows.map(line).join('');
}
