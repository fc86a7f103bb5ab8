// The worker process: reads the worker config, opens the stores and the transport, loads plugins,
// starts the herder and the REST API, and stops all of it cleanly on SIGTERM/SIGINT.
// Exit codes: 0 clean stop, 1 unexpected error, 2 invalid configuration, 3 cannot start (store locked,
// port in use, unsupported setup), 130/143 second signal during shutdown.

import { mkdirSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { errorCode, errorTrace, type Logger } from './spi';
import { loadWorkerConfig, type WorkerConfig } from './config/worker-config';
import { StandaloneHerder } from './herder/standalone-herder';
import { ConnectMetrics } from './observability/metrics';
import { createLogger } from './observability/logger';
import { PluginRegistry } from './plugins/plugin-registry';
import { builtinPluginsPath } from './plugins/dist-layout';
import { installSpiResolver } from './plugins/spi-resolver';
import { createRestApp, startRestServer, type RestServer } from './rest/rest-server';
import { FileConfigStore } from './stores/file-config-store';
import { FileStatusStore } from './stores/file-status-store';
import { ClusterCoordinator } from './cluster/coordinator';
import type { ConfigStore } from './stores/config-store';
import { FilePositionStore, type PositionStore } from './stores/file-position-store';
import type { StatusStore } from './stores/status-store';
import { RocketMQCluster } from './transport/rocketmq/rocketmq-cluster';
import { EmbeddedTransport } from './transport/embedded-transport';
import { RocketMQTransport } from './transport/rocketmq/rocketmq-transport';
import type { Transport } from './transport/transport';
import { systemClock } from './worker/clock';
import { createPathGuard } from './worker/path-guard';

export const EXIT = { OK: 0, ERROR: 1, CONFIG: 2, CANNOT_START: 3 } as const;

export function runtimeVersion(): string {
  for (const candidate of [path.resolve(__dirname, '..', 'package.json'), path.resolve(__dirname, '..', '..', 'package.json')]) {
    try {
      const pkg = JSON.parse(readFileSync(candidate, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'tributary' && pkg.version) return pkg.version;
    } catch {
      // try the next layout (source vs dist)
    }
  }
  return '0.0.0';
}

class StartError extends Error {
  constructor(message: string, readonly exitCode: number) {
    super(message);
  }
}

/** One worker per store directory: a second worker on the same store would corrupt both. */
function lockStore(dir: string): () => void {
  const file = path.join(dir, 'worker.lock');
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid) {
      try {
        process.kill(pid, 0);
        throw new StartError(`store ${dir} is in use by worker process ${pid}; stop it or give this worker another storePathRootDir`, EXIT.CANNOT_START);
      } catch (err) {
        if (err instanceof StartError) throw err;
        // ESRCH: that process is gone (killed with -9): the lock is stale.
      }
    }
  } catch (err) {
    if (err instanceof StartError) throw err;
  }
  writeFileSync(file, `${process.pid}\n`);
  return () => rmSync(file, { force: true });
}

interface Backends {
  transport: Transport;
  configStore: ConfigStore;
  statusStore: StatusStore;
  /** Distributed mode only. */
  coordinator: ClusterCoordinator | undefined;
  close(): Promise<void>;
}

/**
 * Where topics and state live. Standalone: stores in files under storePathRootDir, topics embedded, or
 * RocketMQ topics when namesrvAddr is set (source positions then in positions.json). Distributed: RocketMQ
 * topics, and configs, states and positions in RocketMQ store topics shared by the cluster.
 */
async function openBackends(config: WorkerConfig, logger: Logger, url: () => string): Promise<Backends> {
  const transportLogger = logger.child({ component: 'transport' });
  const fileStores = { configStore: new FileConfigStore({ dir: config.storePathRootDir, logger }), statusStore: new FileStatusStore({ dir: config.storePathRootDir, logger }) };
  if (config.namesrvAddr === undefined) {
    const transport = new EmbeddedTransport({ dir: config.storePathRootDir, queuesPerTopic: config.queuesPerTopic, logger: transportLogger });
    return { transport, ...fileStores, coordinator: undefined, close: () => transport.close() };
  }
  const cluster = new RocketMQCluster({ namesrvAddrs: config.namesrvAddr.split(';').map((a) => a.trim()).filter((a) => a.length > 0) });
  let coordinator: ClusterCoordinator | undefined;
  let positions: PositionStore;
  if (config.mode === 'distributed') {
    coordinator = new ClusterCoordinator({
      cluster,
      workerId: config.workerId,
      version: runtimeVersion(),
      url,
      topics: { config: config.configStoreTopic, status: config.statusStoreTopic, position: config.positionStoreTopic, cluster: config.clusterStoreTopic },
      clusterName: config.clusterName,
      heartbeatIntervalMs: config.heartbeatIntervalMs,
      workerTimeoutMs: config.workerTimeoutMs,
      refreshIntervalMs: config.storeRefreshIntervalMs,
      logger: logger.child({ component: 'cluster' }),
    });
    positions = coordinator.positionStore;
  } else {
    const file = new FilePositionStore({ dir: config.storePathRootDir, logger });
    await file.load();
    positions = file;
  }
  const transport = new RocketMQTransport({ namesrvAddrs: config.namesrvAddr.split(';').map((a) => a.trim()), queuesPerTopic: config.queuesPerTopic, clusterName: config.clusterName, producerGroup: `tributary-${config.workerId}`, positions, logger: transportLogger, cluster });
  try {
    await transport.connect();
  } catch (err) {
    await transport.close();
    throw err;
  }
  const stores = coordinator ? { configStore: coordinator.configStore, statusStore: coordinator.statusStore } : fileStores;
  return {
    transport,
    ...stores,
    coordinator,
    close: async () => {
      await coordinator?.stop();
      await transport.close();
    },
  };
}

