import { afterEach, describe, expect, it, vi } from 'vitest';
import { RocketMQSourceTask } from '../../../../plugins/rocketmq/rocketmq-source';
import type { SourceRecord } from '../../../../runtime/spi';
import { fakeSourceTaskContext } from '../../../helpers/fake-contexts';
import { FakeRocketMQ, clientException, grpcError, message } from './fake-rocketmq';

const config = { name: 'in', 'rocketmq.endpoints': '127.0.0.1:8081', 'rocketmq.topic': 'orders', 'connect.topicname': 'lines', 'value.converter': 'bytes' };

let tasks: RocketMQSourceTask[] = [];

function started(fake = new FakeRocketMQ(), extra: Record<string, string> = {}) {
  const task = new RocketMQSourceTask(fake);
  const context = fakeSourceTaskContext({ connectorName: 'in' });
  task.start({ ...config, ...extra }, context);
  tasks.push(task);
  return { task, context, fake };
}

/** Polls until records come (the consumer starts in the background on the first poll). */
async function pollRecords(task: RocketMQSourceTask, tries = 20): Promise<SourceRecord[]> {
  for (let i = 0; i < tries; i++) {
    const r = await task.poll();
    if (r.length > 0) return r;
  }
  throw new Error('no records');
}

afterEach(async () => {
  for (const t of tasks) await t.stop();
  tasks = [];
});

