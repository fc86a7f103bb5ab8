// Generates docs/configuration.md (every ConfigDef section) and conf/connect-standalone.conf (the
// default worker config) from the declarations in code. The list of sections lives in
// `referenceSections()` and nowhere else: add connector framework keys and plugin keys there.
// Usage: node dist/scripts/gen-config-docs.js [--check] [--root <repo dir>]
//   --check  writes nothing; exits 1 listing the files that are out of date.

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { renderConfigReference, renderPropertiesTemplate, type ConfigReferenceSection } from '../runtime/config/config-reference';
import { SINK_FRAMEWORK_DEF, SOURCE_FRAMEWORK_DEF } from '../runtime/config/connector-config';
import { WORKER_ENV_PREFIX, workerConfigDef } from '../runtime/config/worker-config';
import { fileSinkConfigDef } from '../plugins/file/file-sink';
import { fileSourceConfigDef } from '../plugins/file/file-source';
import { orderGeneratorConfigDef } from '../plugins/generator/order-generator';
import { hudiSinkConfigDef } from '../plugins/hudi/hudi-sink-config';
import { rocketmqSinkConfigDef, rocketmqSourceConfigDef } from '../plugins/rocketmq/rocketmq-config';

export const GENERATED_BY = 'scripts/gen-config-docs.ts';

export function workerSection(): ConfigReferenceSection {
  return {
    id: 'worker',
    title: 'Worker configuration',
    intro: [
      'The worker reads one Java-properties file, `scripts/run_worker.sh [conf]` (default `conf/connect-standalone.conf`,',
      'which lists every key with its default). Syntax as `java.util.Properties`: `key=value`, `key: value` or',
      '`key value`; `#` and `!` start comment lines; a trailing backslash continues a line; escapes `\\t`, `\\n`,',
      '`\\\\`, `\\uXXXX`. Files are UTF-8. Keys are case-sensitive; values are trimmed, and an empty value means the',
      'default. A key given twice, an unknown key or an invalid value stops start-up with an error naming the file, the',
      'line, the key, the value and the accepted values.',
      '',
      `**Environment overrides.** A variable \`${WORKER_ENV_PREFIX}<KEY>\`, the key in upper case, replaces the file's value,`,
      `e.g. \`${WORKER_ENV_PREFIX}HTTPPORT=0\` or \`${WORKER_ENV_PREFIX}STOREPATHROOTDIR=/var/lib/tributary\`. Other \`${WORKER_ENV_PREFIX}\``,
      `variables, such as the CLI's \`${WORKER_ENV_PREFIX}URL\`, are not worker keys and are ignored by the worker.`,
      '',
      '**Relative paths** (`storePathRootDir`, `pluginPaths`, `allowedRoots`) are resolved against the directory the',
      'worker was started in, not against the directory of the config file.',
    ].join('\n'),
    def: workerConfigDef(),
  };
}

/** Every section of docs/configuration.md, in order. The one place to add sections. */
export function referenceSections(): ConfigReferenceSection[] {
  const connectorIntro = (kind: string) => [
    `Keys the runtime reads from every ${kind} connector config, in addition to the plugin's own keys below.`,
    'Connector configs are JSON string maps sent over REST (numbers and booleans are accepted and turned into strings).',
    'Keys that neither the runtime nor the plugin declares are refused as typos, except the prefixed families',
    '`key.converter.*`, `value.converter.*` and `transforms.*`, and families a plugin opts into (e.g. `hoodie.*`).',
    'Aliases are the spellings used by RocketMQ Connect and Kafka Connect.',
  ].join('\n');
  return [
    workerSection(),
    { id: 'source-connector', title: 'Source connector framework keys', intro: connectorIntro('source'), def: SOURCE_FRAMEWORK_DEF },
    { id: 'sink-connector', title: 'Sink connector framework keys', intro: connectorIntro('sink'), def: SINK_FRAMEWORK_DEF },
    { id: 'file-source', title: 'Connector file-source', intro: 'Tails a local file (inside `allowedRoots`), one record per line; the source position is the byte offset after the line.', def: fileSourceConfigDef() },
    { id: 'file-sink', title: 'Connector file-sink', intro: 'Writes each record\'s value as one JSON line to a local file (inside `allowedRoots`); offsets are committed only after an fsync.', def: fileSinkConfigDef() },
    { id: 'order-generator', title: 'Connector order-generator', intro: 'Generates the food-delivery order records of the seed (inserts, updates, deletes), deterministic from a seed.', def: orderGeneratorConfigDef() },
    { id: 'rocketmq-source', title: 'Connector rocketmq-source', intro: 'Reads an existing RocketMQ 5 topic through the proxy with a SimpleConsumer into `connect.topicname`. Alias: RocketMQSourceConnector. Each record: key = the message\'s first key, value = the body as bytes (use `value.converter=bytes` to keep it byte for byte), timestamp = born time, headers = the user properties plus `rocketmq.tag`, `rocketmq.keys` (comma-joined), `rocketmq.message.id`, `rocketmq.born.timestamp`, `rocketmq.queue` (`<broker>:<queueId>`, `<broker>:retry:<queueId>` for a redelivery), `rocketmq.offset` and `rocketmq.delivery.attempt`. Source partition {topic, queue}, position {offset}. A message is acknowledged only after its record is committed; unacknowledged messages are delivered again after the invisible duration (at-least-once). Every task is a consumer in the same group.', def: rocketmqSourceConfigDef() },
    { id: 'rocketmq-sink', title: 'Connector rocketmq-sink', intro: 'Sends each record to a RocketMQ 5 topic through the proxy with a Producer. Alias: RocketMQSinkConnector. Body = the record value as bytes (bytes as they are, strings as UTF-8, other values as JSON; empty bodies are refused by RocketMQ); record headers become message properties (names RocketMQ reserves are left out). Offsets are committed only for records RocketMQ accepted; a failed send is retried (retriable error naming the topic) without resending what was sent. At-least-once.', def: rocketmqSinkConfigDef() },
    { id: 'hudi-sink', title: 'Connector hudi-sink', intro: 'Writes records into an Apache Hudi copy-on-write table (table version 6). Aliases: HudiSinkConnector, org.apache.rocketmq.connect.hudi.connector.HudiSinkConnector. Other `hoodie.*` keys are accepted and logged as not used. Keys in the group "Seed keys without effect" come from the seed\'s walkthrough and are accepted so its configs run unchanged; each says why it does nothing here. Without `hoodie.datasource.write.recordkey.field` the table is keyless (append-only, rows keyed by source position). One task per table.', def: hudiSinkConfigDef() },
  ];
}

