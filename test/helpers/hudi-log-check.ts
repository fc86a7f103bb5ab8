// Apache Hudi 0.15's own log reader and writer (test/conformance/readers/HudiLogCheck.java run with the Spark
// bundle), for checks that must not go through our log codec. The class is compiled on first use into the
// readers' cache (outside the repo), keyed by its source and the bundle, so a changed source recompiles.

import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { readersAvailable, REPO } from './table-readers';

const run = promisify(execFile);
const SOURCE = path.join(REPO, 'test', 'conformance', 'readers', 'HudiLogCheck.java');

let classPath: Promise<string> | undefined;

/** Compiles HudiLogCheck.java once per source and bundle; the class path to run it. Call it in a beforeAll hook
 *  to keep a cold compile out of a test's time. */
export function hudiLogCheckReady(): Promise<string> {
  classPath ??= (async () => {
    const env = await readersAvailable();
    const { stdout } = await run(env.python, ['-c', 'import os, pyspark; print(os.path.join(os.path.dirname(pyspark.__file__), "jars"))']);
    const libs = `${env.bundleJar}${path.delimiter}${path.join(stdout.trim(), '*')}`;
    const key = createHash('sha256').update(readFileSync(SOURCE)).update(env.bundleJar).digest('hex').slice(0, 16);
    const dir = path.join(env.cache, 'log-check', key);
    if (!existsSync(path.join(dir, 'HudiLogCheck.class'))) {
      const building = `${dir}.${process.pid}`;
      mkdirSync(building, { recursive: true });
      await run('javac', ['-nowarn', '-d', building, '-cp', libs, SOURCE], { maxBuffer: 16 << 20 });
      mkdirSync(path.dirname(dir), { recursive: true });
      try {
        renameSync(building, dir);
      } catch {
        // Another process compiled it first: its classes are the same.
      }
    }
    return `${dir}${path.delimiter}${libs}`;
  })();
  return classPath;
}

/** Runs HudiLogCheck with `args` and returns its stdout; a failure names the mode and carries Java's stderr tail. */
export async function hudiLogCheck(...args: string[]): Promise<string> {
  const cp = await hudiLogCheckReady();
  try {
    const { stdout } = await run('java', ['-Dlog4j2.level=ERROR', '-cp', cp, 'HudiLogCheck', ...args], { maxBuffer: 64 << 20, timeout: 120_000 });
    return stdout;
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(`HudiLogCheck ${args[0]} failed: ${err.message}\n${(err.stderr ?? '').split('\n').slice(-30).join('\n')}`);
  }
}

/** A block as Hudi reads it, reduced to what a layout check needs. */
export interface LogBlockKeys {
  file: string;
  type: string;
  instant: string | null;
  /** The record keys of a data block's records or a delete block's entries. */
  keys: string[];
  command?: string;
  target?: string | null;
}

/** Every block of each log file, read by Hudi's HoodieLogFormat reader (one JVM for all files). */
export async function hudiLogBlockKeys(files: string[]): Promise<LogBlockKeys[]> {
  if (files.length === 0) return [];
  return (await hudiLogCheck('keys', ...files))
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as LogBlockKeys);
}
