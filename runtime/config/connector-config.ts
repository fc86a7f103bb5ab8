// Keys the runtime itself reads from every connector config (name, class, tasks, topics, converters,
// error handling). A connector's full definition is these plus the plugin's own config(); parsing,
// validation and the generated reference read the same declarations.

import { defineConfig, topicName, validators, type ConfigDef, type ConfigKey, type ConfigValues, type ConnectorType } from '../spi';
import { CONVERTER_NAMES, converterKnown } from '../convert/converters';

const converterValidator = (v: unknown): string | undefined =>
  typeof v === 'string' && !converterKnown(v) ? `accepted converters are ${CONVERTER_NAMES.join(', ')}` : undefined;

/** Backpressure bounds of a sink task (max.inflight.*). */
const MAX_INFLIGHT_RECORDS = 200000;
const MAX_INFLIGHT_BYTES = 128 * 1024 * 1024;

const COMMON = [
  { name: 'name', type: 'string', doc: 'Unique connector name.', validator: validators.pattern(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, 'a connector name (letters, digits, . _ -, at most 128 characters, starting with a letter or digit)'), importance: 'high', group: 'Common' },
  { name: 'connector.class', type: 'class', aliases: ['connector-class'], doc: 'Connector plugin: its short name (e.g. file-sink), an alias, or the Java class name used in RocketMQ Connect.', importance: 'high', group: 'Common' },
  { name: 'tasks.max', type: 'int', aliases: ['max.tasks', 'max-task'], default: 1, validator: validators.range(1, 1024), doc: 'Upper bound on the number of tasks the connector may create.', importance: 'high', group: 'Common' },
  { name: 'key.converter', type: 'string', default: 'string', validator: converterValidator, doc: 'Converter for message keys.', accepted: CONVERTER_NAMES.join(', '), importance: 'low', group: 'Converters' },
  { name: 'value.converter', type: 'string', default: 'json', validator: converterValidator, doc: 'Converter for message bodies.', accepted: CONVERTER_NAMES.join(', '), importance: 'medium', group: 'Converters' },
  { name: 'transforms', type: 'list', default: [], doc: 'Aliases of single-record transforms applied in order, each configured with `transforms.<alias>.type` and `transforms.<alias>.*`.', importance: 'low', group: 'Transforms' },
  { name: 'errors.tolerance', type: 'string', default: 'none', validator: validators.oneOf('none', 'all'), accepted: 'none, all', doc: 'none: a record that cannot be converted, transformed or written fails the task. all: such records are skipped, counted and (with errors.log.enable) logged.', importance: 'medium', group: 'Error handling' },
  { name: 'errors.log.enable', type: 'boolean', default: false, doc: 'Log each skipped record with its error (topic, queue and offset; never the body).', importance: 'low', group: 'Error handling' },
  { name: 'errors.retry.timeout', type: 'long', default: 300000, validator: validators.range(-1), doc: 'How long (ms) a call that failed with a retriable error is retried before the task fails; -1 retries forever, 0 never retries.', importance: 'medium', group: 'Error handling' },
  { name: 'errors.retry.delay.max.ms', type: 'long', default: 60000, validator: validators.range(1), doc: 'Upper bound (ms) of the exponential backoff between retries.', importance: 'low', group: 'Error handling' },
] as const satisfies readonly ConfigKey[];

const SOURCE = [
  { name: 'connect.topicname', type: 'string', aliases: ['topic', 'topicName'], validator: topicName, doc: 'Topic the source writes to.', importance: 'high', group: 'Common' },
] as const satisfies readonly ConfigKey[];

