import { describe, expect, it } from 'vitest';
import type { ColumnSpec } from '../../../../../plugins/hudi/parquet/column-spec';
import { checkEvolution, createRowProjector, projectRow } from '../../../../../plugins/hudi/avro/schema-evolution';

type Field = Record<string, unknown>;

const BASE: Field[] = [
  { name: 'id', type: 'string' },
  { name: 'count', type: 'int' },
  { name: 'ratio', type: 'float' },
  { name: 'note', type: ['null', 'string'], default: null },
  { name: 'status', type: { type: 'enum', name: 'Status', symbols: ['A', 'B'] } },
  { name: 'at', type: { type: 'long', logicalType: 'timestamp-millis' } },
  { name: 'price', type: { type: 'bytes', logicalType: 'decimal', precision: 10, scale: 2 } },
];

const schema = (fields: Field[], name = 'T'): string => JSON.stringify({ type: 'record', name, namespace: 'ns', fields });
const OLD = schema(BASE);
const replace = (name: string, field: Field): Field[] => BASE.map((f) => (f['name'] === name ? field : f));

/** The ConfigError messages of a refused evolution. */
function refusals(newSchema: string, oldSchema = OLD): string[] {
  try {
    checkEvolution(oldSchema, newSchema);
  } catch (e) {
    expect((e as { code?: string }).code).toBe('CONFIG_INVALID');
    expect((e as Error).message).toMatch(/^Incompatible schema change: /);
    return (e as { errors: { name: string; message: string }[] }).errors.map((x) => {
      expect(x.name).toBe('schemaPath');
      return x.message;
    });
  }
  throw new Error('expected checkEvolution to refuse');
}

