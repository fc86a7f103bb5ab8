// Thrift's compact protocol as a lossless value tree: a Parquet footer (FileMetaData) decodes into
// structs of numbered fields and encodes back byte for byte, keeping fields this code does not know.
// That is what row-group splicing needs: move row groups between files and shift their offsets without
// a full Parquet model. Invariant: encodeStruct(decodeStruct(b)) equals b for any well-formed struct.

export const enum TType {
  BoolTrue = 1,
  BoolFalse = 2,
  Byte = 3,
  I16 = 4,
  I32 = 5,
  I64 = 6,
  Double = 7,
  Binary = 8,
  List = 9,
  Set = 10,
  Map = 11,
  Struct = 12,
}

/** A field's value: numbers for byte/i16/i32, bigint for i64, booleans, bytes, lists, maps and structs. */
export type TValue = boolean | number | bigint | Uint8Array | TList | TMap | TStruct;
export interface TField {
  id: number;
  type: TType;
  value: TValue;
}
export interface TStruct {
  fields: TField[];
}
export interface TList {
  elemType: TType;
  items: TValue[];
  /** set rather than list */
  set?: boolean;
}
export interface TMap {
  keyType: TType;
  valueType: TType;
  entries: [TValue, TValue][];
}

export class ThriftError extends Error {}

class Reader {
  pos = 0;
  constructor(private readonly buf: Uint8Array) {}

  byte(): number {
    if (this.pos >= this.buf.length) throw new ThriftError(`thrift: unexpected end of data at byte ${this.pos}`);
    return this.buf[this.pos++]!;
  }

  varint(): bigint {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      const b = this.byte();
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
      shift += 7n;
      if (shift > 70n) throw new ThriftError('thrift: varint too long');
    }
  }

  zigzag(): bigint {
    const v = this.varint();
    return (v >> 1n) ^ -(v & 1n);
  }

  bytes(n: number): Uint8Array {
    if (this.pos + n > this.buf.length) throw new ThriftError(`thrift: ${n} bytes wanted at byte ${this.pos}, ${this.buf.length - this.pos} left`);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  value(type: TType): TValue {
    switch (type) {
      case TType.BoolTrue:
        return true;
      case TType.BoolFalse:
        return false;
      case TType.Byte:
        return (this.byte() << 24) >> 24;
      case TType.I16:
      case TType.I32:
        return Number(this.zigzag());
      case TType.I64:
        return this.zigzag();
      case TType.Double:
        return this.bytes(8).slice();
      case TType.Binary:
        return this.bytes(Number(this.varint()));
      case TType.List:
      case TType.Set: {
        const h = this.byte();
        let size = h >> 4;
        if (size === 15) size = Number(this.varint());
        const elemType = (h & 0x0f) as TType;
        const items: TValue[] = [];
        for (let i = 0; i < size; i++) items.push(this.element(elemType));
        return type === TType.Set ? { elemType, items, set: true } : { elemType, items };
      }
      case TType.Map: {
        const size = Number(this.varint());
        if (size === 0) return { keyType: TType.Byte, valueType: TType.Byte, entries: [] };
        const kv = this.byte();
        const keyType = (kv >> 4) as TType;
        const valueType = (kv & 0x0f) as TType;
        const entries: [TValue, TValue][] = [];
        for (let i = 0; i < size; i++) entries.push([this.element(keyType), this.element(valueType)]);
        return { keyType, valueType, entries };
      }
      case TType.Struct:
        return this.struct();
      default:
        throw new ThriftError(`thrift: unknown type ${type as number} at byte ${this.pos}`);
    }
  }

  /** Booleans inside lists and maps are a byte each (1 true, 2 false), not folded into a header. */
  private element(type: TType): TValue {
    if (type === TType.BoolTrue || type === TType.BoolFalse) return this.byte() === 1;
    return this.value(type);
  }

  struct(): TStruct {
    const fields: TField[] = [];
    let last = 0;
    for (;;) {
      const h = this.byte();
      if (h === 0) return { fields };
      const delta = h >> 4;
      const type = (h & 0x0f) as TType;
      const id = delta === 0 ? Number(this.zigzag()) : last + delta;
      last = id;
      fields.push({ id, type, value: this.value(type) });
    }
  }
}

/** Decodes one struct starting at `offset`; returns it and the offset just past it. */
export function decodeStruct(buf: Uint8Array, offset = 0): { struct: TStruct; end: number } {
  const r = new Reader(buf);
  r.pos = offset;
  const struct = r.struct();
  return { struct, end: r.pos };
}

class Writer {
  private chunks: number[] = [];
  private parts: Uint8Array[] = [];

  byte(b: number): void {
    this.chunks.push(b & 0xff);
  }

  varint(v: bigint): void {
    let x = BigInt.asUintN(64, v);
    while (x >= 0x80n) {
      this.byte(Number(x & 0x7fn) | 0x80);
      x >>= 7n;
    }
    this.byte(Number(x));
  }

