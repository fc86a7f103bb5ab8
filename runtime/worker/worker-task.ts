// The runtime side of one task: its lifecycle, the run loop, pause/resume and stop. Subclasses supply
// initialise / iterate / close. A failure anywhere in a task makes that task FAILED with the error
// trace and touches nothing else; stop waits for the current iteration to finish (bounded), then closes.

import { errorTrace, type Logger } from '../spi';
import { Lifecycle, type ConnectorState } from './lifecycle';
import type { Clock } from './clock';
import { withRetry, type RetryPolicy } from './retry';

export type TaskTarget = 'STARTED' | 'PAUSED';

export interface WorkerTaskDeps {
  logger: Logger;
  clock: Clock;
  onState: (state: ConnectorState, trace: string | undefined) => void;
  /** From the connector's errors.retry.* keys. */
  retryPolicy: RetryPolicy;
}

export abstract class WorkerTask {
  readonly lifecycle: Lifecycle;
  protected readonly logger: Logger;
  protected readonly clock: Clock;
  private target: TaskTarget = 'STARTED';
  private stopRequested = false;
  private loop: Promise<void> | undefined;
  private done = false;
  private wakeUp: (() => void) | undefined;
  private readonly retryPolicy: RetryPolicy;

  constructor(
    readonly connector: string,
    readonly taskId: number,
    deps: WorkerTaskDeps,
  ) {
    this.logger = deps.logger.child({ connector, task: taskId });
    this.clock = deps.clock;
    this.retryPolicy = deps.retryPolicy;
    this.lifecycle = new Lifecycle(`task ${connector}-${taskId}`, deps.onState);
  }

  protected abstract initialize(): Promise<void>;
  /** One unit of work (a poll and its send, a receive and its put). */
  protected abstract iterate(): Promise<void>;
  /** Called when the loop ends for a stop (clean = true: commit what was done) or after a failure. */
  protected abstract close(clean: boolean): Promise<void>;
  /** Called when the task goes from running to paused (e.g. to commit what it has). */
  protected async onPause(): Promise<void> {}

  get stopping(): boolean {
    return this.stopRequested;
  }

  /**
   * Starts the run loop; resolves at once (initialisation happens in the loop). `after`: the previous
   * instance of this task, still running because it did not stop in time. This one starts only once that
   * one has ended: two instances of one task must never run at once (two writers of one table, each
   * working on a view the other is changing, lose each other's updates).
   */
  start(target: TaskTarget, after?: Promise<void>): void {
    this.target = target;
    if (after) this.logger.warn('the previous instance of this task has not ended yet (it did not stop within taskShutdownTimeoutMs); this one starts when it has');
    const loop = after ? after.then(() => (this.stopRequested ? undefined : this.run())) : this.run();
    this.loop = loop.finally(() => {
      this.done = true;
    });
  }

  /** Resolves when the run loop has ended (closed), however long after stop() stopped waiting for it. */
  get finished(): Promise<void> {
    return this.loop ?? Promise.resolve();
  }

  /** The run loop has ended (or was never started). */
  get ended(): boolean {
    return this.done || this.loop === undefined;
  }

  pause(): void {
    this.target = 'PAUSED';
    this.wake();
  }

  resume(): void {
    this.target = 'STARTED';
    this.wake();
  }

  /** Stops the loop, waiting at most timeoutMs for the current iteration; resolves when closed. */
  async stop(timeoutMs: number): Promise<void> {
    this.stopRequested = true;
    this.wake();
    if (!this.loop) return;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
    const result = await Promise.race([this.loop.then(() => 'done' as const), timedOut]);
    clearTimeout(timer);
    if (result === 'timeout') this.logger.error({ timeoutMs }, 'task did not stop within taskShutdownTimeoutMs; it ends in the background, and a new instance of it starts only once it has');
  }

  /** Sleeps up to ms, returning early on stop, pause or resume. */
  protected async idle(ms: number): Promise<void> {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      const prev = this.wakeUp;
      this.wakeUp = done;
      function done(): void {
        clearTimeout(timer);
        resolve();
        prev?.();
      }
    });
  }

  /** Calls fn, retrying retriable errors per the connector's policy; sleeps are cut short by stop. */
  protected retry<T>(what: string, fn: () => Promise<T>): Promise<T> {
    return withRetry(what, fn, this.retryPolicy, {
      logger: this.logger,
      stopping: () => this.stopping,
      sleep: (ms) => this.idle(ms),
      now: () => this.clock.now(),
    });
  }

  private wake(): void {
    const w = this.wakeUp;
    this.wakeUp = undefined;
    w?.();
  }

  private async run(): Promise<void> {
    let clean = false;
    try {
      await this.initialize();
      let paused = this.target === 'PAUSED';
      this.lifecycle.transition(paused ? 'PAUSED' : 'RUNNING');
      while (!this.stopRequested) {
        if (this.target === 'PAUSED') {
          if (!paused) {
            await this.onPause();
            this.lifecycle.transition('PAUSED');
            paused = true;
          }
          await this.idle(1000);
          continue;
        }
        if (paused) {
          this.lifecycle.transition('RUNNING');
          paused = false;
        }
        await this.iterate();
      }
      clean = true;
    } catch (err) {
      this.logger.error({ err: errorTrace(err) }, 'task failed');
      this.lifecycle.tryTransition('FAILED', errorTrace(err));
    }
    try {
      await this.close(clean);
    } catch (err) {
      this.logger.error({ err: errorTrace(err) }, 'task failed while closing');
      this.lifecycle.tryTransition('FAILED', errorTrace(err));
    }
  }
}
