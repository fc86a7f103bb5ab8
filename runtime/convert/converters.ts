// Converter names accepted in `key.converter` / `value.converter`, with the Java class names users
// bring from Kafka Connect and RocketMQ Connect as aliases. Later converters (Avro) register here.

import { ConnectError, type Converter } from '../spi';
import { BytesConverter } from './bytes-converter';
import { JsonConverter } from './json-converter';
import { StringConverter } from './string-converter';

const FACTORIES: Record<string, () => Converter> = {
  json: () => new JsonConverter(),
  string: () => new StringConverter(),
  bytes: () => new BytesConverter(),
};

const ALIASES: Record<string, string> = {
  'org.apache.kafka.connect.json.JsonConverter': 'json',
  'org.apache.kafka.connect.storage.StringConverter': 'string',
  'org.apache.kafka.connect.converters.ByteArrayConverter': 'bytes',
  'org.apache.rocketmq.connect.runtime.converter.record.json.JsonConverter': 'json',
  'org.apache.rocketmq.connect.runtime.converter.record.StringConverter': 'string',
  'org.apache.rocketmq.connect.runtime.converter.record.ByteArrayConverter': 'bytes',
  JsonConverter: 'json',
  StringConverter: 'string',
  ByteArrayConverter: 'bytes',
};

export const CONVERTER_NAMES = Object.keys(FACTORIES);

export function converterKnown(name: string): boolean {
  return FACTORIES[name] !== undefined || ALIASES[name] !== undefined;
}

export function createConverter(name: string, key: string): Converter {
  const factory = FACTORIES[name] ?? FACTORIES[ALIASES[name] ?? ''];
  if (!factory) throw new ConnectError('CONFIG_INVALID', `${key}: unknown converter ${JSON.stringify(name)}; accepted: ${CONVERTER_NAMES.join(', ')} (or their Kafka/RocketMQ Connect class names)`);
  return factory();
}
