// UTF-8 strings. Non-string values are written as their JSON text, so nothing is lost.

import type { Converter, SchemaAndValue } from '../spi';
import { jsonReplacer } from './json-converter';

export class StringConverter implements Converter {
  configure(): void {}

  toConnectData(_topic: string, body: Buffer | null): SchemaAndValue {
    return body === null ? { value: null } : { schema: { type: 'string' }, value: body.toString('utf8') };
  }

  fromConnectData(_topic: string, _schema: unknown, value: unknown): Buffer | null {
    if (value === null || value === undefined) return null;
    if (typeof value === 'string') return Buffer.from(value, 'utf8');
    if (Buffer.isBuffer(value)) return value;
    return Buffer.from(JSON.stringify(value, jsonReplacer), 'utf8');
  }
}
