// One declaration per config key (name, type, default, validator, doc). Parsing, the REST validate
// endpoint and the generated configuration reference all read these declarations, so a key is
// described exactly once. Raw configs are string maps (as in Kafka and RocketMQ Connect); `parse`
// turns them into typed values and reports every offending key at once. A definition built from a literal
// table of keys also types its parsed values (ConfigValues): a key's type, its oneOf values and a null
// default decide the TypeScript type of its value, so settings are read without casts.

import { ConfigError, type ConfigFieldError } from './errors';

export type ConfigType = 'string' | 'int' | 'long' | 'double' | 'boolean' | 'list' | 'password' | 'class';
export type Importance = 'high' | 'medium' | 'low';
export type ConfigValueType = string | number | boolean | string[] | undefined;

/** A validator returns undefined when the value is fine, otherwise a message naming what is accepted. */
export type Validator = (value: ConfigValueType, name: string) => string | undefined;

export interface ConfigKey {
  name: string;
  type: ConfigType;
  doc: string;
  /** Omitted = required (the key must be given). `null` = optional without a value. */
  default?: ConfigValueType | readonly string[] | null;
  validator?: Validator;
  /** Human-readable description of the accepted values, shown in errors and docs. */
  accepted?: string;
  importance?: Importance;
  group?: string;
  /** Other spellings accepted for this key (e.g. RocketMQ Connect's `connector-class`). */
  aliases?: readonly string[];
}

export interface ConfigValueReport {
  name: string;
  value: string | null;
  errors: string[];
  recommended_values: string[];
  visible: boolean;
}

export type ParsedConfig = Record<string, ConfigValueType>;

/** A validator that accepts only `values`; a key validated by one holds their union. */
export interface OneOfValidator<V extends string> extends Validator {
  readonly values: readonly V[];
}

type ValueOfType<T extends ConfigType> = T extends 'int' | 'long' | 'double' ? number : T extends 'boolean' ? boolean : T extends 'list' ? string[] : string;

/** The value a parsed key holds: its type's (or its oneOf validator's values), or undefined when its default is null. */
export type ConfigValue<K extends ConfigKey> =
  | (K extends { validator: OneOfValidator<infer V> } ? V : ValueOfType<K['type']>)
  | (K extends { default: null } ? undefined : never);

/** Parsed values of a literal table of keys, by key name; a table whose names are not literals gives ParsedConfig. */
export type ConfigValues<Keys extends readonly ConfigKey[]> = string extends Keys[number]['name']
  ? ParsedConfig
  : { [K in Keys[number] as K['name']]: ConfigValue<K> };

/** The parsed values of a definition: `ConfigValuesOf<ReturnType<typeof myConfigDef>>`. */
export type ConfigValuesOf<D> = D extends ConfigDef<infer Values> ? Values : never;

export interface ParseOptions {
  /** Keys not declared here are rejected unless they match one of these (prefix ending in '.', or exact). */
  allowUnknown?: boolean | ((key: string) => boolean);
  /** Label used in the error message, e.g. `connector "orders"` or `worker config conf/x.conf`. */
  context?: string;
}

function secretSafe(key: ConfigKey, raw: string | undefined): string {
  return key.type === 'password' ? '[hidden]' : JSON.stringify(raw);
}

function coerce(key: ConfigKey, raw: string): { value?: ConfigValueType; error?: string } {
  const shown = secretSafe(key, raw);
  switch (key.type) {
    case 'string':
    case 'password':
    case 'class':
      return { value: raw };
    case 'int':
    case 'long': {
      const t = raw.trim();
      if (!/^[-+]?\d+$/.test(t)) return { error: `value ${shown} is not a whole number; give an integer such as 10` };
      const n = Number(t);
      if (!Number.isSafeInteger(n)) return { error: `value ${shown} is out of range` };
      if (key.type === 'int' && (n > 2147483647 || n < -2147483648)) return { error: `value ${shown} is out of the int range` };
      return { value: n };
    }
    case 'double': {
      const n = Number(raw.trim());
      if (raw.trim() === '' || !Number.isFinite(n)) return { error: `value ${shown} is not a number` };
      return { value: n };
    }
    case 'boolean': {
      const t = raw.trim().toLowerCase();
      if (t === 'true') return { value: true };
      if (t === 'false') return { value: false };
      return { error: `value ${shown} is not a boolean; use true or false` };
    }
    case 'list':
      return { value: raw.split(/[;,]/).map((s) => s.trim()).filter((s) => s.length > 0) };
  }
}

/**
 * A typed definition from a literal table of keys: `parse` returns each key's value with the type its
 * declaration implies (ConfigValue), so settings are read without casts. `new ConfigDef(keys)` is the same
 * definition with untyped (ParsedConfig) values.
 */
export function defineConfig<const Keys extends readonly ConfigKey[]>(keys: Keys): ConfigDef<ConfigValues<Keys>> {
  return new ConfigDef<ConfigValues<Keys>>(keys);
}

export class ConfigDef<out Values extends object = ParsedConfig> {
  private readonly byName = new Map<string, ConfigKey>();
  private readonly byAlias = new Map<string, ConfigKey>();

  constructor(keys: readonly ConfigKey[] = []) {
    for (const k of keys) this.define(k);
  }

