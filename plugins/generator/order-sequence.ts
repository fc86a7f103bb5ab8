// The food-delivery order stream as a pure function of (parameters, sequence number): event(n) needs no
// state and no replay, so a restart at position {seq: n} continues exactly where it stopped in O(1).
//
// How inserts, updates and deletes relate without state:
//  - Each n has an "insert slot" flag b(n), drawn from (seed, n): true with probability 1-u-d.
//  - An insert at n creates order n; all of its fields derive from (seed, n).
//  - A change at n either deletes order n-W (only if b(n-W); W = order.window) or updates an order
//    m with b(m) in the last W-1 records (n-W < m < n).
//  So an order is updated only while it is younger than W, and deleted, if at all, exactly when it is W
//  old, by the one sequence number n = m + W that can: never updated after its delete, never deleted
//  twice. Status follows age (older = further along), so it never goes backwards, and `version` = n
//  increases with every change of an order, as a precombine field needs.
// The delete share is met by deleting with probability q = d / ((u+d)(1-u-d)) when the slot allows it;
// that needs q <= 1, which maxDeleteRatio() states. Changes that find nothing to update (the first
// records) become inserts, so the shares hold after the first W records.

import { rngFor } from './prng';

export interface OrderSequenceParams {
  seed: number;
  updateRatio: number;
  deleteRatio: number;
  /** W: updates pick among the last W-1 records; a delete removes the order inserted W records earlier. */
  window: number;
  startTimestampMs: number;
  eventIntervalMs: number;
  orderIdPrefix: string;
}

export type OrderOp = 'insert' | 'update' | 'delete';

/** The record value: the seed's eight order fields, a version for ordering changes, and Hudi's delete marker. */
export interface OrderValue {
  orderId: string;
  orderStatus: string;
  userPhoneNo: string;
  prodId: string;
  prodName: string;
  chargeMoney: number;
  chargeTime: number;
  finishTime: number | null;
  version: number;
  _hoodie_is_deleted: boolean;
}

export interface OrderEvent {
  seq: number;
  op: OrderOp;
  value: OrderValue;
  /** Event time: startTimestampMs + seq * eventIntervalMs. */
  timestamp: number;
}

export const ORDER_STATUSES = ['CREATED', 'PAID', 'ACCEPTED', 'DELIVERING', 'FINISHED'] as const;

const PRODUCTS: readonly { id: string; name: string; price: number }[] = [
  { id: 'P1001', name: 'Kung Pao Chicken', price: 32 },
  { id: 'P1002', name: 'Mapo Tofu', price: 22 },
  { id: 'P1003', name: 'Sweet and Sour Pork', price: 36 },
  { id: 'P1004', name: 'Beef Noodle Soup', price: 28 },
  { id: 'P1005', name: 'Yangzhou Fried Rice', price: 18 },
  { id: 'P1006', name: 'Xiaolongbao (8 pcs)', price: 26 },
  { id: 'P1007', name: 'Peking Duck (half)', price: 88 },
  { id: 'P1008', name: 'Hot Pot Set for Two', price: 128 },
  { id: 'P1009', name: 'Dumplings (15 pcs)', price: 24 },
  { id: 'P1010', name: 'Spicy Crayfish', price: 98 },
  { id: 'P1011', name: 'Bubble Milk Tea', price: 16 },
  { id: 'P1012', name: 'Margherita Pizza', price: 59 },
  { id: 'P1013', name: 'Cheeseburger Meal', price: 35 },
  { id: 'P1014', name: 'Salmon Sushi Set', price: 76 },
  { id: 'P1015', name: 'Caesar Salad', price: 29 },
  { id: 'P1016', name: 'Fried Chicken Bucket', price: 69 },
];
const PHONE_PREFIXES = ['130', '131', '132', '135', '136', '138', '139', '150', '151', '158', '186', '188', '189'];
const DELIVERY_FEES = [0, 3, 5, 6];

// Independent draws per purpose, so that changing how one is used never shifts another.
const STREAM_KIND = 1;
const STREAM_DELETE = 2;
const STREAM_TARGET = 3;
const STREAM_ORDER = 4;
const TARGET_TRIES = 16;

/**
 * The largest delete.ratio the construction supports for an update.ratio u: deleting with probability
 * q = d / ((u+d)(1-u-d)) needs q <= 1, i.e. (u+d)^2 <= u, i.e. d <= sqrt(u) - u (0.247 for u = 0.2).
 */
export function maxDeleteRatio(updateRatio: number): number {
  return Math.max(0, Math.sqrt(updateRatio) - updateRatio);
}

/** Problems with the ratios, as field-level messages (empty when fine). */
export function ratioProblems(updateRatio: number, deleteRatio: number): { name: string; message: string }[] {
  const out: { name: string; message: string }[] = [];
  if (updateRatio + deleteRatio >= 1) {
    out.push({ name: 'update.ratio', message: `update.ratio (${updateRatio}) + delete.ratio (${deleteRatio}) must stay below 1, so that new orders are created; lower one of them` });
  } else if (deleteRatio > maxDeleteRatio(updateRatio) + 1e-12) {
    out.push({
      name: 'delete.ratio',
      message: `delete.ratio ${deleteRatio} is too high for update.ratio ${updateRatio}: a delete removes the order created order.window records earlier, ` +
        `which allows at most sqrt(update.ratio) - update.ratio = ${maxDeleteRatio(updateRatio).toFixed(4)}; raise update.ratio or lower delete.ratio`,
    });
  }
  return out;
}

