// Kafka Connect's connector resource (`/connectors...`): thin wrappers over the Herder with Kafka's status
// codes and bodies, so Kafka tooling and our CLI work unchanged. Paths shared with the RocketMQ dialect
// (`/config`, `/status`, `/tasks` under a connector) answer in Kafka's shape. `GET /connectors/{name}` is
// declared here for the Kafka meaning (info); rocketmq-connectors.ts claims it first when `?config=` is given.

import type { Request, Response } from 'express';
import type { ConnectorInfo, ConnectorOffset, ConnectorStatus, TargetState } from '../herder/herder';
import { errorCode } from '../spi';
import { restError } from './error-mapper';
import type { RestContext } from './rest-context';
import type { RouteDef } from './route-table';
import {
  booleanQuery,
  checkNewConnectorName,
  describeJson,
  isPlainObject,
  pathParam,
  taskId,
  toConfigMap,
  toConfigPatch,
  withName,
} from './request-parsing';

const INITIAL_STATES: Record<string, TargetState> = { RUNNING: 'STARTED', PAUSED: 'PAUSED', STOPPED: 'STOPPED' };

const EXPANSIONS = ['status', 'info'] as const;
type Expansion = (typeof EXPANSIONS)[number];

function expansions(req: Request): Set<Expansion> {
  const raw = req.query.expand;
  const values = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
  const out = new Set<Expansion>();
  for (const v of values) {
    // `expand=status,info` is accepted as well as the repeated parameter Kafka documents.
    for (const part of String(v).split(',')) {
      const p = part.trim();
      if (p === '') continue;
      if (!(EXPANSIONS as readonly string[]).includes(p)) {
        throw restError('BAD_REQUEST', `query parameter expand=${JSON.stringify(p)} is not supported; use status or info`);
      }
      out.add(p as Expansion);
    }
  }
  return out;
}

/** Runs `fn`, treating NOT_FOUND as "gone meanwhile" (the connector was deleted while listing). */
function unlessGone<T>(fn: () => T): T | undefined {
  try {
    return fn();
  } catch (err) {
    if (errorCode(err) === 'NOT_FOUND') return undefined;
    throw err;
  }
}

function parseInitialState(value: unknown): TargetState | undefined {
  if (value === undefined || value === null) return undefined;
  const state = typeof value === 'string' ? INITIAL_STATES[value.trim().toUpperCase()] : undefined;
  if (state === undefined) {
    throw restError('BAD_REQUEST', `initial_state ${JSON.stringify(value)} is not supported; use RUNNING, PAUSED or STOPPED`);
  }
  return state;
}

function parseOffsets(body: unknown): ConnectorOffset[] {
  if (!isPlainObject(body) || !Array.isArray(body.offsets)) {
    throw restError('BAD_REQUEST', `request body must be {"offsets": [{"partition": {...}, "offset": {...} | null}, ...]}, got ${describeJson(isPlainObject(body) ? body.offsets : body)}${isPlainObject(body) ? ' for offsets' : ''}`);
  }
  return body.offsets.map((o: unknown, i: number) => {
    if (!isPlainObject(o) || !isPlainObject(o.partition)) {
      throw restError('BAD_REQUEST', `offsets[${i}].partition must be a JSON object, got ${describeJson(isPlainObject(o) ? o.partition : o)}`);
    }
    if (o.offset !== null && !isPlainObject(o.offset)) {
      throw restError('BAD_REQUEST', `offsets[${i}].offset must be a JSON object or null (null resets that partition), got ${describeJson(o.offset)}`);
    }
    return { partition: o.partition, offset: o.offset } as ConnectorOffset;
  });
}

function sendCreated(res: Response, info: ConnectorInfo): void {
  res.location(`/connectors/${encodeURIComponent(info.name)}`).status(201).json(info);
}

