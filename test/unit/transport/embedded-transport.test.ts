import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../runtime/observability/logger';
import { EmbeddedTransport } from '../../../runtime/transport/embedded-transport';
import { queueForKey } from '../../../runtime/transport/queue-for-key';
import { canonicalJson } from '../../../runtime/worker/canonical-json';
import type { StoredMessage, TopicConsumer, TransportMessage } from '../../../runtime/transport/transport';

const REPO = path.resolve(__dirname, '../../..');
const logger = silentLogger();
const open: EmbeddedTransport[] = [];
const dirs: string[] = [];

function tempDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'tributary-transport-'));
  dirs.push(d);
  return d;
}

function transport(dir: string, queuesPerTopic = 4): EmbeddedTransport {
  const t = new EmbeddedTransport({ dir, queuesPerTopic, logger });
  open.push(t);
  return t;
}

function msg(body: string | Buffer | null, key: string | null = null, headers: Record<string, string> = {}): TransportMessage {
  return { key, body: typeof body === 'string' ? Buffer.from(body) : body, headers, timestamp: 1_700_000_000_000 };
}

/** Everything from the given queues, from the group's committed offsets on. */
async function drain(c: TopicConsumer): Promise<StoredMessage[]> {
  const out: StoredMessage[] = [];
  for (;;) {
    const got = await c.receive(1000, 0);
    if (got.length === 0) return out;
    out.push(...got);
  }
}

async function readAll(t: EmbeddedTransport, topic: string): Promise<StoredMessage[]> {
  const c = t.consumer(`reader-${Math.random()}`);
  await c.assign(await t.queues(topic));
  const all = await drain(c);
  await c.close();
  return all;
}

function codeOf(fn: () => unknown): Promise<string | undefined> {
  return Promise.resolve()
    .then(fn)
    .then(
      () => undefined,
      (err: unknown) => (err as { code?: string }).code,
    );
}

