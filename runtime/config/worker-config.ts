// The worker's own configuration: every key declared once in `workerConfigDef()` (type, default,
// validator, doc, group), read from a Java-properties file (RocketMQ Connect's `connect.conf` naming)
// with `TRIBUTARY_<KEY>` environment overrides. Invariants: an unknown key or invalid value stops
// start-up with a ConfigError naming the file, key, line (or variable), value and accepted values;
// relative paths are resolved against the directory the worker was started in, never the conf file's.

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError, defineConfig, validators, type ConfigDef, type ConfigFieldError, type ConfigValuesOf, type Validator } from '../spi';
import { parseProperties, propertiesToMap } from './properties';

export type WorkerLogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error';
export type WorkerMode = 'standalone' | 'distributed';

/** The typed worker config. Paths are absolute (resolved against the start directory). */
export interface WorkerConfig {
  workerId: string;
  storePathRootDir: string;
  httpPort: number;
  httpHost: string;
  pluginPaths: string[];
  /** Undefined = embedded transport. */
  namesrvAddr: string | undefined;
  allowedRoots: string[];
  queuesPerTopic: number;
  offsetCommitIntervalMs: number;
  taskShutdownTimeoutMs: number;
  restMaxBodyBytes: number;
  logLevel: WorkerLogLevel;
  mode: WorkerMode;
  rmqProxyEndpoint: string;
  clusterName: string;
  /** Distributed mode: the store topics and the membership timing. */
  configStoreTopic: string;
  statusStoreTopic: string;
  positionStoreTopic: string;
  clusterStoreTopic: string;
  heartbeatIntervalMs: number;
  workerTimeoutMs: number;
  storeRefreshIntervalMs: number;
  /** The worker's defaults for clients plugins open (the s3.* keys given), as raw values; holds secrets. */
  clientDefaults: Record<string, string>;
}

/** Worker keys that are defaults for the clients of plugins (a connector's own key of the same name wins). */
export const CLIENT_DEFAULT_KEYS = ['s3.endpoint', 's3.region', 's3.access.key', 's3.secret.key', 's3.path.style.access'];

/** Environment variables named `TRIBUTARY_` + the key in upper case (dots as underscores) override the file. */
export const WORKER_ENV_PREFIX = 'TRIBUTARY_';

const RELATIVE_PATHS =
  'A relative path is resolved against the directory the worker was started in (its current directory), ' +
  'not against the directory of the config file.';

const hostPort = validators.pattern(/^[^\s:;,]+:\d{1,5}$/, 'host:port (e.g. 127.0.0.1:9876)');

function hostPortList(): Validator {
  return (v, name) => {
    if (typeof v !== 'string') return undefined;
    return hostPort(v.split(';').map((s) => s.trim()), name);
  };
}

const topicName = validators.pattern(/^[A-Za-z0-9_-]{1,127}$/, 'a RocketMQ topic name (letters, digits, _ -, at most 127 characters)');