export function kafkaConnectorRoutes(ctx: RestContext): RouteDef[] {
  const { herder } = ctx;
  const name = (req: Request): string => pathParam(req.params, 'name');
  const task = (req: Request): number => taskId(pathParam(req.params, 'task'));
  /** Pause, resume and stop only record a new target state, which the worker then moves towards: 202. */
  const targetStateRoute = (path: string, change: (connector: string) => Promise<void>): RouteDef => ({
    method: 'put',
    path,
    handler: async (req, res) => {
      await change(name(req));
      res.status(202).end();
    },
  });

  return [
    {
      method: 'get',
      path: '/connectors',
      handler: (req, res) => {
        const expand = expansions(req);
        const names = herder.connectors();
        if (expand.size === 0) {
          res.json(names);
          return;
        }
        const out: Record<string, { status?: ConnectorStatus; info?: ConnectorInfo }> = {};
        for (const n of names) {
          const entry: { status?: ConnectorStatus; info?: ConnectorInfo } = {};
          if (expand.has('status')) entry.status = unlessGone(() => herder.connectorStatus(n));
          if (expand.has('info')) entry.info = unlessGone(() => herder.connectorInfo(n));
          if ((expand.has('status') && !entry.status) || (expand.has('info') && !entry.info)) continue;
          out[n] = entry;
        }
        res.json(out);
      },
    },
    {
      method: 'post',
      path: '/connectors',
      handler: async (req, res) => {
        const body: unknown = req.body;
        if (!isPlainObject(body)) throw restError('BAD_REQUEST', `request body must be {"name": ..., "config": {...}}, got ${describeJson(body)}`);
        const connectorName = body.name ?? (isPlainObject(body.config) ? body.config.name : undefined);
        if (typeof connectorName !== 'string' || connectorName.trim() === '') {
          throw restError('BAD_REQUEST', `request body needs a non-empty string "name", got ${describeJson(connectorName)}`);
        }
        if (body.config === undefined) throw restError('BAD_REQUEST', 'request body needs "config": a JSON object of config keys to values');
        checkNewConnectorName(connectorName);
        const config = withName(connectorName, toConfigMap(body.config, 'config'));
        const initialState = parseInitialState(body.initial_state);
        const { info } = await herder.putConnectorConfig(connectorName, config, { allowReplace: false, ...(initialState ? { initialState } : {}) });
        sendCreated(res, info);
      },
    },
    { method: 'get', path: '/connectors/:name', handler: (req, res) => void res.json(herder.connectorInfo(name(req))) },
    {
      method: 'delete',
      path: '/connectors/:name',
      handler: async (req, res) => {
        await herder.deleteConnector(name(req));
        res.status(204).end();
      },
    },
    { method: 'get', path: '/connectors/:name/config', handler: (req, res) => void res.json(herder.connectorConfig(name(req))) },
    {
      method: 'put',
      path: '/connectors/:name/config',
      handler: async (req, res) => {
        const n = name(req);
        checkNewConnectorName(n);
        const config = withName(n, toConfigMap(req.body, 'request body'));
        const { created, info } = await herder.putConnectorConfig(n, config, { allowReplace: true });
        if (created) sendCreated(res, info);
        else res.status(200).json(info);
      },
    },
    {
      method: 'patch',
      path: '/connectors/:name/config',
      handler: async (req, res) => {
        const n = name(req);
        const patch = toConfigPatch(req.body, 'request body');
        if ('name' in patch && patch.name !== n) {
          throw restError('BAD_REQUEST', `config key name cannot be changed or removed by PATCH (connector ${JSON.stringify(n)}); drop it from the patch`);
        }
        res.json(await herder.patchConnectorConfig(n, patch));
      },
    },
    { method: 'get', path: '/connectors/:name/status', handler: (req, res) => void res.json(herder.connectorStatus(name(req))) },
    { method: 'get', path: '/connectors/:name/tasks', handler: (req, res) => void res.json(herder.taskConfigs(name(req))) },
    { method: 'get', path: '/connectors/:name/tasks/:task/status', handler: (req, res) => void res.json(herder.taskStatus(name(req), task(req))) },
    {
      method: 'post',
      path: '/connectors/:name/tasks/:task/restart',
      handler: async (req, res) => {
        await herder.restartTask(name(req), task(req));
        res.status(204).end();
      },
    },
    targetStateRoute('/connectors/:name/pause', (n) => herder.pauseConnector(n)),
    targetStateRoute('/connectors/:name/resume', (n) => herder.resumeConnector(n)),
    targetStateRoute('/connectors/:name/stop', (n) => herder.stopConnector(n)),
    {
      method: 'post',
      path: '/connectors/:name/restart',
      handler: async (req, res) => {
        const includeTasks = booleanQuery(req.query, 'includeTasks', false);
        const onlyFailed = booleanQuery(req.query, 'onlyFailed', false);
        const status = await herder.restartConnector(name(req), { includeTasks, onlyFailed });
        // Kafka's contract: the plain form restarts only the connector and answers 204; asking for tasks
        // or failed-only answers 202 with the status the restart is driving towards.
        if (includeTasks || onlyFailed) res.status(202).json(status);
        else res.status(204).end();
      },
    },
    { method: 'get', path: '/connectors/:name/offsets', handler: async (req, res) => void res.json(await herder.offsets(name(req))) },
    {
      method: 'patch',
      path: '/connectors/:name/offsets',
      handler: async (req, res) => {
        const offsets = parseOffsets(req.body);
        await herder.alterOffsets(name(req), { offsets });
        res.json({ message: 'The offsets for this connector have been altered successfully' });
      },
    },
    {
      method: 'delete',
      path: '/connectors/:name/offsets',
      handler: async (req, res) => {
        await herder.resetOffsets(name(req));
        res.json({ message: 'The offsets for this connector have been reset successfully' });
      },
    },
  ];
}
