import { describe, expect, it } from 'vitest';
import { assignQueues } from '../../../runtime/herder/assignment';

const q = (topic: string, queue: string) => ({ topic, queue });

describe('assignQueues', () => {
  it('queues of two topics over three tasks are dealt evenly and deterministically', () => {
    const queues = [q('b', '1'), q('a', '10'), q('a', '2'), q('b', '0'), q('a', '1')];
    const out = assignQueues(queues, 3);
    expect(out).toEqual([[q('a', '1'), q('b', '0')], [q('a', '2'), q('b', '1')], [q('a', '10')]]);
    expect(assignQueues([...queues].reverse(), 3)).toEqual(out);
  });

  it('more tasks than queues leaves the extra tasks empty', () => {
    expect(assignQueues([q('a', '0')], 3)).toEqual([[q('a', '0')], [], []]);
  });

  it('every queue is assigned exactly once', () => {
    const queues = Array.from({ length: 17 }, (_, i) => q(`t${i % 3}`, String(i)));
    const flat = assignQueues(queues, 4).flat();
    expect(flat).toHaveLength(17);
    expect(new Set(flat.map((x) => `${x.topic}/${x.queue}`)).size).toBe(17);
  });
});
