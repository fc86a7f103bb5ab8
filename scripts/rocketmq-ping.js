#!/usr/bin/env node
// One produce/consume round trip through a RocketMQ 5 proxy with rocketmq-client-nodejs: send a message with a
// fresh token and receive it with a SimpleConsumer (acking whatever else it finds), retrying until --timeout.
// Used by scripts/rocketmq.sh to decide that the broker is ready. Exit 0 on success, 1 on timeout.
//   node scripts/rocketmq-ping.js [--endpoints 127.0.0.1:8081] [--topic TributaryPing] [--group tributary-ping]
//                                 [--timeout 60]      (seconds)      ROCKETMQ_PING_VERBOSE=1 prints the client's log
'use strict';

const { randomUUID } = require('node:crypto');
const { Producer, SimpleConsumer } = require('rocketmq-client-nodejs');

function parseArgs(argv) {
  const opts = { endpoints: '127.0.0.1:8081', topic: 'TributaryPing', group: 'tributary-ping', timeout: 60 };
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i].replace(/^--/, '');
    if (!(key in opts) || argv[i + 1] === undefined) {
      throw new Error(`unknown or incomplete argument '${argv[i]}' (expected --endpoints, --topic, --group, --timeout)`);
    }
    opts[key] = key === 'timeout' ? Number(argv[i + 1]) : argv[i + 1];
  }
  return opts;
}

// The client's default logger writes to ~/logs/rocketmq; a ping has nothing worth keeping there.
function makeLogger(verbose) {
  const out = (level) => (...args) => {
    if (verbose) process.stderr.write(`[client ${level}] ${args.map(String).join(' ')}\n`);
  };
  return { info: out('info'), warn: out('warn'), error: out('error'), debug: out('debug'), close() {} };
}

const say = (msg) => process.stderr.write(`rocketmq-ping: ${msg}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
// The client wraps errors two or three deep ("Startup ... failed" <- "Failed to fetch topic routes" <- the gRPC error);
// the innermost one says what is wrong.
function errorText(e) {
  let root = e;
  while (root && root.cause) root = root.cause;
  const text = (x) => String(x && x.message ? x.message : x).split('\n')[0];
  return root === e ? text(e) : `${text(e)} (cause: ${text(root)})`;
}

async function attempt(opts, logger, deadline) {
  const token = randomUUID();
  const producer = new Producer({ endpoints: opts.endpoints, namespace: '', logger, requestTimeout: 5000 });
  const consumer = new SimpleConsumer({
    endpoints: opts.endpoints,
    namespace: '',
    consumerGroup: opts.group,
    subscriptions: new Map([[opts.topic, '*']]),
    // The proxy stretches any long poll to at least 5 s and refuses one whose deadline (requestTimeout +
    // awaitDuration) is shorter than that.
    awaitDuration: 5000,
    logger,
    requestTimeout: 5000,
  });
  try {
    await producer.startup();
    await consumer.startup();
    const receipt = await producer.send({
      topic: opts.topic,
      tag: 'ping',
      keys: [token],
      body: Buffer.from(token),
    });
    say(`sent ${receipt.messageId}`);
    while (Date.now() < deadline) {
      const messages = await consumer.receive(16, 15000);
      for (const m of messages) {
        await consumer.ack(m);
        if (m.body.toString() === token) {
          say(`received ${m.messageId}: round trip ok`);
          return;
        }
      }
    }
    throw new Error(`sent ${receipt.messageId} but did not receive it in time`);
  } finally {
    await Promise.allSettled([producer.shutdown(), consumer.shutdown()]);
  }
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const logger = makeLogger(process.env.ROCKETMQ_PING_VERBOSE === '1');
  // Node ends the process on an unhandled rejection; one from the client's background work must not end the ping.
  process.on('unhandledRejection', (e) => say(`(unhandled rejection from the client: ${errorText(e)})`));
  const deadline = Date.now() + opts.timeout * 1000;
  let lastError = '';
  for (let n = 1; Date.now() < deadline; n++) {
    try {
      // An attempt against a hung proxy can take three route lookups of 5 s each: bound it by the deadline (the
      // process exits at the end, so an abandoned attempt's clients do not matter).
      let timer;
      const overtime = new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error('no answer before the deadline')), Math.max(0, deadline - Date.now()));
      });
      await Promise.race([attempt(opts, logger, deadline), overtime]).finally(() => clearTimeout(timer));
      return 0;
    } catch (e) {
      const text = errorText(e);
      if (text !== lastError) say(`attempt ${n}: ${text}`);
      lastError = text;
      await sleep(1000);
    }
  }
  say(`no round trip through ${opts.endpoints} within ${opts.timeout} s; last error: ${lastError}`);
  return 1;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    say(errorText(e));
    process.exit(2);
  },
);
