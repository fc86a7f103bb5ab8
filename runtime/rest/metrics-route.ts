// `GET /metrics`: the worker's Prometheus registry in the text exposition format, for scraping.

import type { RestContext } from './rest-context';
import type { RouteDef } from './route-table';

export function metricsRoutes(ctx: RestContext): RouteDef[] {
  return [
    {
      method: 'get',
      path: '/metrics',
      handler: async (_req, res) => {
        const text = await ctx.metrics.text();
        res.status(200).type(ctx.metrics.contentType).send(text);
      },
    },
  ];
}
