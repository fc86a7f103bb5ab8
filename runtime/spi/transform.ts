// Single-record transforms (Kafka Connect SMTs) and filters. Applied in the order listed in the
// connector's `transforms` key: after conversion for sinks, before conversion for sources.

import type { ConfigDef } from './config-def';
import type { ConnectRecord } from './record';

export interface Transform<R extends ConnectRecord = ConnectRecord> {
  config?(): ConfigDef;
  /** Prefix-stripped config (`transforms.<alias>.`). Throwing ConfigError fails the task at start. */
  configure(config: Record<string, string>): void;
  /** Returns the new record, or null to drop it (a filter). Throwing counts as an error for the record. */
  apply(record: R): R | null;
  close?(): void;
}