describe('schema evolution', () => {
  it('checkEvolution the same schema is accepted with no changes', () => {
    const r = checkEvolution(OLD, OLD);
    expect(r.changes).toEqual([]);
    expect(r.warnings).toEqual([]);
    expect(r.columns.map((c) => c.name)).toEqual(BASE.map((f) => f['name']));
  });

  it('checkEvolution adding a nullable field or a field with a default is accepted', () => {
    const r = checkEvolution(OLD, schema([...BASE, { name: 'tip', type: ['null', 'double'], default: null }, { name: 'qty', type: 'int', default: 1 }]));
    expect(r.changes).toEqual([
      { kind: 'added', field: 'tip', detail: 'default null' },
      { kind: 'added', field: 'qty', detail: 'default 1' },
    ]);
    expect(r.columns.slice(-2)).toEqual([
      { name: 'tip', type: { kind: 'double' }, nullable: true },
      { name: 'qty', type: { kind: 'int' }, nullable: false, default: 1 },
    ]);
    expect(r.schema.defaults).toMatchObject({ tip: null, qty: 1 });
  });

  it('checkEvolution adding a nullable field without default is accepted with a warning', () => {
    const r = checkEvolution(OLD, schema([...BASE, { name: 'tip', type: ['double', 'null'] }]));
    expect(r.changes).toEqual([{ kind: 'added', field: 'tip', detail: 'nullable' }]);
    expect(r.warnings).toEqual(['field tip is new and nullable but has no "default": null; Avro readers resolving older data need one, so add it']);
  });

  it('checkEvolution reordering, int to long, float to double, required to nullable and new enum symbols are accepted', () => {
    const fields = [...BASE].reverse().map((f) => {
      if (f['name'] === 'count') return { name: 'count', type: 'long' };
      if (f['name'] === 'ratio') return { name: 'ratio', type: 'double' };
      if (f['name'] === 'id') return { name: 'id', type: ['null', 'string'], default: null };
      if (f['name'] === 'status') return { name: 'status', type: { type: 'enum', name: 'Status', symbols: ['A', 'B', 'C'] } };
      return f;
    });
    const r = checkEvolution(OLD, schema(fields));
    expect(r.changes).toEqual([
      { kind: 'made-nullable', field: 'id', detail: 'now nullable' },
      { kind: 'promoted', field: 'count', detail: 'int → long' },
      { kind: 'promoted', field: 'ratio', detail: 'float → double' },
      { kind: 'enum-symbols-added', field: 'status', detail: 'C' },
      { kind: 'reordered', field: '', detail: 'price, at, status, note, ratio, count, id' },
    ]);
    expect(r.columns[0]).toEqual({ name: 'price', type: { kind: 'decimal', precision: 10, scale: 2 }, nullable: false });
  });

  it('checkEvolution renaming the record is accepted with a warning', () => {
    const r = checkEvolution(OLD, schema(BASE, 'T2'));
    expect(r.changes).toEqual([{ kind: 'record-renamed', field: 'ns.T2', detail: 'from ns.T' }]);
    expect(r.warnings[0]).toContain('the record was renamed from ns.T to ns.T2');
  });

  it('checkEvolution ignores Hudi meta fields recorded in the old schema', () => {
    const withMeta = schema([{ name: '_hoodie_commit_time', type: ['null', 'string'], doc: '', default: null }, ...BASE]);
    expect(checkEvolution(withMeta, OLD).changes).toEqual([]);
  });

  it('checkEvolution removing a field is refused', () => {
    expect(refusals(schema(BASE.filter((f) => f['name'] !== 'note')))).toEqual([
      'field note was removed: dropping columns is not supported (Hudi drops them only with schema-on-read configuration); keep it, nullable with "default": null, and stop sending it',
    ]);
  });

  it('checkEvolution renaming a field is refused', () => {
    expect(refusals(schema(replace('note', { name: 'remark', aliases: ['note'], type: ['null', 'string'], default: null })))).toEqual([
      'field note was renamed to remark: renaming is not supported (readers match columns by name, so older files would read remark as empty); keep note',
    ]);
  });

  it('checkEvolution making a nullable field required is refused', () => {
    expect(refusals(schema(replace('note', { name: 'note', type: 'string', default: '' })))).toEqual([
      'field note: was nullable and is now required, but older rows may hold null; keep it nullable',
    ]);
  });

  it('checkEvolution incompatible type changes are refused naming both types', () => {
    const only = ' Avro and Hudi allow only int → long, float or double, long → float or double, float → double and string ↔ bytes (other changes are not read back by every reader of older files)';
    expect(refusals(schema(replace('count', { name: 'count', type: 'string' })))).toEqual([`field count: int cannot become string:${only}`]);
    expect(refusals(schema(replace('id', { name: 'id', type: 'int' })))).toEqual([`field id: string cannot become int:${only}`]);
    expect(refusals(schema(replace('at', { name: 'at', type: { type: 'long', logicalType: 'timestamp-micros' } })))).toEqual([`field at: timestamp-millis cannot become timestamp-micros:${only}`]);
    expect(refusals(schema(replace('at', { name: 'at', type: 'long' })))).toEqual([`field at: timestamp-millis cannot become long:${only}`]);
    expect(refusals(schema(replace('price', { name: 'price', type: { type: 'bytes', logicalType: 'decimal', precision: 12, scale: 2 } })))).toEqual([
      `field price: decimal(10,2) cannot become decimal(12,2):${only}`,
    ]);
    expect(refusals(schema(replace('status', { name: 'status', type: 'string' })))).toEqual([`field status: enum Status (A, B) cannot become string:${only}`]);
    expect(refusals(schema(replace('ratio', { name: 'ratio', type: 'long' })))).toEqual([`field ratio: float cannot become long:${only}`]);
  });

  it('checkEvolution Avro promotions int → double, int → float, long → double and string ↔ bytes are accepted', () => {
    const r = checkEvolution(OLD, schema(replace('count', { name: 'count', type: 'double' }).map((f) => (f['name'] === 'id' ? { name: 'id', type: 'bytes' } : f))));
    expect(r.changes).toEqual([
      { kind: 'promoted', field: 'id', detail: 'string → bytes' },
      { kind: 'promoted', field: 'count', detail: 'int → double' },
    ]);
    const longs = schema([{ name: 'n', type: 'long' }, { name: 'b', type: 'bytes' }]);
    expect(checkEvolution(longs, schema([{ name: 'n', type: 'float' }, { name: 'b', type: 'string' }])).changes).toEqual([
      { kind: 'promoted', field: 'n', detail: 'long → float' },
      { kind: 'promoted', field: 'b', detail: 'bytes → string' },
    ]);
  });

  it('checkEvolution removing enum symbols is refused', () => {
    expect(refusals(schema(replace('status', { name: 'status', type: { type: 'enum', name: 'Status', symbols: ['B'] } })))).toEqual([
      'field status: enum symbols A were removed, but older rows may hold them; keep them',
    ]);
  });

  it('checkEvolution a new required field without default is refused', () => {
    expect(refusals(schema([...BASE, { name: 'qty', type: 'int' }]))).toEqual([
      'field qty is new and required without a default: older rows have no value for it; make it ["null", …] with "default": null, or give it a default',
    ]);
  });

  it('checkEvolution reports every refused change at once', () => {
    const fields = BASE.filter((f) => f['name'] !== 'id').map((f) => (f['name'] === 'count' ? { name: 'count', type: 'string' } : f));
    expect(refusals(schema([...fields, { name: 'qty', type: 'int' }]))).toHaveLength(3);
  });

  it('checkEvolution an unsupported new schema is refused by the table schema rules', () => {
    expect(() => checkEvolution(OLD, schema([...BASE, { name: 'tags', type: { type: 'array', items: { type: 'long', logicalType: 'timestamp-nanos' } } }]))).toThrow('field tags[]: logicalType timestamp-nanos is not supported yet in the new schema');
  });

  const FROM: ColumnSpec[] = [
    { name: 'id', type: { kind: 'string' }, nullable: false },
    { name: 'count', type: { kind: 'int' }, nullable: false },
  ];
  const TO: ColumnSpec[] = [
    { name: 'tip', type: { kind: 'double' }, nullable: true },
    { name: 'count', type: { kind: 'long' }, nullable: false },
    { name: 'id', type: { kind: 'string' }, nullable: true },
    { name: 'qty', type: { kind: 'int' }, nullable: false },
  ];

  it('projectRow older rows read with the new columns get null or the default', () => {
    expect(projectRow({ id: 'a', count: 3 }, FROM, TO, { qty: 1 })).toEqual({ tip: null, count: 3, id: 'a', qty: 1 });
    expect(Object.keys(projectRow({ id: 'a', count: 3 }, FROM, TO, { qty: 1 }))).toEqual(['tip', 'count', 'id', 'qty']);
    expect(projectRow({ id: 'a', count: 3 }, FROM, TO.slice(0, 3))).toEqual({ tip: null, count: 3, id: 'a' });
  });

  it('createRowProjector refuses columns that cannot be carried over', () => {
    expect(() => createRowProjector(FROM, TO)).toThrow('column qty: new, required, and no default given');
    expect(() => createRowProjector(FROM, [{ name: 'count', type: { kind: 'string' }, nullable: false }])).toThrow('column count: int cannot be read as string');
    expect(() => createRowProjector([{ name: 'id', type: { kind: 'string' }, nullable: true }], [{ name: 'id', type: { kind: 'string' }, nullable: false }])).toThrow(
      'column id: nullable values cannot be read as required',
    );
  });

  it('createRowProjector applies one plan to many rows', () => {
    const project = createRowProjector(FROM, TO.slice(1), { qty: 0 });
    expect([{ id: 'a', count: 1 }, { id: 'b', count: 2 }].map(project)).toEqual([
      { count: 1, id: 'a', qty: 0 },
      { count: 2, id: 'b', qty: 0 },
    ]);
  });
});

