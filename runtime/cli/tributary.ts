// The `tributary` command: parses argv, finds the command in the table (commands.ts), runs it against a
// worker's REST API and turns the outcome into an exit code. Everything it touches (stdout, stderr, fetch,
// env, cwd) is passed in, so tests run `main` in-process. Exit codes: 0 success, 1 the worker answered
// with an error, 2 usage error (bad command, option, argument or input file), 3 the worker cannot be reached.

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { UsageError, type CommandContext, type CommandSpec, type OptionSpec } from './command';
import { defaultCommands } from './commands';
import { RestClient, WorkerHttpError, WorkerUnreachableError, type FetchLike, type RestResponse } from './rest-client';

export interface CliIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  fetch: FetchLike;
  env: Record<string, string | undefined>;
  /** Directory `--file` paths are relative to; default process.cwd(). */
  cwd?: string;
}

export const EXIT_OK = 0;
export const EXIT_SERVER_ERROR = 1;
export const EXIT_USAGE = 2;
export const EXIT_UNREACHABLE = 3;

export const DEFAULT_WORKER_URL = 'http://127.0.0.1:8082';
export const URL_ENV = 'TRIBUTARY_URL';

const GLOBAL_OPTIONS: Record<string, OptionSpec> = {
  url: { type: 'string', valueName: '<url>', description: `worker URL (default: $${URL_ENV}, else ${DEFAULT_WORKER_URL})` },
  json: { type: 'boolean', description: "print the worker's JSON answer instead of tables" },
  timeout: { type: 'string', valueName: '<ms>', description: 'give up on a request after this many milliseconds (default 60000)' },
  help: { type: 'boolean', short: 'h', description: 'show help; also after a command, e.g. tributary connectors create --help' },
};

function optionLines(options: Record<string, OptionSpec>): string {
  const rows = Object.entries(options).map(([name, o]) => [`${o.short ? `-${o.short}, ` : '    '}--${name}${o.valueName ? ` ${o.valueName}` : ''}`, o.description] as const);
  const width = Math.max(...rows.map(([l]) => l.length));
  return rows.map(([l, d]) => `  ${l.padEnd(width)}  ${d}`).join('\n');
}

function commandLine(c: CommandSpec): string {
  return `${c.path.join(' ')}${c.usage ? ` ${c.usage}` : ''}`;
}

function commandList(commands: CommandSpec[]): string {
  const width = Math.max(...commands.map((c) => commandLine(c).length));
  return commands.map((c) => `  ${commandLine(c).padEnd(width)}  ${c.summary}`).join('\n');
}

const EXIT_CODES_HELP = 'Exit codes: 0 success, 1 the worker answered with an error, 2 usage error, 3 the worker cannot be reached.';

function generalHelp(commands: CommandSpec[]): string {
  return [
    "tributary: manage a Tributary worker's connectors over its REST API.",
    '',
    'Usage: tributary <command> [arguments] [options]',
    '',
    'Commands:',
    commandList(commands),
    '',
    'Global options:',
    optionLines(GLOBAL_OPTIONS),
    '',
    EXIT_CODES_HELP,
  ].join('\n');
}

function groupHelp(group: string, commands: CommandSpec[]): string {
  return [`Usage: tributary ${group} <command> [arguments] [options]`, '', 'Commands:', commandList(commands.filter((c) => c.path[0] === group)), '', 'Run tributary <command> --help for details.'].join('\n');
}

function commandHelp(c: CommandSpec): string {
  const lines = [`Usage: tributary ${commandLine(c)} [options]`, '', `${c.summary[0]!.toUpperCase()}${c.summary.slice(1)}.`];
  if (c.details) lines.push('', c.details);
  if (c.options && Object.keys(c.options).length > 0) lines.push('', 'Options:', optionLines(c.options));
  lines.push('', 'Global options:', optionLines(GLOBAL_OPTIONS), '', EXIT_CODES_HELP);
  return lines.join('\n');
}

/** The union of all options, for one strict parseArgs pass; a name declared twice must agree. */
function allOptions(commands: CommandSpec[]): Record<string, OptionSpec> {
  const all: Record<string, OptionSpec> = { ...GLOBAL_OPTIONS };
  for (const c of commands) {
    for (const [name, o] of Object.entries(c.options ?? {})) {
      const prior = all[name];
      if (prior && (prior.type !== o.type || prior.short !== o.short)) {
        throw new Error(`CLI option --${name} is declared with different types or short names; declare it the same way everywhere`);
      }
      all[name] = o;
    }
  }
  return all;
}

function findCommand(words: string[], commands: CommandSpec[]): CommandSpec | undefined {
  let best: CommandSpec | undefined;
  for (const c of commands) {
    if (c.path.length <= words.length && c.path.every((w, i) => words[i] === w) && (!best || c.path.length > best.path.length)) best = c;
  }
  return best;
}

/**
 * Runs the CLI with `argv` (arguments after the program name) and returns the exit code.
 * `commands` defaults to the full table; tests and later issues may pass another.
 */
