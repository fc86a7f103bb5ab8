// The RocketMQ transport against the real broker of scripts/rocketmq.sh: topics, ordered keyed sends,
// pull from explicit offsets, group offsets on the broker, long polling, and messages produced by
// another client (rocketmq-client-nodejs through the proxy) read with their keys, tag and properties.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Producer } from 'rocketmq-client-nodejs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../runtime/observability/logger';
import { FilePositionStore } from '../../runtime/stores/file-position-store';
import { queueForKey } from '../../runtime/transport/queue-for-key';
import { RocketMQTransport } from '../../runtime/transport/rocketmq/rocketmq-transport';
import type { StoredMessage, TopicConsumer, TransportMessage } from '../../runtime/transport/transport';
import { acquireBroker, releaseBroker, uniqueName, type BrokerEnv } from '../helpers/rocketmq-broker';

const LEASE = `rocketmq-transport-test-${process.pid}`;
const logger = createLogger({ level: 'error', name: 'rocketmq-transport-test' });
let broker: BrokerEnv;
const open: RocketMQTransport[] = [];

async function transport(queuesPerTopic = 4): Promise<RocketMQTransport> {
  const positions = new FilePositionStore({ dir: mkdtempSync(path.join(tmpdir(), 'rmq-positions-')) });
  await positions.load();
  const t = new RocketMQTransport({ namesrvAddrs: [broker.namesrv], queuesPerTopic, clusterName: broker.env['ROCKETMQ_CLUSTER'], producerGroup: 'tributary-test', positions, logger, longPollMs: 5000 });
  await t.connect();
  open.push(t);
  return t;
}

async function drain(consumer: TopicConsumer, want: number, timeoutMs = 30_000): Promise<StoredMessage[]> {
  const out: StoredMessage[] = [];
  const deadline = Date.now() + timeoutMs;
  while (out.length < want && Date.now() < deadline) out.push(...(await consumer.receive(500, 500)));
  return out;
}

function msg(i: number, key: string | null, headers: Record<string, string> = {}): TransportMessage {
  return { key, body: Buffer.from(JSON.stringify({ i })), headers, timestamp: 1_700_000_000_000 + i };
}

beforeAll(async () => {
  broker = await acquireBroker(LEASE);
}, 600_000);

afterAll(async () => {
  for (const t of open) await t.close();
  await releaseBroker(LEASE);
}, 120_000);

