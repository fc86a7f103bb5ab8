// Raw bytes, passed through unchanged (Kafka's ByteArrayConverter).

import { DataError, type Converter, type SchemaAndValue } from '../spi';

export class BytesConverter implements Converter {
  configure(): void {}

  toConnectData(_topic: string, body: Buffer | null): SchemaAndValue {
    return body === null ? { value: null } : { schema: { type: 'bytes' }, value: body };
  }

  fromConnectData(topic: string, _schema: unknown, value: unknown): Buffer | null {
    if (value === null || value === undefined) return null;
    if (Buffer.isBuffer(value)) return value;
    if (value instanceof Uint8Array) return Buffer.from(value);
    if (typeof value === 'string') return Buffer.from(value, 'utf8');
    throw new DataError(`bytes converter on topic ${topic} got a ${typeof value}, expected bytes or string; use value.converter=json for structured values`);
  }
}
