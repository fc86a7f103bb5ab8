// Record keys of keyless tables: derived from the source position, one key per position and back, offset order
// within a queue, never Hudi's own auto-generated key shape, and a unique fallback for records without a position.

import { describe, expect, it } from 'vitest';
import { isSourcePosition, parsePositionRecordKey, positionRecordKey } from '../../../../../plugins/hudi/keygen/position-key';

/** Hudi 0.14+'s auto-generated keys: `<instant>_<sparkPartitionId>_<rowId>` (HoodieRecord.generateSequenceId). */
const HUDI_AUTO_KEY = /^\d{17}_\d+_\d+$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('positionRecordKey', () => {
  it('positionRecordKey of a position is topic/queue/offset with the offset padded to 19 digits', () => {
    expect(positionRecordKey({ topic: 'topicc', queue: '0', offset: 42 })).toBe('topicc/0/0000000000000000042');
    expect(positionRecordKey({ topic: 'orders', queue: 'broker-a:3', offset: 0 })).toBe('orders/broker-a:3/0000000000000000000');
    expect(positionRecordKey({ topic: 't', queue: '1', offset: Number.MAX_SAFE_INTEGER })).toBe('t/1/0009007199254740991');
  });

  it('positionRecordKey is the same for the same position, so a re-delivery keeps its key', () => {
    const p = { topic: 'topicc', queue: '2', offset: 17 };
    expect(positionRecordKey({ ...p })).toBe(positionRecordKey(p));
  });

  it('keys of one queue sort in offset order', () => {
    const offsets = [0, 9, 10, 99, 100, 12345, 2 ** 40];
    const keys = offsets.map((offset) => positionRecordKey({ topic: 't', queue: '0', offset }));
    expect([...keys].sort()).toEqual(keys);
  });

  it('parsePositionRecordKey gives back the position, also for queues holding "/" or ":"', () => {
    for (const p of [
      { topic: 'topicc', queue: '0', offset: 0 },
      { topic: '%RETRY%grp', queue: 'broker-a:retry:1', offset: 99 },
      { topic: 'a_1', queue: 'x/y', offset: 7 },
      { topic: 'a', queue: '', offset: 3 },
    ]) {
      expect(parsePositionRecordKey(positionRecordKey(p))).toEqual(p);
    }
  });

  it('distinct positions give distinct keys, even where a naive join of the parts would collide', () => {
    const keys = new Set([
      positionRecordKey({ topic: 'a_1', queue: '0', offset: 5 }),
      positionRecordKey({ topic: 'a', queue: '1_0', offset: 5 }),
      positionRecordKey({ topic: 'a', queue: '1/0', offset: 5 }),
      positionRecordKey({ topic: 'a', queue: '1', offset: 5 }),
      positionRecordKey({ topic: 'a', queue: '1', offset: 50 }),
    ]);
    expect(keys.size).toBe(5);
  });

  it('a position key never has the shape of Hudi\'s auto-generated keys, so rows Spark appends cannot collide', () => {
    expect(positionRecordKey({ topic: '20261207121444647', queue: '1', offset: 0 })).not.toMatch(HUDI_AUTO_KEY);
    expect(parsePositionRecordKey('20261207121444647_1_0')).toBeUndefined();
  });

  it('a record without a usable position gets a fresh random UUID', () => {
    const missing = [undefined, {}, { topic: 't', queue: '0' }, { topic: 't', queue: '0', offset: -1 }, { topic: 't', queue: '0', offset: 1.5 }, { topic: 't', queue: '0', offset: Number.NaN }, { topic: 'a/b', queue: '0', offset: 1 }, { topic: '', queue: '0', offset: 1 }];
    for (const p of missing) {
      expect(isSourcePosition(p)).toBe(false);
      expect(positionRecordKey(p)).toMatch(UUID);
    }
    expect(positionRecordKey(undefined)).not.toBe(positionRecordKey(undefined));
    expect(parsePositionRecordKey(positionRecordKey(undefined))).toBeUndefined();
  });
});