describe('RocketMQSourceTask', () => {
  it('poll starts a consumer in the configured group and returns received messages as records', async () => {
    const { task, fake } = started(new FakeRocketMQ(), { 'rocketmq.tag.expression': 'a || b', 'rocketmq.poll.max.messages': '2' });
    expect(await task.poll()).toEqual([]); // nothing received yet: returns within the poll wait
    const c = fake.consumers[0]!;
    expect(c.settings).toMatchObject({ endpoints: '127.0.0.1:8081', topic: 'orders', group: 'connect-in', tagExpression: 'a || b', requestTimeoutMs: 3000 });
    c.push(message(0), message(1), message(2));
    const first = await pollRecords(task);
    expect(first.map((r) => r.headers['rocketmq.message.id'])).toEqual(['MSG0', 'MSG1']);
    expect(first[0]).toMatchObject({ topic: 'lines', key: 'order-0', value: Buffer.from('{"n":0}'), sourcePartition: { topic: 'orders', queue: 'broker-a:0' }, sourcePosition: { offset: 0 } });
    expect((await pollRecords(task)).map((r) => r.headers['rocketmq.message.id'])).toEqual(['MSG2']);
  });

  it('a message is acknowledged only when its record is committed (commitRecord), never at poll', async () => {
    const { task, fake } = started();
    await task.poll();
    const c = fake.consumers[0]!;
    c.push(message(0), message(1));
    const records = await pollRecords(task);
    expect(c.acked).toEqual([]);
    task.commitRecord(records[1]!);
    await task.commit(); // waits for acknowledgements in flight, acknowledges the rest
    expect(c.acked.map((m) => m.messageId)).toEqual(['MSG1', 'MSG0']);
  });

  it('commit acknowledges records the runtime dropped (filter, errors.tolerance=all) that got no commitRecord', async () => {
    const { task, fake } = started();
    await task.poll();
    fake.consumers[0]!.push(message(7));
    await pollRecords(task);
    await task.commit();
    expect(fake.consumers[0]!.acked.map((m) => m.messageId)).toEqual(['MSG7']);
  });

  it('stop leaves polled but uncommitted messages unacknowledged (redelivered) and closes the consumer', async () => {
    const { task, fake, context } = started();
    await task.poll();
    const c = fake.consumers[0]!;
    c.push(message(1));
    await pollRecords(task);
    await task.stop();
    expect(c.acked).toEqual([]);
    expect(c.closed).toBe(true);
    expect(context.logger.messages('info').join('\n')).toContain('delivered again after rocketmq.invisible.duration.ms');
  });

  it('stop with a long poll pending returns at once and leaves nothing running', async () => {
    const { task, fake } = started();
    await task.poll();
    const c = fake.consumers[0]!;
    expect(c.pending).toBe(true);
    const t0 = Date.now();
    await task.stop();
    expect(Date.now() - t0).toBeLessThan(500);
    expect(c.closed).toBe(true);
    expect(await task.poll()).toEqual([]);
  });

  it('stop while the consumer is still starting closes it once it has started', async () => {
    const fake = new FakeRocketMQ();
    let open!: () => void;
    fake.startGate = new Promise((r) => (open = r));
    const { task } = started(fake);
    const polled = task.poll();
    await task.stop();
    await polled;
    open();
    await new Promise((r) => setTimeout(r, 10));
    expect(fake.consumers[0]!.closed).toBe(true);
  });

  it('a receive failure is thrown by the next poll as a RetriableError naming topic, group and endpoints; the poll after that receives again', async () => {
    const { task, fake } = started();
    await task.poll();
    const c = fake.consumers[0]!;
    c.failNextReceive = grpcError(14, 'UNAVAILABLE: No connection established');
    c.expire(); // the pending long poll ends; the next poll starts a receive that fails
    await task.poll();
    const err = await task.poll().then(() => undefined, (e: unknown) => e as Error & { retriable?: boolean });
    expect(err).toBeDefined();
    expect(err!.retriable).toBe(true);
    expect(err!.message).toBe('receiving from RocketMQ topic orders (group connect-in) at 127.0.0.1:8081 failed: 14 UNAVAILABLE: No connection established');
    c.push(message(3));
    expect((await pollRecords(task)).map((r) => r.headers['rocketmq.message.id'])).toEqual(['MSG3']);
  });

  it('a failed consumer start is a RetriableError and the next poll starts a new consumer', async () => {
    const fake = new FakeRocketMQ();
    fake.failNextStart = new Error('starting the RocketMQ consumer failed', { cause: clientException(40402, 'No topic route info in name server for the topic: orders') });
    const { task } = started(fake);
    const err = await task.poll().then(() => task.poll()).then(() => undefined, (e: unknown) => e as Error & { retriable?: boolean });
    expect(err?.retriable).toBe(true);
    expect(err?.message).toContain('cannot start a consumer of RocketMQ topic orders (group connect-in) at 127.0.0.1:8081');
    expect(err?.message).toContain('No topic route info');
    await task.poll();
    expect(fake.consumers).toHaveLength(1);
  });

  it('a refused credential is not retriable and says which keys to check', async () => {
    const fake = new FakeRocketMQ();
    fake.failNextStart = clientException(40301, 'no permission');
    const { task } = started(fake);
    const err = await task.poll().then(() => task.poll()).then(() => undefined, (e: unknown) => e as Error & { retriable?: boolean });
    expect(err?.retriable).toBe(false);
    expect(err?.message).toContain('check rocketmq.access.key and rocketmq.secret.key');
  });

  it('failed acknowledgements are logged once per commit as redeliveries, not task errors', async () => {
    const { task, fake, context } = started();
    await task.poll();
    const c = fake.consumers[0]!;
    c.failAcks = clientException(40012, 'invalid receipt handle');
    c.push(message(0), message(1));
    const records = await pollRecords(task);
    for (const r of records) task.commitRecord(r);
    await task.commit();
    const warn = context.logger.entries.find((e) => e.level === 'warn' && e.msg?.includes('acknowledgements failed'));
    expect(warn?.obj).toMatchObject({ count: 2 });
  });

  it('messages that waited half their invisible duration in the buffer (task paused) are dropped, not handed on', async () => {
    const { task, fake, context } = started();
    await task.poll(); // starts the consumer; its receive is pending
    fake.consumers[0]!.push(message(1)); // received while nobody polls, as during a pause
    await new Promise((r) => setImmediate(r));
    const later = Date.now() + 16_000; // default invisible duration 30 s
    const now = vi.spyOn(Date, 'now').mockReturnValue(later);
    try {
      expect(await task.poll()).toEqual([]);
    } finally {
      now.mockRestore();
    }
    expect(context.logger.messages('info').join('\n')).toContain('left to RocketMQ\'s redelivery');
    expect(fake.consumers[0]!.acked).toEqual([]);
  });

  it('start warns when the value converter would base64-encode the bodies', () => {
    const { context } = started(new FakeRocketMQ(), { 'value.converter': 'json' });
    expect(context.logger.messages('warn').join('\n')).toContain('Set value.converter=bytes');
    const quiet = started();
    expect(quiet.context.logger.messages('warn')).toEqual([]);
  });
});