describe('RocketMQ transport', () => {
  it('ensureTopic creates the topic with the configured queues on the broker; topics() lists it and no system topic', async () => {
    const t = await transport(3);
    const topic = uniqueName('tt_create');
    const queues = await t.ensureTopic(topic);
    expect(queues.map((q) => q.queue)).toEqual(['broker-a:0', 'broker-a:1', 'broker-a:2']);
    expect(await t.ensureTopic(topic)).toEqual(queues);
    expect(await t.queues(topic)).toEqual(queues);
    expect(await t.queues(uniqueName('tt_missing'))).toEqual([]);
    const topics = await t.topics();
    expect(topics).toContain(topic);
    expect(topics.filter((x) => x.startsWith('%') || x.startsWith('rmq_sys_') || x === 'TBW102' || x === 'DefaultCluster' || x === 'broker-a')).toEqual([]);
  }, 60_000);

  it('topics are created in the configured RocketMQ cluster; an unknown cluster name is refused with the known ones', async () => {
    const positions = new FilePositionStore({ dir: mkdtempSync(path.join(tmpdir(), 'rmq-positions-')) });
    await positions.load();
    const t = new RocketMQTransport({ namesrvAddrs: [broker.namesrv], queuesPerTopic: 2, clusterName: 'NoSuchCluster', producerGroup: 'tributary-test', positions, logger });
    open.push(t);
    const topic = uniqueName('tt_cluster');
    await expect(t.ensureTopic(topic)).rejects.toThrow(/no RocketMQ cluster named "NoSuchCluster" \(known: DefaultCluster\); fix clusterName/);
    expect(await t.queues(topic)).toEqual([]);
    const ok = await transport(2);
    expect((await ok.ensureTopic(topic)).length).toBe(2);
  }, 60_000);

  it('keyed messages keep per-key order in the key\'s queue; key, headers, tag and timestamp round trip; offsets are dense', async () => {
    const t = await transport(4);
    const topic = uniqueName('tt_order');
    const sent: TransportMessage[] = [];
    for (let i = 0; i < 400; i++) sent.push(msg(i, `user-${i % 7}`, { seq: String(i), 'rocketmq.tag': i % 2 ? 'odd' : 'even', 'content-type': 'application/json' }));
    sent.push({ key: null, body: null, headers: {}, timestamp: 5 });
    sent.push({ key: '', body: Buffer.alloc(0), headers: { empty: '' }, timestamp: 6 });
    await t.send(topic, sent.slice(0, 200));
    await t.send(topic, sent.slice(200));
    const c = t.consumer(uniqueName('tt_group'));
    await c.assign(await t.queues(topic));
    const got = await drain(c, sent.length);
    expect(got).toHaveLength(sent.length);
    const byQueue = new Map<string, StoredMessage[]>();
    for (const m of got) byQueue.set(m.queue, [...(byQueue.get(m.queue) ?? []), m]);
    for (const list of byQueue.values()) expect(list.map((m) => m.offset)).toEqual(list.map((_, i) => i));
    for (let k = 0; k < 7; k++) {
      const mine = got.filter((m) => m.key === `user-${k}`);
      expect(new Set(mine.map((m) => m.queue))).toEqual(new Set([`broker-a:${queueForKey(`user-${k}`, 4)}`]));
      expect(mine.map((m) => Number(m.headers['seq']))).toEqual(sent.filter((s) => s.key === `user-${k}`).map((s) => Number(s.headers['seq'])));
    }
    const first = got.find((m) => m.headers['seq'] === '3')!;
    expect(first).toMatchObject({ topic, key: 'user-3', timestamp: 1_700_000_000_003, headers: { seq: '3', 'rocketmq.tag': 'odd', 'content-type': 'application/json' } });
    expect(JSON.parse(first.body!.toString('utf8'))).toEqual({ i: 3 });
    const nul = got.find((m) => m.timestamp === 5)!;
    expect(nul.key).toBeNull();
    expect(nul.body?.length ?? 0).toBe(0);
    const empty = got.find((m) => m.timestamp === 6)!;
    expect(empty).toMatchObject({ key: '', headers: { empty: '' } });
    let total = 0;
    for (const q of await t.queues(topic)) total += await t.endOffset(q);
    expect(total).toBe(sent.length);
  }, 60_000);

  it('a header named like a RocketMQ system property is refused with its name, and nothing of that batch is sent', async () => {
    const t = await transport(1);
    const topic = uniqueName('tt_reserved');
    await t.ensureTopic(topic);
    await expect(t.send(topic, [msg(1, 'k'), msg(2, 'k', { KEYS: 'x' })])).rejects.toThrow(/header "KEYS" is a RocketMQ system property/);
    expect(await t.endOffset((await t.queues(topic))[0]!)).toBe(0);
  }, 60_000);

  it('commit stores the group offset on the broker: a new consumer of the group resumes there; seek and reset to earliest', async () => {
    const t = await transport(2);
    const topic = uniqueName('tt_commit');
    const group = uniqueName('tt_group');
    await t.send(topic, Array.from({ length: 100 }, (_, i) => msg(i, `k${i}`)));
    const queues = await t.queues(topic);
    const c1 = t.consumer(group);
    await c1.assign(queues);
    const first = await drain(c1, 100);
    expect(first).toHaveLength(100);
    const cut = queues.map((q) => ({ ...q, offset: Math.floor(first.filter((m) => m.queue === q.queue).length / 2) }));
    await c1.commit(cut);
    await c1.close();
    expect((await t.groupOffsets(group, [topic])).sort((a, b) => a.queue.localeCompare(b.queue))).toEqual(cut);

    const c2 = t.consumer(group);
    await c2.assign(queues);
    const rest = await drain(c2, 100 - cut.reduce((n, o) => n + o.offset, 0));
    for (const q of cut) expect(Math.min(...rest.filter((m) => m.queue === q.queue).map((m) => m.offset))).toBe(q.offset);
    expect(rest.length + cut.reduce((n, o) => n + o.offset, 0)).toBe(100);
    expect(await c2.receive(10, 300)).toEqual([]);

    c2.seek([{ ...queues[0]!, offset: 1 }]);
    const again = await drain(c2, first.filter((m) => m.queue === queues[0]!.queue).length - 1);
    expect(again[0]).toMatchObject({ queue: queues[0]!.queue, offset: 1 });
    await c2.close();

    await t.putGroupOffsets(group, queues.map((q) => ({ ...q, offset: null })));
    expect(await t.groupOffsets(group, [topic])).toEqual(queues.map((q) => ({ ...q, offset: 0 })));
  }, 60_000);

  it('receive waits for a message sent while it waits (long polling), and paused queues are not delivered', async () => {
    const t = await transport(2);
    const topic = uniqueName('tt_wait');
    const queues = await t.ensureTopic(topic);
    const c = t.consumer(uniqueName('tt_group'));
    await c.assign(queues);
    expect(await c.receive(10, 200)).toEqual([]);
    const waiting = c.receive(10, 20_000);
    setTimeout(() => void t.send(topic, [msg(1, null)]), 500);
    const got = await waiting;
    expect(got).toHaveLength(1);
    c.pause(queues);
    await t.send(topic, [msg(2, 'a'), msg(3, 'b')]);
    expect(await c.receive(10, 1500)).toEqual([]);
    c.resume(queues);
    expect((await drain(c, 2)).map((m) => JSON.parse(m.body!.toString()).i).sort()).toEqual([2, 3]);
  }, 60_000);

  it('messages produced by rocketmq-client-nodejs through the proxy arrive with their keys, tag and properties', async () => {
    const t = await transport(4);
    const topic = uniqueName('tt_grpc');
    await t.ensureTopic(topic);
    const producer = new Producer({ endpoints: broker.proxy, namespace: '', topics: [topic], logger: { info() {}, debug() {}, warn() {}, error() {}, close() {} } as never });
    await producer.startup();
    try {
      for (let i = 0; i < 20; i++) {
        await producer.send({ topic, tag: 'orders', keys: [`order-${i}`], body: Buffer.from(`{"id":${i}}`), properties: new Map([['source', 'seed']]) } as never);
      }
    } finally {
      await producer.shutdown();
    }
    const c = t.consumer(uniqueName('tt_group'));
    await c.assign(await t.queues(topic));
    const got = await drain(c, 20);
    expect(got).toHaveLength(20);
    expect(got.map((m) => m.key).sort()).toEqual(Array.from({ length: 20 }, (_, i) => `order-${i}`).sort());
    for (const m of got) {
      expect(m.headers).toMatchObject({ 'rocketmq.tag': 'orders', source: 'seed' });
      expect(m.headers['UNIQ_KEY']).toBeUndefined();
      expect(JSON.parse(m.body!.toString()).id).toBe(Number(m.key!.slice('order-'.length)));
      expect(Math.abs(m.timestamp - Date.now())).toBeLessThan(600_000);
    }
  }, 60_000);

  it('source positions given with a send are stored once the broker acknowledged the messages', async () => {
    const t = await transport(1);
    const topic = uniqueName('tt_pos');
    await t.send(topic, [msg(1, null)], { positions: [{ connector: 'src', partition: { file: 'a' }, position: { line: 1 } }] });
    expect(await t.positions('src')).toEqual([{ partition: { file: 'a' }, position: { line: 1 } }]);
    await t.putPositions([{ connector: 'src', partition: { file: 'a' }, position: null }]);
    expect(await t.positions('src')).toEqual([]);
  }, 60_000);
});