/** A fresh definition of the worker keys (a new instance per call: ConfigDef is mutable). */
export function workerConfigDef() {
  return defineConfig([
    {
      name: 'workerId', type: 'string', default: 'standalone-worker', group: 'Worker', importance: 'high',
      validator: validators.pattern(/^[A-Za-z0-9._-]{1,128}$/, 'a worker id (letters, digits, . _ -, at most 128 characters)'),
      accepted: 'letters, digits, . _ - (1 to 128 characters)',
      doc: 'Name of this worker, shown as `worker_id` in connector and task status. Workers of one cluster need distinct ids.',
    },
    {
      name: 'mode', type: 'string', default: 'standalone', group: 'Worker', importance: 'high',
      validator: validators.oneOf('standalone', 'distributed'), accepted: 'standalone, distributed',
      doc: 'standalone keeps connector configs, states, positions and offsets in files under storePathRootDir and runs every connector itself. ' +
        'distributed (needs namesrvAddr) shares configs, states and source positions through RocketMQ topics (configStoreTopic, statusStoreTopic, positionStoreTopic, clusterStoreTopic) with the other workers of the same topics, and runs the share of connectors and tasks the cluster allocates to it.',
    },
    {
      name: 'storePathRootDir', type: 'string', default: 'data/store', group: 'Worker', importance: 'high',
      validator: validators.nonEmpty(), accepted: 'a directory path',
      doc: `Directory of the standalone stores (connector configs, target states, task status, source positions, sink offsets) and of the embedded transport. Created if missing. ${RELATIVE_PATHS}`,
    },
    {
      name: 'allowedRoots', type: 'list', default: ['data'], group: 'Worker', importance: 'medium',
      validator: validators.nonEmpty(), accepted: 'comma-separated directory paths and s3://bucket/prefix locations',
      doc: `Directories that paths in connector configs (files, tables) must lie inside; a connector naming a path elsewhere is rejected, since anyone with access to the REST API could otherwise make the worker read or write any file. S3 locations (s3://bucket/prefix) listed here are where tables on S3 may be written. ${RELATIVE_PATHS}`,
    },
    {
      name: 'httpHost', type: 'string', default: '127.0.0.1', group: 'REST', importance: 'high',
      validator: validators.nonEmpty(), accepted: 'a host name or IP address',
      doc: 'Address the REST API listens on. The default accepts local connections only; use 0.0.0.0 to listen on all interfaces (the API has no authentication).',
    },
    {
      name: 'httpPort', type: 'int', default: 8082, group: 'REST', importance: 'high',
      validator: validators.range(0, 65535), accepted: '0..65535 (0 = any free port)',
      doc: 'Port of the REST API (both the RocketMQ Connect and the Kafka Connect dialect). 0 picks a free port; the worker logs the one it bound.',
    },
    {
      name: 'restMaxBodyBytes', type: 'long', default: 1048576, group: 'REST', importance: 'low',
      validator: validators.range(1024, 1073741824), accepted: '1024..1073741824',
      doc: 'Largest request body the REST API accepts, in bytes; larger requests are answered with 413.',
    },
    {
      name: 'pluginPaths', type: 'list', default: [], group: 'Plugins', importance: 'high',
      accepted: 'comma-separated directory paths',
      doc: `Directories searched for plugin packages (a package.json with a connector manifest). The built-in connectors are always loaded in addition. ${RELATIVE_PATHS}`,
    },
    {
      name: 'offsetCommitIntervalMs', type: 'long', default: 5000, group: 'Tasks', importance: 'medium',
      validator: validators.range(1, 86400000), accepted: '1..86400000',
      doc: 'How often, in milliseconds, source positions and sink offsets are committed. A crash re-delivers at most what arrived since the last commit.',
    },
    {
      name: 'taskShutdownTimeoutMs', type: 'long', default: 10000, group: 'Tasks', importance: 'medium',
      validator: validators.range(1, 3600000), accepted: '1..3600000',
      doc: 'How long, in milliseconds, a stopping task may take to flush and commit before the worker stops waiting for it and goes on (shutting down, or restarting the task). A task that is still busy finishes in the background; its next instance starts only once it has ended, so one task never runs twice at once.',
    },
    {
      name: 'namesrvAddr', type: 'string', default: null, group: 'Transport', importance: 'high',
      validator: hostPortList(), accepted: 'host:port, several separated by ;',
      doc: 'RocketMQ name server address(es), e.g. 127.0.0.1:9876. Unset or empty: topics live in the embedded, durable in-process transport under storePathRootDir, and no external service is needed.',
    },
    {
      name: 'queuesPerTopic', aliases: ['embeddedQueuesPerTopic'], type: 'int', default: 4, group: 'Transport', importance: 'low',
      validator: validators.range(1, 256), accepted: '1..256',
      doc: 'Number of queues of each topic the transport creates (the unit of parallelism of sink tasks), on the embedded transport or on every master broker of the RocketMQ cluster. Topics that already exist keep their queues.',
    },
    {
      name: 'rmqProxyEndpoint', type: 'string', default: '127.0.0.1:8081', group: 'RocketMQ', importance: 'medium',
      validator: hostPort, accepted: 'host:port',
      doc: 'RocketMQ 5 proxy endpoint (gRPC). Not used by the worker itself: its transport talks to namesrvAddr and the brokers, and the rocketmq-source and rocketmq-sink connectors name their proxy in rocketmq.endpoints. Kept so configurations that set it still load.',
    },
    {
      name: 'clusterName', type: 'string', default: 'DefaultCluster', group: 'RocketMQ', importance: 'low',
      validator: validators.nonEmpty(), accepted: 'a RocketMQ cluster name',
      doc: 'RocketMQ cluster on whose master brokers the worker creates the topics it needs (connector topics, and in distributed mode the store topics); a name the name server does not know stops topic creation with an error naming the known clusters. Used only when namesrvAddr is set.',
    },
    {
      name: 'configStoreTopic', type: 'string', default: 'connector-config-topic', group: 'Distributed', importance: 'medium',
      validator: topicName, accepted: 'a RocketMQ topic name',
      doc: 'Distributed mode: topic (one queue, created if missing) holding connector configs and target states. Workers sharing it form one cluster.',
    },
    {
      name: 'statusStoreTopic', type: 'string', default: 'connector-status-topic', group: 'Distributed', importance: 'low',
      validator: topicName, accepted: 'a RocketMQ topic name',
      doc: 'Distributed mode: topic holding connector and task states, written by the worker running each.',
    },
    {
      name: 'positionStoreTopic', type: 'string', default: 'connector-position-topic', group: 'Distributed', importance: 'low',
      validator: topicName, accepted: 'a RocketMQ topic name',
      doc: 'Distributed mode: topic holding source positions, so a source task resumes wherever it runs next. Sink offsets are the consumer groups\' offsets on the brokers.',
    },
    {
      name: 'clusterStoreTopic', type: 'string', default: 'connector-cluster-topic', group: 'Distributed', importance: 'low',
      validator: topicName, accepted: 'a RocketMQ topic name',
      doc: 'Distributed mode: topic of worker heartbeats (membership).',
    },
    {
      name: 'heartbeatIntervalMs', type: 'long', default: 2000, group: 'Distributed', importance: 'low',
      validator: validators.range(100, 60000), accepted: '100..60000',
      doc: 'Distributed mode: how often a worker announces itself (and re-checks the allocation).',
    },
    {
      name: 'workerTimeoutMs', type: 'long', default: 10000, group: 'Distributed', importance: 'medium',
      validator: validators.range(1000, 600000), accepted: '1000..600000',
      doc: 'Distributed mode: a worker not heard from for this long is gone and its connectors and tasks move to the others. Worker clocks must agree to well within this.',
    },
    {
      name: 'storeRefreshIntervalMs', type: 'long', default: 21600000, group: 'Distributed', importance: 'low',
      validator: validators.range(60000, 86400000), accepted: '60000..86400000',
      doc: 'Distributed mode: how often the leader (smallest worker id) re-appends the current configs, states and positions, so they stay within the broker\'s retention (fileReservedTime, 72 h by default); must be well below it.',
    },
    {
      name: 's3.endpoint', type: 'string', default: null, group: 'S3 defaults', importance: 'medium',
      doc: 'Default S3 endpoint URL (e.g. http://127.0.0.1:9000) for connectors that write s3:// locations and do not set s3.endpoint themselves; unset = AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL, else AWS S3.',
    },
    {
      name: 's3.region', type: 'string', default: null, group: 'S3 defaults', importance: 'low',
      doc: 'Default S3 region for connectors that do not set s3.region; unset = AWS_REGION or AWS_DEFAULT_REGION, else us-east-1.',
    },
    {
      name: 's3.access.key', type: 'string', default: null, group: 'S3 defaults', importance: 'medium',
      doc: 'Default access key id for connectors that set neither s3.access.key nor s3.secret.key, so credentials live in the worker config instead of connector configs sent over REST; unset = the AWS default credential chain. Give both keys or neither.',
    },
    {
      name: 's3.secret.key', type: 'password', default: null, group: 'S3 defaults', importance: 'medium',
      doc: 'Default secret access key (see s3.access.key); never logged or shown.',
    },
    {
      name: 's3.path.style.access', type: 'boolean', default: null, group: 'S3 defaults', importance: 'low',
      doc: 'Default for connectors that do not set s3.path.style.access: bucket in the URL path instead of the host name.',
    },
    {
      name: 'logLevel', type: 'string', default: 'info', group: 'Logging', importance: 'low',
      validator: validators.oneOf('trace', 'debug', 'info', 'warn', 'error'), accepted: 'trace, debug, info, warn, error',
      doc: 'Lowest level written to the JSON-lines log on stdout.',
    },
  ]);
}

