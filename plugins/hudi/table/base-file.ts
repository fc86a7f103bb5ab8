// Base file names: `<fileId>_<writeToken>_<instantTime>.parquet`. A file group is (partition, fileId);
// each commit that touches it writes a new file slice with the same fileId and a newer instant time.
// Neither fileId nor write token contains '_', so the name splits unambiguously.

import { randomUUID } from 'node:crypto';

export interface BaseFile {
  partitionPath: string;
  fileId: string;
  writeToken: string;
  instantTime: string;
  /** Relative to the table base path. */
  path: string;
  size: number;
}

export const BASE_FILE_EXT = '.parquet';

export function newFileId(): string {
  // Hudi's file ids are a UUID plus a "-<n>" suffix for the nth file of a write handle.
  return `${randomUUID()}-0`;
}

/** Hudi's write token: <task partition id>-<stage id>-<attempt id>. */
export function writeToken(taskPartition: number, stage: number, attempt: number): string {
  return `${taskPartition}-${stage}-${attempt}`;
}

export function baseFileName(fileId: string, token: string, instantTime: string): string {
  return `${fileId}_${token}_${instantTime}${BASE_FILE_EXT}`;
}

export function joinPath(partitionPath: string, name: string): string {
  return partitionPath === '' ? name : `${partitionPath}/${name}`;
}

export function parseBaseFileName(name: string): { fileId: string; writeToken: string; instantTime: string } | undefined {
  if (!name.endsWith(BASE_FILE_EXT)) return undefined;
  const parts = name.slice(0, -BASE_FILE_EXT.length).split('_');
  if (parts.length !== 3) return undefined;
  const [fileId, token, instantTime] = parts as [string, string, string];
  if (!/^\d{14,17}$/.test(instantTime)) return undefined;
  return { fileId, writeToken: token, instantTime };
}
