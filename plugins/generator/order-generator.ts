// order-generator: a source of the seed's food-delivery order records (inserts, updates and deletes of
// earlier orders) with a struct schema, at a configured rate, deterministic from a seed. Written only
// against the SPI. Invariants: the record at sequence number n is OrderSequence.event(n) whatever
// happened before; its position is {seq: n + 1}, so a restart continues the same sequence; the record
// key is the orderId, and deletes carry `_hoodie_is_deleted: true` (Hudi's delete marker).

import {
  defineConfig,
  ConfigError,
  DataError,
  validators,
  type ConnectorContext,
  type Schema,
  type SourceConnector,
  type SourcePartition,
  type SourcePosition,
  type SourceRecord,
  type SourceTask,
  type SourceTaskContext,
} from '../../runtime/spi';
import { OrderSequence, ratioProblems, type OrderEvent, type OrderSequenceParams } from './order-sequence';

/** Kept equal to this plugin's package.json version (a unit test checks). */
export const GENERATOR_PLUGIN_VERSION = '0.1.0';

const TIMESTAMP_MILLIS = { name: 'timestamp-millis' } as const;

/** Value schema of every order record (frozen: shared by all records). */
export const ORDER_SCHEMA: Schema = deepFreeze<Schema>({
  type: 'struct',
  name: 'tributary.generator.Order',
  doc: 'A food-delivery order; updates and deletes repeat the whole order with a higher version.',
  fields: [
    { name: 'orderId', schema: { type: 'string' }, doc: 'Record key.' },
    { name: 'orderStatus', schema: { type: 'string' }, doc: 'CREATED, PAID, ACCEPTED, DELIVERING or FINISHED; never goes backwards.' },
    { name: 'userPhoneNo', schema: { type: 'string' } },
    { name: 'prodId', schema: { type: 'string' } },
    { name: 'prodName', schema: { type: 'string' } },
    { name: 'chargeMoney', schema: { type: 'double' } },
    { name: 'chargeTime', schema: { type: 'int64', logical: TIMESTAMP_MILLIS } },
    { name: 'finishTime', schema: { type: 'int64', logical: TIMESTAMP_MILLIS, optional: true }, default: null, doc: 'Set once the order is FINISHED.' },
    { name: 'version', schema: { type: 'int64' }, doc: 'Sequence number of the change; higher = newer (a precombine field).' },
    { name: '_hoodie_is_deleted', schema: { type: 'boolean' }, default: false, doc: 'True on a delete.' },
  ],
});

const KEY_SCHEMA: Schema = deepFreeze<Schema>({ type: 'string' });
const OP_HEADER: Record<OrderEvent['op'], string> = { insert: 'c', update: 'u', delete: 'd' };

/** The connector's own keys. `connect.topicname` is a framework key, declared by the runtime. */
export function orderGeneratorConfigDef() {
  return defineConfig([
    { name: 'seed', type: 'long', default: 42, doc: 'Seed of the sequence: the same seed (and other keys) always gives the same records at the same positions.', importance: 'high' },
    { name: 'rate', type: 'double', default: 1000, validator: validators.range(0), doc: 'Records per second; 0 = as fast as possible.', importance: 'high' },
    { name: 'max.records', type: 'long', default: 0, validator: validators.range(0), doc: 'Stop producing after this many records in total (counted from sequence 0, across restarts); 0 = unbounded.', importance: 'medium' },
    { name: 'update.ratio', type: 'double', default: 0.2, validator: validators.range(0, 1), doc: 'Share of records that update an earlier order (status and finishTime change, version increases).', importance: 'medium' },
    {
      name: 'delete.ratio',
      type: 'double',
      default: 0.05,
      validator: validators.range(0, 1),
      doc: 'Share of records that delete an earlier order (_hoodie_is_deleted = true). At most sqrt(update.ratio) - update.ratio.',
      importance: 'medium',
    },
    {
      name: 'order.window',
      type: 'int',
      default: 1000,
      validator: validators.range(2, 100000000),
      doc: 'Updates pick among the orders of the last order.window records; a deleted order is deleted exactly order.window records after its creation.',
      importance: 'low',
    },
    {
      name: 'order.id.prefix',
      type: 'string',
      default: 'ORD',
      validator: validators.pattern(/^[A-Za-z0-9_-]{0,32}$/, 'a prefix of at most 32 letters, digits, _ or -'),
      doc: 'Prefix of every orderId (followed by the 10-digit sequence number of the order\'s creation). Give generators writing to one table different prefixes.',
      importance: 'low',
    },
    { name: 'start.timestamp.ms', type: 'long', default: 1704067200000, doc: 'Event time (ms since the epoch) of sequence number 0; chargeTime and record timestamps derive from it, not from the wall clock.', importance: 'low' },
    { name: 'event.interval.ms', type: 'long', default: 100, validator: validators.range(0, 86400000), doc: 'Event time between consecutive sequence numbers.', importance: 'low' },
    { name: 'batch.size', type: 'int', default: 500, validator: validators.range(1, 100000), doc: 'Most records returned by one poll.', importance: 'low' },
  ]);
}

