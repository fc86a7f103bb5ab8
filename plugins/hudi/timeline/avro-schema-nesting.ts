// Nests stand-alone record schemas into one, the way Avro's Schema.toString() prints a schema whose fields use them:
// a named type is defined at its first occurrence and referred to by name after it, and a nested type in its
// enclosing namespace drops its "namespace" key. Key order is kept, so the string equals the Java class schema.

import type { AvroJson } from './timeline-avro';

type JsonObject = { [key: string]: AvroJson };
const NAMED = new Set(['record', 'enum', 'fixed', 'error']);

/** The schema with repeated named types replaced by references and nested namespaces dropped. */
export function nestSchema(schema: AvroJson): AvroJson {
  const defined = new Set<string>();

  const walk = (s: AvroJson, ns: string | undefined): AvroJson => {
    if (s === null || typeof s !== 'object') return s;
    if (Array.isArray(s)) return s.map((x) => walk(x, ns));
    const type = s.type;
    if (typeof type === 'string' && NAMED.has(type)) {
      const name = s.name as string;
      const own = (s.namespace as string | undefined) ?? ns;
      const full = own ? `${own}.${name}` : name;
      if (defined.has(full)) return own === ns ? name : full;
      defined.add(full);
      const out: JsonObject = {};
      for (const [k, v] of Object.entries(s)) {
        if (k === 'namespace' && v === ns) continue;
        if (k === 'fields' && Array.isArray(v)) {
          out.fields = v.map((f) => {
            const field: JsonObject = {};
            for (const [fk, fv] of Object.entries(f as JsonObject)) field[fk] = fk === 'type' ? walk(fv, own) : fv;
            return field;
          });
        } else {
          out[k] = v;
        }
      }
      return out;
    }
    const out: JsonObject = {};
    for (const [k, v] of Object.entries(s)) out[k] = k === 'items' || k === 'values' || k === 'type' ? walk(v, ns) : v;
    return out;
  };

  return walk(schema, undefined);
}
