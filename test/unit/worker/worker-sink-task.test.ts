// WorkerSinkTask against an in-memory transport on a fake clock: the receive wait is cut to the commit
// deadline a task asks for (so a batch window closes on time with no new records), backpressure pauses
// and resumes the consumer with nothing lost or repeated, and records carry the bytes they arrived with.
import { afterEach, describe, expect, it } from 'vitest';
import type { FrameworkConfig } from '../../../runtime/config/connector-config';
import { createConverter } from '../../../runtime/convert/converters';
import { ConnectMetrics } from '../../../runtime/observability/metrics';
import { BatchSinkTask, queueKey, type BatchPolicy, type QueueOffset, type SinkRecord, type SinkTask, type TopicQueue } from '../../../runtime/spi';
import type { StoredMessage, TopicConsumer, Transport, TransportMessage } from '../../../runtime/transport/transport';
import { TransformChain } from '../../../runtime/worker/transform-chain';
import { WorkerSinkTask } from '../../../runtime/worker/worker-sink-task';
import { fakeLogger } from '../../helpers/fake-contexts';

class FakeClock {
  t = 5_000_000;
  now = (): number => this.t;
  sleep = async (ms: number): Promise<void> => {
    this.t += ms;
  };
}

/** Queues as arrays; receive waits on the fake clock (an empty receive advances it by its wait) and logs each call. */
class MemoryTransport {
  readonly logs = new Map<string, StoredMessage[]>();
  readonly committed = new Map<string, number>();
  readonly events: string[] = [];
  readonly waits: number[] = [];

  constructor(private readonly clock: FakeClock) {}

  append(tq: TopicQueue, messages: TransportMessage[]): void {
    const log = this.logs.get(queueKey(tq)) ?? [];
    for (const m of messages) log.push({ ...m, ...tq, offset: log.length });
    this.logs.set(queueKey(tq), log);
  }

  asTransport(): Transport {
    return {
      kind: 'embedded',
      consumer: (group: string) => this.consumer(group),
      groupOffsets: async () => [...this.committed].map(([k, offset]) => ({ topic: k.split('/')[0]!, queue: k.split('/')[1]!, offset })),
      endOffset: async (q: TopicQueue) => this.logs.get(queueKey(q))?.length ?? 0,
    } as unknown as Transport;
  }

  private consumer(group: string): TopicConsumer {
    const next = new Map<string, number>();
    const paused = new Set<string>();
    let assigned: TopicQueue[] = [];
    return {
      group,
      assign: async (queues) => {
        assigned = queues;
        for (const q of queues) next.set(queueKey(q), this.committed.get(queueKey(q)) ?? 0);
      },
      assignment: () => assigned,
      seek: (offsets) => offsets.forEach((o) => next.set(queueKey(o), o.offset)),
      pause: (queues) => {
        this.events.push(`pause ${queues.map(queueKey).join(',')}`);
        queues.forEach((q) => paused.add(queueKey(q)));
      },
      resume: (queues) => {
        this.events.push(`resume ${queues.map(queueKey).join(',')}`);
        queues.forEach((q) => paused.delete(queueKey(q)));
      },
      receive: async (max, waitMs) => {
        this.waits.push(waitMs);
        const out: StoredMessage[] = [];
        for (const q of assigned) {
          const k = queueKey(q);
          if (paused.has(k)) continue;
          const log = this.logs.get(k) ?? [];
          while (out.length < max && next.get(k)! < log.length) out.push(log[next.set(k, next.get(k)! + 1).get(k)! - 1]!);
        }
        if (out.length === 0) this.clock.t += waitMs;
        await new Promise((r) => setImmediate(r));
        if (out.length > 0) this.events.push(`receive ${out.length}`);
        return out;
      },
      commit: async (offsets: QueueOffset[]) => {
        for (const o of offsets) this.committed.set(queueKey(o), o.offset);
        this.events.push(`commit ${offsets.map((o) => `${queueKey(o)}=${o.offset}`).join(',')}`);
      },
      close: async () => undefined,
    };
  }
}

const Q0 = { topic: 'in', queue: '0' };
const Q1 = { topic: 'in', queue: '1' };

function fw(overrides: Partial<FrameworkConfig> = {}): FrameworkConfig {
  return {
    name: 'sink', connectorClass: 'test', tasksMax: 1, keyConverter: 'string', valueConverter: 'string', transforms: [], errorsTolerance: 'none', errorsLog: false,
    retryTimeoutMs: 60_000, retryDelayMaxMs: 1, topics: ['in'], groupId: 'connect-sink', maxPollRecords: 500, maxInflightRecords: 200_000, maxInflightBytes: 128 * 1024 * 1024,
    ...overrides,
  };
}

