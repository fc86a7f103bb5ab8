// Whether a table written with one schema may continue with another, and how rows of older file slices read
// under the newer one. The rules are deliberately narrower than Avro's resolution rules: a change is accepted
// only when every reader of the table (Spark Hudi, hudi-rs, DuckDB on the Parquet files) reads older and newer
// files alike without special configuration.
//
// Rules apply at any depth (fields of nested records, array items, map values, union members), and every
// refusal names the field path ("customer.address.zip").
// Accepted:
//   - adding a field that is nullable (["null", T]) or has a default (older rows read it as null, or the
//     default where the writer rewrites them, as Hudi's merge does), also inside a nested record;
//   - reordering fields (columns are matched by name);
//   - Avro's promotions of top-level fields, which Hudi's schema compatibility check also allows: int → long,
//     float, double; long → float, double; float → double; string ↔ bytes (older files are read in the new type);
//     inside nested types they are refused, as Hudi 0.15's Spark reader cannot read them by default;
//   - making a required field nullable;
//   - adding enum symbols, adding members at the end of a union of several types; changing docs or defaults
//     of existing fields; renaming the record itself (noted).
// Refused (ConfigError naming each field path and why):
//   - removing a field (Hudi drops columns only with schema-on-read configuration; keep it nullable instead);
//   - renaming a field (older files would read it as a new, empty column);
//   - making a nullable field required (older rows may hold null);
//   - any other type change: logical type changes (timestamp-millis ↔ micros, decimal precision or scale),
//     enum ↔ string, bytes ↔ fixed, fixed size, record ↔ anything else, a type ↔ a union of several types,
//     removing or reordering union members (each member is its own Parquet column, member0, member1, …);
//   - removing enum symbols (older rows may hold them);
//   - a new required field without a default (older rows have no value for it).

import { ConfigError } from '../../../runtime/spi';
import { unionMemberName, type ColumnSpec, type ColumnType, type Row } from '../parquet/column-spec';
import { parseTableSchema, SCHEMA_CONFIG_KEY, type TableField, type TableSchema } from './table-schema';
import { describeExpected, type WireField, type WireSlot } from './value-converters';

export type EvolutionChangeKind = 'added' | 'promoted' | 'made-nullable' | 'enum-symbols-added' | 'union-members-added' | 'reordered' | 'record-renamed';

export interface EvolutionChange {
  kind: EvolutionChangeKind;
  /** The field path concerned ("customer.address.zip"); the record's name for 'record-renamed', '' for 'reordered'. */
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

