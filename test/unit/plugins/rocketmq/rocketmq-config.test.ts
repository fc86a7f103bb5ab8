import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { builtinPluginsPath } from '../../../../runtime/plugins/dist-layout';
import { PluginRegistry } from '../../../../runtime/plugins/plugin-registry';
import { ConfigError } from '../../../../runtime/spi';
import {
  ROCKETMQ_PLUGIN_VERSION,
  defaultGroup,
  parseEndpoints,
  rocketmqSinkConfigDef,
  rocketmqSourceConfigDef,
  sinkSettings,
  sourceSettings,
  validateSink,
  validateSource,
} from '../../../../plugins/rocketmq/rocketmq-config';
import { RocketMQSinkConnector } from '../../../../plugins/rocketmq/rocketmq-sink';
import { RocketMQSourceConnector } from '../../../../plugins/rocketmq/rocketmq-source';
import { ensureBuilt, repoRoot } from '../../../helpers/build';
import { fakeConnectorContext, fakeLogger } from '../../../helpers/fake-contexts';

const base = { 'rocketmq.endpoints': '127.0.0.1:8081', 'rocketmq.topic': 'orders' };

function thrown(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('rocketmq config', () => {
  it('sourceSettings with only endpoints and topic uses the documented defaults', () => {
    const s = sourceSettings(base, 'orders-in', 'test');
    expect(s).toEqual({ endpoints: '127.0.0.1:8081', topic: 'orders', requestTimeoutMs: 3000, group: 'connect-orders-in', tagExpression: '*', invisibleDurationMs: 30000, maxMessages: 32 });
  });

  it('defaultGroup replaces characters RocketMQ refuses in group names', () => {
    expect(defaultGroup('orders.in v2')).toBe('connect-orders_in_v2');
    expect(sourceSettings(base, 'a.b', 'test').group).toBe('connect-a_b');
  });

  it('sourceSettings with every key set reads each of them', () => {
    const s = sourceSettings(
      {
        ...base,
        'rocketmq.endpoints': 'p1:8081; p2:8081',
        'rocketmq.consumer.group': 'GID_orders',
        'rocketmq.tag.expression': ' created || paid ',
        'rocketmq.invisible.duration.ms': '60000',
        'rocketmq.poll.max.messages': '8',
        'rocketmq.access.key': 'AK',
        'rocketmq.secret.key': 's3cret',
        'rocketmq.request.timeout.ms': '5000',
      },
      'x',
      'test',
    );
    expect(s).toMatchObject({ endpoints: 'p1:8081;p2:8081', group: 'GID_orders', tagExpression: 'created || paid', invisibleDurationMs: 60000, maxMessages: 8, credentials: { accessKey: 'AK', secretKey: 's3cret' }, requestTimeoutMs: 5000 });
  });

  it('parseEndpoints accepts ; and , separated host:port lists and names a bad entry with an example', () => {
    expect(parseEndpoints('a:1;b.example.com:8081, 10.0.0.1:9')).toEqual({ endpoints: ['a:1', 'b.example.com:8081', '10.0.0.1:9'] });
    expect(parseEndpoints('127.0.0.1')).toEqual({ error: expect.stringContaining('"127.0.0.1" is not host:port; give the RocketMQ proxy\'s gRPC endpoint such as 127.0.0.1:8081') });
    expect(parseEndpoints('h:70000')).toHaveProperty('error');
    expect(parseEndpoints(' ; ')).toEqual({ error: expect.stringContaining('at least one') });
  });

  it('source config with a bad endpoint, group, invisible duration and batch size names each key and value', () => {
    const err = thrown(() =>
      sourceSettings(
        { 'rocketmq.endpoints': 'localhost', 'rocketmq.topic': 'bad topic', 'rocketmq.consumer.group': 'g.x', 'rocketmq.invisible.duration.ms': '5000', 'rocketmq.poll.max.messages': '0' },
        'c',
        'connector "c"',
      ),
    );
    expect(err.code).toBe('CONFIG_INVALID');
    const byName = Object.fromEntries(err.errors.map((e) => [e.name, e.message]));
    expect(byName['rocketmq.endpoints']).toContain('"localhost" is not host:port');
    expect(byName['rocketmq.topic']).toContain('"bad topic" is not a valid topic name');
    expect(byName['rocketmq.consumer.group']).toContain('"g.x" is invalid: is not a valid consumer group name');
    expect(byName['rocketmq.invisible.duration.ms']).toContain('value "5000" is invalid: must be at least 10000');
    expect(byName['rocketmq.poll.max.messages']).toContain('must be at least 1');
  });

  it('source config without endpoints or topic names the missing keys', () => {
    const err = thrown(() => sourceSettings({}, 'c', 'connector "c"'));
    expect(err.errors.map((e) => e.name).sort()).toEqual(['rocketmq.endpoints', 'rocketmq.topic']);
    expect(err.message).toContain('missing required key');
  });

  it('an access key without a secret key (and the reverse) is refused naming the missing key', () => {
    expect(validateSource({ ...base, 'rocketmq.access.key': 'AK' })).toEqual([{ name: 'rocketmq.secret.key', message: expect.stringContaining('rocketmq.access.key is set') }]);
    expect(validateSink({ ...base, 'rocketmq.secret.key': 'sk' })).toEqual([{ name: 'rocketmq.access.key', message: expect.stringContaining('rocketmq.secret.key is set') }]);
    expect(validateSource({ ...base, 'rocketmq.access.key': 'AK', 'rocketmq.secret.key': 'sk' })).toEqual([]);
  });

  it('the secret key is a password: the validate report hides it and no error message shows it', () => {
    const def = rocketmqSourceConfigDef();
    expect(def.key('rocketmq.secret.key')!.type).toBe('password');
    const report = def.validate({ ...base, 'rocketmq.secret.key': 'top-s3cret', 'rocketmq.access.key': 'AK' });
    expect(report.values.find((v) => v.name === 'rocketmq.secret.key')!.value).toBe('[hidden]');
    const errs = validateSource({ ...base, 'rocketmq.secret.key': 'top-s3cret' });
    expect(JSON.stringify(errs)).not.toContain('top-s3cret');
  });

  it('sinkSettings parses field references of value fields and headers', () => {
    const s = sinkSettings({ ...base, 'rocketmq.tag': 'fixed', 'rocketmq.tag.field': 'header:kind', 'rocketmq.keys.field': 'customer.id', 'rocketmq.message.group.field': 'value:region', 'rocketmq.send.concurrency': '4' }, 'test');
    expect(s).toMatchObject({
      topic: 'orders',
      tag: 'fixed',
      tagField: { kind: 'header', name: 'kind' },
      keysField: { kind: 'value', path: ['customer', 'id'] },
      groupField: { kind: 'value', path: ['region'] },
      delayMs: 0,
      concurrency: 4,
    });
  });

  it('sink with a delay and a message group field is refused: RocketMQ messages are FIFO or delayed, not both', () => {
    const err = thrown(() => sinkSettings({ ...base, 'rocketmq.delay.ms': '1000', 'rocketmq.message.group.field': 'region' }, 'connector "s"'));
    expect(err.errors).toEqual([{ name: 'rocketmq.delay.ms', message: expect.stringContaining('cannot be combined with rocketmq.message.group.field') }]);
  });

  it('sink with a malformed field reference or a tag holding | names the key and the syntax', () => {
    const err = thrown(() => sinkSettings({ ...base, 'rocketmq.tag.field': 'header:', 'rocketmq.keys.field': 'a..b', 'rocketmq.tag': 'a|b' }, 'connector "s"'));
    const byName = Object.fromEntries(err.errors.map((e) => [e.name, e.message]));
    expect(byName['rocketmq.tag.field']).toContain('names no header; write a value field');
    expect(byName['rocketmq.keys.field']).toContain('empty path segment');
    expect(validateSink({ ...base, 'rocketmq.tag': 'a|b' })).toEqual([{ name: 'rocketmq.tag', message: expect.stringContaining("contains '|'") }]);
  });

  it('connector validate and start use the same rules; taskConfigs gives tasks.max copies', () => {
    const src = new RocketMQSourceConnector();
    expect(src.validate({ ...base, 'rocketmq.access.key': 'AK' })[0]!.name).toBe('rocketmq.secret.key');
    expect(() => src.start({ ...base, 'rocketmq.access.key': 'AK' }, fakeConnectorContext())).toThrow(/rocketmq.secret.key/);
    src.start({ ...base, name: 'in' }, fakeConnectorContext());
    expect(src.taskConfigs(3)).toEqual([{ ...base, name: 'in' }, { ...base, name: 'in' }, { ...base, name: 'in' }]);
    const sink = new RocketMQSinkConnector();
    expect(sink.validate({ ...base, 'rocketmq.delay.ms': '5', 'rocketmq.message.group.field': 'g' })[0]!.name).toBe('rocketmq.delay.ms');
    sink.start(base, fakeConnectorContext());
    expect(sink.taskConfigs(2)).toHaveLength(2);
  });

  it('every key is documented and belongs to a group', () => {
    for (const def of [rocketmqSourceConfigDef(), rocketmqSinkConfigDef()]) {
      for (const k of def.keys()) {
        expect(k.doc.length, k.name).toBeGreaterThan(20);
        expect(k.group, k.name).toBeDefined();
      }
    }
  });
});

describe('rocketmq plugin package', () => {
  beforeAll(async () => {
    await ensureBuilt();
  });

  it('ROCKETMQ_PLUGIN_VERSION matches plugins/rocketmq/package.json', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot, 'plugins', 'rocketmq', 'package.json'), 'utf8')) as { version: string };
    expect(ROCKETMQ_PLUGIN_VERSION).toBe(pkg.version);
  });

  it('the built-in plugin loads from dist/plugins with both connectors and their aliases', async () => {
    const registry = new PluginRegistry({ paths: [builtinPluginsPath()], logger: fakeLogger() });
    const { plugins, errors } = await registry.load();
    expect(errors).toEqual([]);
    const byClass = new Map(plugins.map((p) => [p.class, p]));
    expect(byClass.get('rocketmq-source')).toMatchObject({ type: 'source', plugin: '@tributary/plugin-rocketmq', version: ROCKETMQ_PLUGIN_VERSION });
    expect(byClass.get('rocketmq-sink')).toMatchObject({ type: 'sink', plugin: '@tributary/plugin-rocketmq', version: ROCKETMQ_PLUGIN_VERSION });
    expect(registry.resolve('RocketMQSourceConnector').info.class).toBe('rocketmq-source');
    expect(registry.resolve('RocketMQSinkConnector').info.class).toBe('rocketmq-sink');
  });
});
