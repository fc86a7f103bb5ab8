// Turns what a user types or points at into the bodies the REST API expects, so nobody has to write or
// URL-encode JSON by hand: `key=value` arguments, JSON files (a flat map or `{name, config}` as
// `connectors get --json` prints it), and Java-properties files (`.properties`, `.conf`). Invariant: every
// config value sent is a string, exactly as typed; anything ambiguous is a UsageError naming the culprit.

import { extname } from 'node:path';
import type { ConnectorOffsets } from '../herder/herder';
import { ConfigError } from '../spi';
import { parseProperties, propertiesToMap } from '../config/properties';
import { UsageError } from './command';

const PROPERTIES_EXTENSIONS = new Set(['.properties', '.conf']);

/** `key=value` arguments (split at the first `=`; the value may contain more `=` or be empty). */
export function parseKeyValueArgs(args: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const arg of args) {
    const eq = arg.indexOf('=');
    if (eq <= 0) throw new UsageError(`argument ${JSON.stringify(arg)} is not key=value; write e.g. connector.class=file-source (or use --file)`);
    const key = arg.slice(0, eq);
    if (key in out) throw new UsageError(`key ${key} is given twice on the command line; keep one`);
    out[key] = arg.slice(eq + 1);
  }
  return out;
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function parseJson(path: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new UsageError(`${path} is not valid JSON (${(err as Error).message}); give a JSON file, or a .properties / .conf file`);
  }
}

function toStringMap(path: string, value: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) {
    if (typeof v === 'string') out[k] = v;
    // Numbers and booleans are what people naturally write in JSON; config values are strings on the wire.
    else if (typeof v === 'number' || typeof v === 'boolean') out[k] = String(v);
    else throw new UsageError(`${path}: value of ${k} must be a string, number or boolean, got ${v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v}`);
  }
  return out;
}

/**
 * A connector config from a file: properties by extension (`.properties`, `.conf`), otherwise JSON, either
 * a flat map of keys to values or `{name, config: {...}}` (extra `tasks` and `type`, as `get` prints them,
 * are ignored).
 */
export function configFromFile(path: string, text: string): { name?: string; config: Record<string, string> } {
  if (PROPERTIES_EXTENSIONS.has(extname(path).toLowerCase())) {
    try {
      return { config: propertiesToMap(parseProperties(text, { source: path })) };
    } catch (err) {
      if (err instanceof ConfigError) throw new UsageError(err.message);
      throw err;
    }
  }
  const value = parseJson(path, text);
  if (!isObject(value)) throw new UsageError(`${path} must hold a JSON object of config keys to values, or {"name": ..., "config": {...}}`);
  if (!isObject(value['config'])) return { config: toStringMap(path, value) };
  const extra = Object.keys(value).filter((k) => !['name', 'config', 'tasks', 'type'].includes(k));
  if (extra.length > 0) throw new UsageError(`${path} mixes "config" with top-level keys ${extra.join(', ')}; put every key inside "config"`);
  const name = value['name'];
  if (name !== undefined && typeof name !== 'string') throw new UsageError(`${path}: "name" must be a string`);
  return { ...(name === undefined ? {} : { name }), config: toStringMap(`${path} "config"`, value['config']) };
}

/** An offsets body from a JSON file: `{offsets: [...]}` (as `offsets get --json` prints it) or the bare array. */
export function offsetsFromFile(path: string, text: string): ConnectorOffsets {
  const value = parseJson(path, text);
  const list = Array.isArray(value) ? value : isObject(value) ? value['offsets'] : undefined;
  if (!Array.isArray(list)) throw new UsageError(`${path} must hold {"offsets": [{"partition": {...}, "offset": {...}}, ...]}`);
  for (const [i, entry] of list.entries()) {
    if (!isObject(entry) || !isObject(entry['partition'])) throw new UsageError(`${path}: offsets[${i}] needs a "partition" object and an "offset" (object, or null to remove)`);
  }
  return { offsets: list as ConnectorOffsets['offsets'] };
}
