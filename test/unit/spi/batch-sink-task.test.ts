// BatchSinkTask on a fake clock and fake contexts: the count / bytes / interval triggers, explicit flush,
// offsets reported only after a batch completed, a failed batch retried as the same batch, the memory
// bound pausing and resuming the queues, and record sizes.
import { describe, expect, it } from 'vitest';
import { BatchSinkTask, RetriableError, recordSize, type BatchPolicy, type SinkRecord, type SinkTaskContext } from '../../../runtime/spi';
import { fakeSinkTaskContext, sinkRecords, type FakeSinkTaskContext } from '../../helpers/fake-contexts';

const Q0 = { topic: 't', queue: '0' };
const Q1 = { topic: 't', queue: '1' };

class FakeClock {
  t = 1_000_000;
  now = (): number => this.t;
}

/** Records every batch; a test can make the next calls of batchInsert or flushInserted fail. */
class RecordingSink extends BatchSinkTask {
  readonly batches: SinkRecord[][] = [];
  readonly arrays: SinkRecord[][] = [];
  syncs = 0;
  failInsert: Error[] = [];
  failSync: Error[] = [];
  dropValue: unknown = Symbol('none');

  constructor(
    private readonly policy: BatchPolicy,
    clock: FakeClock,
    private readonly withSync = false,
  ) {
    super({ now: clock.now });
    if (withSync) this.flushInserted = () => {
      const e = this.failSync.shift();
      if (e) throw e;
      this.syncs++;
    };
  }

  version(): string {
    return 'test';
  }

  protected onStart(_config: Record<string, string>, _context: SinkTaskContext): BatchPolicy {
    return this.policy;
  }

  protected override prepare(record: SinkRecord): SinkRecord | undefined {
    return record.value === this.dropValue ? undefined : record;
  }

  protected batchInsert(records: SinkRecord[]): void {
    this.arrays.push(records);
    const e = this.failInsert.shift();
    if (e) throw e;
    this.batches.push(records);
  }

  flushSoon(): void {
    this.requestFlush();
  }

  stop(): void {}
}

async function started(policy: BatchPolicy, options: { withSync?: boolean } = {}): Promise<{ sink: RecordingSink; ctx: FakeSinkTaskContext; clock: FakeClock }> {
  const clock = new FakeClock();
  const sink = new RecordingSink(policy, clock, options.withSync);
  const ctx = fakeSinkTaskContext({ assignment: [Q0, Q1] });
  await sink.start({}, ctx);
  return { sink, ctx, clock };
}

const sized = (n: number, size: number, from = 0, queue = '0'): SinkRecord[] => sinkRecords(Array.from({ length: n }, (_, i) => `v${from + i}`), { topic: 't', queue, from }).map((r) => ({ ...r, size }));
const offsets = (batches: SinkRecord[][]): string[][] => batches.map((b) => b.map((r) => `${r.queue}@${r.offset}`));

