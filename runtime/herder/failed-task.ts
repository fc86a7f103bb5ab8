// Stands in for a task that could not even be built (unknown converter, transform config, a plugin
// whose createTask throws): it goes through the normal lifecycle straight to FAILED with the trace, so
// status and restart treat it like any other failed task.

import { WorkerTask, type WorkerTaskDeps } from '../worker/worker-task';

export class FailedTask extends WorkerTask {
  constructor(connector: string, taskId: number, private readonly error: unknown, deps: WorkerTaskDeps) {
    super(connector, taskId, deps);
  }

  protected async initialize(): Promise<void> {
    throw this.error;
  }

  protected async iterate(): Promise<void> {}

  protected async close(): Promise<void> {}
}
