// Converters turn message bodies into (schema, value) and back. They are configured per connector with
// the `key.converter` / `value.converter` prefixes; a record that cannot be converted throws DataError
// naming the field, the expected type and the value.

import type { ConfigDef } from './config-def';
import type { Headers } from './record';
import type { Schema } from './schema';

export interface SchemaAndValue {
  schema?: Schema;
  value: unknown;
}

export interface Converter {
  /** Declared keys (read without the `value.converter.` prefix). */
  config?(): ConfigDef;
  /** Called once before use with the prefix-stripped config. Throwing ConfigError fails the task. */
  configure(config: Record<string, string>, isKey: boolean): void | Promise<void>;
  /** Bytes from the transport to data. Throws DataError for bad input. */
  toConnectData(topic: string, body: Buffer | null, headers: Headers): SchemaAndValue;
  /** Data to bytes for the transport. Throws DataError when the value does not fit the schema. */
  fromConnectData(topic: string, schema: Schema | undefined, value: unknown, headers: Headers): Buffer | null;
}