export interface RunningWorker {
  url: string;
  herder: StandaloneHerder;
  stop(): Promise<void>;
}

export async function startWorker(config: WorkerConfig, logger: Logger, cwd: string): Promise<RunningWorker> {
  mkdirSync(config.storePathRootDir, { recursive: true });
  const unlock = lockStore(config.storePathRootDir);
  installSpiResolver();
  const metrics = new ConnectMetrics();
  let backends: Backends;
  let server: RestServer | undefined;
  try {
    backends = await openBackends(config, logger, () => server?.url ?? '');
  } catch (err) {
    unlock();
    throw new StartError((err as Error).message, EXIT.CANNOT_START);
  }
  const { transport, coordinator } = backends;
  const plugins = new PluginRegistry({ paths: [builtinPluginsPath(), ...config.pluginPaths], logger: logger.child({ component: 'plugins' }) });
  await plugins.load();
  const herder = new StandaloneHerder({
    workerId: config.workerId,
    version: runtimeVersion(),
    url: () => server?.url ?? '',
    configStore: backends.configStore,
    statusStore: backends.statusStore,
    cluster: coordinator,
    transport,
    plugins,
    metrics,
    logger,
    clock: systemClock,
    resolvePath: createPathGuard(config.allowedRoots, cwd),
    clientDefaults: config.clientDefaults,
    transforms: new Map(),
    commitIntervalMs: config.offsetCommitIntervalMs,
    taskShutdownTimeoutMs: config.taskShutdownTimeoutMs,
  });
  const app = createRestApp({ herder, metrics, logger: logger.child({ component: 'rest' }), maxBodyBytes: config.restMaxBodyBytes, version: runtimeVersion(), ready: () => herder.isStarted });
  try {
    server = await startRestServer({ app, host: config.httpHost, port: config.httpPort });
  } catch (err) {
    await backends.close();
    unlock();
    throw new StartError((err as Error).message, EXIT.CANNOT_START);
  }
  if (coordinator) {
    try {
      await coordinator.start();
    } catch (err) {
      await server.close();
      await backends.close();
      unlock();
      throw new StartError(`cannot join the cluster through its store topics: ${(err as Error).message}`, EXIT.CANNOT_START);
    }
  }
  await herder.start();
  coordinator?.attach(() => herder.reconcile());
  logger.info({ url: server.url, workerId: config.workerId, mode: config.mode, store: config.storePathRootDir, transport: transport.kind, workers: herder.workers().map((w) => w.workerId), plugins: plugins.list().map((p) => p.class), pluginErrors: plugins.errors() }, 'worker started');
  let stopping: Promise<void> | undefined;
  return {
    url: server.url,
    herder,
    stop: () =>
      (stopping ??= (async () => {
        await server!.close();
        await herder.stop();
        await backends.close();
        unlock();
      })()),
  };
}

export async function main(argv: string[]): Promise<number> {
  const confFile = argv[0] ?? 'conf/connect-standalone.conf';
  const cwd = process.cwd();
  let config: WorkerConfig;
  try {
    config = loadWorkerConfig(confFile, process.env, cwd);
  } catch (err) {
    process.stderr.write(`tributary: ${(err as Error).message}\n`);
    return errorCode(err) === 'CONFIG_INVALID' ? EXIT.CONFIG : EXIT.ERROR;
  }
  const logger = createLogger({ level: config.logLevel, name: 'tributary' });
  // A plugin's stray promise (the RocketMQ client is known for them) must not take the worker down.
  process.on('unhandledRejection', (reason) => logger.error({ err: errorTrace(reason) }, 'unhandled promise rejection (ignored; report it to the plugin author)'));

  let worker: RunningWorker;
  try {
    worker = await startWorker(config, logger, cwd);
  } catch (err) {
    const code = err instanceof StartError ? err.exitCode : errorCode(err) === 'CONFIG_INVALID' ? EXIT.CONFIG : EXIT.ERROR;
    logger.fatal?.({ err: errorTrace(err) }, 'worker could not start');
    process.stderr.write(`tributary: ${(err as Error).message}\n`);
    return code;
  }
  return new Promise<number>((resolve) => {
    let signals = 0;
    const onSignal = (signal: NodeJS.Signals): void => {
      signals++;
      if (signals > 1) {
        logger.warn({ signal }, 'second signal during shutdown; exiting at once');
        process.exit(signal === 'SIGINT' ? 130 : 143);
      }
      logger.info({ signal }, 'stopping worker: tasks are stopped, sinks flushed, positions committed');
      worker.stop().then(
        () => {
          logger.info('worker stopped');
          resolve(EXIT.OK);
        },
        (err) => {
          logger.error({ err: errorTrace(err) }, 'error while stopping');
          resolve(EXIT.ERROR);
        },
      );
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err) => {
      process.stderr.write(`tributary: unexpected error: ${errorTrace(err)}\n`);
      process.exit(EXIT.ERROR);
    },
  );
}
