// The worker and its cluster: Kafka's `GET /` and `GET /health`, RocketMQ's `/getClusterInfo` and what this
// worker runs (`/allocated/...`, and the older `/getAllocated...` spellings of the same answers).

import type { Request, Response } from 'express';
import type { ConnectorState } from '../herder/herder';
import { errorCode } from '../spi';
import { sendResult } from './http-result';
import type { RestContext } from './rest-context';
import type { RouteDef } from './route-table';

interface AllocatedTask {
  connector: string;
  task: number;
  state: ConnectorState | string;
  worker_id: string;
  trace?: string;
}

/** RocketMQ Connect groups a worker's tasks by lifecycle; the same groups, from our task states. */
const TASK_GROUPS: Record<string, string> = {
  UNASSIGNED: 'pendingTasks',
  RESTARTING: 'pendingTasks',
  RUNNING: 'runningTasks',
  PAUSED: 'pausedTasks',
  STOPPED: 'stoppedTasks',
  FAILED: 'errorTasks',
};

export function clusterRoutes(ctx: RestContext): RouteDef[] {
  const { herder } = ctx;

  const allocatedConnectors = (_req: Request, res: Response): void => {
    const out: Record<string, Record<string, string>> = {};
    for (const n of herder.allocated().connectors) {
      try {
        out[n] = herder.connectorConfig(n);
      } catch (err) {
        if (errorCode(err) !== 'NOT_FOUND') throw err;
      }
    }
    sendResult(res, out);
  };

  const allocatedTasks = (_req: Request, res: Response): void => {
    const groups: Record<string, AllocatedTask[]> = { pendingTasks: [], runningTasks: [], pausedTasks: [], stoppedTasks: [], errorTasks: [] };
    for (const id of herder.allocated().tasks) {
      try {
        const s = herder.taskStatus(id.connector, id.task);
        const entry: AllocatedTask = { connector: id.connector, task: id.task, state: s.state, worker_id: s.worker_id };
        if (s.trace !== undefined) entry.trace = s.trace;
        (groups[TASK_GROUPS[s.state] ?? 'pendingTasks'] ??= []).push(entry);
      } catch (err) {
        if (errorCode(err) !== 'NOT_FOUND') throw err;
      }
    }
    sendResult(res, groups);
  };

  return [
    {
      method: 'get',
      path: '/',
      handler: (_req, res) => {
        const self = herder.workers().find((w) => w.workerId === herder.workerId);
        res.json({ version: ctx.version, commit: ctx.commit, worker_id: herder.workerId, cluster: ctx.cluster ?? self?.transport ?? null });
      },
    },
    {
      method: 'get',
      path: '/health',
      handler: (_req, res) => {
        let ready: boolean;
        try {
          ready = ctx.ready();
        } catch (err) {
          // A readiness probe that throws means the worker is broken, not starting.
          res.status(500).json({ status: 'unhealthy', message: `Worker health check failed: ${(err as Error).message}` });
          return;
        }
        if (ready) res.json({ status: 'healthy', message: 'Worker has completed startup and is ready to handle requests.' });
        else res.status(503).json({ status: 'starting', message: 'Worker is still starting up.' });
      },
    },
    { method: 'get', path: '/getClusterInfo', handler: (_req, res) => sendResult(res, herder.workers()) },
    { method: 'get', path: '/allocated/connectors', handler: allocatedConnectors },
    { method: 'get', path: '/allocated/tasks', handler: allocatedTasks },
    { method: 'get', path: '/getAllocatedConnectors', handler: allocatedConnectors },
    { method: 'get', path: '/getAllocatedTasks', handler: allocatedTasks },
  ];
}