export async function main(argv: string[], io: CliIo, commands: CommandSpec[] = defaultCommands()): Promise<number> {
  const out = (text: string): void => void io.stdout.write(`${text}\n`);
  const err = (text: string): void => void io.stderr.write(`${text}\n`);
  let helpHint = 'Run tributary --help for usage.';
  let json = false;
  let url = DEFAULT_WORKER_URL;
  try {
    const options = allOptions(commands);
    let parsed: ReturnType<typeof parseArgs>;
    try {
      const config: Record<string, { type: 'string' | 'boolean'; short?: string }> = {};
      for (const [name, o] of Object.entries(options)) config[name] = o.short ? { type: o.type, short: o.short } : { type: o.type };
      parsed = parseArgs({ args: argv, options: config, allowPositionals: true, strict: true });
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    const values = parsed.values as Record<string, string | boolean | undefined>;
    const words = parsed.positionals;
    json = values['json'] === true;
    const help = values['help'] === true;

    const command = findCommand(words, commands);
    if (!command) {
      if (words.length === 0) {
        if (help) {
          out(generalHelp(commands));
          return EXIT_OK;
        }
        err(generalHelp(commands));
        return EXIT_USAGE;
      }
      const group = words[0]!;
      if (commands.some((c) => c.path[0] === group)) {
        if (help && words.length === 1) {
          out(groupHelp(group, commands));
          return EXIT_OK;
        }
        helpHint = `Run tributary ${group} --help for its commands.`;
        throw new UsageError(words.length === 1 ? `${group} needs a command` : `unknown command "${words.slice(0, 2).join(' ')}"`);
      }
      throw new UsageError(`unknown command "${group}"`);
    }
    helpHint = `Run tributary ${command.path.join(' ')} --help for usage.`;
    if (help) {
      out(commandHelp(command));
      return EXIT_OK;
    }

    const own = command.options ?? {};
    for (const name of Object.keys(values)) {
      if (values[name] !== undefined && !(name in GLOBAL_OPTIONS) && !(name in own)) {
        throw new UsageError(`option --${name} does not apply to "tributary ${command.path.join(' ')}"`);
      }
    }
    const args = words.slice(command.path.length);
    if (args.length < command.args.min) throw new UsageError(`missing argument: tributary ${commandLine(command)}`);
    if (command.args.max !== undefined && args.length > command.args.max) {
      throw new UsageError(`unexpected argument ${JSON.stringify(args[command.args.max])}: tributary ${commandLine(command)}`);
    }

    url = typeof values['url'] === 'string' ? values['url'] : (io.env[URL_ENV] || DEFAULT_WORKER_URL);
    let timeoutMs: number | undefined;
    if (typeof values['timeout'] === 'string') {
      timeoutMs = Number(values['timeout']);
      if (!/^\d+$/.test(values['timeout']) || timeoutMs <= 0) throw new UsageError(`--timeout ${values['timeout']} is not a positive number of milliseconds`);
    }
    let client: RestClient;
    try {
      client = new RestClient({ url, fetch: io.fetch, ...(timeoutMs === undefined ? {} : { timeoutMs }) });
    } catch {
      throw new UsageError(`worker URL ${JSON.stringify(url)} is not an http:// or https:// URL; pass e.g. --url ${DEFAULT_WORKER_URL}`);
    }

    const commandOptions: Record<string, string | boolean | undefined> = {};
    for (const name of Object.keys(own)) commandOptions[name] = values[name];
    const ctx: CommandContext = {
      args,
      options: commandOptions,
      client,
      json,
      print: out,
      show<T>(res: RestResponse<T>, human: (body: T | undefined) => string): void {
        if (json) {
          if (res.text.trim() !== '') out(typeof res.body === 'string' ? res.text : JSON.stringify(res.body, null, 2));
          return;
        }
        const text = human(res.body);
        if (text !== '') out(text);
      },
      readFile(path: string): string {
        try {
          return readFileSync(resolve(io.cwd ?? process.cwd(), path), 'utf8');
        } catch (e) {
          throw new UsageError(`cannot read ${path} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
        }
      },
    };
    await command.run(ctx);
    return EXIT_OK;
  } catch (e) {
    return report(e, { err, json, url, helpHint });
  }
}

function report(e: unknown, r: { err: (text: string) => void; json: boolean; url: string; helpHint: string }): number {
  if (e instanceof UsageError) {
    r.err(`tributary: ${e.message}\n${r.helpHint}`);
    return EXIT_USAGE;
  }
  if (e instanceof WorkerHttpError) {
    if (r.json && e.text.trim() !== '') {
      r.err(e.text.trim());
    } else {
      const code = typeof (e.body as { code?: unknown })?.code === 'string' ? `, ${(e.body as { code: string }).code}` : '';
      const lines = [`error (HTTP ${e.status}${code}): ${e.serverMessage}`];
      for (const f of e.fieldErrors) lines.push(`  ${f.name}: ${f.message}`);
      r.err(lines.join('\n'));
    }
    return EXIT_SERVER_ERROR;
  }
  if (e instanceof WorkerUnreachableError) {
    r.err(
      `error: cannot reach the Tributary worker at ${e.url} (${e.reason}).\n` +
        `Start one with scripts/run_worker.sh, or point --url or ${URL_ENV} at a running worker.`,
    );
    return EXIT_UNREACHABLE;
  }
  r.err(`tributary: unexpected error (a bug in the CLI; please report it): ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  return EXIT_SERVER_ERROR;
}

/** Runs the CLI on this process (used when the compiled file is executed directly). */
export async function runCli(): Promise<void> {
  process.exitCode = await main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, fetch: globalThis.fetch, env: process.env });
}

// `require` is undefined when a test imports this file as an ES module.
if (typeof require !== 'undefined' && require.main === module) void runCli();