export interface OrderGeneratorSettings {
  sequence: OrderSequenceParams;
  rate: number;
  maxRecords: number;
  batchSize: number;
}

/** Parses the connector's keys and the ratio constraint; throws ConfigError naming the keys. */
export function parseOrderGeneratorConfig(config: Record<string, string>, context = 'order-generator config'): OrderGeneratorSettings {
  // Unknown keys are the runtime's business: it validates the full config, framework keys included.
  const p = orderGeneratorConfigDef().parse(config, { allowUnknown: true, context });
  const updateRatio = p['update.ratio'];
  const deleteRatio = p['delete.ratio'];
  const problems = ratioProblems(updateRatio, deleteRatio);
  if (problems.length > 0) throw new ConfigError(problems, `Invalid ${context}`);
  return {
    sequence: {
      seed: p['seed'],
      updateRatio,
      deleteRatio,
      window: p['order.window'],
      startTimestampMs: p['start.timestamp.ms'],
      eventIntervalMs: p['event.interval.ms'],
      orderIdPrefix: p['order.id.prefix'],
    },
    rate: p['rate'],
    maxRecords: p['max.records'],
    batchSize: p['batch.size'],
  };
}

export class OrderGeneratorConnector implements SourceConnector {
  readonly type = 'source' as const;
  private settings: Record<string, string> = {};

  version(): string {
    return GENERATOR_PLUGIN_VERSION;
  }

  config() {
    return orderGeneratorConfigDef();
  }

  validate(config: Record<string, string>): { name: string; message: string }[] {
    const num = (key: string, dflt: number): number => {
      const n = Number(config[key]);
      return config[key] === undefined || config[key]!.trim() === '' || !Number.isFinite(n) ? dflt : n;
    };
    // Type and range errors of each key are reported by config().validate(); only the cross-key rule here.
    return ratioProblems(num('update.ratio', 0.2), num('delete.ratio', 0.05));
  }

  start(config: Record<string, string>, context: ConnectorContext): void {
    parseOrderGeneratorConfig(config, `connector "${context.connectorName}"`);
    this.settings = { ...config };
  }

  /** One task: the sequence is one ordered stream (its position is a single sequence number). */
  taskConfigs(_maxTasks: number): Record<string, string>[] {
    return [{ ...this.settings }];
  }

  createTask(): SourceTask {
    return new OrderGeneratorTask();
  }

  stop(): void {
    this.settings = {};
  }
}

/** Time for the rate limit; tests pass a fake one. */
export interface GeneratorClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export class OrderGeneratorTask implements SourceTask {
  private context: SourceTaskContext | undefined;
  private settings: OrderGeneratorSettings | undefined;
  private sequence: OrderSequence | undefined;
  private partition: SourcePartition = {};
  private topic = '';
  private seq = 0;
  /** Token bucket: records that may be produced now, refilled at `rate` per second. */
  private tokens = 0;
  private lastRefill = 0;
  private reportedDone = false;
  private wake: (() => void) | undefined;
  private stopped = false;
  private readonly clock: GeneratorClock;