/** Where a raw value came from, for error messages. */
type Origin = { line: number } | { variable: string };

/** `TRIBUTARY_<KEY>` values of declared keys (matched case-insensitively; dots in a key may be written as
 *  underscores, TRIBUTARY_S3_SECRET_KEY for s3.secret.key, as shells want). Other TRIBUTARY_ variables,
 *  such as the CLI's TRIBUTARY_URL, are not worker keys and are ignored. */
export function workerEnvOverrides(env: Record<string, string | undefined>, def: ConfigDef = workerConfigDef()): { key: string; variable: string; value: string }[] {
  const byUpper = new Map(def.keys().flatMap((k) => [[k.name.toUpperCase(), k.name], [k.name.toUpperCase().replace(/\./g, '_'), k.name]] as [string, string][]));
  const out: { key: string; variable: string; value: string }[] = [];
  for (const [variable, value] of Object.entries(env)) {
    if (value === undefined || !variable.startsWith(WORKER_ENV_PREFIX)) continue;
    const key = byUpper.get(variable.slice(WORKER_ENV_PREFIX.length).toUpperCase());
    if (key !== undefined) out.push({ key, variable, value });
  }
  return out;
}

export interface ParseWorkerConfigOptions {
  /** Directory relative paths resolve against: the directory the worker was started in. */
  cwd: string;
  /** Names the config in errors, e.g. `worker config conf/connect-standalone.conf`. */
  context?: string;
  /** Where each key was given, so errors can point at a line or variable. */
  origins?: Record<string, Origin>;
}

