// What source and sink tasks share: the plugin task they drive, its config, the converters and
// transforms records pass through, and the errors.tolerance handling applied to each record.

import type { ConnectRecord, Converter } from '../spi';
import type { FrameworkConfig } from '../config/connector-config';
import type { ConnectMetrics } from '../observability/metrics';
import type { Transport } from '../transport/transport';
import { ErrorHandler } from './error-handler';
import type { PathResolver } from './path-guard';
import type { TransformChain } from './transform-chain';
import { WorkerTask, type WorkerTaskDeps } from './worker-task';

export interface PipelineDeps<R extends ConnectRecord> extends WorkerTaskDeps {
  transport: Transport;
  metrics: ConnectMetrics;
  commitIntervalMs: number;
  resolvePath: PathResolver;
  clientDefaults?: Readonly<Record<string, string>>;
  keyConverter: Converter;
  valueConverter: Converter;
  transforms: TransformChain<R>;
}

export abstract class PipelineTask<R extends ConnectRecord, T, D extends PipelineDeps<R>> extends WorkerTask {
  protected readonly errors: ErrorHandler;

  constructor(
    connector: string,
    taskId: number,
    protected readonly task: T,
    protected readonly taskConfig: Record<string, string>,
    protected readonly fw: FrameworkConfig,
    protected readonly deps: D,
  ) {
    super(connector, taskId, deps);
    this.errors = new ErrorHandler({ tolerance: fw.errorsTolerance, log: fw.errorsLog, connector, task: taskId }, deps.metrics, this.logger);
  }
}
