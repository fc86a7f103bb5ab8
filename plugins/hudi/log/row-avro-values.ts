// Column-model values (column-spec.ts, what the record coercer produces) → the values avsc encodes for the same
// Avro type: the inverse of avro/decoded-values.ts. Logical types already take the column representation
// (avro/logical-types.ts: decimals as text, timestamps as numbers, longs as number or bigint), so what is left is
// structure: a union of several types is {member0, member1, …} here and, for avsc, the bare value of its one branch
// or {"<branch>": value} where avsc wraps that union. Records, arrays and maps are rebuilt only when they hold one.

import type * as avro from 'avsc';
import { unionMemberName } from '../parquet/column-spec';
import { setOwn, type Converter, type WireSlot } from '../avro/value-converters';

const identity: Converter = (v) => v;

/** The converter for column values held in `slot` to avsc values of `t` (the type the slot was derived from). */
export function avroValueConverter(slot: WireSlot, t: avro.Type): Converter {
  if (!holdsUnionOfSeveral(t)) return identity;
  if (t.typeName.startsWith('union:')) return unionConverter(slot, t);
  return typeConverter(slot, t);
}

function unionConverter(slot: WireSlot, t: avro.Type): Converter {
  const branches = (t as unknown as { types: avro.Type[] }).types;
  const nonNull = branches.filter((b) => b.typeName !== 'null');
  const wrapped = t.typeName === 'union:wrapped';
  const wrap = (b: avro.Type, v: unknown): unknown => (wrapped ? { [b.branchName!]: v } : v);
  if (slot.type.kind !== 'union') {
    const inner = typeConverter(slot, nonNull[0]!);
    return (v) => (v === null || v === undefined ? null : wrap(nonNull[0]!, inner(v)));
  }
  const convs = nonNull.map((b, i) => typeConverter(slot.wire.members![i]!, b));
  const names = nonNull.map((_, i) => unionMemberName(i));
  return (v) => {
    if (v === null || v === undefined) return null;
    const group = v as Record<string, unknown>;
    for (let i = 0; i < names.length; i++) {
      const member = group[names[i]!];
      if (member !== null && member !== undefined) return wrap(nonNull[i]!, convs[i]!(member));
    }
    // No member set: let avsc refuse the value, naming the field.
    return v;
  };
}

function typeConverter(slot: WireSlot, t: avro.Type): Converter {
  const wire = slot.wire;
  if (!holdsUnionOfSeveral(t)) return identity;
  switch (wire.avro) {
    case 'record': {
      const fields = (t as unknown as { fields: avro.types.Field[] }).fields;
      const convs = fields.map((f, i) => avroValueConverter(wire.fields![i]!, f.type));
      const names = fields.map((f) => f.name);
      return (v) => {
        const rec = v as Record<string, unknown>;
        const out: Record<string, unknown> = {};
        for (let i = 0; i < names.length; i++) setOwn(out, names[i]!, convs[i]!(rec[names[i]!]));
        return out;
      };
    }
    case 'array': {
      const conv = avroValueConverter(wire.element!, (t as unknown as { itemsType: avro.Type }).itemsType);
      return (v) => (v as unknown[]).map(conv);
    }
    case 'map': {
      const conv = avroValueConverter(wire.element!, (t as unknown as { valuesType: avro.Type }).valuesType);
      return (v) => {
        const out: Record<string, unknown> = {};
        for (const key of Object.keys(v as object)) setOwn(out, key, conv((v as Record<string, unknown>)[key]));
        return out;
      };
    }
    default:
      return identity;
  }
}

/** Whether values of `t` contain a union of several non-null types anywhere, i.e. need converting at all. */
function holdsUnionOfSeveral(t: avro.Type, seen: Set<avro.Type> = new Set()): boolean {
  if (seen.has(t)) return false;
  seen.add(t);
  const n = t.typeName;
  if (n.startsWith('union:')) {
    const nonNull = (t as unknown as { types: avro.Type[] }).types.filter((b) => b.typeName !== 'null');
    return nonNull.length > 1 || n === 'union:wrapped' || nonNull.some((b) => holdsUnionOfSeveral(b, seen));
  }
  if (n === 'record' || n === 'error') return (t as unknown as { fields: avro.types.Field[] }).fields.some((f) => holdsUnionOfSeveral(f.type, seen));
  if (n === 'array') return holdsUnionOfSeveral((t as unknown as { itemsType: avro.Type }).itemsType, seen);
  if (n === 'map') return holdsUnionOfSeveral((t as unknown as { valuesType: avro.Type }).valuesType, seen);
  return false;
}
