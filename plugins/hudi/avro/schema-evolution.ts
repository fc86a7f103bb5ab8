// Whether a table written with one schema may continue with another, and how rows of older file slices read
// under the newer one. The rules are deliberately narrower than Avro's resolution rules: a change is accepted
// only when every reader of the table (Spark Hudi, hudi-rs, DuckDB on the Parquet files) reads older and newer
// files alike without special configuration.
//
// Accepted:
//   - adding a field that is nullable (["null", T]) or has a default (older rows read it as null, or the
//     default where the writer rewrites them, as Hudi's merge does);
//   - reordering fields (columns are matched by name);
//   - promoting int → long and float → double (the same JS value; Parquet readers widen them);
//   - making a required field nullable;
//   - adding enum symbols; changing docs or defaults of existing fields; renaming the record itself (noted).
// Refused (ConfigError naming each field and why):
//   - removing a field (Hudi drops columns only with schema-on-read configuration; keep it nullable instead);
//   - renaming a field (older files would read it as a new, empty column);
//   - making a nullable field required (older rows may hold null);
//   - any other type change: other promotions (int → double, long → float, string ↔ bytes, …) that some
//     Parquet readers of older files reject, logical type changes (timestamp-millis ↔ micros, decimal
//     precision or scale), enum ↔ string, bytes ↔ fixed, fixed size;
//   - removing enum symbols (older rows may hold them);
//   - a new required field without a default (older rows have no value for it).

import { ConfigError } from '../../../runtime/spi';
import type { ColumnSpec, ColumnType, Row } from '../parquet/column-spec';
import { parseTableSchema, SCHEMA_CONFIG_KEY, type TableField, type TableSchema } from './table-schema';

export type EvolutionChangeKind = 'added' | 'promoted' | 'made-nullable' | 'enum-symbols-added' | 'reordered' | 'record-renamed';

export interface EvolutionChange {
  kind: EvolutionChangeKind;
  /** The field concerned; the record's name for 'record-renamed', '' for 'reordered'. */
  field: string;
  detail: string;
}

export interface EvolutionResult {
  /** The table's columns from now on: the new schema's, in its order. */
  columns: ColumnSpec[];
  /** The new schema, parsed (its defaults fill new columns of older rows, see createRowProjector). */
  schema: TableSchema;
  changes: EvolutionChange[];
  /** Accepted but worth a log line, e.g. a new nullable field without "default": null. */
  warnings: string[];
}

/**
 * Checks that a table whose current schema is `oldSchemaJson` (its last commit's extraMetadata.schema) may be
 * written with `newSchemaJson`. Returns the evolved columns, or throws ConfigError listing every refused change.
 * Hudi meta fields in either schema are ignored (some writers record them in the commit schema).
 */
export function checkEvolution(oldSchemaJson: string, newSchemaJson: string): EvolutionResult {
  const before = parseTableSchema(oldSchemaJson, { source: "the table's current schema", stripHoodieMetaFields: true });
  const after = parseTableSchema(newSchemaJson, { source: 'the new schema', stripHoodieMetaFields: true });
  const problems: string[] = [];
  const changes: EvolutionChange[] = [];
  const warnings: string[] = [];
  const newByName = new Map(after.fields.map((f) => [f.name, f]));
  const oldByName = new Map(before.fields.map((f) => [f.name, f]));

  for (const old of before.fields) {
    const now = newByName.get(old.name);
    if (!now) {
      const renamedTo = after.fields.find((f) => f.aliases.includes(old.name) || f.aliases.some((a) => a.endsWith(`.${old.name}`)));
      problems.push(
        renamedTo
          ? `field ${old.name} was renamed to ${renamedTo.name}: renaming is not supported (readers match columns by name, so older files would read ${renamedTo.name} as empty); keep ${old.name}`
          : `field ${old.name} was removed: dropping columns is not supported (Hudi drops them only with schema-on-read configuration); keep it, nullable with "default": null, and stop sending it`,
      );
      continue;
    }
    const problem = compareField(old, now, changes);
    if (problem) problems.push(`field ${old.name}: ${problem}`);
  }

  for (const f of after.fields) {
    if (oldByName.has(f.name)) continue;
    if (!f.column.nullable && !f.hasDefault) {
      problems.push(`field ${f.name} is new and required without a default: older rows have no value for it; make it ["null", …] with "default": null, or give it a default`);
      continue;
    }
    changes.push({ kind: 'added', field: f.name, detail: f.hasDefault ? `default ${JSON.stringify(f.defaultValue instanceof Uint8Array ? '<bytes>' : f.defaultValue)}` : 'nullable' });
    if (f.column.nullable && !f.hasDefault) {
      warnings.push(`field ${f.name} is new and nullable but has no "default": null; Avro readers resolving older data need one, so add it`);
    }
  }

  if (problems.length > 0) throw new ConfigError(problems.map((message) => ({ name: SCHEMA_CONFIG_KEY, message })), 'Incompatible schema change');

  const common = (fields: readonly TableField[], other: Map<string, TableField>): string[] => fields.filter((f) => other.has(f.name)).map((f) => f.name);
  const oldOrder = common(before.fields, newByName);
  const newOrder = common(after.fields, oldByName);
  if (oldOrder.some((n, i) => newOrder[i] !== n)) changes.push({ kind: 'reordered', field: '', detail: newOrder.join(', ') });
  if (before.name !== after.name) {
    changes.push({ kind: 'record-renamed', field: after.name, detail: `from ${before.name}` });
    warnings.push(`the record was renamed from ${before.name} to ${after.name}; Avro readers that resolve by name need "aliases": ["${before.name}"]`);
  }
  return { columns: [...after.columns], schema: after, changes, warnings };
}