export function defaultConfHeader(): string {
  return [
    'Tributary worker configuration: the embedded default.',
    '',
    'Run: scripts/run_worker.sh conf/connect-standalone.conf',
    'Standalone mode without namesrvAddr: topics live in the embedded, durable transport and connector configs,',
    'states, positions and offsets in files under storePathRootDir, so no external service is needed.',
    'Every key is listed with its default value. Unknown keys and invalid values stop start-up.',
    `Any key can be overridden by an environment variable ${WORKER_ENV_PREFIX}<KEY in upper case>, e.g. ${WORKER_ENV_PREFIX}HTTPPORT=0.`,
    'Relative paths resolve against the directory the worker is started in, not this file\'s directory.',
    'Reference: docs/configuration.md. These comments are generated from runtime/config/worker-config.ts',
    `by ${GENERATED_BY}; change the declarations there.`,
  ].join('\n');
}

export function distributedConfHeader(): string {
  return [
    'Tributary worker configuration: one worker of a distributed cluster.',
    '',
    'Run on each machine (with its own workerId): scripts/run_worker.sh conf/connect-distributed.conf',
    'Workers that share the RocketMQ cluster at namesrvAddr and the store topics (configStoreTopic, statusStoreTopic,',
    'positionStoreTopic, clusterStoreTopic) form one cluster: a connector created through any worker\'s REST API runs',
    'somewhere and is visible from all of them, and the work of a worker that stops moves to the others.',
    'storePathRootDir holds only the worker lock here. Every other key is as in conf/connect-standalone.conf.',
    `Any key can be overridden by an environment variable ${WORKER_ENV_PREFIX}<KEY in upper case>, e.g. ${WORKER_ENV_PREFIX}WORKERID=worker-2.`,
    'Reference: docs/configuration.md. Generated from runtime/config/worker-config.ts by ' + GENERATED_BY + '.',
  ].join('\n');
}

/** The generated files, as repository-relative path and content. */
export function generatedFiles(): { path: string; content: string }[] {
  return [
    { path: 'docs/configuration.md', content: renderConfigReference(referenceSections(), { generatedBy: GENERATED_BY }) },
    { path: 'conf/connect-standalone.conf', content: renderPropertiesTemplate(workerConfigDef(), { header: defaultConfHeader() }) },
    {
      path: 'conf/connect-distributed.conf',
      content: renderPropertiesTemplate(workerConfigDef(), {
        header: distributedConfHeader(),
        values: { workerId: 'worker-1', mode: 'distributed', namesrvAddr: '127.0.0.1:9876', storePathRootDir: 'data/store-worker-1' },
      }),
    },
  ];
}

/** The repository root: the nearest directory above `from` holding package.json (works from scripts/ and dist/scripts/). */
export function findRepoRoot(from: string): string {
  let dir = resolve(from);
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error(`no package.json above ${from}; pass --root <repository directory>`);
    dir = up;
  }
}

export function main(argv: string[], out: { write(s: string): unknown } = process.stdout, err: { write(s: string): unknown } = process.stderr): number {
  const { values } = parseArgs({ args: argv, options: { check: { type: 'boolean' }, root: { type: 'string' } } });
  const root = values.root !== undefined ? resolve(values.root) : findRepoRoot(__dirname);
  const stale: string[] = [];
  for (const f of generatedFiles()) {
    const target = join(root, f.path);
    const current = existsSync(target) ? readFileSync(target, 'utf8') : undefined;
    if (current === f.content) continue;
    stale.push(f.path);
    if (!values.check) {
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, f.content);
      out.write(`wrote ${f.path}\n`);
    }
  }
  if (values.check && stale.length > 0) {
    err.write(`out of date: ${stale.join(', ')}; run: npx tsc -p . && node dist/scripts/gen-config-docs.js\n`);
    return 1;
  }
  if (stale.length === 0) out.write('configuration reference is up to date\n');
  return 0;
}

// `require` is undefined when a test imports this file as an ES module.
if (typeof require !== 'undefined' && require.main === module) process.exitCode = main(process.argv.slice(2));
