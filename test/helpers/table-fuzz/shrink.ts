// Shrinks a failing fuzz case to a shorter one that still fails, as proptest and fast-check do: drop the
// commits after the first failing one, then whole commits, then single events, then crashes, successor
// writers, restarts and second writers, keeping each cut that still fails. Every candidate is run for real, so
// the result replays as a fixed test.

import { rmSync } from 'node:fs';
import { keepsInsertContract, type FuzzCase } from './generator';
import { runCase, type RunResult } from './runner';

export async function shrink(c: FuzzCase, first: RunResult, budget = 400): Promise<{ case: FuzzCase; result: RunResult; runs: number }> {
  let best: FuzzCase = { ...c, batches: c.batches.slice(0, (first.failedAt ?? c.batches.length - 1) + 1) };
  let bestResult = first;
  let runs = 0;
  const tryCase = async (candidate: FuzzCase): Promise<boolean> => {
    if (runs >= budget || !keepsInsertContract(candidate)) return false;
    runs++;
    const r = await runCase(candidate);
    rmSync(r.dir, { recursive: true, force: true }); // a failing run keeps its table; a shrink makes hundreds
    if (r.ok) return false;
    best = { ...candidate, batches: candidate.batches.slice(0, (r.failedAt ?? candidate.batches.length - 1) + 1) };
    bestResult = r;
    return true;
  };
  if (best.batches.length < c.batches.length) {
    const again = await runCase(best);
    rmSync(again.dir, { recursive: true, force: true });
    runs++;
    if (again.ok) best = c;
    else bestResult = again;
  }
  for (let changed = true; changed && runs < budget; ) {
    changed = false;
    for (let i = 0; i < best.batches.length && runs < budget; i++) {
      const batches = best.batches.filter((_, j) => j !== i);
      if (batches.length > 0 && (await tryCase({ ...best, batches }))) {
        changed = true;
        i--;
      }
    }
    for (let i = 0; i < best.batches.length && runs < budget; i++) {
      for (let e = 0; e < best.batches[i]!.events.length && runs < budget; e++) {
        const b = best.batches[i]!;
        if (b.events.length <= 1) break;
        const batches = best.batches.map((x, j) => (j === i ? { ...x, events: x.events.filter((_, k) => k !== e) } : x));
        if (await tryCase({ ...best, batches })) {
          changed = true;
          e--;
        }
      }
    }
    for (const flag of ['crash', 'supersede', 'restart', 'concurrent'] as const) {
      for (let i = 0; i < best.batches.length && runs < budget; i++) {
        if (!best.batches[i]![flag]) continue;
        const batches = best.batches.map((x, j) => (j === i ? { ...x, [flag]: undefined } : x));
        if (await tryCase({ ...best, batches })) changed = true;
      }
    }
  }
  return { case: best, result: bestResult, runs };
}
