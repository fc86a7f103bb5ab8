// The named steps of a commit where crash tests inject a failure (a thrown fault, or a process kill in
// the integration tests). A fault thrown at a point stands for the process dying there: the writer leaves
// storage exactly as a crash would and does no clean-up of its own, so the next open must recover.

export const FAULT_POINTS = [
  'after-requested',
  'after-inflight',
  'after-data-file',
  'after-data-files',
  'before-commit-check',
  'after-commit',
  'after-clean-requested',
  'after-clean',
  'after-compaction-requested',
  'after-compaction-file',
  'after-compaction',
  'after-archive-file',
  'after-archive-pending-deleted',
] as const;

export type FaultPoint = (typeof FAULT_POINTS)[number];