  define(key: ConfigKey): this {
    if (this.byName.has(key.name) || this.byAlias.has(key.name)) throw new Error(`config key ${key.name} declared twice`);
    this.byName.set(key.name, key);
    for (const a of key.aliases ?? []) this.byAlias.set(a, key);
    return this;
  }

  /** A new definition with this one's keys followed by `other`'s (for connector + framework keys). */
  merge(other: ConfigDef): ConfigDef {
    return new ConfigDef([...this.keys(), ...other.keys()]);
  }

  keys(): ConfigKey[] {
    return [...this.byName.values()];
  }

  key(name: string): ConfigKey | undefined {
    return this.byName.get(name) ?? this.byAlias.get(name);
  }

  /** Parses a raw string map; throws ConfigError naming every offending key. */
  parse(raw: Record<string, string | undefined>, options: ParseOptions = {}): Values {
    const { values, errors } = this.evaluate(raw, options);
    if (errors.length > 0) throw new ConfigError(errors, `Invalid ${options.context ?? 'configuration'}`);
    // Every declared key is in `values` with a value of its declared type (coerce, defaults), which is what
    // ConfigValues says of a typed definition (defineConfig); an untyped one's Values is ParsedConfig itself.
    return values as Values;
  }

  /** Field-level report for the REST validate endpoint: one entry per declared key (and per unknown key). */
  validate(raw: Record<string, string | undefined>, options: ParseOptions = {}): { errors: ConfigFieldError[]; values: ConfigValueReport[] } {
    const { errors } = this.evaluate(raw, options);
    const values: ConfigValueReport[] = this.keys().map((k) => {
      const given = this.rawValue(k, raw);
      return {
        name: k.name,
        value: k.type === 'password' && given !== undefined ? '[hidden]' : (given ?? (k.default == null ? null : String(k.default))),
        errors: errors.filter((e) => e.name === k.name).map((e) => e.message),
        recommended_values: [],
        visible: true,
      };
    });
    for (const e of errors) {
      if (!this.byName.has(e.name)) values.push({ name: e.name, value: raw[e.name] ?? null, errors: [e.message], recommended_values: [], visible: true });
    }
    return { errors, values };
  }

  private rawValue(key: ConfigKey, raw: Record<string, string | undefined>): string | undefined {
    if (raw[key.name] !== undefined) return raw[key.name];
    for (const a of key.aliases ?? []) if (raw[a] !== undefined) return raw[a];
    return undefined;
  }

  private evaluate(raw: Record<string, string | undefined>, options: ParseOptions): { values: ParsedConfig; errors: ConfigFieldError[] } {
    const values: ParsedConfig = {};
    const errors: ConfigFieldError[] = [];
    for (const key of this.keys()) {
      const given = this.rawValue(key, raw);
      if (given === undefined || (given.trim() === '' && key.type !== 'string' && key.type !== 'password')) {
        if (key.default === undefined) {
          errors.push({ name: key.name, message: `missing required key; ${key.doc}${key.accepted ? ` (accepted: ${key.accepted})` : ''}` });
        } else {
          values[key.name] = key.default === null ? undefined : Array.isArray(key.default) ? [...(key.default as readonly string[])] : (key.default as ConfigValueType);
        }
        continue;
      }
      const { value, error } = coerce(key, given);
      if (error) {
        errors.push({ name: key.name, message: error + (key.accepted ? ` (accepted: ${key.accepted})` : '') });
        continue;
      }
      const problem = key.validator?.(value, key.name);
      if (problem) {
        errors.push({ name: key.name, message: `value ${secretSafe(key, given)} is invalid: ${problem}` });
        continue;
      }
      values[key.name] = value;
    }
    const allow = options.allowUnknown ?? false;
    for (const name of Object.keys(raw)) {
      if (this.key(name)) continue;
      const ok = typeof allow === 'function' ? allow(name) : allow;
      if (!ok) {
        errors.push({ name, message: `unknown key; accepted keys are: ${this.keys().map((k) => k.name).sort().join(', ')}` });
      }
    }
    return { values, errors };
  }
}

// Validators: small, composable, and each says what is accepted.
export const validators = {
  range(min?: number, max?: number): Validator {
    return (v) => {
      if (typeof v !== 'number') return undefined;
      if (min !== undefined && v < min) return `must be at least ${min}`;
      if (max !== undefined && v > max) return `must be at most ${max}`;
      return undefined;
    };
  },
  oneOf<const V extends string>(...allowed: V[]): OneOfValidator<V> {
    const check: Validator = (v) => {
      if (typeof v !== 'string') return undefined;
      return (allowed as string[]).includes(v) ? undefined : `accepted values are ${allowed.join(', ')}`;
    };
    return Object.assign(check, { values: allowed });
  },
  nonEmpty(): Validator {
    return (v) => {
      if (typeof v === 'string' && v.trim() === '') return 'must not be empty';
      if (Array.isArray(v) && v.length === 0) return 'must name at least one value';
      return undefined;
    };
  },
  pattern(re: RegExp, description: string): Validator {
    return (v) => {
      const items = Array.isArray(v) ? v : typeof v === 'string' ? [v] : [];
      const bad = items.find((s) => !re.test(s));
      return bad === undefined ? undefined : `${JSON.stringify(bad)} is not ${description}`;
    };
  },
};

/** Topic names as RocketMQ accepts them. */
export const topicName = validators.pattern(/^[%|a-zA-Z0-9_-]{1,127}$/, 'a valid topic name (letters, digits, _ - % |, at most 127 characters)');