  compareFields('', before.fields.map(slotOfField), after.fields.map(slotOfField), { problems, changes, warnings });

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

interface Findings {
  problems: string[];
  changes: EvolutionChange[];
  warnings: string[];
}

/** A field at any depth: a top-level TableField or a nested record's WireField, in one shape. */
function slotOfField(f: TableField): WireField {
  return { name: f.name, type: f.column.type, wire: f.wire, nullable: f.column.nullable, hasDefault: f.hasDefault, defaultValue: f.defaultValue, aliases: f.aliases };
}

/** Fields of a record (`prefix` "" for the table, "customer." inside customer) before and after. */
function compareFields(prefix: string, oldFields: readonly WireField[], newFields: readonly WireField[], out: Findings): void {
  const newByName = new Map(newFields.map((f) => [f.name, f]));
  const oldByName = new Map(oldFields.map((f) => [f.name, f]));
  for (const old of oldFields) {
    const path = prefix + old.name;
    const now = newByName.get(old.name);
    if (!now) {
      const renamedTo = newFields.find((f) => f.aliases.includes(old.name) || f.aliases.some((a) => a.endsWith(`.${old.name}`)));
      out.problems.push(
        renamedTo
          ? `field ${path} was renamed to ${prefix}${renamedTo.name}: renaming is not supported (readers match columns by name, so older files would read ${prefix}${renamedTo.name} as empty); keep ${old.name}`
          : `field ${path} was removed: dropping columns is not supported (Hudi drops them only with schema-on-read configuration); keep it, nullable with "default": null, and stop sending it`,
      );
      continue;
    }
    compareSlot(path, old, now, out);
  }
  for (const f of newFields) {
    if (oldByName.has(f.name)) continue;
    const path = prefix + f.name;
    if (!f.nullable && !f.hasDefault) {
      out.problems.push(`field ${path} is new and required without a default: older rows have no value for it; make it ["null", …] with "default": null, or give it a default`);
      continue;
    }
    out.changes.push({ kind: 'added', field: path, detail: f.hasDefault ? `default ${JSON.stringify(f.defaultValue instanceof Uint8Array ? '<bytes>' : f.defaultValue)}` : 'nullable' });
    if (f.nullable && !f.hasDefault) {
      out.warnings.push(`field ${path} is new and nullable but has no "default": null; Avro readers resolving older data need one, so add it`);
    }
  }
}

/** A value's place (field, items, values, member) before and after; records recurse into their fields. */
function compareSlot(path: string, old: WireSlot, now: WireSlot, out: Findings): void {
  const problem = (message: string) => out.problems.push(`field ${path}: ${message}`);
  if (old.nullable && !now.nullable) return void problem('was nullable and is now required, but older rows may hold null; keep it nullable');
  const from = old.type.kind;
  const to = now.type.kind;
  const nested = old.wire.avro === 'record' || old.wire.avro === 'array' || old.wire.avro === 'map' || old.wire.avro === 'union';
  if (old.wire.avro !== now.wire.avro && !isPromotion(from, to)) return void problem(`${describeSlot(old)} cannot become ${describeSlot(now)}: ${PROMOTIONS}`);
  if (nested) {
    if (old.wire.avro === 'record') compareFields(`${path}.`, old.wire.fields ?? [], now.wire.fields ?? [], out);
    else if (old.wire.avro === 'array') compareSlot(`${path}[]`, old.wire.element!, now.wire.element!, out);
    else if (old.wire.avro === 'map') compareSlot(`${path}{}`, old.wire.element!, now.wire.element!, out);
    else {
      const before = old.wire.members ?? [];
      const after = now.wire.members ?? [];
      if (after.length < before.length) return void problem(`union members were removed (${describeSlot(old)} → ${describeSlot(now)}), but older rows may hold them; keep them`);
      // Members are matched by position (member0, member1, … are Parquet columns): the same types, in order.
      before.forEach((m, i) => {
        if (describeSlot(m) !== describeSlot(after[i]!)) problem(`union member ${i} changed from ${describeSlot(m)} to ${describeSlot(after[i]!)}; add new types at the end of the union instead`);
        else compareSlot(`${path}.${unionMemberName(i)}`, m, after[i]!, out);
      });
      if (after.length > before.length) out.changes.push({ kind: 'union-members-added', field: path, detail: after.slice(before.length).map(describeSlot).join(', ') });
    }
  } else if (!sameColumnType(old.type, now.type) || old.wire.size !== now.wire.size) {
    if (!isPromotion(from, to)) return void problem(`${describeSlot(old)} cannot become ${describeSlot(now)}: ${PROMOTIONS}`);
    // Hudi 0.15's Spark reader refuses type changes inside nested types in its default (vectorized) mode.
    if (/[.[{]/.test(path)) return void problem(`${describeSlot(old)} cannot become ${describeSlot(now)} inside a nested type: Hudi 0.15's Spark reader refuses nested type changes ("cannot be read in vectorized mode"); promote top-level fields only`);
    out.changes.push({ kind: 'promoted', field: path, detail: `${from} → ${to}` });
  }
  if (old.wire.avro === 'enum' && now.wire.avro === 'enum') {
    const removed = (old.wire.symbols ?? []).filter((s) => !(now.wire.symbols ?? []).includes(s));
    if (removed.length > 0) return void problem(`enum symbols ${removed.join(', ')} were removed, but older rows may hold them; keep them`);
    const added = (now.wire.symbols ?? []).filter((s) => !(old.wire.symbols ?? []).includes(s));
    if (added.length > 0) out.changes.push({ kind: 'enum-symbols-added', field: path, detail: added.join(', ') });
  }
  if (!old.nullable && now.nullable) out.changes.push({ kind: 'made-nullable', field: path, detail: 'now nullable' });
}

const PROMOTIONS = 'Avro and Hudi allow only int → long, float or double, long → float or double, float → double and string ↔ bytes (other changes are not read back by every reader of older files)';

/** Avro's promotions (Avro's SchemaCompatibility, which Hudi's AvroSchemaCompatibility follows). */
function isPromotion(from: ColumnType['kind'], to: ColumnType['kind']): boolean {
  switch (from) {
    case 'int':
      return to === 'long' || to === 'float' || to === 'double';
    case 'long':
      return to === 'float' || to === 'double';
    case 'float':
      return to === 'double';
    case 'string':
      return to === 'bytes';
    case 'bytes':
      return to === 'string';
    default:
      return false;
  }
}

function sameColumnType(a: ColumnType, b: ColumnType): boolean {
  if (a.kind !== b.kind) return false;
  if (a.kind === 'decimal' && b.kind === 'decimal') return a.precision === b.precision && a.scale === b.scale;
  return true;
}

/** A type as messages show it: "int", "decimal(10,2)", "enum Status (A, B)", "record Address", "array of string". */
function describeSlot(slot: WireSlot): string {
  return describeExpected({ name: '', type: slot.type, nullable: false }, slot.wire);
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
      // Nested columns carry over as they are: decodeParquet reads nested evolution (new fields as null).
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
