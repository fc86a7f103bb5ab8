// Where rocketmq-sink takes a message's tag, keys or message group from: a field of the record value (a struct
// or map, nested with dots) or a record header. Syntax: `header:NAME`, `value:PATH`, or a bare PATH (a value
// field). A value field named with dots is found under that exact name first, then as a nested path.

import type { SinkRecord } from '../../runtime/spi';

export type FieldRef = { kind: 'header'; name: string; text: string } | { kind: 'value'; path: string[]; text: string };

export function parseFieldRef(text: string): { ref: FieldRef } | { error: string } {
  const t = text.trim();
  const bad = (why: string) => ({ error: `${JSON.stringify(text)} ${why}; write a value field (e.g. tag, or customer.id for a nested one), value:FIELD, or header:NAME` });
  if (t === '') return bad('is empty');
  if (t.startsWith('header:')) {
    const name = t.slice('header:'.length);
    return name === '' ? bad('names no header') : { ref: { kind: 'header', name, text: t } };
  }
  const path = t.startsWith('value:') ? t.slice('value:'.length) : t;
  if (path === '') return bad('names no field');
  const parts = path.split('.');
  if (parts.some((p) => p === '')) return bad('has an empty path segment');
  return { ref: { kind: 'value', path: parts, text: t } };
}

/** The referenced value, or undefined when the record has none (missing field, null, non-struct value). */
export function extractField(record: SinkRecord, ref: FieldRef): unknown {
  if (ref.kind === 'header') return record.headers?.[ref.name];
  const whole = member(record.value, ref.path.join('.'));
  if (whole !== undefined || ref.path.length === 1) return whole;
  let cur: unknown = record.value;
  for (const p of ref.path) {
    cur = member(cur, p);
    if (cur === undefined) return undefined;
  }
  return cur;
}

function member(container: unknown, name: string): unknown {
  if (container instanceof Map) return nullToUndefined(container.get(name));
  if (container !== null && typeof container === 'object' && !Array.isArray(container) && !Buffer.isBuffer(container)) {
    return Object.prototype.hasOwnProperty.call(container, name) ? nullToUndefined((container as Record<string, unknown>)[name]) : undefined;
  }
  return undefined;
}

function nullToUndefined(v: unknown): unknown {
  return v === null ? undefined : v;
}
