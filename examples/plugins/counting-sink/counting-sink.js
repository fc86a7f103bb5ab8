// counting-sink: an example third-party sink plugin for Tributary, in plain JavaScript (CommonJS, no
// build step). It appends each record's value to a file as one JSON line and counts the records it
// has made durable. Walked through in docs/plugin-guide.md.
//
// The only thing it takes from Tributary is `tributary/spi`: the runtime that loads this plugin makes
// that name resolve to its own SPI module, so the plugin needs no copy of Tributary in node_modules.
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const { ConfigDef, DataError, RetriableError, validators } = require('tributary/spi');

const VERSION = '1.0.0';

// Errors from the file system that are worth trying again later instead of failing the task.
const TRANSIENT = new Set(['EAGAIN', 'EBUSY', 'EMFILE', 'ENFILE', 'EINTR']);

/** One declaration per key: the runtime uses it to validate, to answer the REST validate endpoint and for docs. */
function configDef() {
  return new ConfigDef([
    {
      name: 'file',
      type: 'string',
      validator: validators.nonEmpty(),
      doc: 'File the record values are appended to, one JSON line each.',
      importance: 'high',
    },
    {
      name: 'log.every',
      type: 'int',
      default: 1000,
      validator: validators.range(0),
      doc: 'Log the running count each time this many more records have been made durable; 0 = only at stop.',
      importance: 'low',
    },
  ]);
}

class CountingSinkConnector {
  constructor() {
    this.type = 'sink';
    this.settings = {};
  }

  version() {
    return VERSION;
  }

  config() {
    return configDef();
  }

  // Called before the config is stored: a file outside the worker's allowed roots is refused with 400.
  validate(config, context) {
    if (config.file !== undefined) context.resolvePath(config.file, 'file');
    return [];
  }

  start(config, context) {
    // The runtime has validated the full config already; parse our own keys (ignoring the framework's)
    // to fail early with a clear message, and check the path against the worker's allowed roots.
    const parsed = configDef().parse(config, { allowUnknown: true, context: `connector "${context.connectorName}"` });
    context.resolvePath(parsed.file, 'file');
    this.settings = Object.assign({}, config);
  }

  taskConfigs(maxTasks) {
    // One file, one writer: more tasks would interleave their lines.
    return [Object.assign({}, this.settings)];
  }

  createTask() {
    return new CountingSinkTask();
  }

  stop() {}
}

class CountingSinkTask {
  constructor() {
    this.lines = [];
    this.pendingCount = 0;
    /** Records written and fsynced: the count this sink vouches for. */
    this.count = 0;
    this.loggedAt = 0;
    this.handle = undefined;
  }

  version() {
    return VERSION;
  }

  async start(config, context) {
    this.context = context;
    const parsed = configDef().parse(config, { allowUnknown: true, context: `task ${context.taskId}` });
    this.logEvery = parsed['log.every'];
    this.file = context.resolvePath(parsed.file, 'file');
    await fs.promises.mkdir(path.dirname(this.file), { recursive: true });
    this.handle = await fs.promises.open(this.file, 'a');
  }

  async put(records) {
    for (const record of records) {
      let line;
      try {
        line = JSON.stringify(record.value === undefined ? null : record.value);
      } catch (err) {
        // A value we cannot write (e.g. a cycle): hand it to the runtime's errant-record handling
        // (dead-letter queue or log). This rejects when the connector tolerates no errors, and the
        // rejection fails the task, which is the user's choice.
        await this.context.errantRecordReporter(record, new DataError(`record at ${record.topic}/${record.queue}@${record.offset} has no JSON form: ${err.message}`, err));
        continue;
      }
      this.lines.push(line === undefined ? 'null' : line);
    }
    // Only buffered: nothing is durable (or counted) before flush.
  }

  async flush() {
    if (this.lines.length > 0) {
      const text = this.lines.join('\n') + '\n';
      try {
        await this.handle.write(text);
        await this.handle.sync();
      } catch (err) {
        // Transient trouble: the runtime retries flush with backoff. The buffer is kept, so the retry
        // writes the same lines (a partial earlier write could repeat some: at-least-once).
        if (TRANSIENT.has(err.code)) throw new RetriableError(`writing ${this.file} failed (${err.code}); will retry`, err);
        throw new Error(`writing ${this.file} failed: ${err.message}; check space and permissions, then restart the task`, { cause: err });
      }
      this.count += this.lines.length;
      this.lines = [];
      if (this.logEvery > 0 && this.count - this.loggedAt >= this.logEvery) {
        this.loggedAt = this.count;
        this.context.logger.info({ file: this.file, count: this.count }, 'counting-sink progress');
      }
    }
  }

  async preCommit(currentOffsets) {
    // Everything handed to put up to currentOffsets is written and fsynced once flush returns, so
    // those offsets are safe to commit. A sink that wrote asynchronously would return less here.
    await this.flush(currentOffsets);
    return currentOffsets;
  }

  async stop() {
    // Unflushed lines are dropped on purpose: their offsets were never committed, so the runtime
    // delivers those records again after a restart.
    this.lines = [];
    if (this.handle) await this.handle.close();
    this.handle = undefined;
    if (this.context) this.context.logger.info({ file: this.file, count: this.count }, 'counting-sink stopped');
  }
}

module.exports = { CountingSinkConnector, CountingSinkTask };
