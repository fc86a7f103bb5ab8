// JSON message bodies. With `schemas.enable=true` bodies are Kafka Connect's envelope
// {"schema": ..., "payload": ...}; otherwise plain JSON, schemaless. Buffers are written as base64.

import { ConfigDef, DataError, type Converter, type Headers, type Schema, type SchemaAndValue } from '../spi';

const DEF = new ConfigDef([
  { name: 'schemas.enable', type: 'boolean', default: false, doc: 'Read and write the {"schema","payload"} envelope instead of plain JSON.' },
]);

export class JsonConverter implements Converter {
  private envelope = false;

  config(): ConfigDef {
    return DEF;
  }

  configure(config: Record<string, string>): void {
    this.envelope = DEF.parse(config, { context: 'JSON converter config' })['schemas.enable'] === true;
  }

  toConnectData(topic: string, body: Buffer | null): SchemaAndValue {
    if (body === null) return { value: null };
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch (err) {
      const shown = body.length > 120 ? `${body.subarray(0, 120).toString('utf8')}...` : body.toString('utf8');
      throw new DataError(`message body on topic ${topic} is not valid JSON (${(err as Error).message}): ${JSON.stringify(shown)}; send JSON or set value.converter=string`, err);
    }
    if (!this.envelope) return { value: parsed };
    if (typeof parsed !== 'object' || parsed === null || !('payload' in parsed)) {
      throw new DataError(`message body on topic ${topic} has no "payload" field but schemas.enable=true; send {"schema":...,"payload":...} or set value.converter.schemas.enable=false`);
    }
    const env = parsed as { schema?: Schema; payload: unknown };
    return { schema: env.schema ?? undefined, value: env.payload };
  }

  fromConnectData(_topic: string, schema: Schema | undefined, value: unknown, _headers: Headers): Buffer | null {
    if (value === null || value === undefined) return null;
    const json = JSON.stringify(this.envelope ? { schema: schema ?? null, payload: value } : value, jsonReplacer);
    return Buffer.from(json, 'utf8');
  }
}

/** JSON.stringify replacer: Buffers as base64, bigints as decimal strings (never silently dropped). */
export function jsonReplacer(this: unknown, _key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value !== null && typeof value === 'object' && (value as { type?: unknown }).type === 'Buffer' && Array.isArray((value as { data?: unknown }).data)) {
    return Buffer.from((value as { data: number[] }).data).toString('base64');
  }
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  return value;
}