describe('schema evolution of nested types', () => {
  const address = (fields: Field[]) => ({ type: 'record', name: 'Address', fields });
  const customer = (addressFields: Field[], extra: Field[] = []) => ({
    name: 'customer',
    type: ['null', { type: 'record', name: 'Customer', fields: [{ name: 'name', type: 'string' }, { name: 'address', type: address(addressFields) }, ...extra] }],
    default: null,
  });
  const ZIP: Field = { name: 'zip', type: 'int' };
  const nested = (fields: Field[]) => schema([{ name: 'id', type: 'string' }, ...fields]);
  const V1 = nested([customer([ZIP]), { name: 'lines', type: { type: 'array', items: { type: 'record', name: 'Line', fields: [{ name: 'qty', type: 'int' }] } } }, { name: 'm', type: { type: 'map', values: 'float' } }, { name: 'u', type: ['int', 'string'] }]);

  it('checkEvolution new nullable or defaulted fields inside nested records and new union members are accepted', () => {
    const v2 = nested([
      customer([ZIP, { name: 'city', type: ['null', 'string'], default: null }], [{ name: 'vip', type: 'boolean', default: false }]),
      { name: 'lines', type: { type: 'array', items: { type: 'record', name: 'Line', fields: [{ name: 'qty', type: 'int' }, { name: 'note', type: ['null', 'string'], default: null }] } } },
      { name: 'm', type: { type: 'map', values: 'float' } },
      { name: 'u', type: ['int', 'string', 'boolean'] },
    ]);
    expect(checkEvolution(V1, v2).changes).toEqual([
      { kind: 'added', field: 'customer.address.city', detail: 'default null' },
      { kind: 'added', field: 'customer.vip', detail: 'default false' },
      { kind: 'added', field: 'lines[].note', detail: 'default null' },
      { kind: 'union-members-added', field: 'u', detail: 'boolean' },
    ]);
  });

  it('checkEvolution promotions inside nested types are refused (Hudi 0.15 Spark cannot read them)', () => {
    const v2 = nested([customer([{ name: 'zip', type: 'long' }]), { name: 'lines', type: { type: 'array', items: { type: 'record', name: 'Line', fields: [{ name: 'qty', type: 'int' }] } } }, { name: 'm', type: { type: 'map', values: 'double' } }, { name: 'u', type: ['int', 'string'] }]);
    const nestedOnly = ' inside a nested type: Hudi 0.15\'s Spark reader refuses nested type changes ("cannot be read in vectorized mode"); promote top-level fields only';
    expect(refusals(v2, V1)).toEqual([`field customer.address.zip: int cannot become long${nestedOnly}`, `field m{}: float cannot become double${nestedOnly}`]);
  });

  it('checkEvolution refusals inside nested types name the field path', () => {
    const v2 = nested([
      customer([{ name: 'zip', type: 'string' }, { name: 'city', type: 'string' }]),
      { name: 'lines', type: { type: 'array', items: { type: 'record', name: 'Line', fields: [{ name: 'sku', type: 'string', default: '' }] } } },
      { name: 'm', type: { type: 'map', values: ['null', 'float'] } },
      { name: 'u', type: ['string', 'int'] },
    ]);
    const only = ': Avro and Hudi allow only int → long, float or double, long → float or double, float → double and string ↔ bytes (other changes are not read back by every reader of older files)';
    expect(refusals(v2, V1)).toEqual([
      `field customer.address.zip: int cannot become string${only}`,
      'field customer.address.city is new and required without a default: older rows have no value for it; make it ["null", …] with "default": null, or give it a default',
      'field lines[].qty was removed: dropping columns is not supported (Hudi drops them only with schema-on-read configuration); keep it, nullable with "default": null, and stop sending it',
      'field u: union member 0 changed from int to string; add new types at the end of the union instead',
      'field u: union member 1 changed from string to int; add new types at the end of the union instead',
    ]);
    expect(refusals(nested([customer([ZIP]), { name: 'lines', type: 'string' }, { name: 'm', type: { type: 'map', values: 'float' } }, { name: 'u', type: ['int', 'string'] }]), V1)).toEqual([
      `field lines: array of record Line cannot become string${only}`,
    ]);
    expect(refusals(nested([{ name: 'customer', type: ['null', 'string'], default: null }, { name: 'lines', type: { type: 'array', items: { type: 'record', name: 'Line', fields: [{ name: 'qty', type: ['null', 'int'], default: null }] } } }, { name: 'm', type: { type: 'map', values: 'float' } }, { name: 'u', type: ['int'] }]), V1)).toEqual([
      `field customer: record Customer cannot become string${only}`,
      'field u: union members were removed (one of int, string → one of int), but older rows may hold them; keep them',
    ]);
  });
});
