import { describe, expect, it } from 'vitest';
import { RocketMQSinkTask, sendInLanes } from '../../../../plugins/rocketmq/rocketmq-sink';
import type { OutgoingMessage } from '../../../../plugins/rocketmq/client/rocketmq-clients';
import type { SinkRecord } from '../../../../runtime/spi';
import { fakeSinkTaskContext, sinkRecords } from '../../../helpers/fake-contexts';
import { FakeProducer, FakeRocketMQ, clientException, grpcError } from './fake-rocketmq';

const config = { name: 'out', 'rocketmq.endpoints': '127.0.0.1:8081', 'rocketmq.topic': 'orders-out', 'connect.topicnames': 'in' };

function started(extra: Record<string, string> = {}, options: { tolerateErrors?: boolean } = {}) {
  const fake = new FakeRocketMQ();
  const task = new RocketMQSinkTask(fake);
  const context = fakeSinkTaskContext({ connectorName: 'out', ...options });
  task.start({ ...config, ...extra }, context);
  return { task, context, fake };
}

async function failure(p: Promise<unknown>): Promise<Error & { retriable?: boolean; code?: string; errors?: { name: string; message: string }[] }> {
  return p.then(
    () => {
      throw new Error('expected a failure');
    },
    (e: unknown) => e as Error,
  );
}

describe('RocketMQSinkTask', () => {
  it('a batch sends each record with tag and keys from fields and its offsets are reported only after the sends', async () => {
    const { task, fake, context } = started({ 'rocketmq.tag.field': 'kind', 'rocketmq.keys.field': 'id', 'batch.max.records': '2' });
    const records = sinkRecords([{ id: 1, kind: 'a' }, { id: 2, kind: 'b' }], { topic: 'in', queue: '0' });
    await task.put(records.slice(0, 1));
    // Not due yet: nothing sent, the offset held back, a commit asked for when batch.interval.ms ends.
    expect(await task.preCommit([{ topic: 'in', queue: '0', offset: 1 }])).toEqual([{ topic: 'in', queue: '0', offset: 0 }]);
    expect(fake.producers).toHaveLength(0);
    expect(context.commitDelays[0]).toBe(100);
    await task.put(records.slice(1));
    expect(context.commitRequests).toBe(1);
    expect(await task.preCommit([{ topic: 'in', queue: '0', offset: 2 }])).toEqual([{ topic: 'in', queue: '0', offset: 2 }]);
    const p = fake.producers[0]!;
    expect(p.settings).toMatchObject({ topics: ['orders-out'], endpoints: '127.0.0.1:8081' });
    expect(p.sent.map((m) => [m.topic, m.tag, m.keys, m.body.toString()])).toEqual([
      ['orders-out', 'a', ['1'], '{"id":1,"kind":"a"}'],
      ['orders-out', 'b', ['2'], '{"id":2,"kind":"b"}'],
    ]);
    await task.stop();
    expect(p.closed).toBe(true);
  });

  it('a send that fails for a passing reason fails the batch with a RetriableError naming the topic; the retry sends only what is missing', async () => {
    const { task, fake } = started();
    const records = sinkRecords(['r0', 'r1', 'r2', 'r3'], { topic: 'in', queue: '1' });
    let down = true;
    await task.put([]); // no records: nothing to start
    await task.flush([]);
    expect(fake.producers).toHaveLength(0);
    await task.put(records);
    const run = task.flush([]);
    // The producer exists once put started; fail r2 while "down".
    await new Promise((r) => setImmediate(r));
    fake.producers[0]!.failWith = (m) => (down && m.body.toString() === 'r2' ? grpcError(14, 'UNAVAILABLE: proxy unreachable') : undefined);
    const err = await failure(run);
    expect(err.retriable).toBe(true);
    expect(err.message).toContain('sending 1 record(s) to RocketMQ topic orders-out at 127.0.0.1:8081 failed (first: record in/1@2): 14 UNAVAILABLE: proxy unreachable');
    expect(err.message).toContain('3 of 4 were sent');
    // Offsets stop before the batch that failed.
    expect(await failure(task.preCommit([{ topic: 'in', queue: '1', offset: 4 }]))).toMatchObject({ retriable: true });
    down = false;
    // The runtime retries the same call: the same batch is sent again, without what was sent already.
    expect(await task.preCommit([{ topic: 'in', queue: '1', offset: 4 }])).toEqual([{ topic: 'in', queue: '1', offset: 4 }]);
    expect(fake.producers[0]!.sent.map((m) => m.body.toString()).sort()).toEqual(['r0', 'r1', 'r2', 'r3']);
  });

  it('a producer that cannot start is a RetriableError naming the topic, and offsets are held back', async () => {
    const { task, fake } = started();
    fake.failNextStart = new Error('Startup the rocketmq client failed', { cause: grpcError(14, 'UNAVAILABLE: connect ECONNREFUSED') });
    await task.put(sinkRecords(['x'], { topic: 'in', queue: '0', from: 5 }));
    const err = await failure(task.flush([]));
    expect(err.retriable).toBe(true);
    expect(err.message).toContain('cannot start a producer for RocketMQ topic orders-out at 127.0.0.1:8081');
    expect(err.message).toContain('ECONNREFUSED');
    fake.failNextStart = new Error('still down', { cause: grpcError(14, 'UNAVAILABLE: connect ECONNREFUSED') });
    expect(await failure(task.preCommit([{ topic: 'in', queue: '0', offset: 6 }]))).toMatchObject({ retriable: true });
    expect(await task.preCommit([{ topic: 'in', queue: '0', offset: 6 }])).toEqual([{ topic: 'in', queue: '0', offset: 6 }]);
  });

  it('a record RocketMQ refuses goes to the errant-record reporter and the others are sent', async () => {
    const { task, fake, context } = started();
    await task.put(sinkRecords(['ok1', 'bad', 'ok2'], { topic: 'in', queue: '0' }));
    const run = task.flush([]);
    await new Promise((r) => setImmediate(r));
    fake.producers[0]!.failWith = (m) => (m.body.toString() === 'bad' ? clientException(40007, 'property is used by system: KEYS') : undefined);
    await run;
    expect(fake.producers[0]!.sent.map((m) => m.body.toString()).sort()).toEqual(['ok1', 'ok2']);
    expect(context.errant.map((e) => e.error.message)).toEqual(['RocketMQ topic orders-out refused record in/0@1: [request-id=undefined, response-code=40007] property is used by system: KEYS']);
  });

  it('a record that cannot be mapped (no message group) is reported; with errors.tolerance=none put fails', async () => {
    const ok = started({ 'rocketmq.message.group.field': 'g' });
    await ok.task.put(sinkRecords([{ g: 'x' }, { other: 1 }], { topic: 'in' }));
    await ok.task.flush([]);
    expect(ok.context.errant.map((e) => e.error.message)).toEqual([expect.stringContaining('has no message group')]);
    expect(ok.fake.producers[0]!.sent).toHaveLength(1);
    const strict = started({ 'rocketmq.message.group.field': 'g' }, { tolerateErrors: false });
    await expect(strict.task.put(sinkRecords([{ other: 1 }], { topic: 'in' }))).rejects.toThrow(/not tolerated/);
  });

  it('a topic that does not take the message type fails with a ConfigError naming the key to change', async () => {
    const { task, fake } = started({ 'rocketmq.delay.ms': '1000' });
    await task.put(sinkRecords(['x'], { topic: 'in' }));
    const run = task.flush([]);
    await new Promise((r) => setImmediate(r));
    fake.producers[0]!.failWith = () => new TypeError('Current message type not match with topic accept message types, topic=orders-out, actualMessageType=3, acceptMessageTypes=[1]');
    const err = await failure(run);
    expect(err.retriable).toBe(false);
    expect(err.code).toBe('CONFIG_INVALID');
    expect(err.errors).toEqual([{ name: 'rocketmq.delay.ms', message: 'RocketMQ topic orders-out accepts NORMAL messages, not DELAY; create it as a DELAY topic (message.type=DELAY) or set rocketmq.delay.ms=0' }]);
  });

  it('delay and headers reach the message; reserved header names are skipped with one warning', async () => {
    const { task, fake, context } = started({ 'rocketmq.delay.ms': '60000', 'rocketmq.tag': 'fixed' });
    const records: SinkRecord[] = sinkRecords(['a', 'b'], { topic: 'in' }).map((r) => ({ ...r, headers: { trace: 't', KEYS: 'k' } }));
    const before = Date.now();
    await task.put(records);
    await task.flush([]);
    const m = fake.producers[0]!.sent[0]!;
    expect(m.tag).toBe('fixed');
    expect(m.properties).toEqual({ trace: 't' });
    expect(m.deliveryTimestamp).toBeGreaterThanOrEqual(before + 60000);
    expect(context.logger.messages('warn').filter((w) => w.includes('RocketMQ reserves the name'))).toHaveLength(1);
  });
});

