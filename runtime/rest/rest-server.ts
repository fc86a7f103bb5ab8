// The worker's REST API: both dialects (Kafka Connect and RocketMQ Connect) on one express app, every
// route a thin wrapper over the Herder. Invariants: every answer is JSON (or Prometheus text on /metrics),
// every error goes through the one error mapper, request bodies and query strings are never logged (they
// may hold secrets), and the app holds no state of its own, so it can be rebuilt for each test.

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import type { Herder } from '../herder/herder';
import type { Logger } from '../spi';
import { clusterRoutes } from './cluster';
import { logMappedError, mapError, restError } from './error-mapper';
import { kafkaConnectorRoutes } from './kafka-connectors';
import { metricsRoutes } from './metrics-route';
import { openapiRoutes } from './openapi-route';
import { pluginRoutes } from './plugins';
import type { MetricsSource, RestContext } from './rest-context';
import { rocketMqConnectorRoutes } from './rocketmq-connectors';
import { registerRoutes, type RouteDef } from './route-table';

export type { MetricsSource } from './rest-context';

export interface RestAppOptions {
  herder: Herder;
  metrics: MetricsSource;
  logger: Logger;
  /** Largest accepted request body; larger ones are answered 413 without being buffered. */
  maxBodyBytes: number;
  version: string;
  /** Source revision shown by `GET /`; 'unknown' when absent. */
  commit?: string;
  /** Cluster identity shown by `GET /`; defaults to this worker's transport description. */
  cluster?: string;
  /** Readiness for `GET /health`. The Herder interface has no "started" flag, so the caller (which awaits
   *  herder.start()) says when the worker is ready; without it, a herder that answers connectors() is. */
  ready?: () => boolean;
}

/** Every route of the API. The RocketMQ routes come first: their guarded `GET /connectors/{name}?config=`
 *  must be tried before Kafka's unguarded `GET /connectors/{name}` (route-table enforces this). */
export function restRoutes(ctx: RestContext): RouteDef[] {
  return [
    ...clusterRoutes(ctx),
    ...rocketMqConnectorRoutes(ctx),
    ...kafkaConnectorRoutes(ctx),
    ...pluginRoutes(ctx),
    ...metricsRoutes(ctx),
    ...openapiRoutes(ctx.version),
  ];
}

function defaultReady(herder: Herder): () => boolean {
  return () => {
    try {
      herder.connectors();
      return true;
    } catch {
      return false;
    }
  };
}

export function createRestApp(options: RestAppOptions): Express {
  const { herder, logger } = options;
  if (!Number.isSafeInteger(options.maxBodyBytes) || options.maxBodyBytes <= 0) {
    throw new RangeError(`maxBodyBytes must be a positive integer, got ${String(options.maxBodyBytes)}`);
  }
  const ctx: RestContext = {
    herder,
    metrics: options.metrics,
    logger,
    version: options.version,
    commit: options.commit ?? 'unknown',
    ready: options.ready ?? defaultReady(herder),
    ...(options.cluster !== undefined ? { cluster: options.cluster } : {}),
  };

  const app = express();
  app.disable('x-powered-by');
  // State changes under the client's feet (status, offsets); conditional GETs would only serve stale data.
  app.set('etag', false);
  app.set('query parser', 'simple');

  app.use((req: Request, res: Response, next: NextFunction) => {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      // req.path, not req.url: the query string may carry a whole connector config (`?config=`).
      logger.debug({ method: req.method, path: req.path, status: res.statusCode, ms: Math.round(ms * 10) / 10 }, 'REST request');
    });
    next();
  });

  // Every body is JSON whatever its Content-Type: RocketMQ Connect users post with bare `curl -d`, which
  // sends application/x-www-form-urlencoded. Non-strict, so handlers can say which shape was expected.
  app.use(express.json({ limit: options.maxBodyBytes, type: () => true, strict: false }));

  registerRoutes(app, restRoutes(ctx));

  app.use((req: Request, _res: Response, next: NextFunction) => {
    next(restError('NOT_FOUND', `no route for ${req.method} ${req.path}; GET /openapi.json lists the API`));
  });

  // Four parameters: express recognises error handlers by arity.
  app.use((err: unknown, req: Request, res: Response, next: NextFunction) => {
    const mapped = mapError(err);
    logMappedError(logger, mapped, err, { method: req.method, path: req.path });
    if (res.headersSent) {
      // Too late for a status: let express close the connection.
      next(err);
      return;
    }
    res.status(mapped.status).json(mapped.body);
  });

  return app;
}

export interface RestServer {
  /** Base URL, e.g. http://127.0.0.1:8082 (the actual port when 0 was asked for). */
  readonly url: string;
  /** Stops accepting connections and resolves once open requests finished (idle keep-alive connections
   *  are closed at once, busy ones after `shutdownGraceMs`). Idempotent. */
  close(): Promise<void>;
}

export function startRestServer(options: { app: Express; host: string; port: number; shutdownGraceMs?: number }): Promise<RestServer> {
  const { app, host, port } = options;
  const graceMs = options.shutdownGraceMs ?? 5000;
  const server = http.createServer(app);
  return new Promise<RestServer>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      const hint = err.code === 'EADDRINUSE' ? '; another process uses this port: stop it or choose another httpPort' : err.code === 'EADDRNOTAVAIL' ? '; this host is not an address of this machine: check httpHost' : '';
      reject(restError('ILLEGAL_STATE', `REST server cannot listen on ${host}:${port}: ${err.message}${hint}`));
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      const addr = server.address() as AddressInfo;
      const shownHost = addr.family === 'IPv6' || addr.address.includes(':') ? `[${addr.address}]` : addr.address;
      let closing: Promise<void> | undefined;
      resolve({
        url: `http://${shownHost}:${addr.port}`,
        close: () => {
          closing ??= new Promise<void>((done, fail) => {
            const force = setTimeout(() => server.closeAllConnections(), graceMs);
            force.unref();
            server.close((err) => {
              clearTimeout(force);
              if (err) fail(err);
              else done();
            });
            server.closeIdleConnections();
          });
          return closing;
        },
      });
    });
  });
}
