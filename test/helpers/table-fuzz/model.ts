// The model a table must equal after every commit, computed without any of the writer's code: a Map from
// a key's identity to its row. Identity is the record key with a global index and (partition, key)
// otherwise. A batch is first combined per identity (greatest precombine value, ties to the later
// arrival; no precombine field: the later arrival), then each winner is applied against the model with
// the same rule: an older record loses to the stored row, a winning delete removes it, a winning upsert
// replaces it — in its own partition, which moves the key under a global index.

export type Operation = 'upsert' | 'insert' | 'bulk_insert' | 'delete';

export interface FuzzEvent {
  key: string;
  part: string;
  ver: number;
  isDelete: boolean;
  /** Nullable data columns. */
  amount: number | null;
  note: string | null;
  qty: number | null;
}

export interface ModelRow {
  key: string;
  part: string;
  ver: number;
  amount: number | null;
  note: string | null;
  qty: number | null;
}

export interface ModelOptions {
  global: boolean;
  precombine: boolean;
}

export class TableModel {
  readonly rows = new Map<string, ModelRow>();

  constructor(readonly o: ModelOptions) {}

  identity(key: string, part: string): string {
    return this.o.global ? key : `${part}/${key}`;
  }

  /** True when a row with this identity is in the table (insert batches only use absent identities). */
  holds(key: string, part: string): boolean {
    return this.rows.has(this.identity(key, part));
  }

  apply(op: Operation, events: FuzzEvent[]): void {
    const winners = new Map<string, FuzzEvent>();
    for (const e of events) {
      const id = this.identity(e.key, e.part);
      const prev = winners.get(id);
      if (!prev || !this.o.precombine || e.ver >= prev.ver) winners.set(id, e);
    }
    for (const [id, e] of winners) {
      const stored = this.rows.get(id);
      if (op === 'delete') {
        this.rows.delete(id);
        continue;
      }
      if (op === 'upsert' && stored && this.o.precombine && e.ver < stored.ver) continue;
      if (e.isDelete) this.rows.delete(id);
      else this.rows.set(id, { key: e.key, part: e.part, ver: e.ver, amount: e.amount, note: e.note, qty: e.qty });
    }
  }

  clone(): TableModel {
    const m = new TableModel(this.o);
    for (const [k, v] of this.rows) m.rows.set(k, { ...v });
    return m;
  }
}

/** A row as the comparison sees it, from the model or from any reader's row. */
export function render(r: { key: string; part: string; ver: number; amount: number | null; note: string | null; qty: number | null }): string {
  return `${r.part}/${r.key} ver=${r.ver} amount=${r.amount} note=${JSON.stringify(r.note)} qty=${r.qty}`;
}

export function expectedRows(m: TableModel): string[] {
  return [...m.rows.values()].map(render).sort();
}

/** A reader's rows in render()'s form; meta columns give key and partition, so the writer's own fields are checked too. */
export function readerRows(rows: Record<string, unknown>[]): string[] {
  const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
  return rows
    .map((r) => {
      const key = String(r['_hoodie_record_key']);
      const part = String(r['_hoodie_partition_path']);
      if (String(r['id']) !== key) return `MISMATCH meta key ${key} vs id ${String(r['id'])}`;
      if (String(r['part']) !== part) return `MISMATCH meta partition ${part} vs part ${String(r['part'])} (key ${key})`;
      return render({ key, part, ver: Number(r['ver']), amount: num(r['amount']), note: (r['note'] ?? null) as string | null, qty: num(r['qty']) });
    })
    .sort();
}

/** What differs between two sorted row lists, for a failure message (first few of each side). */
export function diff(expected: string[], actual: string[]): string | undefined {
  const e = new Set(expected);
  const a = new Set(actual);
  const missing = expected.filter((x) => !a.has(x));
  const extra = actual.filter((x) => !e.has(x));
  const dup = actual.length - a.size;
  if (missing.length === 0 && extra.length === 0 && dup === 0) return undefined;
  const show = (l: string[]) => l.slice(0, 6).join('\n    ') + (l.length > 6 ? `\n    … ${l.length - 6} more` : '');
  return `${missing.length} rows missing, ${extra.length} unexpected, ${dup} duplicated (expected ${expected.length}, read ${actual.length})` +
    (missing.length ? `\n  missing:\n    ${show(missing)}` : '') +
    (extra.length ? `\n  unexpected:\n    ${show(extra)}` : '');
}