const running: WorkerSinkTask[] = [];
afterEach(async () => {
  for (const t of running.splice(0)) await t.stop(5000);
});

function run(task: SinkTask, mem: MemoryTransport, clock: FakeClock, options: { fw?: Partial<FrameworkConfig>; commitIntervalMs?: number; assignment?: TopicQueue[] } = {}): WorkerSinkTask {
  const keyConverter = createConverter('string', 'key.converter');
  keyConverter.configure({}, true);
  const valueConverter = createConverter(options.fw?.valueConverter ?? 'string', 'value.converter');
  valueConverter.configure({}, false);
  const w = new WorkerSinkTask('sink', 0, task, {}, fw(options.fw), {
    logger: fakeLogger(),
    clock,
    onState: () => undefined,
    retryPolicy: { timeoutMs: 60_000, maxDelayMs: 1, initialDelayMs: 1 },
    transport: mem.asTransport(),
    metrics: new ConnectMetrics({ defaultMetrics: false }),
    commitIntervalMs: options.commitIntervalMs ?? 3_600_000,
    resolvePath: (p) => p,
    keyConverter,
    valueConverter,
    transforms: TransformChain.build<SinkRecord>([], {}, new Map()),
    assignment: options.assignment ?? [Q0],
  });
  running.push(w);
  w.start('STARTED');
  return w;
}

async function until(what: string, cond: () => boolean): Promise<void> {
  for (let i = 0; i < 20000; i++) {
    if (cond()) return;
    await new Promise((r) => setImmediate(r));
  }
  throw new Error(`timed out waiting until ${what}`);
}

const messages = (n: number, from = 0): TransportMessage[] => Array.from({ length: n }, (_, i) => ({ key: `k${from + i}`, body: Buffer.from(`v${from + i}`), headers: { h: 'x' }, timestamp: 0 }));

class WindowSink extends BatchSinkTask {
  readonly inserts: { at: number; offsets: number[] }[] = [];
  constructor(private readonly clock: FakeClock, private readonly policy: BatchPolicy) {
    super({ now: clock.now });
  }
  version(): string {
    return 'test';
  }
  protected onStart(): BatchPolicy {
    return this.policy;
  }
  protected batchInsert(records: SinkRecord[]): void {
    this.inserts.push({ at: this.clock.now(), offsets: records.map((r) => r.offset) });
  }
  stop(): void {}
}

describe('WorkerSinkTask commit deadline', () => {
  it('WorkerSinkTask cuts the receive wait to the deadline the task asked for, so a batch window closes on time with no new records', async () => {
    const clock = new FakeClock();
    const mem = new MemoryTransport(clock);
    mem.append(Q0, messages(3));
    const sink = new WindowSink(clock, { intervalMs: 80 });
    const putAt = clock.t; // the first receive returns at once with the records
    run(sink, mem, clock);
    await until('the batch is written', () => sink.inserts.length === 1);
    expect(sink.inserts[0]).toEqual({ at: putAt + 80, offsets: [0, 1, 2] });
    // First receive: no deadline yet, the long poll. After the put: cut to the 80 ms the batch had left.
    expect(mem.waits.slice(0, 2)).toEqual([500, 80]);
    expect(mem.events).toEqual(['receive 3', 'commit in/0=3']);
  });

  it('WorkerSinkTask without a deadline waits at most the long poll and commits on its interval', async () => {
    const clock = new FakeClock();
    const mem = new MemoryTransport(clock);
    const sink = new WindowSink(clock, { intervalMs: 80 });
    run(sink, mem, clock, { commitIntervalMs: 1200 });
    await until('three receives', () => mem.waits.length >= 4);
    expect(mem.waits.slice(0, 4)).toEqual([500, 500, 200, 500]);
  });
});

/** Holds what it is given; reports offsets safe only up to `landed`. */
class LaggingSink implements SinkTask {
  readonly received: SinkRecord[] = [];
  landed = new Map<string, number>();
  flushes = 0;
  version(): string {
    return 'test';
  }
  start(): void {}
  put(records: SinkRecord[]): void {
    this.received.push(...records);
  }
  flush(): void {
    this.flushes++;
  }
  preCommit(current: QueueOffset[]): QueueOffset[] {
    return current.map((o) => ({ ...o, offset: Math.min(o.offset, this.landed.get(queueKey(o)) ?? 0) }));
  }
  landAll(): void {
    for (const r of this.received) this.landed.set(queueKey(r), r.offset + 1);
  }
  stop(): void {}
}

