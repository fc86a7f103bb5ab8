// Avro-serialized timeline metadata (rollback and clean instants), as Hudi 0.x writes them: Avro
// container files whose records use Hudi's record names, so Hudi's readers resolve them against
// their own schemas. The schemas here are our own declarations of the same wire format.
// STATUS: interface fixed; implementation pending (see the functions below).

export interface RollbackPlanInput {
  /** The instant being rolled back. */
  instantToRollback: { commitTime: string; action: string };
  /** Files to delete, per partition. */
  filesToDelete: { partitionPath: string; files: string[] }[];
}

export interface RollbackMetadataInput {
  startRollbackTime: string;
  timeTakenInMillis: number;
  commitsRollback: string[];
  /** The instants rolled back with their action (instantsRollback). */
  instants: { commitTime: string; action: string }[];
  partitions: { partitionPath: string; successDeleteFiles: string[]; failedDeleteFiles: string[] }[];
}

export interface CleanerPlanInput {
  earliestInstantToRetain: { timestamp: string; action: string; state: string } | undefined;
  lastCompletedCommitTimestamp: string;
  policy: string;
  /** Files to delete per partition (full file paths relative to the base path, or file names, as Hudi does). */
  filePathsToBeDeletedPerPartition: { partitionPath: string; files: { filePath: string; isBootstrapBaseFile: boolean }[] }[];
}

export interface CleanMetadataInput {
  startCleanTime: string;
  timeTakenInMillis: number;
  totalFilesDeleted: number;
  earliestCommitToRetain: string;
  lastCompletedCommitTimestamp: string;
  policy: string;
  partitions: { partitionPath: string; policy: string; deletePathPatterns: string[]; successDeleteFiles: string[]; failedDeleteFiles: string[]; isPartitionDeleted: boolean }[];
}

function pending(what: string): never {
  throw new Error(`${what}: Avro timeline metadata serialization is not implemented yet`);
}

export function serializeRollbackPlan(_p: RollbackPlanInput): Buffer {
  return pending('serializeRollbackPlan');
}
export function serializeRollbackMetadata(_m: RollbackMetadataInput): Buffer {
  return pending('serializeRollbackMetadata');
}
export function serializeCleanerPlan(_p: CleanerPlanInput): Buffer {
  return pending('serializeCleanerPlan');
}
export function serializeCleanMetadata(_m: CleanMetadataInput): Buffer {
  return pending('serializeCleanMetadata');
}
