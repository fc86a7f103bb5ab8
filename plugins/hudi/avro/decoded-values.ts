// Values avsc decoded (from Avro binary, or a field default avsc parsed) → the column representation
// (column-spec.ts). Logical types already decode to it (logical-types.ts); what is left is structure: records
// become plain objects, unions of several types the {member0, member1, …} group, and bytes are copied so a row
// never aliases a message buffer the transport reuses. avsc decides per union whether it wraps its values
// ({"branch": v}) in 'auto' mode, so the converter is compiled from the avsc type itself, union by union.

import * as avro from 'avsc';
import { unionMemberName } from '../parquet/column-spec';
import { setOwn, type Converter, type WireSlot } from './value-converters';

const identity: Converter = (v) => v;
const copyBytes: Converter = (v) => (v instanceof Uint8Array ? Buffer.from(v) : v);

/** The converter for values of avsc type `t` held in `slot` (the slot table-schema.ts derived from `t`). */
export function decodedConverter(slot: WireSlot, t: avro.Type): Converter {
  if (t.typeName.startsWith('union:')) return unionConverter(slot, t);
  return typeConverter(slot, t);
}

function unionConverter(slot: WireSlot, t: avro.Type): Converter {
  const branches = (t as unknown as { types: avro.Type[] }).types;
  const nonNull = branches.filter((b) => b.typeName !== 'null');
  const wrapped = t.typeName === 'union:wrapped';
  const unwrap = (v: unknown): { index: number; value: unknown } => {
    if (wrapped) {
      const key = Object.keys(v as object)[0]!;
      return { index: nonNull.findIndex((b) => b.branchName === key), value: (v as Record<string, unknown>)[key] };
    }
    // Unwrapped: avsc chose this form because at most one branch takes each kind of value.
    return { index: nonNull.length === 1 ? 0 : nonNull.findIndex((b) => b.isValid(v)), value: v };
  };
  if (slot.type.kind !== 'union') {
    const inner = typeConverter(slot, nonNull[0]!);
    return (v) => (v === null || v === undefined ? null : inner(unwrap(v).value));
  }
  const members = slot.wire.members!;
  const convs = nonNull.map((b, i) => typeConverter(members[i]!, b));
  return (v) => {
    if (v === null || v === undefined) return null;
    const { index, value } = unwrap(v);
    const out: Record<string, unknown> = {};
    for (let k = 0; k < nonNull.length; k++) out[unionMemberName(k)] = k === index ? convs[k]!(value) : null;
    return out;
  };
}

function typeConverter(slot: WireSlot, t: avro.Type): Converter {
  const wire = slot.wire;
  switch (wire.avro) {
    case 'record': {
      const fields = (t as unknown as { fields: avro.types.Field[] }).fields;
      const convs = fields.map((f, i) => decodedConverter(wire.fields![i]!, f.type));
      const names = fields.map((f) => f.name);
      return (v) => {
        const rec = v as Record<string, unknown>;
        const out: Record<string, unknown> = {};
        for (let i = 0; i < names.length; i++) setOwn(out, names[i]!, convs[i]!(rec[names[i]!]));
        return out;
      };
    }
    case 'array': {
      const conv = decodedConverter(wire.element!, (t as unknown as { itemsType: avro.Type }).itemsType);
      return (v) => (v as unknown[]).map(conv);
    }
    case 'map': {
      const conv = decodedConverter(wire.element!, (t as unknown as { valuesType: avro.Type }).valuesType);
      return (v) => {
        const out: Record<string, unknown> = {};
        for (const key of Object.keys(v as object)) setOwn(out, key, conv((v as Record<string, unknown>)[key]));
        return out;
      };
    }
    case 'bytes':
    case 'fixed':
      return slot.type.kind === 'bytes' ? copyBytes : identity;
    default:
      return identity;
  }
}

/** Whether decoded values of `t` need a converter at all (a flat field of a primitive or logical type does not,
 *  apart from copying bytes). */
export function needsStructure(t: avro.Type): boolean {
  const n = t.typeName;
  if (n === 'record' || n === 'error' || n === 'array' || n === 'map') return true;
  if (n.startsWith('union:')) {
    const nonNull = (t as unknown as { types: avro.Type[] }).types.filter((b) => b.typeName !== 'null');
    return nonNull.length > 1 || n === 'union:wrapped' || nonNull.some(needsStructure);
  }
  return false;
}