describe('BatchSinkTask triggers', () => {
  it('BatchSinkTask count trigger asks for a commit once maxRecords are cached and batches hold at most maxRecords', async () => {
    const { sink, ctx } = await started({ maxRecords: 3, intervalMs: 60_000 });
    await sink.put(sized(2, 10));
    expect(ctx.commitRequests).toBe(0);
    expect(ctx.commitDelays).toEqual([60_000]);
    expect(await sink.preCommit([{ ...Q0, offset: 2 }])).toEqual([{ ...Q0, offset: 0 }]);
    expect(sink.batches).toEqual([]);
    await sink.put(sized(5, 10, 2));
    expect(ctx.commitRequests).toBe(1);
    expect(await sink.preCommit([{ ...Q0, offset: 7 }])).toEqual([{ ...Q0, offset: 6 }]);
    // Two full batches; the seventh record waits for its interval.
    expect(offsets(sink.batches)).toEqual([['0@0', '0@1', '0@2'], ['0@3', '0@4', '0@5']]);
  });

  it('BatchSinkTask bytes trigger cuts batches at maxBytes, a record larger than that going alone', async () => {
    const { sink, ctx } = await started({ maxBytes: 100, maxBufferedBytes: 1000, intervalMs: 60_000 });
    await sink.put(sized(2, 40));
    expect(ctx.commitRequests).toBe(0);
    await sink.put([...sized(1, 40, 2), ...sized(1, 250, 3), ...sized(2, 40, 4)]);
    expect(ctx.commitRequests).toBe(1);
    await sink.preCommit([{ ...Q0, offset: 6 }]);
    expect(offsets(sink.batches)).toEqual([['0@0', '0@1'], ['0@2'], ['0@3']]);
    // 80 bytes left: below maxBytes, so they wait.
    expect(await sink.preCommit([{ ...Q0, offset: 6 }])).toEqual([{ ...Q0, offset: 4 }]);
  });

  it('BatchSinkTask interval trigger writes a batch once intervalMs passed since its oldest record, and asks again for the rest', async () => {
    const { sink, ctx, clock } = await started({ intervalMs: 1000 });
    await sink.put(sized(1, 10));
    expect(ctx.commitDelays).toEqual([1000]);
    clock.t += 600;
    await sink.put(sized(1, 10, 1));
    expect(ctx.commitDelays).toEqual([1000]); // the oldest record's deadline stands
    clock.t += 399;
    await sink.preCommit([{ ...Q0, offset: 2 }]);
    expect(sink.batches).toEqual([]);
    // A commit that came early ends the runtime's request; the base asks again for what is left of the interval.
    expect(ctx.commitDelays).toEqual([1000, 1]);
    clock.t += 1;
    expect(await sink.preCommit([{ ...Q0, offset: 2 }])).toEqual([{ ...Q0, offset: 2 }]);
    expect(offsets(sink.batches)).toEqual([['0@0', '0@1']]);
  });

  it('BatchSinkTask intervalMs 0 asks for a commit at once on every put that caches a record', async () => {
    const { sink, ctx } = await started({ intervalMs: 0 });
    await sink.put(sized(1, 10));
    expect(ctx.commitRequests).toBe(1);
    await sink.put([]);
    expect(ctx.commitRequests).toBe(1);
  });

  it('BatchSinkTask takes the oldest records first across queues, in offset order per queue', async () => {
    const { sink } = await started({ maxRecords: 3, intervalMs: 60_000 });
    await sink.put([...sized(2, 1, 10, '1'), ...sized(2, 1, 0, '0')]);
    await sink.put(sized(2, 1, 12, '1'));
    await sink.flush([]);
    expect(offsets(sink.batches)).toEqual([['1@10', '1@11', '0@0'], ['0@1', '1@12', '1@13']]);
  });
});

describe('BatchSinkTask flush and offsets', () => {
  it('BatchSinkTask flush writes everything cached whatever the policy, and requestFlush has the next preCommit do it', async () => {
    const { sink, ctx } = await started({ maxRecords: 100, intervalMs: 60_000 });
    await sink.put(sized(3, 1));
    await sink.flush([]);
    expect(offsets(sink.batches)).toEqual([['0@0', '0@1', '0@2']]);
    await sink.put(sized(2, 1, 3));
    sink.flushSoon();
    expect(ctx.commitRequests).toBe(1);
    expect(await sink.preCommit([{ ...Q0, offset: 5 }])).toEqual([{ ...Q0, offset: 5 }]);
    expect(sink.batches).toHaveLength(2);
  });

  it('BatchSinkTask reports no offset past a record not yet written, per queue, and queues it never saw as given', async () => {
    const { sink } = await started({ maxRecords: 3, intervalMs: 60_000 });
    await sink.put([...sized(2, 1, 0, '0'), ...sized(1, 1, 7, '1'), ...sized(1, 1, 2, '0')]);
    const safe = await sink.preCommit([{ ...Q0, offset: 3 }, { ...Q1, offset: 8 }, { topic: 'u', queue: '0', offset: 4 }]);
    // Batch 0@0, 0@1, 1@7 written; 0@2 cached.
    expect(offsets(sink.batches)).toEqual([['0@0', '0@1', '1@7']]);
    expect(safe).toEqual([{ ...Q0, offset: 2 }, { ...Q1, offset: 8 }, { topic: 'u', queue: '0', offset: 4 }]);
  });

  it('BatchSinkTask batch failing with a RetriableError holds its offsets and is retried as the same batch first', async () => {
    const { sink } = await started({ maxRecords: 2, intervalMs: 60_000 });
    await sink.put(sized(2, 1));
    sink.failInsert.push(new RetriableError('store unavailable'));
    await expect(sink.preCommit([{ ...Q0, offset: 2 }])).rejects.toMatchObject({ retriable: true });
    await sink.put(sized(2, 1, 2));
    // Not yet retried: nothing is safe.
    expect(sink.batches).toEqual([]);
    expect(await sink.preCommit([{ ...Q0, offset: 4 }])).toEqual([{ ...Q0, offset: 4 }]);
    expect(sink.arrays[1]).toBe(sink.arrays[0]); // the very same batch
    expect(offsets(sink.batches)).toEqual([['0@0', '0@1'], ['0@2', '0@3']]);
  });

  it('BatchSinkTask batch failing with any other error fails the call and offsets stay behind it', async () => {
    const { sink } = await started({ maxRecords: 1, intervalMs: 60_000 });
    await sink.put(sized(1, 1));
    sink.failInsert.push(new Error('disk on fire'));
    await expect(sink.preCommit([{ ...Q0, offset: 1 }])).rejects.toThrow('disk on fire');
    expect(sink.batches).toEqual([]);
  });

  it('BatchSinkTask holds offsets until flushInserted succeeds, and retries it without inserting again', async () => {
    const { sink } = await started({ maxRecords: 2, intervalMs: 60_000 }, { withSync: true });
    await sink.put(sized(2, 1));
    sink.failSync.push(new RetriableError('fsync failed'));
    await expect(sink.preCommit([{ ...Q0, offset: 2 }])).rejects.toMatchObject({ retriable: true });
    expect(sink.batches).toHaveLength(1);
    expect(await sink.preCommit([{ ...Q0, offset: 2 }])).toEqual([{ ...Q0, offset: 2 }]);
    expect(sink.batches).toHaveLength(1);
    expect(sink.syncs).toBe(1);
  });

  it('BatchSinkTask prepare returning undefined caches nothing and holds back no offset', async () => {
    const { sink, ctx } = await started({ maxRecords: 10, intervalMs: 60_000 });
    sink.dropValue = 'v0';
    await sink.put(sized(1, 1));
    expect(ctx.commitDelays).toEqual([]);
    expect(await sink.preCommit([{ ...Q0, offset: 1 }])).toEqual([{ ...Q0, offset: 1 }]);
  });

  it('BatchSinkTask close drops what is cached for the queues closed', async () => {
    const { sink } = await started({ maxRecords: 10, intervalMs: 60_000 });
    await sink.put([...sized(1, 1, 0, '0'), ...sized(1, 1, 0, '1')]);
    await sink.close([Q1]);
    await sink.flush([]);
    expect(offsets(sink.batches)).toEqual([['0@0']]);
  });
});