  constructor(clock?: GeneratorClock) {
    this.clock = clock ?? { now: () => Date.now(), sleep: (ms) => this.idle(ms) };
  }

  version(): string {
    return GENERATOR_PLUGIN_VERSION;
  }

  /** Sequence number of the next record. */
  get nextSeq(): number {
    return this.seq;
  }

  async start(config: Record<string, string>, context: SourceTaskContext): Promise<void> {
    this.context = context;
    const s = parseOrderGeneratorConfig(config, `task ${context.taskId} of connector "${context.connectorName}"`);
    this.settings = s;
    this.sequence = new OrderSequence(s.sequence);
    // An empty topic lets the runtime apply the connector's connect.topicname (or its aliases).
    this.topic = config['connect.topicname'] ?? '';
    // The seed is part of the partition: another seed is another stream, starting at 0.
    this.partition = { generator: 'orders', seed: s.sequence.seed };
    this.seq = startSeq(await context.position(this.partition));
    this.lastRefill = this.clock.now();
    this.tokens = 0;
    context.logger.info({ seq: this.seq, seed: s.sequence.seed, rate: s.rate }, 'order-generator starting');
  }

  async poll(): Promise<SourceRecord[]> {
    const s = this.settings;
    const sequence = this.sequence;
    if (!s || !sequence || this.stopped) return [];
    let n = s.batchSize;
    if (s.maxRecords > 0) {
      n = Math.min(n, s.maxRecords - this.seq);
      if (n <= 0) {
        if (!this.reportedDone) this.context!.logger.info({ maxRecords: s.maxRecords }, 'order-generator: max.records reached; producing no more');
        this.reportedDone = true;
        await this.clock.sleep(500);
        return [];
      }
    }
    if (s.rate > 0) {
      n = Math.min(n, await this.take(n, s.rate));
      if (n <= 0) return [];
    }
    const records: SourceRecord[] = [];
    for (let i = 0; i < n; i++) records.push(this.toRecord(sequence.event(this.seq + i)));
    this.seq += n;
    return records;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
  }

  private toRecord(e: OrderEvent): SourceRecord {
    return {
      topic: this.topic,
      key: e.value.orderId,
      keySchema: KEY_SCHEMA,
      value: e.value,
      schema: ORDER_SCHEMA,
      timestamp: e.timestamp,
      headers: { op: OP_HEADER[e.op] },
      sourcePartition: this.partition,
      sourcePosition: { seq: e.seq + 1 },
    };
  }

  /**
   * Up to `want` tokens; waits (at most about a second) for the first one. The bucket holds at most one
   * batch or one second of records, so a task that was held back (backpressure) does not burst far
   * beyond the rate afterwards.
   */
  private async take(want: number, rate: number): Promise<number> {
    const capacity = Math.max(1, Math.min(want, rate));
    this.refill(rate, capacity);
    if (this.tokens < 1) {
      await this.clock.sleep(Math.min(1000, Math.ceil(((1 - this.tokens) * 1000) / rate)));
      if (this.stopped) return 0;
      this.refill(rate, capacity);
    }
    const n = Math.min(want, Math.floor(this.tokens));
    this.tokens -= n;
    return n;
  }

  private refill(rate: number, capacity: number): void {
    const now = this.clock.now();
    this.tokens = Math.min(capacity, this.tokens + ((now - this.lastRefill) * rate) / 1000);
    this.lastRefill = now;
  }

  private idle(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = done;
    });
  }
}

/** The sequence number to continue from: 0 without a committed position. */
function startSeq(position: SourcePosition | undefined): number {
  if (position === undefined) return 0;
  const seq = position['seq'];
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 0) {
    throw new DataError(
      `The committed position ${JSON.stringify(position)} has no valid "seq" (a sequence number >= 0); ` +
        `stop the connector and set it with PATCH /connectors/<name>/offsets (e.g. {"seq": 0}) or reset the offsets.`,
    );
  }
  return seq;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value as Record<string, unknown>)) deepFreeze(v);
  }
  return value;
}