export class OrderSequence {
  private readonly insertProbability: number;
  private readonly deleteProbability: number;
  private readonly finishAge: number;

  constructor(private readonly params: OrderSequenceParams) {
    const problems = ratioProblems(params.updateRatio, params.deleteRatio);
    if (problems.length > 0) throw new RangeError(problems.map((p) => `${p.name}: ${p.message}`).join('; '));
    if (!Number.isInteger(params.window) || params.window < 2) throw new RangeError(`order.window must be an integer >= 2, got ${params.window}`);
    const change = params.updateRatio + params.deleteRatio;
    this.insertProbability = 1 - change;
    this.deleteProbability = change === 0 ? 0 : params.deleteRatio / (change * (1 - change));
    this.finishAge = Math.ceil((3 * params.window) / 4);
  }

  /** The event at sequence number `seq` (>= 0). Pure: the same parameters and seq give the same event. */
  event(seq: number): OrderEvent {
    const { seed, window } = this.params;
    if (this.isInsertSlot(seq)) return this.insert(seq);
    const old = seq - window;
    if (old >= 0 && this.isInsertSlot(old) && rngFor(seed, seq, STREAM_DELETE).next() < this.deleteProbability) {
      return this.change(seq, old, 'delete');
    }
    const target = this.pickTarget(seq);
    return target === undefined ? this.insert(seq) : this.change(seq, target, 'update');
  }

  /** Event time of sequence number n. */
  eventTime(n: number): number {
    return this.params.startTimestampMs + n * this.params.eventIntervalMs;
  }

  private isInsertSlot(n: number): boolean {
    return rngFor(this.params.seed, n, STREAM_KIND).next() < this.insertProbability;
  }

  /** An insert slot among the last window-1 records before seq, or undefined if there is none. */
  private pickTarget(seq: number): number | undefined {
    const lo = Math.max(0, seq - this.params.window + 1);
    const hi = seq - 1;
    if (hi < lo) return undefined;
    const rng = rngFor(this.params.seed, seq, STREAM_TARGET);
    for (let i = 0; i < TARGET_TRIES; i++) {
      const m = rng.int(lo, hi);
      if (this.isInsertSlot(m)) return m;
    }
    // Rare (few insert slots nearby): scan, newest first; bounded by the window.
    for (let m = hi; m >= lo; m--) if (this.isInsertSlot(m)) return m;
    return undefined;
  }

  private base(m: number): OrderBase {
    const rng = rngFor(this.params.seed, m, STREAM_ORDER);
    const product = rng.pick(PRODUCTS);
    const quantity = rng.int(1, 3);
    const fee = rng.pick(DELIVERY_FEES);
    const phone = rng.pick(PHONE_PREFIXES) + String(rng.int(0, 99999999)).padStart(8, '0');
    return {
      orderId: this.params.orderIdPrefix + String(m).padStart(10, '0'),
      userPhoneNo: phone,
      prodId: product.id,
      prodName: product.name,
      chargeMoney: Math.round((product.price * quantity + fee) * 100) / 100,
      chargeTime: this.eventTime(m),
    };
  }

  private insert(seq: number): OrderEvent {
    return {
      seq,
      op: 'insert',
      value: orderValue(this.base(seq), ORDER_STATUSES[0], null, seq, false),
      timestamp: this.eventTime(seq),
    };
  }

  private change(seq: number, order: number, op: 'update' | 'delete'): OrderEvent {
    const age = seq - order;
    const stage = Math.min(ORDER_STATUSES.length - 1, 1 + Math.floor((4 * age) / this.params.window));
    const finished = stage === ORDER_STATUSES.length - 1;
    return {
      seq,
      op,
      value: orderValue(
        this.base(order),
        ORDER_STATUSES[stage] as string,
        // The moment the order's age reached the finished stage: fixed per order, never after this event.
        finished ? this.eventTime(order + this.finishAge) : null,
        seq,
        op === 'delete',
      ),
      timestamp: this.eventTime(seq),
    };
  }
}

type OrderBase = Omit<OrderValue, 'orderStatus' | 'finishTime' | 'version' | '_hoodie_is_deleted'>;

/** Fields in schema order, so that schemaless consumers (JSON) see the same column order. */
function orderValue(base: OrderBase, orderStatus: string, finishTime: number | null, version: number, deleted: boolean): OrderValue {
  return {
    orderId: base.orderId,
    orderStatus,
    userPhoneNo: base.userPhoneNo,
    prodId: base.prodId,
    prodName: base.prodName,
    chargeMoney: base.chargeMoney,
    chargeTime: base.chargeTime,
    finishTime,
    version,
    _hoodie_is_deleted: deleted,
  };
}
