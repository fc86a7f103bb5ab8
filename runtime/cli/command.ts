// What a CLI command is: an entry of the command table (words, arguments, options, help, run). Adding a
// command means adding one CommandSpec; parsing, `--help`, option checking and exit codes are shared.
// Commands report bad input by throwing UsageError (exit 2); server and connection errors come from the
// RestClient and are mapped to exit codes by the dispatcher.

import { ConnectError } from '../spi';
import type { RestClient, RestResponse } from './rest-client';

export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  /** Shown in help, e.g. `<file>`. */
  valueName?: string;
  description: string;
}

export interface CommandContext {
  /** Positional arguments after the command words. */
  args: string[];
  /** Values of the options this command declared (global ones excluded). */
  options: Record<string, string | boolean | undefined>;
  client: RestClient;
  /** `--json`: print the server's JSON instead of the human view. */
  json: boolean;
  /** Writes one block of text to stdout (a newline is added). */
  print(text: string): void;
  /** Prints the response body as JSON under `--json`, otherwise `human(body)` (nothing if it returns ''). */
  show<T>(res: RestResponse<T>, human: (body: T | undefined) => string): void;
  /** Reads a file named on the command line, relative to the current directory; UsageError if unreadable. */
  readFile(path: string): string;
}

export interface CommandSpec {
  /** Command words, e.g. ['connectors', 'create']. */
  path: string[];
  /** Arguments after the words, for help, e.g. `<name> [key=value ...]`. */
  usage: string;
  summary: string;
  /** Longer help text: what the command sends and how to use it. */
  details?: string;
  options?: Record<string, OptionSpec>;
  /** Number of positional arguments accepted. */
  args: { min: number; max?: number };
  run(ctx: CommandContext): Promise<void>;
}

/** Wrong use of the command line: unknown command or option, missing or malformed argument, unreadable file. */
export class UsageError extends ConnectError {
  constructor(message: string) {
    super('BAD_REQUEST', message);
    this.name = 'UsageError';
  }
}
