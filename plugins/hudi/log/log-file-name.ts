// Names of Hudi log files: `.{fileId}_{baseInstant}.log.{version}_{writeToken}`, as Hudi 0.15's FSUtils builds and
// parses them. Parsing accepts exactly the names Hudi's LOG_FILE_PATTERN matches as a whole name (the `archive`
// extension of timeline archive files, a missing write token, the `.cdc` suffix); building always writes a token.

import { randomInt } from 'node:crypto';

export interface LogFileName {
  fileId: string;
  /** The instant of the base file (file slice) the log belongs to; '' in timeline archive names. */
  baseInstant: string;
  /** 1, 2, …: the next version is a new file of the same slice (Hudi rolls over rather than append again). */
  version: number;
  /** `\d+-\d+-\d+`; '' only for legacy names Hudi still parses without one. */
  writeToken: string;
  /** 'log' (default) for file-group logs, 'archive' for `.hoodie/archived/.commits_.archive.N_token`. */
  extension?: 'log' | 'archive';
  /** Hudi's change-data-capture log (`….cdc`), which readers of the table's data skip. */
  cdc?: boolean;
}

// Hudi 0.15 FSUtils.LOG_FILE_PATTERN, anchored at the end as well (Hudi uses find(), which would also take trailing
// text: a name with such text is no file Hudi writes, so it is refused here). Hudi's `.cdc` has an unescaped dot.
const LOG_FILE_PATTERN = /^\.(.+)_(.*)\.(log|archive)\.(\d+)(?:_((\d+)-(\d+)-(\d+))(.cdc)?)?$/;
const WRITE_TOKEN = /^\d+-\d+-\d+$/;

export function logFileName(n: LogFileName): string {
  if (!WRITE_TOKEN.test(n.writeToken)) throw new RangeError(`write token ${JSON.stringify(n.writeToken)} is not of Hudi's form <digits>-<digits>-<digits> (use newWriteToken())`);
  if (!Number.isSafeInteger(n.version) || n.version < 1) throw new RangeError(`log version ${n.version} is not a whole number from 1`);
  if (n.fileId === '' || n.baseInstant.includes('_')) throw new RangeError(`file id ${JSON.stringify(n.fileId)} / base instant ${JSON.stringify(n.baseInstant)} do not make a parseable log file name`);
  return `.${n.fileId}_${n.baseInstant}.${n.extension ?? 'log'}.${n.version}_${n.writeToken}${n.cdc ? '.cdc' : ''}`;
}

/** The parts of a log file name (no directory), or undefined when Hudi would not take it for a log file. */
export function parseLogFileName(name: string): LogFileName | undefined {
  const m = LOG_FILE_PATTERN.exec(name);
  if (m === null) return undefined;
  const version = Number(m[4]);
  if (!Number.isSafeInteger(version)) return undefined;
  const parsed: LogFileName = { fileId: m[1]!, baseInstant: m[2]!, version, writeToken: m[5] ?? '' };
  if (m[3] === 'archive') parsed.extension = 'archive';
  if (m[9] !== undefined) parsed.cdc = true;
  return parsed;
}

/**
 * A write token of Hudi's shape. Hudi's own is `{partitionId}-{stageId}-{attemptId}` of the Spark task, unique
 * within one Spark application only; two of our writers share nothing, so the first two parts are 31 random bits
 * each and the third is this process's id. Two writers pick the same name for the same file version and base
 * instant only if they draw the same 62 bits.
 */
export function newWriteToken(): string {
  return `${randomInt(0, 2 ** 31 - 1)}-${randomInt(0, 2 ** 31 - 1)}-${process.pid}`;
}
