import { describe, expect, it } from 'vitest';
import { maxDeleteRatio, OrderSequence, ORDER_STATUSES, ratioProblems, type OrderEvent, type OrderSequenceParams } from '../../../../plugins/generator/order-sequence';
import { hash32, Mulberry32, rngFor } from '../../../../plugins/generator/prng';

const params: OrderSequenceParams = {
  seed: 42,
  updateRatio: 0.2,
  deleteRatio: 0.05,
  window: 200,
  startTimestampMs: 1_704_067_200_000,
  eventIntervalMs: 100,
  orderIdPrefix: 'ORD',
};

function events(p: OrderSequenceParams, from: number, count: number): OrderEvent[] {
  const s = new OrderSequence(p);
  return Array.from({ length: count }, (_, i) => s.event(from + i));
}

describe('prng', () => {
  it('Mulberry32 same state gives the same numbers in [0, 1)', () => {
    const a = new Mulberry32(7);
    const b = new Mulberry32(7);
    const xs = Array.from({ length: 100 }, () => a.next());
    expect(xs).toEqual(Array.from({ length: 100 }, () => b.next()));
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(new Set(xs).size).toBe(100);
  });

  it('rngFor different seeds, sequence numbers and streams give different draws', () => {
    const draws = new Set([rngFor(1, 0, 1).next(), rngFor(2, 0, 1).next(), rngFor(1, 1, 1).next(), rngFor(1, 0, 2).next(), rngFor(1, 2 ** 32, 1).next()]);
    expect(draws.size).toBe(5);
    expect(hash32(0)).toBe(hash32(0));
  });
});

describe('OrderSequence', () => {
  it('OrderSequence same seed and position give the same events; another seed differs', () => {
    const a = events(params, 0, 500);
    expect(events(params, 0, 500)).toEqual(a);
    // Derived from the sequence number alone: starting in the middle gives the same tail.
    expect(events(params, 250, 250)).toEqual(a.slice(250));
    const other = events({ ...params, seed: 43 }, 0, 500);
    expect(other.map((e) => e.value.userPhoneNo)).not.toEqual(a.map((e) => e.value.userPhoneNo));
  });

  it('OrderSequence shares of inserts, updates and deletes follow the ratios', () => {
    const all = events(params, 0, 20_000).slice(params.window); // after the warm-up window
    const share = (op: string): number => all.filter((e) => e.op === op).length / all.length;
    expect(share('update')).toBeGreaterThan(0.17);
    expect(share('update')).toBeLessThan(0.23);
    expect(share('delete')).toBeGreaterThan(0.035);
    expect(share('delete')).toBeLessThan(0.065);
    expect(share('insert')).toBeGreaterThan(0.72);
  });

  it('OrderSequence updates and deletes refer to earlier orders; no change after a delete; versions and statuses only grow', () => {
    const all = events(params, 0, 10_000);
    const state = new Map<string, { status: number; version: number; deleted: boolean; base: string }>();
    const fixed = (e: OrderEvent): string => JSON.stringify([e.value.userPhoneNo, e.value.prodId, e.value.prodName, e.value.chargeMoney, e.value.chargeTime]);
    for (const e of all) {
      const v = e.value;
      expect(v.version).toBe(e.seq);
      expect(e.timestamp).toBe(params.startTimestampMs + e.seq * params.eventIntervalMs);
      const status = ORDER_STATUSES.indexOf(v.orderStatus as (typeof ORDER_STATUSES)[number]);
      expect(status).toBeGreaterThanOrEqual(0);
      if (e.op === 'insert') {
        expect(state.has(v.orderId)).toBe(false);
        expect(v).toMatchObject({ orderStatus: 'CREATED', finishTime: null, _hoodie_is_deleted: false, chargeTime: e.timestamp });
        state.set(v.orderId, { status, version: v.version, deleted: false, base: fixed(e) });
        continue;
      }
      const prev = state.get(v.orderId);
      expect(prev, `${e.op} of unknown order ${v.orderId} at ${e.seq}`).toBeDefined();
      expect(prev!.deleted, `${e.op} of deleted order ${v.orderId} at ${e.seq}`).toBe(false);
      expect(v.version).toBeGreaterThan(prev!.version);
      expect(status).toBeGreaterThanOrEqual(prev!.status);
      expect(fixed(e)).toBe(prev!.base);
      expect(v._hoodie_is_deleted).toBe(e.op === 'delete');
      if (v.orderStatus === 'FINISHED') {
        expect(v.finishTime).not.toBeNull();
        expect(v.finishTime!).toBeGreaterThan(v.chargeTime);
        expect(v.finishTime!).toBeLessThanOrEqual(e.timestamp);
      } else {
        expect(v.finishTime).toBeNull();
      }
      state.set(v.orderId, { status, version: v.version, deleted: e.op === 'delete', base: prev!.base });
    }
    expect([...state.values()].some((s) => s.deleted)).toBe(true);
    expect([...state.values()].some((s) => s.status === ORDER_STATUSES.length - 1)).toBe(true);
  });

  it('OrderSequence order fields look like the seed orders', () => {
    const e = new OrderSequence(params).event(0);
    expect(e.op).toBe('insert');
    expect(e.value.orderId).toBe('ORD0000000000');
    expect(e.value.userPhoneNo).toMatch(/^1\d{10}$/);
    expect(e.value.prodId).toMatch(/^P\d{4}$/);
    expect(e.value.chargeMoney).toBeGreaterThan(0);
    expect(Math.round(e.value.chargeMoney * 100)).toBe(e.value.chargeMoney * 100);
  });

  it('OrderSequence ratio limits are explained', () => {
    expect(maxDeleteRatio(0.2)).toBeCloseTo(0.2472, 4);
    expect(ratioProblems(0.2, 0.05)).toEqual([]);
    expect(ratioProblems(0.6, 0.5)[0]!.name).toBe('update.ratio');
    expect(ratioProblems(0.01, 0.2)[0]).toMatchObject({ name: 'delete.ratio' });
    expect(ratioProblems(0.01, 0.2)[0]!.message).toContain('raise update.ratio or lower delete.ratio');
    expect(() => new OrderSequence({ ...params, deleteRatio: 0.5 })).toThrow(RangeError);
  });

  it('OrderSequence only inserts when both ratios are zero', () => {
    expect(events({ ...params, updateRatio: 0, deleteRatio: 0 }, 0, 300).every((e) => e.op === 'insert')).toBe(true);
  });
});
