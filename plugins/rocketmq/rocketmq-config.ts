// Keys of rocketmq-source and rocketmq-sink, each declared once (parsing, REST validation and the generated
// reference read these declarations), and the typed settings the tasks run with. Cross-field rules (both
// credentials or none, delay vs. message group, field references) live in validateSource/validateSink, which
// the connectors' validate() and the tasks' start() both use, so a bad config is refused with 400 before it
// is stored and never half-works later.

import { ConfigError, batchConfigKeys, batchPolicyOf, defineConfig, topicName, validators, type BatchPolicy, type ConfigFieldError, type ConfigKey, type ConfigValues } from '../../runtime/spi';
import type { Credentials } from './client/rocketmq-clients';
import { parseFieldRef, type FieldRef } from './field-reference';

/** Kept equal to this plugin's package.json version (a unit test checks). */
export const ROCKETMQ_PLUGIN_VERSION = '0.1.0';

const ENDPOINT = /^([A-Za-z0-9][A-Za-z0-9.-]*):(\d{1,5})$/;
/** Group (and topic) names as RocketMQ accepts them (TopicValidator.VALID_PATTERN_STR). */
const GROUP = /^[%|a-zA-Z0-9_-]{1,255}$/;

/** The endpoints of `rocketmq.endpoints` (separated by ';' or ','), or a message saying what is wrong. */
export function parseEndpoints(value: string): { endpoints: string[] } | { error: string } {
  const parts = value.split(/[;,]/).map((s) => s.trim()).filter((s) => s.length > 0);
  if (parts.length === 0) return { error: 'name at least one proxy endpoint, such as 127.0.0.1:8081' };
  for (const p of parts) {
    const m = ENDPOINT.exec(p);
    const port = m ? Number(m[2]) : NaN;
    if (!m || port < 1 || port > 65535) {
      return { error: `${JSON.stringify(p)} is not host:port; give the RocketMQ proxy's gRPC endpoint such as 127.0.0.1:8081 (several separated by ;)` };
    }
  }
  return { endpoints: parts };
}

const endpointsValidator = (v: unknown): string | undefined => {
  if (typeof v !== 'string') return undefined;
  const r = parseEndpoints(v);
  return 'error' in r ? r.error : undefined;
};

const groupValidator = (v: unknown): string | undefined =>
  typeof v === 'string' && !GROUP.test(v) ? 'is not a valid consumer group name (letters, digits, _ - % |, at most 255 characters)' : undefined;

const FIELD_REF = 'FIELD, a.b, value:FIELD or header:NAME';

const fieldRefValidator = (v: unknown): string | undefined => {
  if (typeof v !== 'string') return undefined;
  const r = parseFieldRef(v);
  return 'error' in r ? r.error : undefined;
};

function connectionKeys(topicDoc: string) {
  return [
    {
      name: 'rocketmq.endpoints',
      type: 'string',
      validator: endpointsValidator,
      accepted: 'host:port[;host:port...]',
      doc: 'gRPC endpoint(s) of the RocketMQ 5 proxy, e.g. 127.0.0.1:8081; several separated by `;`.',
      importance: 'high',
      group: 'Connection',
    },
    { name: 'rocketmq.topic', type: 'string', validator: topicName, accepted: 'a RocketMQ topic name', doc: topicDoc, importance: 'high', group: 'Connection' },
    {
      name: 'rocketmq.access.key',
      type: 'string',
      default: null,
      doc: 'Access key for a proxy with ACL enabled; give it together with rocketmq.secret.key. Hidden in REST output and logs.',
      importance: 'medium',
      group: 'Connection',
    },
    {
      name: 'rocketmq.secret.key',
      type: 'password',
      default: null,
      doc: 'Secret key belonging to rocketmq.access.key. Never shown: REST output and logs print [hidden], and sending [hidden] back in an update keeps the stored value.',
      importance: 'medium',
      group: 'Connection',
    },
    {
      name: 'rocketmq.request.timeout.ms',
      type: 'int',
      default: 3000,
      validator: validators.range(1000, 60000),
      accepted: '1000..60000',
      doc: 'Deadline of each request to the proxy (send, acknowledge, route lookup). A stop waits at most about this long for the client to shut down.',
      importance: 'low',
      group: 'Connection',
    },
  ] as const satisfies readonly ConfigKey[];
}

