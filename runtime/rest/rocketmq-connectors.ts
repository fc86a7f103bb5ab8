// RocketMQ Connect's connector routes, as the seed's scripts call them: create with
// `GET /connectors/{name}?config=<json>` or `POST /connectors/{name}`, `GET .../stop` (which deletes, as in
// RocketMQ Connect), pause/resume by GET, the `/all` variants and the listing. Successful answers keep
// RocketMQ's `{status, body}` envelope; errors carry real HTTP status codes. `/connectors/{name}/config`,
// `/status` and `/tasks` are shared with the Kafka dialect and declared (in Kafka's shape) there.

import type { Request } from 'express';
import type { ConnectorInfo, ConnectorStatus } from '../herder/herder';
import { errorCode } from '../spi';
import { restError } from './error-mapper';
import { sendResult } from './http-result';
import type { RestContext } from './rest-context';
import type { RouteDef } from './route-table';
import { checkNewConnectorName, describeJson, isPlainObject, parseJsonParam, pathParam, singleQuery, toConfigMap, withName } from './request-parsing';

/** The config map of a RocketMQ-dialect create: the JSON object itself, or `{config: {...}}`. */
function createConfig(value: unknown, what: string): Record<string, string> {
  // An empty body reaches us as {} (body-parser's reading of zero bytes): both mean "no config given".
  if (value === undefined || (isPlainObject(value) && Object.keys(value).length === 0)) {
    throw restError('BAD_REQUEST', `${what} is required: a non-empty JSON object of config keys to values`);
  }
  if (isPlainObject(value) && isPlainObject(value.config)) {
    const extra = Object.keys(value).filter((k) => k !== 'config' && k !== 'name');
    if (extra.length > 0) {
      throw restError('BAD_REQUEST', `${what} mixes {"config": {...}} with top-level keys ${extra.map((k) => JSON.stringify(k)).join(', ')}; put every key inside "config"`);
    }
    const config = toConfigMap(value.config, `${what} "config"`);
    if (value.name !== undefined) {
      if (typeof value.name !== 'string') throw restError('BAD_REQUEST', `${what} "name" must be a string, got ${describeJson(value.name)}`);
      if (config.name !== undefined && config.name !== value.name) {
        throw restError('BAD_REQUEST', `${what} "name" ${JSON.stringify(value.name)} differs from config name ${JSON.stringify(config.name)}; give one name`);
      }
      return { ...config, name: value.name };
    }
    return config;
  }
  return toConfigMap(value, what);
}

export function rocketMqConnectorRoutes(ctx: RestContext): RouteDef[] {
  const { herder } = ctx;
  const name = (req: Request): string => pathParam(req.params, 'name');

  const create = async (connectorName: string, raw: Record<string, string>): Promise<ConnectorInfo> => {
    checkNewConnectorName(connectorName);
    // RocketMQ Connect's create also updates an existing connector, so replacing is allowed here.
    const { info } = await herder.putConnectorConfig(connectorName, withName(connectorName, raw), { allowReplace: true });
    return info;
  };

  /** Applies `action` to every connector; one deleted meanwhile is not an error. */
  const forAll = async (action: (n: string) => Promise<void>): Promise<string[]> => {
    const done: string[] = [];
    for (const n of herder.connectors()) {
      try {
        await action(n);
        done.push(n);
      } catch (err) {
        if (errorCode(err) !== 'NOT_FOUND') throw err;
      }
    }
    return done;
  };

  /** RocketMQ's per-connector commands by GET, answering `Connector [<name>] <done> successfully`. */
  const connectorCommand = (path: string, action: (connector: string) => Promise<void>, done: string): RouteDef => ({
    method: 'get',
    path,
    handler: async (req, res) => {
      const n = name(req);
      await action(n);
      sendResult(res, `Connector [${n}] ${done} successfully`);
    },
  });

  return [
    {
      method: 'get',
      path: '/connectors/list',
      handler: (req, res) => {
        // `GET /connectors/list?config=...` is a create of a connector named "list": refuse it loudly
        // rather than answering with the listing.
        if (req.query.config !== undefined) checkNewConnectorName('list');
        const out: Record<string, { status: ConnectorStatus; info: ConnectorInfo }> = {};
        for (const n of herder.connectors()) {
          try {
            out[n] = { status: herder.connectorStatus(n), info: herder.connectorInfo(n) };
          } catch (err) {
            if (errorCode(err) !== 'NOT_FOUND') throw err;
          }
        }
        sendResult(res, out);
      },
    },
    {
      method: 'get',
      path: '/connectors/stop/all',
      handler: async (_req, res) => {
        const done = await forAll((n) => herder.deleteConnector(n));
        sendResult(res, done.length === 0 ? 'No connector to delete' : `Connectors [${done.join(', ')}] deleted successfully`);
      },
    },
    {
      method: 'get',
      path: '/connectors/pause/all',
      handler: async (_req, res) => {
        const done = await forAll((n) => herder.pauseConnector(n));
        sendResult(res, `${done.length} connectors paused`);
      },
    },
    {
      method: 'get',
      path: '/connectors/resume/all',
      handler: async (_req, res) => {
        const done = await forAll((n) => herder.resumeConnector(n));
        sendResult(res, `${done.length} connectors resumed`);
      },
    },
    {
      // Guarded: without `?config=` this is Kafka's "get connector info" (kafka-connectors.ts).
      method: 'get',
      path: '/connectors/:name',
      guard: (req) => req.query.config !== undefined,
      handler: async (req, res) => {
        const raw = singleQuery(req.query, 'config') ?? '';
        const info = await create(name(req), createConfig(parseJsonParam(raw, 'config'), 'query parameter config'));
        sendResult(res, info);
      },
    },
    {
      method: 'post',
      path: '/connectors/:name',
      handler: async (req, res) => {
        const info = await create(name(req), createConfig(req.body, 'request body'));
        sendResult(res, info);
      },
    },
    // `stop` deletes the connector, as in RocketMQ Connect.
    connectorCommand('/connectors/:name/stop', (n) => herder.deleteConnector(n), 'deleted'),
    connectorCommand('/connectors/:name/pause', (n) => herder.pauseConnector(n), 'paused'),
    connectorCommand('/connectors/:name/resume', (n) => herder.resumeConnector(n), 'resumed'),
    {
      // The older RocketMQ Connect API: every connector config and its task configs.
      method: 'get',
      path: '/getConfigInfo',
      handler: (_req, res) => {
        const connectorConfigs: Record<string, Record<string, string>> = {};
        const taskConfigs: Record<string, Record<string, string>[]> = {};
        for (const n of herder.connectors()) {
          try {
            connectorConfigs[n] = herder.connectorConfig(n);
            taskConfigs[n] = herder.taskConfigs(n).map((t) => t.config);
          } catch (err) {
            if (errorCode(err) !== 'NOT_FOUND') throw err;
          }
        }
        sendResult(res, { connectorConfigs, taskConfigs });
      },
    },
  ];
}
