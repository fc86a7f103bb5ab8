// Prometheus metrics of one worker, in their own registry (no global default registry, so several
// workers can live in one process in tests). Labels: connector, task; lag also by topic queue.

import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export type ErrorStage = 'convert' | 'transform' | 'task' | 'transport' | 'commit';

export class ConnectMetrics {
  readonly registry = new Registry();
  private readonly recordsIn: Counter<'connector' | 'task'>;
  private readonly recordsOut: Counter<'connector' | 'task'>;
  private readonly errorCount: Counter<'connector' | 'task' | 'stage'>;
  private readonly skipped: Counter<'connector' | 'task'>;
  private readonly batch: Histogram<'connector' | 'task'>;
  private readonly commit: Histogram<'connector' | 'task'>;
  private readonly lagGauge: Gauge<'connector' | 'task' | 'topic' | 'queue'>;
  private readonly taskState: Gauge<'connector' | 'task' | 'state'>;
  private readonly held: Gauge<'connector' | 'task'>;

  constructor(options: { defaultMetrics?: boolean } = {}) {
    const registers = [this.registry];
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry, prefix: 'tributary_process_' });
    this.recordsIn = new Counter({ name: 'tributary_task_records_in_total', help: 'Records read by a task: polled from the source, or received from topics by a sink', labelNames: ['connector', 'task'], registers });
    this.recordsOut = new Counter({ name: 'tributary_task_records_out_total', help: 'Records written by a task: sent to a topic by a source, or handed to the sink by a sink task', labelNames: ['connector', 'task'], registers });
    this.errorCount = new Counter({ name: 'tributary_task_errors_total', help: 'Record or task errors by stage', labelNames: ['connector', 'task', 'stage'], registers });
    this.skipped = new Counter({ name: 'tributary_task_records_skipped_total', help: 'Records skipped under errors.tolerance=all', labelNames: ['connector', 'task'], registers });
    this.batch = new Histogram({ name: 'tributary_task_batch_size', help: 'Records per poll (source) or put (sink)', labelNames: ['connector', 'task'], buckets: [1, 10, 100, 500, 1000, 5000, 10000, 50000], registers });
    this.commit = new Histogram({ name: 'tributary_task_commit_latency_seconds', help: 'Time to commit positions (source) or flush and commit offsets (sink)', labelNames: ['connector', 'task'], buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10], registers });
    this.lagGauge = new Gauge({ name: 'tributary_sink_queue_lag_records', help: 'Records in a topic queue not yet committed by the sink task that owns it', labelNames: ['connector', 'task', 'topic', 'queue'], registers });
    this.held = new Gauge({ name: 'tributary_sink_backpressure', help: '1 while a sink task\'s reading is paused because it holds max.inflight.records or max.inflight.bytes not yet written', labelNames: ['connector', 'task'], registers });
    this.taskState = new Gauge({ name: 'tributary_task_state', help: '1 for the current state of each task', labelNames: ['connector', 'task', 'state'], registers });
  }

  recordsRead(connector: string, task: number, n: number): void {
    if (n > 0) this.recordsIn.inc({ connector, task: String(task) }, n);
  }
  recordsWritten(connector: string, task: number, n: number): void {
    if (n > 0) this.recordsOut.inc({ connector, task: String(task) }, n);
  }
  error(connector: string, task: number, stage: ErrorStage, n = 1): void {
    this.errorCount.inc({ connector, task: String(task), stage }, n);
  }
  recordSkipped(connector: string, task: number, n = 1): void {
    this.skipped.inc({ connector, task: String(task) }, n);
  }
  batchSize(connector: string, task: number, n: number): void {
    this.batch.observe({ connector, task: String(task) }, n);
  }
  commitLatency(connector: string, task: number, seconds: number): void {
    this.commit.observe({ connector, task: String(task) }, seconds);
  }
  lag(connector: string, task: number, topic: string, queue: string, records: number): void {
    this.lagGauge.set({ connector, task: String(task), topic, queue }, records);
  }
  backpressure(connector: string, task: number, paused: boolean): void {
    this.held.set({ connector, task: String(task) }, paused ? 1 : 0);
  }
  state(connector: string, task: number, state: string): void {
    this.taskState.remove({ connector, task: String(task) } as never);
    for (const s of ['UNASSIGNED', 'RUNNING', 'PAUSED', 'STOPPED', 'FAILED', 'RESTARTING']) {
      this.taskState.set({ connector, task: String(task), state: s }, s === state ? 1 : 0);
    }
  }
  /** Drop all series of a deleted connector. */
  forget(connector: string): void {
    for (const m of [this.recordsIn, this.recordsOut, this.errorCount, this.skipped, this.batch, this.commit, this.lagGauge, this.taskState, this.held]) {
      (m as unknown as { remove(l: Record<string, string>): void }).remove({ connector });
    }
  }
  async text(): Promise<string> {
    return this.registry.metrics();
  }
  get contentType(): string {
    return this.registry.contentType;
  }
}
