// Consumed positions as half-open offset ranges per topic queue: what a commit's extraMetadata holds
// and what a restarted sink resumes from and skips.
import { describe, expect, it } from 'vitest';
import { ConsumedRanges } from '../../../../../plugins/hudi/table/consumed-ranges';

const ranges = (r: ConsumedRanges): Record<string, [number, number][]> => JSON.parse(r.toJSON()) as Record<string, [number, number][]>;

describe('ConsumedRanges', () => {
  it('add of consecutive offsets merges them into one half-open range', () => {
    const r = new ConsumedRanges();
    for (let o = 10; o < 15; o++) r.add('t', '0', o);
    expect(ranges(r)).toEqual({ 't/0': [[10, 15]] });
    expect(r.contains('t', '0', 9)).toBe(false);
    expect(r.contains('t', '0', 10)).toBe(true);
    expect(r.contains('t', '0', 14)).toBe(true);
    expect(r.contains('t', '0', 15)).toBe(false);
  });

  it('add of out-of-order offsets keeps the gaps, and filling a gap merges the ranges around it', () => {
    const r = new ConsumedRanges();
    for (const o of [5, 0, 2, 1, 7]) r.add('t', '0', o);
    expect(ranges(r)).toEqual({ 't/0': [[0, 3], [5, 6], [7, 8]] });
    expect(r.contains('t', '0', 3)).toBe(false);
    expect(r.contains('t', '0', 6)).toBe(false);
    r.add('t', '0', 6);
    expect(ranges(r)).toEqual({ 't/0': [[0, 3], [5, 8]] });
    r.add('t', '0', 4);
    r.add('t', '0', 3);
    expect(ranges(r)).toEqual({ 't/0': [[0, 8]] });
  });

  it('add of an offset already covered changes nothing', () => {
    const r = new ConsumedRanges();
    for (const o of [0, 1, 2, 1, 0, 2]) r.add('t', '0', o);
    expect(ranges(r)).toEqual({ 't/0': [[0, 3]] });
  });

  it('contains keeps topics and queues apart', () => {
    const r = new ConsumedRanges();
    r.add('t', '0', 1);
    expect(r.contains('t', '0', 1)).toBe(true);
    expect(r.contains('t', '1', 1)).toBe(false);
    expect(r.contains('u', '0', 1)).toBe(false);
  });

  it('merge of another set unions its ranges per queue', () => {
    const a = new ConsumedRanges();
    for (const o of [0, 1, 2, 8]) a.add('t', '0', o);
    const b = new ConsumedRanges();
    for (const o of [3, 4, 9]) b.add('t', '0', o);
    b.add('t', '1', 0);
    a.merge(b);
    expect(ranges(a)).toEqual({ 't/0': [[0, 5], [8, 10]], 't/1': [[0, 1]] });
    // b is unchanged.
    expect(ranges(b)).toEqual({ 't/0': [[3, 5], [9, 10]], 't/1': [[0, 1]] });
  });

  it('clone gives an independent copy', () => {
    const a = new ConsumedRanges();
    a.add('t', '0', 0);
    const c = a.clone();
    c.add('t', '0', 1);
    expect(ranges(a)).toEqual({ 't/0': [[0, 1]] });
    expect(ranges(c)).toEqual({ 't/0': [[0, 2]] });
  });

  it('resumeOffsets gives the end of the first range of each queue, and a topic with / keeps it', () => {
    const r = new ConsumedRanges();
    for (const o of [3, 4, 5, 9]) r.add('orders', '0', o);
    for (const o of [0, 1]) r.add('ns/orders', '2', o);
    expect(r.resumeOffsets().sort((x, y) => x.topic.localeCompare(y.topic))).toEqual([
      { topic: 'ns/orders', queue: '2', offset: 2 },
      { topic: 'orders', queue: '0', offset: 6 },
    ]);
  });

  it('toJSON and parse round-trip, and parse of a JSON with overlapping ranges merges them', () => {
    const r = new ConsumedRanges();
    for (const o of [0, 1, 5, 6, 20]) r.add('t', '0', o);
    r.add('a', '3', 7);
    const back = ConsumedRanges.parse(r.toJSON());
    expect(back.toJSON()).toBe(r.toJSON());
    expect(ranges(back)).toEqual({ 'a/3': [[7, 8]], 't/0': [[0, 2], [5, 7], [20, 21]] });
    expect(ranges(ConsumedRanges.parse('{"t/0":[[5,9],[0,3],[2,6]]}'))).toEqual({ 't/0': [[0, 9]] });
  });

  it('parse of undefined or an empty string gives an empty set', () => {
    expect(ConsumedRanges.parse(undefined).isEmpty()).toBe(true);
    expect(ConsumedRanges.parse('').resumeOffsets()).toEqual([]);
    const r = new ConsumedRanges();
    r.add('t', '0', 0);
    expect(r.isEmpty()).toBe(false);
  });
});