/** rocketmq-source's own keys. `connect.topicname` (where the records go) is a framework key. */
export function rocketmqSourceConfigDef() {
  return defineConfig([
    ...connectionKeys('RocketMQ topic to read (it must exist).'),
    {
      name: 'rocketmq.consumer.group',
      type: 'string',
      default: null,
      validator: groupValidator,
      accepted: 'letters, digits, _ - % | (1 to 255 characters)',
      doc: 'Consumer group the tasks receive and acknowledge in; default connect-<connector name> (characters RocketMQ does not allow in group names, such as ., become _). A new group starts at the newest message of each queue (RocketMQ\'s pop consumers), except on a topic whose first messages are still in the broker\'s memory, where it starts at the beginning; messages sent before that are not read.',
      importance: 'high',
      group: 'Consumer',
    },
    {
      name: 'rocketmq.tag.expression',
      type: 'string',
      default: '*',
      validator: validators.nonEmpty(),
      accepted: '*, or tags separated by ||',
      doc: 'Tag filter: * for every message, or e.g. TagA || TagB.',
      importance: 'medium',
      group: 'Consumer',
    },
    {
      name: 'rocketmq.invisible.duration.ms',
      type: 'long',
      default: 30000,
      validator: validators.range(10000, 43200000),
      accepted: '10000..43200000 (10 s to 12 h)',
      doc: 'How long a received message stays invisible to other consumers of the group. A message is acknowledged once its record is committed to connect.topicname; one not acknowledged in time (task stopped or failed, worker killed) is delivered again afterwards.',
      importance: 'medium',
      group: 'Consumer',
    },
    {
      name: 'rocketmq.poll.max.messages',
      type: 'int',
      default: 32,
      validator: validators.range(1, 1024),
      accepted: '1..1024',
      doc: 'Most messages received by one request, and so handed to one poll.',
      importance: 'low',
      group: 'Consumer',
    },
  ]);
}

/** rocketmq-sink's own keys. `connect.topicnames` (what the sink reads) is a framework key. */
export function rocketmqSinkConfigDef() {
  const fieldDoc = (what: string) =>
    `${what} Names a field of the record value (a struct or map; a.b for a nested field) or, as header:NAME, a record header; value:NAME names a field explicitly.`;
  return defineConfig([
    ...connectionKeys('RocketMQ topic the records are sent to (it must exist; a FIFO topic for rocketmq.message.group.field, a DELAY topic for rocketmq.delay.ms).'),
    { name: 'rocketmq.tag', type: 'string', default: null, doc: 'Tag of every message (when rocketmq.tag.field is not set or the record has no such field).', importance: 'medium', group: 'Message' },
    { name: 'rocketmq.tag.field', type: 'string', default: null, validator: fieldRefValidator, accepted: FIELD_REF, doc: fieldDoc('Where a message\'s tag comes from (a string or number).'), importance: 'medium', group: 'Message' },
    {
      name: 'rocketmq.keys.field',
      type: 'string',
      default: null,
      validator: fieldRefValidator,
      accepted: FIELD_REF,
      doc: fieldDoc('Where a message\'s keys come from: a string or number, or an array of them. Unset: the record key (if it is a string or number) is the message key.'),
      importance: 'medium',
      group: 'Message',
    },
    {
      name: 'rocketmq.message.group.field',
      type: 'string',
      default: null,
      validator: fieldRefValidator,
      accepted: FIELD_REF,
      doc: fieldDoc('Where the FIFO message group comes from; every record must have one. Records of one group are sent one after another, in order.'),
      importance: 'medium',
      group: 'Message',
    },
    {
      name: 'rocketmq.delay.ms',
      type: 'long',
      default: 0,
      validator: validators.range(0),
      accepted: '>= 0',
      doc: 'Deliver each message this many milliseconds after it is sent (a DELAY message; the broker caps it, 3 days by default). 0 = at once. Not with rocketmq.message.group.field.',
      importance: 'low',
      group: 'Message',
    },
    {
      name: 'rocketmq.send.concurrency',
      type: 'int',
      default: 16,
      validator: validators.range(1, 256),
      accepted: '1..256',
      doc: 'Most sends in flight at once within one batch. Records of one FIFO message group are always sent one at a time.',
      importance: 'low',
      group: 'Message',
    },
    ...batchConfigKeys({ maxRecords: 1000, maxBytes: 4 * 1024 * 1024, intervalMs: 100 }),
  ]);
}

export interface ConnectionSettings {
  /** As the client wants them: separated by ';'. */
  endpoints: string;
  topic: string;
  credentials?: Credentials;
  requestTimeoutMs: number;
}

export interface SourceSettings extends ConnectionSettings {
  group: string;
  tagExpression: string;
  invisibleDurationMs: number;
  maxMessages: number;
}

export interface SinkSettings extends ConnectionSettings {
  tag?: string;
  tagField?: FieldRef;
  keysField?: FieldRef;
  groupField?: FieldRef;
  delayMs: number;
  concurrency: number;
  batch: BatchPolicy;
}