const SINK = [
  { name: 'connect.topicnames', type: 'list', aliases: ['topics', 'topicNames'], validator: (v: unknown, n: string) => validators.nonEmpty()(v as never, n) ?? topicName(v as never, n), doc: 'Topics the sink reads, separated by `;` or `,`.', importance: 'high', group: 'Common' },
  { name: 'task.group.id', type: 'string', default: null, doc: 'Consumer group of the sink (default connect-<name>). Offsets are kept per group.', importance: 'low', group: 'Common' },
  { name: 'max.poll.records', type: 'int', default: 500, validator: validators.range(1, 100000), doc: 'Most records handed to one SinkTask.put call.', importance: 'low', group: 'Common' },
  { name: 'max.inflight.records', type: 'int', default: MAX_INFLIGHT_RECORDS, validator: validators.range(1), accepted: '>= 1', doc: 'Backpressure: most records a sink task may hold that it has not yet reported written (read but offsets not safe to commit). At this bound the worker stops reading the task\'s queues and asks the task to flush; it reads on once the task has caught up. Nothing is dropped. Keep it above the sink\'s own batch size (e.g. the Hudi sink\'s commit.max.records), or batches are cut at this bound.', importance: 'low', group: 'Backpressure' },
  { name: 'max.inflight.bytes', type: 'long', default: MAX_INFLIGHT_BYTES, validator: validators.range(1024), accepted: '>= 1024', doc: 'Backpressure: most bytes (message body, key and headers, as received) of records a sink task holds that it has not yet reported written; see max.inflight.records. Keep it above the sink\'s own batch bytes (e.g. the Hudi sink\'s commit.max.bytes).', importance: 'low', group: 'Backpressure' },
] as const satisfies readonly ConfigKey[];

export const SOURCE_FRAMEWORK_DEF = defineConfig([...COMMON, ...SOURCE]);
export const SINK_FRAMEWORK_DEF = defineConfig([...COMMON, ...SINK]);

/** The framework keys' values of either kind of connector: the common keys, and the source or the sink ones. */
export type FrameworkValues = ConfigValues<typeof COMMON> & Partial<ConfigValues<typeof SOURCE> & ConfigValues<typeof SINK>>;

export function frameworkDef(type: ConnectorType): ConfigDef<FrameworkValues> {
  return type === 'source' ? SOURCE_FRAMEWORK_DEF : SINK_FRAMEWORK_DEF;
}

/** Prefixed families the runtime hands on to converters and transforms. */
export function isFrameworkPrefixedKey(key: string): boolean {
  return key.startsWith('key.converter.') || key.startsWith('value.converter.') || key.startsWith('transforms.');
}

export interface FrameworkConfig {
  name: string;
  connectorClass: string;
  tasksMax: number;
  keyConverter: string;
  valueConverter: string;
  transforms: string[];
  errorsTolerance: 'none' | 'all';
  errorsLog: boolean;
  retryTimeoutMs: number;
  retryDelayMaxMs: number;
  topic?: string;
  topics: string[];
  groupId: string;
  maxPollRecords: number;
  /** Sinks: bounds of what a task holds unwritten before the worker stops reading (backpressure). */
  maxInflightRecords: number;
  maxInflightBytes: number;
}

export function frameworkConfig(parsed: FrameworkValues): FrameworkConfig {
  const name = parsed['name'];
  return {
    name,
    connectorClass: parsed['connector.class'],
    tasksMax: parsed['tasks.max'],
    keyConverter: parsed['key.converter'],
    valueConverter: parsed['value.converter'],
    transforms: parsed['transforms'],
    errorsTolerance: parsed['errors.tolerance'],
    errorsLog: parsed['errors.log.enable'],
    retryTimeoutMs: parsed['errors.retry.timeout'],
    retryDelayMaxMs: parsed['errors.retry.delay.max.ms'],
    topic: parsed['connect.topicname'],
    topics: parsed['connect.topicnames'] ?? [],
    groupId: parsed['task.group.id'] ?? `connect-${name}`,
    maxPollRecords: parsed['max.poll.records'] ?? 500,
    maxInflightRecords: parsed['max.inflight.records'] ?? MAX_INFLIGHT_RECORDS,
    maxInflightBytes: parsed['max.inflight.bytes'] ?? MAX_INFLIGHT_BYTES,
  };
}

/** Keys with these prefixes, for a sub-component: `transforms.a.` → {type, ...}. */
export function withPrefix(config: Record<string, string>, prefix: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(config)) if (k.startsWith(prefix)) out[k.slice(prefix.length)] = v;
  return out;
}
