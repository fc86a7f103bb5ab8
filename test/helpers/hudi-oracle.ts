// The oracle: what a table must contain after a stream of records, computed without any of the
// writer's code. Per record key: the record with the greatest precombine value wins, ties go to the
// later arrival, and a winning delete removes the key. Deliberately simple: a Map and a loop.

export interface OracleInput {
  key: string;
  ordering: number | string | null;
  isDelete: boolean;
  row: Record<string, unknown>;
}

export function oracle(inputs: OracleInput[], opts: { orderingByArrivalOnly?: boolean } = {}): Map<string, Record<string, unknown>> {
  const winner = new Map<string, OracleInput>();
  for (const r of inputs) {
    const prev = winner.get(r.key);
    if (!prev || opts.orderingByArrivalOnly || r.ordering === null || prev.ordering === null || !(r.ordering < prev.ordering)) winner.set(r.key, r);
  }
  const out = new Map<string, Record<string, unknown>>();
  for (const [k, r] of winner) if (!r.isDelete) out.set(k, r.row);
  return out;
}
