// Deterministic queue assignment for a sink connector's tasks: queues sorted by topic and queue id,
// dealt round-robin, so every task gets a share that differs by at most one and the same inputs always
// give the same assignment.

import type { TopicQueue } from '../spi';

function compareQueues(a: TopicQueue, b: TopicQueue): number {
  if (a.topic !== b.topic) return a.topic < b.topic ? -1 : 1;
  const na = Number(a.queue);
  const nb = Number(b.queue);
  if (Number.isInteger(na) && Number.isInteger(nb)) return na - nb;
  return a.queue < b.queue ? -1 : a.queue > b.queue ? 1 : 0;
}

export function assignQueues(queues: TopicQueue[], taskCount: number): TopicQueue[][] {
  const out: TopicQueue[][] = Array.from({ length: taskCount }, () => []);
  if (taskCount === 0) return out;
  [...queues].sort(compareQueues).forEach((q, i) => out[i % taskCount]!.push(q));
  return out;
}