describe('sendInLanes', () => {
  const msg = (body: string, messageGroup?: string): { message: OutgoingMessage } => ({ message: { topic: 't', body: Buffer.from(body), ...(messageGroup ? { messageGroup } : {}) } });

  it('sendInLanes sends one message group in order, one at a time, and stops the group at its first failure', async () => {
    const p = new FakeProducer({ endpoints: 'x:1', topics: ['t'], requestTimeoutMs: 1000, logger: undefined as never });
    p.failWith = (m) => (m.body.toString() === 'g1-b' ? new Error('boom') : undefined);
    const items = [msg('g1-a', 'g1'), msg('g2-a', 'g2'), msg('g1-b', 'g1'), msg('g2-b', 'g2'), msg('g1-c', 'g1'), msg('free')];
    const outcomes = await sendInLanes(p, items, 8);
    expect(outcomes.map((o) => o.status)).toEqual(['sent', 'sent', 'failed', 'sent', 'not-attempted', 'sent']);
    const order = p.sent.map((m) => m.body.toString());
    expect(order.indexOf('g2-a')).toBeLessThan(order.indexOf('g2-b'));
  });

  it('sendInLanes keeps at most `concurrency` sends in flight', async () => {
    const p = new FakeProducer({ endpoints: 'x:1', topics: ['t'], requestTimeoutMs: 1000, logger: undefined as never });
    await sendInLanes(p, Array.from({ length: 20 }, (_, i) => msg(`m${i}`)), 3);
    expect(p.sent).toHaveLength(20);
    expect(p.maxInFlight).toBe(3);
  });
});
