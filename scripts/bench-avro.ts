// Coercion throughput of the Hudi sink's Avro layer: N order records (schemas/order.avsc, default 200,000)
// turned into rows from each input encoding. Prints records/s, best of 3 runs after a warm-up.
// Run after the build: node dist/scripts/bench-avro.js [records]

import * as fs from 'node:fs';
import * as path from 'node:path';
import { createRecordCoercer, type RecordEncoding } from '../plugins/hudi/avro/record-coercer';
import { loadTableSchema } from '../plugins/hudi/avro/table-schema';

const STATUSES = ['CREATED', 'PAID', 'ACCEPTED', 'DELIVERING', 'FINISHED'];
const PRODUCTS = ['Kung Pao Chicken', 'Mapo Tofu', 'Sweet and Sour Pork', 'Beef Noodle Soup', 'Dumplings'];

function orders(n: number): Record<string, unknown>[] {
  let seed = 42;
  const rnd = (): number => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  const out: Record<string, unknown>[] = [];
  for (let i = 0; i < n; i++) {
    const status = STATUSES[Math.floor(rnd() * STATUSES.length)]!;
    const chargeTime = 1_704_067_200_000 + i * 250;
    out.push({
      orderId: `ORD${String(i).padStart(10, '0')}`,
      orderStatus: status,
      userPhoneNo: `138${String(Math.floor(rnd() * 1e8)).padStart(8, '0')}`,
      prodId: `P${1000 + Math.floor(rnd() * PRODUCTS.length)}`,
      prodName: PRODUCTS[Math.floor(rnd() * PRODUCTS.length)]!,
      chargeMoney: Math.round(rnd() * 10000) / 100,
      chargeTime,
      finishTime: status === 'FINISHED' ? chargeTime + 1_800_000 : null,
    });
  }
  return out;
}

function measure(label: string, inputs: unknown[], coerce: (v: unknown) => unknown): void {
  for (const v of inputs.slice(0, 20_000)) coerce(v); // warm-up
  let best = Infinity;
  for (let run = 0; run < 3; run++) {
    const t0 = process.hrtime.bigint();
    for (const v of inputs) coerce(v);
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1e9);
  }
  const rate = Math.round(inputs.length / best);
  process.stdout.write(`${label.padEnd(44)} ${rate.toLocaleString('en-US').padStart(12)} records/s  (${(best * 1000).toFixed(0)} ms for ${inputs.length.toLocaleString('en-US')})\n`);
}

async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? 200_000);
  // dist/scripts/ → the repository root holds schemas/; run from the root otherwise.
  const candidates = [path.join(__dirname, '..', '..', 'schemas', 'order.avsc'), path.resolve('schemas', 'order.avsc')];
  const schema = await loadTableSchema(candidates.find((p) => fs.existsSync(p)) ?? candidates[0]!);
  const rows = orders(n);
  // The seed's format: Avro JSON text (finishTime wrapped as {"long": …} when set).
  const avroJsonText = rows.map((r) => JSON.stringify({ ...r, finishTime: r['finishTime'] === null ? null : { long: r['finishTime'] } }));
  const avroJsonBodies = avroJsonText.map((t) => Buffer.from(t));
  const plainObjects = rows.map((r) => ({ ...r }));
  const binary = rows.map((r) => schema.avroType.toBuffer(r));
  const coercer = (encoding: RecordEncoding) => {
    const c = createRecordCoercer(schema, { encoding });
    return (v: unknown) => c.coerce(v);
  };

  process.stdout.write(`node ${process.version}, ${n.toLocaleString('en-US')} order records (schemas/order.avsc)\n`);
  measure('Avro JSON message bodies (Buffer), auto', avroJsonBodies, coercer('auto'));
  measure('Avro JSON text (string), avro-json', avroJsonText, coercer('avro-json'));
  measure('  of which JSON.parse alone', avroJsonText, (t) => JSON.parse(t as string));
  measure('plain JSON objects (already parsed), json', plainObjects, coercer('json'));
  measure('Avro binary (Buffer), avro-binary', binary, coercer('avro-binary'));
}

main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