afterEach(async () => {
  for (const t of open.splice(0)) await t.close();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe('EmbeddedTransport', () => {
  it('queueForKey hashes with FNV-1a so a key keeps its queue across versions', () => {
    // Reference vectors of 32-bit FNV-1a: "a" = 0xe40c292c, "foobar" = 0xbf9cf968.
    expect(queueForKey('a', 1_000_000_007)).toBe(0xe40c292c % 1_000_000_007);
    expect(queueForKey('foobar', 7)).toBe(0xbf9cf968 % 7);
  });

  it('canonicalJson of partitions with keys in another order is identical', () => {
    expect(canonicalJson({ b: 1, a: 'x' })).toBe(canonicalJson({ a: 'x', b: 1 }));
  });

  it('send then receive round-trips keys, headers, timestamps and bodies byte-exact', async () => {
    const t = transport(tempDir(), 1);
    const binary = Buffer.from([0, 1, 2, 254, 255, 0]);
    await t.send('rt', [msg(binary, 'k', { h: 'v' }), msg(null), msg(Buffer.alloc(0)), { key: null, body: Buffer.from('x'), headers: {}, timestamp: 42 }]);
    const got = await readAll(t, 'rt');
    expect(got.map((m) => m.offset)).toEqual([0, 1, 2, 3]);
    expect(Buffer.compare(got[0]!.body!, binary)).toBe(0);
    expect(got[0]).toMatchObject({ topic: 'rt', queue: '0', key: 'k', headers: { h: 'v' }, timestamp: 1_700_000_000_000 });
    expect(got[1]!.body).toBeNull();
    expect(Buffer.isBuffer(got[2]!.body)).toBe(true);
    expect(got[2]!.body!.length).toBe(0);
    expect(got[3]).toMatchObject({ key: null, timestamp: 42 });
  });

  it('send with keys puts each key on one queue and keyless messages round-robin', async () => {
    const t = transport(tempDir(), 4);
    await t.send('k', ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'].map((s) => msg(s)));
    await t.send('k', [msg('1', 'user-1'), msg('2', 'user-2'), msg('3', 'user-1')]);
    const all = await readAll(t, 'k');
    const keyless = all.filter((m) => m.key === null);
    for (const q of ['0', '1', '2', '3']) expect(keyless.filter((m) => m.queue === q)).toHaveLength(2);
    const user1 = all.filter((m) => m.key === 'user-1');
    expect(new Set(user1.map((m) => m.queue))).toEqual(new Set([String(queueForKey('user-1', 4))]));
    expect(user1.map((m) => m.body!.toString())).toEqual(['1', '3']);
  });

  it('offsets are dense per queue from 0 and endOffset is the next one', async () => {
    const t = transport(tempDir(), 2);
    await t.send('d', [msg('a'), msg('b'), msg('c')]);
    await t.send('d', [msg('d')]);
    const all = await readAll(t, 'd');
    for (const q of ['0', '1']) {
      const offsets = all.filter((m) => m.queue === q).map((m) => m.offset);
      expect(offsets).toEqual(offsets.map((_, i) => i));
      expect(await t.endOffset({ topic: 'd', queue: q })).toBe(offsets.length);
    }
  });

  it('ensureTopic of an existing topic keeps its queue count', async () => {
    const dir = tempDir();
    const a = transport(dir, 3);
    expect(await a.ensureTopic('t')).toHaveLength(3);
    await a.close();
    const b = transport(dir, 8);
    expect((await b.ensureTopic('t')).map((q) => q.queue)).toEqual(['0', '1', '2']);
    expect(await b.ensureTopic('new')).toHaveLength(8);
    expect(await b.topics()).toEqual(['new', 't']);
  });

  it('reopen after close keeps messages, positions, group offsets and continues offsets densely', async () => {
    const dir = tempDir();
    const a = transport(dir, 2);
    await a.send('dur', [msg('1'), msg('2'), msg('3')], { positions: [{ connector: 'src', partition: { file: 'x' }, position: { line: 3 } }] });
    await a.consumer('g').commit([{ topic: 'dur', queue: '0', offset: 1 }]);
    await a.close();

    const b = transport(dir, 2);
    expect(await b.topics()).toEqual(['dur']);
    expect((await readAll(b, 'dur')).map((m) => m.body!.toString()).sort()).toEqual(['1', '2', '3']);
    expect(await b.positions('src')).toEqual([{ partition: { file: 'x' }, position: { line: 3 } }]);
    expect(await b.groupOffsets('g', ['dur'])).toEqual([{ topic: 'dur', queue: '0', offset: 1 }]);
    expect(await b.endOffset({ topic: 'dur', queue: '0' })).toBe(2);
    await b.send('dur', [msg('4')]);
    const q1 = (await readAll(b, 'dur')).filter((m) => m.body!.toString() === '4');
    expect(q1).toHaveLength(1);
    expect(q1[0]!.offset).toBe(q1[0]!.queue === '0' ? 2 : 1);
  });

  it('a second transport on the same directory is refused with ILLEGAL_STATE', () => {
    const dir = tempDir();
    transport(dir);
    let code: string | undefined;
    try {
      transport(dir);
    } catch (err) {
      code = (err as { code?: string }).code;
    }
    expect(code).toBe('ILLEGAL_STATE');
  });

  describe('send atomicity', () => {
    async function expectNothingLanded(t: EmbeddedTransport): Promise<void> {
      expect(await t.endOffset({ topic: 'at', queue: '0' })).toBe(1);
      expect(await t.endOffset({ topic: 'at', queue: '1' })).toBe(0);
      expect((await readAll(t, 'at')).map((m) => m.body!.toString())).toEqual(['before']);
      expect(await t.positions('src')).toEqual([{ partition: { p: 1 }, position: { n: 0 } }]);
    }

    async function setup(): Promise<{ t: EmbeddedTransport; dir: string }> {
      const dir = tempDir();
      const t = transport(dir, 2);
      await t.send('at', [msg('before')], { positions: [{ connector: 'src', partition: { p: 1 }, position: { n: 0 } }] });
      return { t, dir };
    }

    it('send with a bad body mid-batch stores neither messages nor positions', async () => {
      const { t, dir } = await setup();
      const bad = { key: null, body: 'not a buffer' as unknown as Buffer, headers: {}, timestamp: 1 };
      const err = await t.send('at', [msg('m1'), msg('m2'), msg('m3'), bad], { positions: [{ connector: 'src', partition: { p: 1 }, position: { n: 4 } }] }).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'BAD_REQUEST' });
      expect(String((err as Error).message)).toContain('message 3');
      await expectNothingLanded(t);
      // Also on disk, not only in this process's caches.
      await t.close();
      await expectNothingLanded(transport(dir, 2));
    });

    it('send whose insert fails in SQLite (NaN timestamp) stores neither messages nor positions', async () => {
      const { t, dir } = await setup();
      const err = await t
        .send('at', [msg('m1'), msg('m2'), { ...msg('m3'), timestamp: Number.NaN }], { positions: [{ connector: 'src', partition: { p: 1 }, position: { n: 3 } }] })
        .catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'BAD_REQUEST' });
      expect(String((err as Error).message)).toMatch(/NOT NULL constraint failed/);
      await t.close();
      await expectNothingLanded(transport(dir, 2));
    });

    it('send whose position cannot be stored after all messages were inserted stores nothing', async () => {
      const { t } = await setup();
      const err = await t
        .send('at', [msg('m1'), msg('m2')], { positions: [{ connector: 'src', partition: { p: 1 }, position: { n: BigInt(2) as unknown as number } }] })
        .catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'BAD_REQUEST' });
      await expectNothingLanded(t);
      // The failed batch consumed no offsets: the next message still gets offset 1 on queue 0... or 0 on queue 1.
      await t.send('at', [msg('after')]);
      expect((await readAll(t, 'at')).map((m) => `${m.queue}:${m.offset}`).sort()).toEqual(['0:0', '1:0']);
    });

    it('send of a new topic that fails does not create the topic', async () => {
      const t = transport(tempDir());
      await t.send('fresh', [msg('a'), { ...msg('b'), timestamp: Number.NaN }]).catch(() => undefined);
      expect(await t.topics()).toEqual([]);
      expect(await codeOf(() => t.queues('fresh'))).toBe('NOT_FOUND');
    });
  });

  describe('consumer', () => {
    it('receive with nothing available waits and is woken by a send before waitMs', async () => {
      const t = transport(tempDir(), 2);
      await t.ensureTopic('w');
      await t.ensureTopic('other');
      const c = t.consumer('g');
      await c.assign(await t.queues('w'));
      // waitMs far beyond the test timeout: only the wake-up can make this resolve in time.
      const pending = c.receive(10, 600_000);
      await new Promise((r) => setTimeout(r, 20));
      await t.send('other', [msg('not mine')]);
      await new Promise((r) => setTimeout(r, 20));
      await t.send('w', [msg('hello')]);
      const got = await pending;
      expect(got.map((m) => m.body!.toString())).toEqual(['hello']);
    }, 5_000);

    it('receive with nothing available returns an empty batch after waitMs', async () => {
      const t = transport(tempDir(), 2);
      const c = t.consumer('g');
      await c.assign(await t.ensureTopic('empty'));
      expect(await c.receive(10, 30)).toEqual([]);
    });

    it('receive waiting is ended by close with an empty batch', async () => {
      const t = transport(tempDir(), 2);
      const c = t.consumer('g');
      await c.assign(await t.ensureTopic('empty'));
      const pending = c.receive(10, 600_000);
      await c.close();
      expect(await pending).toEqual([]);
    }, 5_000);

    it('receive splits max evenly across queues and gives unused share to the others', async () => {
      const t = transport(tempDir(), 3);
      const queues = await t.ensureTopic('fair');
      // 100 keyless messages per queue via round-robin, plus nothing else.
      await t.send('fair', Array.from({ length: 300 }, (_, i) => msg(String(i))));
      const c = t.consumer('g');
      await c.assign(queues);
      const first = await c.receive(30, 0);
      const perQueue = (ms: StoredMessage[]) => ['0', '1', '2'].map((q) => ms.filter((m) => m.queue === q).length);
      expect(perQueue(first)).toEqual([10, 10, 10]);
      // Offset order within each queue.
      for (const q of ['0', '1', '2']) expect(first.filter((m) => m.queue === q).map((m) => m.offset)).toEqual([...Array(10).keys()]);

      // Queue 2 is drained to its end; its unused share goes to queues 0 and 1.
      c.seek([{ topic: 'fair', queue: '2', offset: 98 }]);
      const second = await c.receive(30, 0);
      expect(perQueue(second)).toEqual([14, 14, 2]);
    });

    it('receive with max smaller than the queue count rotates which queue is served first', async () => {
      const t = transport(tempDir(), 4);
      const queues = await t.ensureTopic('rot');
      await t.send('rot', Array.from({ length: 40 }, (_, i) => msg(String(i))));
      const c = t.consumer('g');
      await c.assign(queues);
      const served = new Set<string>();
      for (let i = 0; i < 4; i++) for (const m of await c.receive(1, 0)) served.add(m.queue);
      expect(served).toEqual(new Set(['0', '1', '2', '3']));
    });

    it('seek rewinds a queue so receive re-delivers from that offset', async () => {
      const t = transport(tempDir(), 1);
      const queues = await t.ensureTopic('s');
      await t.send('s', [msg('a'), msg('b'), msg('c')]);
      const c = t.consumer('g');
      await c.assign(queues);
      expect((await drain(c)).map((m) => m.offset)).toEqual([0, 1, 2]);
      c.seek([{ topic: 's', queue: '0', offset: 1 }]);
      expect((await drain(c)).map((m) => m.body!.toString())).toEqual(['b', 'c']);
    });

    it('pause stops delivery from a queue and resume restarts it where it left off', async () => {
      const t = transport(tempDir(), 2);
      const queues = await t.ensureTopic('p');
      await t.send('p', [msg('q0-a'), msg('q1-a'), msg('q0-b'), msg('q1-b')]);
      const c = t.consumer('g');
      await c.assign(queues);
      c.pause([{ topic: 'p', queue: '1' }]);
      expect((await drain(c)).map((m) => m.body!.toString())).toEqual(['q0-a', 'q0-b']);
      // A receive waiting with every data-bearing queue paused is woken by resume.
      const pending = c.receive(10, 600_000);
      c.resume([{ topic: 'p', queue: '1' }]);
      expect((await pending).map((m) => m.body!.toString())).toEqual(['q1-a', 'q1-b']);
    }, 5_000);

    it('assign starts each queue at the group committed offset, or 0 without one', async () => {
      const t = transport(tempDir(), 2);
      const queues = await t.ensureTopic('a');
      await t.send('a', [msg('q0-0'), msg('q1-0'), msg('q0-1'), msg('q1-1')]);
      const c1 = t.consumer('g');
      await c1.commit([{ topic: 'a', queue: '0', offset: 1 }]);
      await c1.close();
      const c2 = t.consumer('g');
      await c2.assign(queues);
      expect((await drain(c2)).map((m) => m.body!.toString()).sort()).toEqual(['q0-1', 'q1-0', 'q1-1']);
      expect(c2.assignment()).toEqual(queues);
    });

    it('assign keeps the read position of queues that stay assigned', async () => {
      const t = transport(tempDir(), 2);
      const queues = await t.ensureTopic('keep');
      await t.send('keep', [msg('q0-0'), msg('q1-0'), msg('q0-1')]);
      const c = t.consumer('g');
      await c.assign([queues[0]!]);
      expect((await c.receive(1, 0)).map((m) => m.offset)).toEqual([0]);
      await c.assign(queues);
      expect((await drain(c)).map((m) => m.body!.toString()).sort()).toEqual(['q0-1', 'q1-0']);
    });

    it('seek, pause or assign of a queue that is not assigned or does not exist throws', async () => {
      const t = transport(tempDir(), 2);
      await t.ensureTopic('x');
      const c = t.consumer('g');
      expect(await codeOf(() => c.seek([{ topic: 'x', queue: '0', offset: 0 }]))).toBe('ILLEGAL_STATE');
      expect(await codeOf(() => c.pause([{ topic: 'x', queue: '0' }]))).toBe('ILLEGAL_STATE');
      expect(await codeOf(() => c.assign([{ topic: 'x', queue: '2' }]))).toBe('NOT_FOUND');
      expect(await codeOf(() => c.assign([{ topic: 'nope', queue: '0' }]))).toBe('NOT_FOUND');
      expect(await codeOf(() => c.receive(0, 0))).toBe('BAD_REQUEST');
    });
  });

  describe('positions and group offsets', () => {
    it('putPositions upserts by canonical partition and deletes with null', async () => {
      const t = transport(tempDir());
      await t.send('pt', [], { positions: [{ connector: 'c', partition: { a: 1, b: 'x' }, position: { n: 1 } }] });
      await t.putPositions([
        { connector: 'c', partition: { b: 'x', a: 1 }, position: { n: 2 } },
        { connector: 'c', partition: { a: 2 }, position: { n: 9, done: null } },
        { connector: 'other', partition: { a: 1 }, position: { n: 5 } },
      ]);
      expect(await t.positions('c')).toEqual([
        { partition: { a: 1, b: 'x' }, position: { n: 2 } },
        { partition: { a: 2 }, position: { n: 9, done: null } },
      ]);
      await t.putPositions([{ connector: 'c', partition: { b: 'x', a: 1 }, position: null }]);
      expect(await t.positions('c')).toEqual([{ partition: { a: 2 }, position: { n: 9, done: null } }]);
      expect(await t.positions('other')).toHaveLength(1);
      // A send with only positions creates no topic.
      expect(await t.topics()).toEqual([]);
    });

    it('putGroupOffsets upserts and deletes with null; commit is visible in groupOffsets', async () => {
      const t = transport(tempDir());
      await t.putGroupOffsets('g', [
        { topic: 't', queue: '0', offset: 5 },
        { topic: 't', queue: '1', offset: 7 },
      ]);
      await t.consumer('g').commit([{ topic: 't', queue: '1', offset: 8 }]);
      expect(await t.groupOffsets('g', ['t'])).toEqual([
        { topic: 't', queue: '0', offset: 5 },
        { topic: 't', queue: '1', offset: 8 },
      ]);
      await t.putGroupOffsets('g', [{ topic: 't', queue: '0', offset: null }]);
      expect(await t.groupOffsets('g', ['t'])).toEqual([{ topic: 't', queue: '1', offset: 8 }]);
      expect(await t.groupOffsets('other', ['t'])).toEqual([]);
      expect(await t.groupOffsets('g', ['elsewhere'])).toEqual([]);
      expect(await codeOf(() => t.putGroupOffsets('g', [{ topic: 't', queue: '0', offset: -1 }]))).toBe('BAD_REQUEST');
      expect(await codeOf(() => t.putGroupOffsets('g', [{ topic: 't', queue: 'q', offset: 1 }]))).toBe('BAD_REQUEST');
    });

    it('topic names RocketMQ would refuse are refused with BAD_REQUEST', async () => {
      const t = transport(tempDir());
      expect(await codeOf(() => t.ensureTopic('has space'))).toBe('BAD_REQUEST');
      expect(await codeOf(() => t.send('a.b', [msg('x')]))).toBe('BAD_REQUEST');
      expect(await codeOf(() => t.queues('missing'))).toBe('NOT_FOUND');
    });
  });

  describe('kill -9', () => {
    const distModule = path.join(REPO, 'dist/runtime/transport/embedded-transport.js');

    beforeAll(() => {
      // The child runs the compiled module; compile when dist is missing or older than the sources it needs.
      // tsc exits non-zero when any file in the project has errors (other work in progress), yet still
      // emits; so judge by the emitted file, not the exit status.
      const sources = [path.join(REPO, 'runtime/transport/embedded-transport.ts'), ...fs.readdirSync(path.join(REPO, 'runtime/spi')).map((f) => path.join(REPO, 'runtime/spi', f))];
      const newest = Math.max(...sources.map((f) => fs.statSync(f).mtimeMs));
      const fresh = () => fs.existsSync(distModule) && fs.statSync(distModule).mtimeMs >= newest;
      if (fresh()) return;
      let output = '';
      try {
        execFileSync('npx', ['tsc', '-p', '.'], { cwd: REPO, stdio: 'pipe' });
      } catch (err) {
        output = String((err as { stdout?: Buffer }).stdout ?? '');
      }
      if (!fresh()) throw new Error(`tsc did not emit ${distModule}:\n${output}`);
    }, 180_000);

    it('send acknowledged before SIGKILL is present exactly once, with the positions of the last landed batch', async () => {
      const dir = tempDir();
      const script = path.join(dir, 'child.js');
      const BATCH = 25;
      fs.writeFileSync(
        script,
        `
const { EmbeddedTransport } = require(${JSON.stringify(distModule)});
const logger = { debug() {}, info() {}, warn() {}, error() {}, child() { return logger; } };
const t = new EmbeddedTransport({ dir: ${JSON.stringify(path.join(dir, 'data'))}, queuesPerTopic: 3, logger });
(async () => {
  for (let b = 0; ; b++) {
    const messages = [];
    for (let i = 0; i < ${BATCH}; i++) {
      messages.push({ key: i % 3 === 0 ? 'k' + i : null, body: Buffer.from(b + ':' + i), headers: { batch: String(b) }, timestamp: Date.now() });
    }
    await t.send('crash', messages, { positions: [{ connector: 'src', partition: { file: 'in' }, position: { batch: b } }] });
    process.stdout.write(b + '\\n');
  }
})();
`,
      );
      const child = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          // Kill mid-stream, while the child is busy sending.
          if (out.split('\n').length > 150) {
            child.kill('SIGKILL');
            resolve();
          }
        });
        child.on('exit', () => reject(new Error(`child exited before it was killed: ${err}`)));
      });
      expect(await exited).toBe('SIGKILL');

      // Only newline-terminated lines are acknowledgements; a torn last line is not.
      const acked = out.split('\n').slice(0, -1).map(Number);
      const lastAcked = acked[acked.length - 1]!;
      expect(acked).toEqual([...Array(lastAcked + 1).keys()]);

      const t = transport(path.join(dir, 'data'), 3);
      const seen = new Map<number, Set<number>>();
      let total = 0;
      for (const m of await readAll(t, 'crash')) {
        const [b, i] = m.body!.toString().split(':').map(Number) as [number, number];
        if (!seen.has(b)) seen.set(b, new Set());
        seen.get(b)!.add(i);
        total++;
      }
      const lastLanded = Math.max(...seen.keys());
      // The child may have committed one more batch than it could print before the kill.
      expect(lastLanded === lastAcked || lastLanded === lastAcked + 1).toBe(true);
      for (let b = 0; b <= lastLanded; b++) expect(seen.get(b)?.size, `batch ${b}`).toBe(BATCH);
      expect(total).toBe((lastLanded + 1) * BATCH); // each message exactly once
      expect(await t.positions('src')).toEqual([{ partition: { file: 'in' }, position: { batch: lastLanded } }]);
    }, 60_000);
  });
});