describe('BatchSinkTask memory bound', () => {
  it('BatchSinkTask memory bound pauses the assigned queues and asks for a commit; a flush under the bound resumes them', async () => {
    const { sink, ctx } = await started({ maxBytes: 100, maxBufferedBytes: 150, intervalMs: 60_000 });
    sink.failInsert.push(new RetriableError('slow store'));
    await sink.put(sized(2, 60));
    expect(ctx.paused).toEqual([]);
    await expect(sink.preCommit([{ ...Q0, offset: 2 }])).rejects.toMatchObject({ retriable: true });
    // The failed batch (one record: two would pass maxBytes) and the cached one are held; one more reaches the bound.
    await sink.put(sized(1, 60, 2));
    expect(ctx.paused).toEqual([Q0, Q1]);
    expect(ctx.commitRequests).toBe(3); // due by bytes at each put, and for the bound
    expect(await sink.preCommit([{ ...Q0, offset: 3 }])).toEqual([{ ...Q0, offset: 2 }]);
    expect(ctx.paused).toEqual([]);
  });

  it('BatchSinkTask refuses a policy value out of range, naming it and the value', async () => {
    const clock = new FakeClock();
    const sink = new RecordingSink({ maxRecords: 0 }, clock);
    await expect(sink.start({}, fakeSinkTaskContext())).rejects.toMatchObject({ code: 'CONFIG_INVALID', message: expect.stringContaining('batch policy maxRecords 0 is invalid; give a whole number >= 1') });
    const small = new RecordingSink({ maxBytes: 100, maxBufferedBytes: 50 }, clock);
    await expect(small.start({}, fakeSinkTaskContext())).rejects.toThrow(/maxBufferedBytes 50 is invalid; give a whole number >= 100/);
  });
});

describe('recordSize', () => {
  it('recordSize is the size the runtime filled in, else value, key and headers as bytes', () => {
    const base = { topic: 't', queue: '0', offset: 0, timestamp: 0 };
    expect(recordSize({ ...base, value: 'ignored', headers: {}, size: 7 })).toBe(7);
    expect(recordSize({ ...base, value: 'héllo', headers: {} })).toBe(6);
    expect(recordSize({ ...base, value: Buffer.alloc(10), key: 'k1', headers: { h: 'vv' } })).toBe(10 + 2 + 3);
    expect(recordSize({ ...base, value: { a: 1, n: 2n }, headers: {} })).toBe(Buffer.byteLength('{"a":1,"n":"2"}'));
    expect(recordSize({ ...base, value: null, headers: {} })).toBe(0);
  });
});
