// The archived timeline: `.hoodie/archived/.commits_.archive.N_<token>`, log files of Avro data blocks (SCHEMA header
// only) holding one HoodieArchivedMetaEntry per archived instant file, as Hudi 0.14/0.15's HoodieTimelineArchiver
// writes them. Each archival run writes a new version (N+1), whole or not at all, so a torn append never corrupts an
// earlier run. An instant archived twice (a run that crashed before removing the active files, then ran again) is
// read once: entries are keyed by instant time, action and state.

import * as avsc from 'avsc';
import { ConnectError, errorCode } from '../../../runtime/spi';
import { avroDataBlockBodies, avroDataBlockContent } from '../log/avro-data-block';
import { decodeLogFile, encodeLogBlock } from '../log/log-block';
import { logFileName, parseLogFileName } from '../log/log-file-name';
import type { Storage } from '../storage/storage';
import { ARCHIVED_META_ENTRY, ROLLING_STAT_METADATA_KEY, encodeArchivedMetaEntry, type HoodieArchivedMetaEntry } from './archived-meta-entry';
import type { CommitMetadata, OperationType } from './commit-metadata';
import { METAFOLDER } from './timeline';

export const ARCHIVE_FOLDER = `${METAFOLDER}/archived`;
/** hoodie.commits.archival.batch: entries per data block. */
export const ARCHIVAL_BATCH = 10;
/** Hudi's archive writer token: one writer per archive file, no Spark task to name. */
const ARCHIVE_WRITE_TOKEN = '1-0-1';

export interface ArchiveFile {
  path: string;
  version: number;
}

/** The archive files, oldest version first (the order Hudi's archived timeline reads them in). */
export async function listArchiveFiles(storage: Storage): Promise<ArchiveFile[]> {
  const out: ArchiveFile[] = [];
  for (const f of await storage.list(ARCHIVE_FOLDER)) {
    const n = parseLogFileName(f.path.slice(ARCHIVE_FOLDER.length + 1));
    if (n?.extension === 'archive' && n.fileId === 'commits') out.push({ path: f.path, version: n.version });
  }
  return out.sort((a, b) => a.version - b.version);
}

/** Writes `entries` as the next archive file version; returns its path. */
export async function writeArchiveFile(storage: Storage, entries: readonly HoodieArchivedMetaEntry[]): Promise<string> {
  const blocks: Buffer[] = [];
  for (let i = 0; i < entries.length; i += ARCHIVAL_BATCH) {
    const content = avroDataBlockContent({ encode: encodeArchivedMetaEntry }, entries.slice(i, i + ARCHIVAL_BATCH));
    blocks.push(encodeLogBlock({ type: 'avro-data', header: { SCHEMA: ARCHIVED_META_ENTRY.schemaString }, content }));
  }
  const data = Buffer.concat(blocks);
  for (let attempt = 0; ; attempt++) {
    const files = await listArchiveFiles(storage);
    const version = (files[files.length - 1]?.version ?? 0) + 1;
    const path = `${ARCHIVE_FOLDER}/${logFileName({ fileId: 'commits', baseInstant: '', version, writeToken: ARCHIVE_WRITE_TOKEN, extension: 'archive' })}`;
    try {
      await storage.createExclusive(path, data);
      return path;
    } catch (err) {
      // Another writer's archival took this version between our listing and our create: take the next one.
      if (errorCode(err) !== 'ALREADY_EXISTS' || attempt >= 5) throw err;
    }
  }
}

const resolvers = new Map<string, avsc.Resolver | null>();

/** Decodes one entry written under `writerSchema` (Hudi's own, or an older or newer version of it). */
function decodeEntry(body: Buffer, writerSchema: string, where: string): HoodieArchivedMetaEntry {
  let resolver = resolvers.get(writerSchema);
  if (resolver === undefined) {
    resolver = writerSchema === ARCHIVED_META_ENTRY.schemaString ? null : ARCHIVED_META_ENTRY.type.createResolver(avsc.Type.forSchema(JSON.parse(writerSchema) as avsc.Schema, { wrapUnions: false }));
    resolvers.set(writerSchema, resolver);
  }
  const { value, offset } = (resolver === null ? ARCHIVED_META_ENTRY.type.decode(body, 0) : ARCHIVED_META_ENTRY.type.decode(body, 0, resolver)) as { value: HoodieArchivedMetaEntry; offset: number };
  if (offset !== body.length) throw new ConnectError('ILLEGAL_STATE', `${where}: an archived entry does not decode (${offset < 0 ? 'truncated' : `${body.length - offset} bytes left over`})`);
  return value;
}

/** Every entry of the archived timeline, once each, ordered by instant time then state. Corrupt blocks (a torn
 *  archive file of a writer that died) are skipped, as Hudi's reader skips them. */
export async function readArchivedEntries(storage: Storage): Promise<HoodieArchivedMetaEntry[]> {
  const byKey = new Map<string, HoodieArchivedMetaEntry>();
  for (const f of await listArchiveFiles(storage)) {
    for (const block of decodeLogFile(await storage.readFile(f.path))) {
      if (block.type !== 'avro-data') continue;
      const schema = block.header.SCHEMA;
      if (schema === undefined) throw new ConnectError('ILLEGAL_STATE', `${f.path}: a data block at offset ${block.offset} has no SCHEMA header; this is not an archive Hudi or Tributary wrote`);
      for (const body of avroDataBlockBodies(block.content)) {
        const e = decodeEntry(body, schema, f.path);
        byKey.set(`${e.commitTime}.${e.actionType}.${e.actionState}`, e);
      }
    }
  }
  const order = ['REQUESTED', 'INFLIGHT', 'COMPLETED'];
  return [...byKey.values()].sort((a, b) => (a.commitTime! < b.commitTime! ? -1 : a.commitTime! > b.commitTime! ? 1 : order.indexOf(a.actionState!) - order.indexOf(b.actionState!)));
}

/**
 * The commit metadata of an archived completed commit or deltacommit, as far as the archive keeps it: extraMetadata
 * (schema, consumed positions, writer) and the operation; write stats are not carried over (nothing that reads an
 * archived commit plans files from it: its slices are in the file-system view already, or cleaned).
 */
export function archivedCommitMetadata(e: HoodieArchivedMetaEntry): CommitMetadata | undefined {
  if (e.actionState !== 'COMPLETED' || (e.actionType !== 'commit' && e.actionType !== 'deltacommit') || !e.hoodieCommitMetadata) return undefined;
  const { [ROLLING_STAT_METADATA_KEY]: _rolling, ...extraMetadata } = e.hoodieCommitMetadata.extraMetadata ?? {};
  const op = e.hoodieCommitMetadata.operationType;
  return { partitionToWriteStats: {}, compacted: op === 'COMPACT', extraMetadata, operationType: (op ?? 'UPSERT') as OperationType };
}