  zigzag(v: bigint): void {
    this.varint((v << 1n) ^ (v >> 63n));
  }

  raw(b: Uint8Array): void {
    this.flushBytes();
    this.parts.push(b);
  }

  private flushBytes(): void {
    if (this.chunks.length > 0) {
      this.parts.push(Uint8Array.from(this.chunks));
      this.chunks = [];
    }
  }

  value(type: TType, v: TValue): void {
    switch (type) {
      case TType.BoolTrue:
      case TType.BoolFalse:
        return; // folded into the field header
      case TType.Byte:
        return this.byte(v as number);
      case TType.I16:
      case TType.I32:
        return this.zigzag(BigInt(v as number));
      case TType.I64:
        return this.zigzag(typeof v === 'bigint' ? v : BigInt(v as number));
      case TType.Double:
        return this.raw(v as Uint8Array);
      case TType.Binary: {
        const b = v as Uint8Array;
        this.varint(BigInt(b.length));
        return this.raw(b);
      }
      case TType.List:
      case TType.Set: {
        const l = v as TList;
        if (l.items.length < 15) this.byte((l.items.length << 4) | l.elemType);
        else {
          this.byte(0xf0 | l.elemType);
          this.varint(BigInt(l.items.length));
        }
        for (const item of l.items) this.element(l.elemType, item);
        return;
      }
      case TType.Map: {
        const m = v as TMap;
        this.varint(BigInt(m.entries.length));
        if (m.entries.length === 0) return;
        this.byte((m.keyType << 4) | m.valueType);
        for (const [k, val] of m.entries) {
          this.element(m.keyType, k);
          this.element(m.valueType, val);
        }
        return;
      }
      case TType.Struct:
        return this.struct(v as TStruct);
      default:
        throw new ThriftError(`thrift: cannot write type ${type as number}`);
    }
  }

  private element(type: TType, v: TValue): void {
    if (type === TType.BoolTrue || type === TType.BoolFalse) this.byte(v ? 1 : 2);
    else this.value(type, v);
  }

  struct(s: TStruct): void {
    let last = 0;
    for (const f of s.fields) {
      const type = f.type === TType.BoolTrue || f.type === TType.BoolFalse ? (f.value ? TType.BoolTrue : TType.BoolFalse) : f.type;
      const delta = f.id - last;
      if (delta > 0 && delta <= 15) this.byte((delta << 4) | type);
      else {
        this.byte(type);
        this.zigzag(BigInt(f.id));
      }
      last = f.id;
      this.value(type, f.value);
    }
    this.byte(0);
  }

  finish(): Uint8Array {
    this.flushBytes();
    const total = this.parts.reduce((n, p) => n + p.length, 0);
    const out = new Uint8Array(total);
    let at = 0;
    for (const p of this.parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }
}

export function encodeStruct(s: TStruct): Uint8Array {
  const w = new Writer();
  w.struct(s);
  return w.finish();
}

// --- field access ------------------------------------------------------------------------------------

export function field(s: TStruct, id: number): TField | undefined {
  return s.fields.find((f) => f.id === id);
}

/** Sets (or adds, keeping fields ordered by id) a field's value. */
export function setField(s: TStruct, id: number, type: TType, value: TValue): void {
  const existing = field(s, id);
  if (existing) {
    existing.type = type;
    existing.value = value;
    return;
  }
  const at = s.fields.findIndex((f) => f.id > id);
  const f: TField = { id, type, value };
  if (at < 0) s.fields.push(f);
  else s.fields.splice(at, 0, f);
}

export function removeField(s: TStruct, id: number): void {
  const at = s.fields.findIndex((f) => f.id === id);
  if (at >= 0) s.fields.splice(at, 1);
}

export function structField(s: TStruct, id: number): TStruct | undefined {
  return field(s, id)?.value as TStruct | undefined;
}

export function listField(s: TStruct, id: number): TList | undefined {
  return field(s, id)?.value as TList | undefined;
}

/** An i32 or i64 field as a JS number (Parquet offsets and counts stay far below 2^53). */
export function intField(s: TStruct, id: number): number | undefined {
  const v = field(s, id)?.value;
  return v === undefined ? undefined : Number(v as number | bigint);
}

/** Deep copy, so a footer can be re-used as a template. Byte arrays are shared (never mutated). */
export function cloneStruct(s: TStruct): TStruct {
  return { fields: s.fields.map((f) => ({ id: f.id, type: f.type, value: cloneValue(f.value) })) };
}

function cloneValue(v: TValue): TValue {
  if (typeof v !== 'object' || v instanceof Uint8Array) return v;
  if ('fields' in v) return cloneStruct(v);
  if ('items' in v) return { ...v, items: v.items.map(cloneValue) };
  return { ...v, entries: v.entries.map(([k, x]) => [cloneValue(k), cloneValue(x)] as [TValue, TValue]) };
}
