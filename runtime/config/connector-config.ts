// Keys the runtime itself reads from every connector config (name, class, tasks, topics, converters,
// error handling). A connector's full definition is these plus the plugin's own config(); parsing,
// validation and the generated reference read the same declarations.

import { ConfigDef, topicName, validators, type ConnectorType, type ParsedConfig } from '../spi';
import { CONVERTER_NAMES, converterKnown } from '../convert/converters';

const converterValidator = (v: unknown): string | undefined =>
  typeof v === 'string' && !converterKnown(v) ? `accepted converters are ${CONVERTER_NAMES.join(', ')}` : undefined;

/** Backpressure bounds of a sink task (max.inflight.*). */
const MAX_INFLIGHT_RECORDS = 200000;
const MAX_INFLIGHT_BYTES = 128 * 1024 * 1024;

const COMMON = [
  { name: 'name', type: 'string' as const, doc: 'Unique connector name.', validator: validators.pattern(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, 'a connector name (letters, digits, . _ -, at most 128 characters, starting with a letter or digit)'), importance: 'high' as const, group: 'Common' },
  { name: 'connector.class', type: 'class' as const, aliases: ['connector-class'], doc: 'Connector plugin: its short name (e.g. file-sink), an alias, or the Java class name used in RocketMQ Connect.', importance: 'high' as const, group: 'Common' },
  { name: 'tasks.max', type: 'int' as const, aliases: ['max.tasks', 'max-task'], default: 1, validator: validators.range(1, 1024), doc: 'Upper bound on the number of tasks the connector may create.', importance: 'high' as const, group: 'Common' },
  { name: 'key.converter', type: 'string' as const, default: 'string', validator: converterValidator, doc: 'Converter for message keys.', accepted: CONVERTER_NAMES.join(', '), importance: 'low' as const, group: 'Converters' },
  { name: 'value.converter', type: 'string' as const, default: 'json', validator: converterValidator, doc: 'Converter for message bodies.', accepted: CONVERTER_NAMES.join(', '), importance: 'medium' as const, group: 'Converters' },
  { name: 'transforms', type: 'list' as const, default: [], doc: 'Aliases of single-record transforms applied in order, each configured with `transforms.<alias>.type` and `transforms.<alias>.*`.', importance: 'low' as const, group: 'Transforms' },
  { name: 'errors.tolerance', type: 'string' as const, default: 'none', validator: validators.oneOf('none', 'all'), accepted: 'none, all', doc: 'none: a record that cannot be converted, transformed or written fails the task. all: such records are skipped, counted and (with errors.log.enable) logged.', importance: 'medium' as const, group: 'Error handling' },
  { name: 'errors.log.enable', type: 'boolean' as const, default: false, doc: 'Log each skipped record with its error (topic, queue and offset; never the body).', importance: 'low' as const, group: 'Error handling' },
  { name: 'errors.retry.timeout', type: 'long' as const, default: 300000, validator: validators.range(-1), doc: 'How long (ms) a call that failed with a retriable error is retried before the task fails; -1 retries forever, 0 never retries.', importance: 'medium' as const, group: 'Error handling' },
  { name: 'errors.retry.delay.max.ms', type: 'long' as const, default: 60000, validator: validators.range(1), doc: 'Upper bound (ms) of the exponential backoff between retries.', importance: 'low' as const, group: 'Error handling' },
];

const SOURCE = [
  { name: 'connect.topicname', type: 'string' as const, aliases: ['topic', 'topicName'], validator: topicName, doc: 'Topic the source writes to.', importance: 'high' as const, group: 'Common' },
];

const SINK = [
  { name: 'connect.topicnames', type: 'list' as const, aliases: ['topics', 'topicNames'], validator: (v: unknown, n: string) => validators.nonEmpty()(v as never, n) ?? topicName(v as never, n), doc: 'Topics the sink reads, separated by `;` or `,`.', importance: 'high' as const, group: 'Common' },
  { name: 'task.group.id', type: 'string' as const, default: null, doc: 'Consumer group of the sink (default connect-<name>). Offsets are kept per group.', importance: 'low' as const, group: 'Common' },
  { name: 'max.poll.records', type: 'int' as const, default: 500, validator: validators.range(1, 100000), doc: 'Most records handed to one SinkTask.put call.', importance: 'low' as const, group: 'Common' },
  { name: 'max.inflight.records', type: 'int' as const, default: MAX_INFLIGHT_RECORDS, validator: validators.range(1), accepted: '>= 1', doc: 'Backpressure: most records a sink task may hold that it has not yet reported written (read but offsets not safe to commit). At this bound the worker stops reading the task\'s queues and asks the task to flush; it reads on once the task has caught up. Nothing is dropped. Keep it above the sink\'s own batch size (e.g. the Hudi sink\'s commit.max.records), or batches are cut at this bound.', importance: 'low' as const, group: 'Backpressure' },
  { name: 'max.inflight.bytes', type: 'long' as const, default: MAX_INFLIGHT_BYTES, validator: validators.range(1024), accepted: '>= 1024', doc: 'Backpressure: most bytes (message body, key and headers, as received) of records a sink task holds that it has not yet reported written; see max.inflight.records. Keep it above the sink\'s own batch bytes (e.g. the Hudi sink\'s commit.max.bytes).', importance: 'low' as const, group: 'Backpressure' },
];

export const SOURCE_FRAMEWORK_DEF = new ConfigDef([...COMMON, ...SOURCE]);
export const SINK_FRAMEWORK_DEF = new ConfigDef([...COMMON, ...SINK]);

export function frameworkDef(type: ConnectorType): ConfigDef {
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

export function frameworkConfig(parsed: ParsedConfig): FrameworkConfig {
  const name = parsed['name'] as string;
  return {
    name,
    connectorClass: parsed['connector.class'] as string,
    tasksMax: parsed['tasks.max'] as number,
    keyConverter: parsed['key.converter'] as string,
    valueConverter: parsed['value.converter'] as string,
    transforms: (parsed['transforms'] as string[] | undefined) ?? [],
    errorsTolerance: parsed['errors.tolerance'] as 'none' | 'all',
    errorsLog: parsed['errors.log.enable'] as boolean,
    retryTimeoutMs: parsed['errors.retry.timeout'] as number,
    retryDelayMaxMs: parsed['errors.retry.delay.max.ms'] as number,
    topic: parsed['connect.topicname'] as string | undefined,
    topics: (parsed['connect.topicnames'] as string[] | undefined) ?? [],
    groupId: (parsed['task.group.id'] as string | undefined) ?? `connect-${name}`,
    maxPollRecords: (parsed['max.poll.records'] as number | undefined) ?? 500,
    maxInflightRecords: (parsed['max.inflight.records'] as number | undefined) ?? MAX_INFLIGHT_RECORDS,
    maxInflightBytes: (parsed['max.inflight.bytes'] as number | undefined) ?? MAX_INFLIGHT_BYTES,
  };
}

/** Keys with these prefixes, for a sub-component: `transforms.a.` → {type, ...}. */
export function withPrefix(config: Record<string, string>, prefix: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(config)) if (k.startsWith(prefix)) out[k.slice(prefix.length)] = v;
  return out;
}
