// Applies a connector's errors.tolerance to a record-level failure (conversion, transform, or a record
// the task reports through the errant-record reporter). tolerance=none rethrows, failing the task;
// tolerance=all counts the record as skipped and optionally logs where it came from (never its body).

import { DataError, errorTrace, type Logger } from '../spi';
import type { ConnectMetrics, ErrorStage } from '../observability/metrics';

export interface RecordCoordinates {
  topic: string;
  queue?: string;
  offset?: number;
  sourcePartition?: unknown;
  sourcePosition?: unknown;
}

export class ErrorHandler {
  constructor(
    private readonly opts: { tolerance: 'none' | 'all'; log: boolean; connector: string; task: number },
    private readonly metrics: ConnectMetrics,
    private readonly logger: Logger,
  ) {}

  /** Returns normally when the record is to be skipped; throws when the task must fail. */
  handle(stage: ErrorStage, where: RecordCoordinates, err: unknown): void {
    this.metrics.error(this.opts.connector, this.opts.task, stage);
    const message = err instanceof Error ? err.message : String(err);
    if (this.opts.tolerance === 'none') {
      throw new DataError(`${stage} failed for the record at ${describe(where)}: ${message} (errors.tolerance=none fails the task; set errors.tolerance=all to skip such records)`, err);
    }
    this.metrics.recordSkipped(this.opts.connector, this.opts.task);
    if (this.opts.log) this.logger.warn({ stage, ...where, error: message, trace: errorTrace(err) }, 'record skipped (errors.tolerance=all)');
  }
}

function describe(w: RecordCoordinates): string {
  if (w.queue !== undefined) return `topic ${w.topic} queue ${w.queue} offset ${w.offset}`;
  if (w.sourcePartition !== undefined) return `source partition ${JSON.stringify(w.sourcePartition)} position ${JSON.stringify(w.sourcePosition)}`;
  return `topic ${w.topic}`;
}