/** Validates a raw key/value map (file and overrides already merged) into a typed WorkerConfig. */
export function parseWorkerConfig(raw: Record<string, string>, options: ParseWorkerConfigOptions): WorkerConfig {
  const def = workerConfigDef();
  const context = options.context ?? 'worker config';
  // Values are trimmed (a trailing space after a port number is invisible in an editor), and an empty
  // value of a declared key means "not set": `namesrvAddr=` selects the embedded transport.
  const cleaned: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) {
    const t = v.trim();
    if (t === '' && def.key(k) !== undefined) continue;
    cleaned[k] = t;
  }
  let parsed: ConfigValuesOf<ReturnType<typeof workerConfigDef>>;
  try {
    parsed = def.parse(cleaned, { context });
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    // In file order, so the message reads top to bottom like the file; overrides and defaults last.
    const origins = options.origins ?? {};
    const lineOf = (name: string): number => {
      const o = origins[name];
      return o !== undefined && 'line' in o ? o.line : Number.MAX_SAFE_INTEGER;
    };
    const ordered = [...err.errors].sort((a, b) => lineOf(a.name) - lineOf(b.name));
    throw new ConfigError(ordered.map((e) => locate(e, def, origins)), `Invalid ${context}`);
  }
  const path = (p: string) => resolve(options.cwd, p);
  const namesrv = parsed['namesrvAddr'];
  if (parsed['mode'] === 'distributed' && (namesrv === undefined || namesrv === '')) {
    throw new ConfigError([locate({ name: 'mode', message: 'value "distributed" needs namesrvAddr: distributed workers share their state through RocketMQ topics; set namesrvAddr (e.g. 127.0.0.1:9876) or use mode=standalone' }, def, options.origins ?? {})], `Invalid ${context}`);
  }
  if (parsed['mode'] === 'distributed' && parsed['heartbeatIntervalMs'] * 2 >= parsed['workerTimeoutMs']) {
    throw new ConfigError([locate({ name: 'workerTimeoutMs', message: `value ${String(parsed['workerTimeoutMs'])} must be more than twice heartbeatIntervalMs (${String(parsed['heartbeatIntervalMs'])}), or live workers would be taken for gone` }, def, options.origins ?? {})], `Invalid ${context}`);
  }
  if ((cleaned['s3.access.key'] === undefined) !== (cleaned['s3.secret.key'] === undefined)) {
    const missing = cleaned['s3.access.key'] === undefined ? 's3.access.key' : 's3.secret.key';
    throw new ConfigError([locate({ name: missing, message: 'give both s3.access.key and s3.secret.key, or neither (then the AWS default credential chain is used)' }, def, options.origins ?? {})], `Invalid ${context}`);
  }
  return {
    workerId: parsed['workerId'],
    storePathRootDir: path(parsed['storePathRootDir']),
    httpPort: parsed['httpPort'],
    httpHost: parsed['httpHost'],
    pluginPaths: parsed['pluginPaths'].map(path),
    namesrvAddr: namesrv === undefined || namesrv === '' ? undefined : namesrv,
    // S3 locations (s3://bucket/prefix) stay as they are; paths resolve against the start directory.
    allowedRoots: parsed['allowedRoots'].map((r) => (/^s3a?:\/\//i.test(r) ? r : path(r))),
    queuesPerTopic: parsed['queuesPerTopic'],
    offsetCommitIntervalMs: parsed['offsetCommitIntervalMs'],
    taskShutdownTimeoutMs: parsed['taskShutdownTimeoutMs'],
    restMaxBodyBytes: parsed['restMaxBodyBytes'],
    logLevel: parsed['logLevel'],
    mode: parsed['mode'],
    rmqProxyEndpoint: parsed['rmqProxyEndpoint'],
    clusterName: parsed['clusterName'],
    configStoreTopic: parsed['configStoreTopic'],
    statusStoreTopic: parsed['statusStoreTopic'],
    positionStoreTopic: parsed['positionStoreTopic'],
    clusterStoreTopic: parsed['clusterStoreTopic'],
    heartbeatIntervalMs: parsed['heartbeatIntervalMs'],
    workerTimeoutMs: parsed['workerTimeoutMs'],
    storeRefreshIntervalMs: parsed['storeRefreshIntervalMs'],
    clientDefaults: Object.fromEntries(CLIENT_DEFAULT_KEYS.filter((k) => cleaned[k] !== undefined).map((k) => [k, cleaned[k]!])),
  };
}

function locate(e: ConfigFieldError, def: ConfigDef, origins: Record<string, Origin>): ConfigFieldError {
  const origin = origins[e.name];
  const where = origin === undefined ? '' : 'line' in origin ? `line ${origin.line}: ` : `from environment variable ${origin.variable}: `;
  let message = e.message;
  const key = def.key(e.name);
  if (key?.accepted !== undefined && !message.includes('accepted')) message += ` (accepted: ${key.accepted})`;
  if (key === undefined) {
    // Keys are case-sensitive (as in Java properties); point at the likely intended spelling.
    const near = def.keys().find((k) => k.name.toLowerCase() === e.name.toLowerCase());
    if (near) message = `unknown key (did you mean ${near.name}?); ${message.replace(/^unknown key; /, '')}`;
  }
  return { name: e.name, message: where + message };
}

/**
 * Reads a worker config file and applies `TRIBUTARY_<KEY>` overrides from `env`. `file` and relative
 * paths inside it are resolved against `cwd`, the directory the worker was started in.
 * Throws ConfigError (code CONFIG_INVALID) when the file cannot be read or a key is unknown or invalid.
 */
export function loadWorkerConfig(file: string, env: Record<string, string | undefined> = process.env, cwd: string = process.cwd()): WorkerConfig {
  const context = `worker config ${file}`;
  let text: string;
  try {
    text = readFileSync(resolve(cwd, file), 'utf8');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new ConfigError(
      [{ name: file, message: `cannot be read (${reason}); give the path of a worker config such as conf/connect-standalone.conf (relative to ${cwd})` }],
      `Cannot load ${context}`,
    );
  }
  const entries = parseProperties(text, { source: context });
  const raw = propertiesToMap(entries);
  const origins: Record<string, Origin> = {};
  for (const e of entries) origins[e.key] = { line: e.line };
  for (const o of workerEnvOverrides(env)) {
    raw[o.key] = o.value;
    origins[o.key] = { variable: o.variable };
  }
  return parseWorkerConfig(raw, { cwd, context, origins });
}
