// Model-based, randomized tests of the table writer over the whole configuration grid (index types, file
// and commit sizes, small-file packing, cleaning, operations, crashes at every step of a commit, a successor
// writer opening the table while the current one still commits): each seed generates a configuration and a
// stream of commits, and after every commit the table read by our reader and by DuckDB (hudi-rs at the end of
// every seed) must equal the model. A failure prints the seed and the
// shortest failing case it shrank to, as JSON a fixed test can replay (test/fuzz/regressions/).
// CI runs FUZZ_SEEDS seeds from FUZZ_START (defaults below); `npm run fuzz:table -- --seeds N` runs long.

import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateCase, type FuzzCase } from '../helpers/table-fuzz/generator';
import { runCase } from '../helpers/table-fuzz/runner';
import { shrink } from '../helpers/table-fuzz/shrink';

const SEEDS = Number(process.env['FUZZ_SEEDS'] ?? 48);
const START = Number(process.env['FUZZ_START'] ?? 1);
const HUDI_RS_EVERY = Number(process.env['FUZZ_HUDI_RS_EVERY'] ?? 8);

/** Seeds whose table ended with an archived timeline, or had a compaction carry logs into its new slices, and
 *  seeds run: those dimensions must be exercised, not only configured. */
const archival = { archived: 0, crashedAndArchived: 0, carried: 0, deleteBlocks: 0, splitLogs: 0, encodedLogged: 0, seeds: 0 };

async function check(c: FuzzCase, hudiRs: boolean): Promise<void> {
  const r = await runCase(c, { hudiRs });
  if (r.ok) {
    archival.seeds++;
    if (r.archived > 0) archival.archived++;
    if (r.archived > 0 && r.crashes > 0) archival.crashedAndArchived++;
    if (r.carriedLogFiles > 0) archival.carried++;
    if (r.deleteBlocks > 0) archival.deleteBlocks++;
    if (r.splitLogFiles > 0) archival.splitLogs++;
    if (c.config.encodedRecords && r.dataBlocks > 0) archival.encodedLogged++;
    return;
  }
  const s = await shrink(c, r);
  throw new Error(
    `seed ${c.seed} (${JSON.stringify(c.config)}) failed: ${r.message}\n\n` +
      `shrunk in ${s.runs} runs to ${s.case.batches.length} commits / ${s.case.batches.reduce((n, b) => n + b.events.length, 0)} events, failing with: ${s.result.message}\n` +
      `replay: save this line as test/fuzz/regressions/seed-${c.seed}.json\n${JSON.stringify(s.case)}`,
  );
}

describe('table writer against the model', () => {
  const regressions = path.join(__dirname, 'regressions');
  for (const name of readdirSync(regressions).filter((n) => n.endsWith('.json')).sort()) {
    it(`regression ${name} equals the model`, async () => {
      await check(JSON.parse(readFileSync(path.join(regressions, name), 'utf8')) as FuzzCase, true);
    });
  }

  for (let seed = START; seed < START + SEEDS; seed++) {
    it(`seed ${seed} equals the model after every commit`, { timeout: 600_000 }, async () => {
      const c = generateCase(seed);
      expect(c.batches.length).toBeGreaterThan(0);
      await check(c, (seed - START) % HUDI_RS_EVERY === 0);
    });
  }

  it.runIf(SEEDS >= 24)('the seeds archived their timelines (some with crashes), compactions ran beside deltacommits, deletes went to logs, log files split and records encoded on arrival were logged', () => {
    expect(archival.archived, `seeds with an archived timeline of ${archival.seeds}`).toBeGreaterThanOrEqual(Math.floor(archival.seeds / 5));
    expect(archival.crashedAndArchived).toBeGreaterThan(0);
    expect(archival.carried, 'seeds where a compaction carried log files deltacommits appended while it ran').toBeGreaterThan(0);
    expect(archival.deleteBlocks, 'seeds whose deletes went to log files as delete blocks').toBeGreaterThan(0);
    expect(archival.splitLogs, 'seeds where hoodie.logfile.max.size split a deltacommit over several log files').toBeGreaterThan(0);
    expect(archival.encodedLogged, 'seeds whose records, encoded on arrival, went to log files as data blocks').toBeGreaterThan(0);
  });
});