/** The default consumer group of a connector: connect-<name>, with characters groups may not hold replaced. */
export function defaultGroup(connectorName: string): string {
  return `connect-${connectorName}`.replace(/[^%|a-zA-Z0-9_-]/g, '_').slice(0, 255);
}

/** Cross-field rules shared by both connectors. */
function validateConnection(config: Record<string, string>): ConfigFieldError[] {
  const access = config['rocketmq.access.key']?.trim() ?? '';
  const secret = config['rocketmq.secret.key'] ?? '';
  if (access !== '' && secret === '') return [{ name: 'rocketmq.secret.key', message: 'missing: rocketmq.access.key is set, so give its secret key too (or remove rocketmq.access.key)' }];
  if (access === '' && secret !== '') return [{ name: 'rocketmq.access.key', message: 'missing: rocketmq.secret.key is set, so give the access key it belongs to (or remove rocketmq.secret.key)' }];
  return [];
}

export function validateSource(config: Record<string, string>): ConfigFieldError[] {
  return validateConnection(config);
}

export function validateSink(config: Record<string, string>): ConfigFieldError[] {
  const errors = validateConnection(config);
  const delay = Number(config['rocketmq.delay.ms'] ?? '0');
  const group = config['rocketmq.message.group.field']?.trim();
  if (group && Number.isFinite(delay) && delay > 0) {
    errors.push({
      name: 'rocketmq.delay.ms',
      message: `value ${JSON.stringify(config['rocketmq.delay.ms'])} cannot be combined with rocketmq.message.group.field: RocketMQ messages are either FIFO (with a message group) or delayed, not both; set rocketmq.delay.ms=0 or remove rocketmq.message.group.field`,
    });
  }
  const tag = config['rocketmq.tag'];
  if (tag !== undefined && tag.includes('|')) {
    errors.push({ name: 'rocketmq.tag', message: `value ${JSON.stringify(tag)} contains '|', which RocketMQ refuses in tags (it separates tags in filter expressions); choose a tag without it` });
  }
  return errors;
}

function connection(p: ConfigValues<ReturnType<typeof connectionKeys>>): ConnectionSettings {
  const endpoints = parseEndpoints(p['rocketmq.endpoints']);
  const access = p['rocketmq.access.key']?.trim();
  const secret = p['rocketmq.secret.key'];
  return {
    endpoints: 'endpoints' in endpoints ? endpoints.endpoints.join(';') : '',
    topic: p['rocketmq.topic'],
    ...(access && secret ? { credentials: { accessKey: access, secretKey: secret } } : {}),
    requestTimeoutMs: p['rocketmq.request.timeout.ms'],
  };
}

/** Parses and checks a source config; throws ConfigError naming every offending key. */
export function sourceSettings(config: Record<string, string>, connectorName: string, context: string): SourceSettings {
  // Unknown keys are the runtime's business: it validates the full config (framework keys included).
  const p = rocketmqSourceConfigDef().parse(config, { allowUnknown: true, context });
  const extra = validateSource(config);
  if (extra.length > 0) throw new ConfigError(extra, `Invalid ${context}`);
  return {
    ...connection(p),
    group: p['rocketmq.consumer.group'] ?? defaultGroup(connectorName),
    tagExpression: p['rocketmq.tag.expression'].trim(),
    invisibleDurationMs: p['rocketmq.invisible.duration.ms'],
    maxMessages: p['rocketmq.poll.max.messages'],
  };
}

/** Parses and checks a sink config; throws ConfigError naming every offending key. */
export function sinkSettings(config: Record<string, string>, context: string): SinkSettings {
  const p = rocketmqSinkConfigDef().parse(config, { allowUnknown: true, context });
  const extra = validateSink(config);
  if (extra.length > 0) throw new ConfigError(extra, `Invalid ${context}`);
  const ref = (key: 'rocketmq.tag.field' | 'rocketmq.keys.field' | 'rocketmq.message.group.field'): FieldRef | undefined => {
    const v = p[key]?.trim();
    if (!v) return undefined;
    const r = parseFieldRef(v);
    return 'ref' in r ? r.ref : undefined;
  };
  const tag = p['rocketmq.tag'];
  return {
    ...connection(p),
    ...(tag !== undefined && tag !== '' ? { tag } : {}),
    ...optional('tagField', ref('rocketmq.tag.field')),
    ...optional('keysField', ref('rocketmq.keys.field')),
    ...optional('groupField', ref('rocketmq.message.group.field')),
    delayMs: p['rocketmq.delay.ms'],
    concurrency: p['rocketmq.send.concurrency'],
    batch: batchPolicyOf(p),
  };
}

function optional<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, V>);
}
