// Turning request parts (bodies, query strings, path parameters) into the typed values the Herder takes.
// Every rejection is a BAD_REQUEST naming the offending value, so the mapper answers 400 and the caller
// can fix the request. Connector configs are string maps (as in Kafka and RocketMQ Connect): JSON numbers
// and booleans are accepted and stringified, since curl users write `"tasks.max": 2`.

import { restError } from './error-mapper';

/** Path segments that the RocketMQ dialect uses after `/connectors/`; a connector with such a name could
 *  not be addressed (`GET /connectors/list` lists connectors), so creating one is refused. */
export const RESERVED_CONNECTOR_NAMES: ReadonlySet<string> = new Set(['list']);

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function scalarToString(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'boolean') return String(value);
  return undefined;
}

/** A config map from JSON: strings as given, numbers and booleans stringified, arrays of those joined with
 *  `,` (list keys split on `,` or `;`). Nested objects and nulls are rejected naming the key. */
export function toConfigMap(value: unknown, what: string): Record<string, string> {
  if (!isPlainObject(value)) {
    throw restError('BAD_REQUEST', `${what} must be a JSON object of config keys to values, got ${describeJson(value)}`);
  }
  const out: Record<string, string> = {};
  for (const [key, v] of Object.entries(value)) {
    const scalar = scalarToString(v);
    if (scalar !== undefined) {
      out[key] = scalar;
      continue;
    }
    if (Array.isArray(v)) {
      const items = v.map(scalarToString);
      if (items.every((s): s is string => s !== undefined)) {
        out[key] = items.join(',');
        continue;
      }
    }
    throw restError('BAD_REQUEST', `config key ${JSON.stringify(key)} has a ${describeJson(v)} value; config values must be strings, numbers or booleans`);
  }
  return out;
}

/** Like toConfigMap, but `null` is kept: in a PATCH it removes the key. */
export function toConfigPatch(value: unknown, what: string): Record<string, string | null> {
  if (!isPlainObject(value)) {
    throw restError('BAD_REQUEST', `${what} must be a JSON object of config keys to values (null removes a key), got ${describeJson(value)}`);
  }
  const nonNull: Record<string, unknown> = {};
  const out: Record<string, string | null> = {};
  for (const [key, v] of Object.entries(value)) {
    if (v === null) out[key] = null;
    else nonNull[key] = v;
  }
  return { ...out, ...toConfigMap(nonNull, what) };
}

export function describeJson(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'missing';
  if (Array.isArray(value)) return 'array';
  return typeof value === 'object' ? 'object' : `${typeof value} (${JSON.stringify(value)})`;
}

/** Parses a JSON document given in a query parameter (RocketMQ's `?config=`). */
export function parseJsonParam(raw: string, param: string): unknown {
  if (raw.trim() === '') throw restError('BAD_REQUEST', `query parameter ${param} is empty; give a URL-encoded JSON object`);
  try {
    return JSON.parse(raw);
  } catch (err) {
    throw restError('BAD_REQUEST', `malformed JSON in query parameter ${param}: ${(err as Error).message}`);
  }
}

/** A single query parameter's value; repeated parameters are refused where only one makes sense. */
export function singleQuery(query: Record<string, unknown>, name: string): string | undefined {
  const v = query[name];
  if (v === undefined) return undefined;
  if (typeof v === 'string') return v;
  throw restError('BAD_REQUEST', `query parameter ${name} may be given only once`);
}

/** `true` / `false` (case-insensitive); an empty or absent parameter is `fallback`. */
export function booleanQuery(query: Record<string, unknown>, name: string, fallback: boolean): boolean {
  const v = singleQuery(query, name);
  if (v === undefined || v === '') return fallback;
  const t = v.trim().toLowerCase();
  if (t === 'true') return true;
  if (t === 'false') return false;
  throw restError('BAD_REQUEST', `query parameter ${name}=${JSON.stringify(v)} is not a boolean; use true or false`);
}

/** Task ids are non-negative integers. */
export function taskId(raw: string): number {
  if (/^\d+$/.test(raw)) {
    const n = Number(raw);
    if (Number.isSafeInteger(n)) return n;
  }
  throw restError('BAD_REQUEST', `task id ${JSON.stringify(raw)} is not a non-negative integer`);
}

/** Refuses names the routes cannot address; everything else is the herder's to validate. */
export function checkNewConnectorName(name: string): void {
  if (RESERVED_CONNECTOR_NAMES.has(name.toLowerCase())) {
    throw restError('BAD_REQUEST', `connector name ${JSON.stringify(name)} is reserved (GET /connectors/${name} lists connectors); choose another name`);
  }
}

/** A config's own `name`, if present, must be the connector's name; absent, it is filled in (as Kafka does). */
export function withName(name: string, config: Record<string, string>): Record<string, string> {
  if (config.name !== undefined && config.name !== name) {
    throw restError('BAD_REQUEST', `config key name=${JSON.stringify(config.name)} does not match the connector name ${JSON.stringify(name)}; drop the key or make them equal`);
  }
  return { ...config, name };
}

/** A path parameter, typed for strict mode (express types params loosely). */
export function pathParam(params: Record<string, string | string[] | undefined>, name: string): string {
  const v = params[name];
  if (typeof v === 'string') return v;
  // Only named single-segment parameters are used, so anything else is a routing bug.
  throw new Error(`route has no path parameter ${name}`);
}
