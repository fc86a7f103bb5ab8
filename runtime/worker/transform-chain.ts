// The `transforms` of a connector, built from `transforms.<alias>.type` and applied in order.
// Transform types come from a registry passed in (built-ins and plugins register there); an unknown
// type is a config error naming the alias, the type and what is available.

import { ConfigError, type ConnectRecord, type Transform } from '../spi';
import { withPrefix } from '../config/connector-config';

export type TransformFactory = () => Transform;

export class TransformChain<R extends ConnectRecord> {
  private constructor(private readonly steps: { alias: string; t: Transform<R> }[]) {}

  static build<R extends ConnectRecord>(aliases: string[], config: Record<string, string>, registry: ReadonlyMap<string, TransformFactory>): TransformChain<R> {
    const steps: { alias: string; t: Transform<R> }[] = [];
    for (const alias of aliases) {
      const sub = withPrefix(config, `transforms.${alias}.`);
      const type = sub['type'];
      const known = [...registry.keys()].sort().join(', ') || '(none are installed yet)';
      if (!type) throw new ConfigError([{ name: `transforms.${alias}.type`, message: `missing; name the transform type for alias ${alias} (available: ${known})` }]);
      const factory = registry.get(type);
      if (!factory) throw new ConfigError([{ name: `transforms.${alias}.type`, message: `unknown transform type ${JSON.stringify(type)} (available: ${known})` }]);
      const t = factory() as unknown as Transform<R>;
      const { type: _omit, ...rest } = sub;
      t.configure(rest);
      steps.push({ alias, t });
    }
    return new TransformChain(steps);
  }

  get empty(): boolean {
    return this.steps.length === 0;
  }

  /** null = dropped by a filter. Errors carry the alias of the transform that threw. */
  apply(record: R): R | null {
    let cur: R | null = record;
    for (const { alias, t } of this.steps) {
      if (cur === null) return null;
      try {
        cur = t.apply(cur);
      } catch (err) {
        throw new Error(`transform ${alias} failed: ${(err as Error).message}`, { cause: err });
      }
    }
    return cur;
  }

  close(): void {
    for (const { t } of this.steps) t.close?.();
  }
}
