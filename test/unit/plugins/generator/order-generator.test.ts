import { describe, expect, it } from 'vitest';
import { ORDER_SCHEMA, OrderGeneratorConnector, OrderGeneratorTask, type GeneratorClock } from '../../../../plugins/generator/order-generator';
import type { SourceRecord } from '../../../../runtime/spi';
import { fakeConnectorContext, fakeSourceTaskContext } from '../../../helpers/fake-contexts';

/** A clock that only moves when the task sleeps. */
function fakeClock(): GeneratorClock & { slept: number[] } {
  let now = 1_000_000;
  const slept: number[] = [];
  return {
    slept,
    now: () => now,
    sleep: async (ms) => {
      slept.push(ms);
      now += ms;
    },
  };
}

async function drain(task: OrderGeneratorTask, polls: number): Promise<SourceRecord[]> {
  const out: SourceRecord[] = [];
  for (let i = 0; i < polls; i++) out.push(...(await task.poll()));
  return out;
}

const fast = { 'connect.topicname': 'orders', rate: '0', 'batch.size': '100' };

describe('order-generator', () => {
  it('order-generator records carry the struct schema, the orderId key and a seq position', async () => {
    const task = new OrderGeneratorTask(fakeClock());
    await task.start({ ...fast, 'max.records': '50' }, fakeSourceTaskContext());
    const records = await drain(task, 2);
    expect(records).toHaveLength(50);
    const r = records[0]!;
    expect(r).toMatchObject({ topic: 'orders', key: 'ORD0000000000', keySchema: { type: 'string' }, schema: ORDER_SCHEMA, sourcePartition: { generator: 'orders', seed: 42 }, sourcePosition: { seq: 1 }, headers: { op: 'c' } });
    expect(r.timestamp).toBe(1_704_067_200_000);
    expect(Object.keys(r.value as object)).toEqual(ORDER_SCHEMA.fields!.map((f) => f.name));
    expect(records.map((x) => x.sourcePosition['seq'])).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(records.every((x) => x.key === (x.value as { orderId: string }).orderId)).toBe(true);
    await task.stop();
  });

  it('order-generator schema has the seed fields, a version and the Hudi delete marker', () => {
    expect(ORDER_SCHEMA.type).toBe('struct');
    expect(ORDER_SCHEMA.fields!.map((f) => [f.name, f.schema.type, f.schema.logical?.name ?? null, f.schema.optional ?? false])).toEqual([
      ['orderId', 'string', null, false],
      ['orderStatus', 'string', null, false],
      ['userPhoneNo', 'string', null, false],
      ['prodId', 'string', null, false],
      ['prodName', 'string', null, false],
      ['chargeMoney', 'double', null, false],
      ['chargeTime', 'int64', 'timestamp-millis', false],
      ['finishTime', 'int64', 'timestamp-millis', true],
      ['version', 'int64', null, false],
      ['_hoodie_is_deleted', 'boolean', null, false],
    ]);
    expect(Object.isFrozen(ORDER_SCHEMA.fields![0]!.schema)).toBe(true);
  });

  it('order-generator restart from a committed position continues the same sequence', async () => {
    const config = { ...fast, seed: '7', 'max.records': '600', 'order.window': '100' };
    const whole = new OrderGeneratorTask(fakeClock());
    await whole.start(config, fakeSourceTaskContext());
    const expected = await drain(whole, 6);
    expect(expected).toHaveLength(600);

    const first = new OrderGeneratorTask(fakeClock());
    const ctx = fakeSourceTaskContext();
    await first.start(config, ctx);
    const head = await drain(first, 3);
    const last = head[head.length - 1]!;
    ctx.commit(last.sourcePartition, last.sourcePosition);
    await first.stop();

    const second = new OrderGeneratorTask(fakeClock());
    await second.start(config, ctx);
    expect(second.nextSeq).toBe(300);
    const tail = await drain(second, 4);
    expect([...head, ...tail]).toEqual(expected);
    expect(tail.some((r) => r.headers['op'] === 'u')).toBe(true);
    expect(tail.some((r) => r.headers['op'] === 'd' && (r.value as { _hoodie_is_deleted: boolean })._hoodie_is_deleted)).toBe(true);
  });

  it('order-generator another seed is another partition starting at 0', async () => {
    const ctx = fakeSourceTaskContext({ positions: [{ partition: { generator: 'orders', seed: 42 }, position: { seq: 1000 } }] });
    const task = new OrderGeneratorTask(fakeClock());
    await task.start({ ...fast, seed: '43' }, ctx);
    expect(task.nextSeq).toBe(0);
    const same = new OrderGeneratorTask(fakeClock());
    await same.start({ ...fast }, ctx);
    expect(same.nextSeq).toBe(1000);
  });

  it('order-generator max.records stops production', async () => {
    const clock = fakeClock();
    const task = new OrderGeneratorTask(clock);
    await task.start({ ...fast, 'max.records': '120' }, fakeSourceTaskContext());
    expect((await task.poll()).length).toBe(100);
    expect((await task.poll()).length).toBe(20);
    expect(await task.poll()).toEqual([]);
    expect(clock.slept).toEqual([500]);
  });

  it('order-generator rate limits records per second on its clock', async () => {
    const clock = fakeClock();
    const task = new OrderGeneratorTask(clock);
    await task.start({ 'connect.topicname': 'orders', rate: '50', 'batch.size': '1000' }, fakeSourceTaskContext());
    let produced = 0;
    const start = clock.now();
    while (clock.now() - start < 10_000) produced += (await task.poll()).length;
    // 10 s of fake time at 50/s.
    expect(produced).toBeGreaterThanOrEqual(495);
    expect(produced).toBeLessThanOrEqual(550);
    expect(Math.max(...clock.slept)).toBeLessThanOrEqual(1000);
  });

  it('order-generator connector validates the ratio rule and makes one task', async () => {
    const connector = new OrderGeneratorConnector();
    expect(connector.type).toBe('source');
    expect(connector.validate({ 'update.ratio': '0.01', 'delete.ratio': '0.3' })).toEqual([expect.objectContaining({ name: 'delete.ratio' })]);
    expect(connector.validate({})).toEqual([]);
    expect(connector.config().validate({ rate: '-1' }).errors).toEqual([{ name: 'rate', message: 'value "-1" is invalid: must be at least 0' }]);
    expect(() => connector.start({ 'update.ratio': '0.9', 'delete.ratio': '0.2' }, fakeConnectorContext())).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    const config = { name: 'gen', 'connect.topicname': 'orders', seed: '1' };
    connector.start(config, fakeConnectorContext());
    expect(connector.taskConfigs(8)).toEqual([config]);
    expect(connector.createTask()).toBeInstanceOf(OrderGeneratorTask);
  });

  it('order-generator invalid committed position fails start with what to do', async () => {
    const ctx = fakeSourceTaskContext({ positions: [{ partition: { generator: 'orders', seed: 42 }, position: { seq: -3 } }] });
    await expect(new OrderGeneratorTask(fakeClock()).start(fast, ctx)).rejects.toThrow(/no valid "seq"/);
  });
});
