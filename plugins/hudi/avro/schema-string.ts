// Writes an Avro schema (parsed JSON) the way Avro Java's Schema.toString() does, because that is the string
// Hudi stores (commit extraMetadata.schema, the Parquet footer's parquet.avro.schema) and what Hudi's and
// Spark's own writers produce for the same schema: compact JSON; a named type's short name plus "namespace"
// only where it differs from the enclosing one; keys in Java's order (type, name, namespace, doc, fields /
// symbols / size, then other properties, then aliases); primitives with no properties as bare strings.
// The input must already be a valid schema (avsc parsed it); this module only formats.

const PRIMITIVES: ReadonlySet<string> = new Set(['null', 'boolean', 'int', 'long', 'float', 'double', 'bytes', 'string']);
// Attributes Avro Java treats as structure, not as properties, on a schema and on a field.
const SCHEMA_RESERVED: ReadonlySet<string> = new Set(['doc', 'fields', 'items', 'name', 'namespace', 'size', 'symbols', 'values', 'type', 'aliases', 'default']);
const FIELD_RESERVED: ReadonlySet<string> = new Set(['default', 'doc', 'name', 'order', 'type', 'aliases']);

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

/** Avro Java's Schema.toString() of `schema`. `namespace` is the enclosing namespace (none at the top). */
export function avroSchemaString(schema: unknown, namespace?: string): string {
  return write(schema as Json, namespace === '' ? undefined : namespace);
}

function write(s: Json, space: string | undefined): string {
  if (typeof s === 'string') return JSON.stringify(PRIMITIVES.has(s) ? s : qualified(fullName(s, undefined, space), space));
  if (Array.isArray(s)) return `[${s.map((b) => write(b, space)).join(',')}]`;
  if (s === null || typeof s !== 'object') throw new TypeError(`not an Avro schema: ${JSON.stringify(s)}`);
  const t = s['type'];
  if (typeof t !== 'string') return write(t ?? null, space);
  if (PRIMITIVES.has(t)) {
    const props = propsOf(s, SCHEMA_RESERVED);
    return props === '' ? JSON.stringify(t) : `{"type":${JSON.stringify(t)}${props}}`;
  }
  switch (t) {
    case 'record':
    case 'error': {
      const { head, inner } = named(s, t, space);
      const fields = (s['fields'] as JsonObject[]).map((f) => writeField(f, inner)).join(',');
      return `{${head}${doc(s)},"fields":[${fields}]${propsOf(s, SCHEMA_RESERVED)}${aliases(s)}}`;
    }
    case 'enum': {
      const { head } = named(s, t, space);
      const def = typeof s['default'] === 'string' ? `,"default":${JSON.stringify(s['default'])}` : '';
      return `{${head}${doc(s)},"symbols":${JSON.stringify(s['symbols'])}${def}${propsOf(s, SCHEMA_RESERVED)}${aliases(s)}}`;
    }
    case 'fixed': {
      const { head } = named(s, t, space);
      return `{${head}${doc(s)},"size":${JSON.stringify(s['size'])}${propsOf(s, SCHEMA_RESERVED)}${aliases(s)}}`;
    }
    case 'array':
      return `{"type":"array","items":${write(s['items'] as Json, space)}${propsOf(s, SCHEMA_RESERVED)}}`;
    case 'map':
      return `{"type":"map","values":${write(s['values'] as Json, space)}${propsOf(s, SCHEMA_RESERVED)}}`;
    default:
      // {"type": "SomeName"}: a reference to a named type defined earlier.
      return write(t, space);
  }
}

function writeField(f: JsonObject, space: string | undefined): string {
  let out = `{"name":${JSON.stringify(f['name'])},"type":${write(f['type'] as Json, space)}`;
  if (typeof f['doc'] === 'string') out += `,"doc":${JSON.stringify(f['doc'])}`;
  if (f['default'] !== undefined) out += `,"default":${JSON.stringify(f['default'])}`;
  if (typeof f['order'] === 'string' && f['order'] !== 'ascending') out += `,"order":${JSON.stringify(f['order'])}`;
  if (Array.isArray(f['aliases']) && f['aliases'].length > 0) out += `,"aliases":${JSON.stringify(f['aliases'])}`;
  return out + propsOf(f, FIELD_RESERVED) + '}';
}

/** "type", "name" and (where it differs from the enclosing one) "namespace"; `inner` is the namespace the
 *  type's own contents resolve against. */
function named(s: JsonObject, t: string, space: string | undefined): { head: string; inner: string | undefined } {
  const full = fullName(s['name'] as string, s['namespace'] as string | undefined, space);
  const dot = full.lastIndexOf('.');
  const own = dot < 0 ? undefined : full.slice(0, dot);
  const short = dot < 0 ? full : full.slice(dot + 1);
  let head = `"type":${JSON.stringify(t)},"name":${JSON.stringify(short)}`;
  if (own !== undefined) {
    if (own !== space) head += `,"namespace":${JSON.stringify(own)}`;
  } else if (space !== undefined) {
    // A name in the null namespace inside a namespaced record: Java says so explicitly.
    head += ',"namespace":""';
  }
  return { head, inner: own };
}

function fullName(name: string, namespace: string | undefined, space: string | undefined): string {
  if (name.includes('.')) return name;
  const ns = namespace !== undefined ? namespace : space;
  return ns === undefined || ns === '' ? name : `${ns}.${name}`;
}

/** Java's Name.getQualified: the short name when the type lives in the enclosing namespace. */
function qualified(full: string, space: string | undefined): string {
  const dot = full.lastIndexOf('.');
  if (dot < 0) return full;
  return full.slice(0, dot) === space ? full.slice(dot + 1) : full;
}

function doc(s: JsonObject): string {
  return typeof s['doc'] === 'string' ? `,"doc":${JSON.stringify(s['doc'])}` : '';
}

function aliases(s: JsonObject): string {
  return Array.isArray(s['aliases']) && s['aliases'].length > 0 ? `,"aliases":${JSON.stringify(s['aliases'])}` : '';
}

function propsOf(s: JsonObject, reserved: ReadonlySet<string>): string {
  let out = '';
  for (const key of Object.keys(s)) {
    if (!reserved.has(key) && s[key] !== undefined) out += `,${JSON.stringify(key)}:${JSON.stringify(s[key])}`;
  }
  return out;
}