describe('WorkerSinkTask backpressure', () => {
  it('WorkerSinkTask at max.inflight.records pauses every queue and asks the sink to flush until it catches up, then resumes; nothing is lost or repeated', async () => {
    const clock = new FakeClock();
    const mem = new MemoryTransport(clock);
    mem.append(Q0, messages(30));
    mem.append(Q1, messages(30));
    const sink = new LaggingSink();
    run(sink, mem, clock, { fw: { maxPollRecords: 4, maxInflightRecords: 10 }, assignment: [Q0, Q1] });
    await until('the sink was asked to flush three times', () => sink.flushes >= 3);
    // 3 receives of 4 reach the bound of 10; while the sink holds them, nothing more is read.
    expect(sink.received).toHaveLength(12);
    expect(mem.events.filter((e) => e.startsWith('pause') || e.startsWith('resume'))).toEqual(['pause in/0,in/1']);
    const flushesWhileBehind = sink.flushes;
    await until('more flushes', () => sink.flushes >= flushesWhileBehind + 3);
    expect(sink.received).toHaveLength(12);

    sink.landAll();
    await until('resumed', () => mem.events.some((e) => e.startsWith('resume')));
    expect(mem.events.filter((e) => e.startsWith('resume'))[0]).toBe('resume in/0,in/1');
    // From here the sink keeps up only when told to: land whatever arrives.
    await until('everything read and landed', () => {
      sink.landAll();
      return sink.received.length === 60 && mem.committed.get('in/0') === 30 && mem.committed.get('in/1') === 30;
    });
    for (const q of ['0', '1']) expect(sink.received.filter((r) => r.queue === q).map((r) => r.offset)).toEqual(Array.from({ length: 30 }, (_, i) => i));
  });

  it('WorkerSinkTask at max.inflight.bytes pauses too, counting body, key and headers', async () => {
    const clock = new FakeClock();
    const mem = new MemoryTransport(clock);
    mem.append(Q0, messages(10)); // 'v0' + 'k0' + 'h' + 'x' = 6 bytes each
    const sink = new LaggingSink();
    run(sink, mem, clock, { fw: { maxPollRecords: 2, maxInflightBytes: 1024 } });
    await until('all read', () => sink.received.length === 10);
    expect(mem.events.some((e) => e.startsWith('pause'))).toBe(false);
    mem.append(Q0, [{ key: null, body: Buffer.alloc(1020), headers: {}, timestamp: 0 }, ...messages(4, 11)]);
    await until('paused', () => mem.events.some((e) => e.startsWith('pause')));
    await until('flushed while paused', () => sink.flushes >= 2);
    // One receive of two (the large message and a small one) passed the bound; nothing more is read.
    expect(sink.received).toHaveLength(12);
    sink.landAll();
    await until('the rest read', () => sink.received.length === 15);
  });

  it('WorkerSinkTask counts only records it put towards the bounds: skipped messages are never the sink\'s to report', async () => {
    const clock = new FakeClock();
    const mem = new MemoryTransport(clock);
    mem.append(Q0, messages(20)); // not JSON: skipped under errors.tolerance=all
    const sink = new LaggingSink();
    sink.preCommit = () => []; // reports no queue it was given nothing of, as the Hudi sink does
    run(sink, mem, clock, { fw: { valueConverter: 'json', errorsTolerance: 'all', maxPollRecords: 4, maxInflightRecords: 5 } });
    await until('all read', () => mem.waits.length >= 8);
    expect(sink.received).toEqual([]);
    expect(mem.events.filter((e) => e.startsWith('receive'))).toHaveLength(5);
    expect(mem.events.some((e) => e.startsWith('pause'))).toBe(false);
  });

  it('WorkerSinkTask hands records the size they arrived with: body, key and header names and values', async () => {
    const clock = new FakeClock();
    const mem = new MemoryTransport(clock);
    mem.append(Q0, [{ key: 'ké', body: Buffer.from('{"a":1}'), headers: { trace: 'abc' }, timestamp: 0 }, { key: null, body: null, headers: {}, timestamp: 0 }]);
    const sink = new LaggingSink();
    run(sink, mem, clock);
    await until('both put', () => sink.received.length === 2);
    expect(sink.received.map((r) => r.size)).toEqual([7 + 3 + 5 + 3, 0]);
  });
});
