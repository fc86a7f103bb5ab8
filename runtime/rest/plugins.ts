// Connector plugins: Kafka's `/connector-plugins` (list, config definition, validate) and RocketMQ's
// `/plugin/list` and `/plugin/reload`. A plugin is named by its short class, an alias, or the Java class
// name the seed uses; the Herder resolves all three.

import type { Request, Response } from 'express';
import type { PluginInfo } from '../herder/herder';
import { restError } from './error-mapper';
import { sendResult } from './http-result';
import type { RestContext } from './rest-context';
import type { RouteDef } from './route-table';
import { booleanQuery, pathParam, toConfigMap } from './request-parsing';

function names(p: PluginInfo): string[] {
  return [p.class, ...p.aliases];
}

export function pluginRoutes(ctx: RestContext): RouteDef[] {
  const { herder } = ctx;
  const pluginType = (req: Request): string => pathParam(req.params, 'type');

  const reload = async (_req: Request, res: Response): Promise<void> => {
    const { plugins, errors } = await herder.reloadPlugins();
    sendResult(res, plugins, { errors });
  };

  return [
    {
      method: 'get',
      path: '/connector-plugins',
      handler: (req, res) => {
        // Only connector plugins are managed by the Herder, so `connectorsOnly=false` lists the same set;
        // the parameter is still validated so a typo is not silently ignored.
        booleanQuery(req.query, 'connectorsOnly', true);
        res.json(herder.plugins().map((p) => ({ class: p.class, type: p.type, version: p.version, aliases: p.aliases })));
      },
    },
    { method: 'get', path: '/connector-plugins/:type/config', handler: (req, res) => void res.json(herder.pluginConfig(pluginType(req))) },
    {
      method: 'put',
      path: '/connector-plugins/:type/config/validate',
      handler: async (req, res) => {
        const type = pluginType(req);
        const config = toConfigMap(req.body, 'request body');
        const given = config['connector.class'] ?? config['connector-class'];
        if (given === undefined) {
          config['connector.class'] = type;
        } else if (given !== type) {
          // Kafka refuses a body naming another plugin than the path; aliases of the same plugin are fine.
          const plugin = herder.plugins().find((p) => names(p).includes(type));
          if (!plugin || !names(plugin).includes(given)) {
            throw restError('BAD_REQUEST', `connector.class ${JSON.stringify(given)} in the body does not match the plugin ${JSON.stringify(type)} in the path; drop the key or make them name the same plugin`);
          }
        }
        // Field errors are part of a 200 answer (error_count > 0), as in Kafka Connect.
        res.json(await herder.validateConfig(type, config));
      },
    },
    {
      method: 'get',
      path: '/plugin/list',
      // Load errors ride next to the RocketMQ-shaped body so a broken plugin is visible without a log dive.
      handler: (_req, res) => sendResult(res, herder.plugins(), { errors: herder.pluginErrors() }),
    },
    { method: 'get', path: '/plugin/reload', handler: reload },
    { method: 'post', path: '/plugin/reload', handler: reload },
  ];
}