/** The problem with changing `old` into `now`, or undefined when accepted (recording the change). */
function compareField(old: TableField, now: TableField, changes: EvolutionChange[]): string | undefined {
  if (old.column.nullable && !now.column.nullable) return 'was nullable and is now required, but older rows may hold null; keep it nullable';
  const promotion = promotionOf(old, now);
  if (promotion === undefined) {
    return `type changed from ${describeType(old)} to ${describeType(now)}: only int → long and float → double promotions are allowed (other changes are not read back by every Parquet reader of older files)`;
  }
  if (promotion !== '') changes.push({ kind: 'promoted', field: old.name, detail: promotion });
  if (old.wire.avro === 'enum') {
    const removed = (old.wire.symbols ?? []).filter((s) => !(now.wire.symbols ?? []).includes(s));
    if (removed.length > 0) return `enum symbols ${removed.join(', ')} were removed, but older rows may hold them; keep them`;
    const added = (now.wire.symbols ?? []).filter((s) => !(old.wire.symbols ?? []).includes(s));
    if (added.length > 0) changes.push({ kind: 'enum-symbols-added', field: old.name, detail: added.join(', ') });
  }
  if (!old.column.nullable && now.column.nullable) changes.push({ kind: 'made-nullable', field: old.name, detail: 'now nullable' });
  return undefined;
}

/** '' for the same type, "int → long" for an allowed promotion, undefined for a refused change. */
function promotionOf(old: TableField, now: TableField): string | undefined {
  if (sameColumnType(old.column.type, now.column.type) && old.wire.avro === now.wire.avro && old.wire.size === now.wire.size) return '';
  const from = old.column.type.kind;
  const to = now.column.type.kind;
  if ((from === 'int' && to === 'long') || (from === 'float' && to === 'double')) return `${from} → ${to}`;
  return undefined;
}

function sameColumnType(a: ColumnType, b: ColumnType): boolean {
  if (a.kind !== b.kind) return false;
  if (a.kind === 'decimal' && b.kind === 'decimal') return a.precision === b.precision && a.scale === b.scale;
  return true;
}

function describeType(f: TableField): string {
  return f.expected.replace(/ or null$/, '');
}

/**
 * A function that reads a row written with `fromColumns` as a row of `toColumns` (the evolved schema): columns
 * the older row lacks get `defaults[name]` when given (what Hudi's merge writes when it rewrites older rows),
 * else null (what readers of the untouched older files see). Throws ConfigError when a column cannot be carried
 * over (a change checkEvolution refuses).
 */
export function createRowProjector(fromColumns: readonly ColumnSpec[], toColumns: readonly ColumnSpec[], defaults: Readonly<Row> = {}): (row: Row) => Row {
  const from = new Map(fromColumns.map((c) => [c.name, c]));
  const problems: string[] = [];
  const plan = toColumns.map((c) => {
    const src = from.get(c.name);
    if (src) {
      const sameType = sameColumnType(src.type, c.type);
      const widened = (src.type.kind === 'int' && c.type.kind === 'long') || (src.type.kind === 'float' && c.type.kind === 'double');
      if (!sameType && !widened) problems.push(`column ${c.name}: ${src.type.kind} cannot be read as ${c.type.kind}`);
      if (src.nullable && !c.nullable) problems.push(`column ${c.name}: nullable values cannot be read as required`);
      // int → long and float → double hold the same JS number: a plain copy.
      return { name: c.name, copy: true, fill: null as unknown, special: c.name in Object.prototype };
    }
    const has = Object.hasOwn(defaults, c.name);
    if (!has && !c.nullable) problems.push(`column ${c.name}: new, required, and no default given`);
    return { name: c.name, copy: false, fill: has ? defaults[c.name] : null, special: c.name in Object.prototype };
  });
  if (problems.length > 0) throw new ConfigError(problems.map((message) => ({ name: SCHEMA_CONFIG_KEY, message })), 'Cannot project rows');
  return (row) => {
    const out: Row = {};
    for (const p of plan) {
      const v = p.copy ? (p.special ? (Object.hasOwn(row, p.name) ? Object.getOwnPropertyDescriptor(row, p.name)?.value : undefined) : row[p.name]) : undefined;
      const value = v === undefined ? (p.copy ? null : p.fill) : v;
      // A column named like an Object.prototype member ("__proto__") must stay an own data property.
      if (p.special) Object.defineProperty(out, p.name, { value, enumerable: true, writable: true, configurable: true });
      else out[p.name] = value;
    }
    return out;
  };
}

/** One row read with the evolved columns; for many rows, make one projector with createRowProjector. */
export function projectRow(row: Row, fromColumns: readonly ColumnSpec[], toColumns: readonly ColumnSpec[], defaults?: Readonly<Row>): Row {
  return createRowProjector(fromColumns, toColumns, defaults)(row);
}
