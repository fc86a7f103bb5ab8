#!/usr/bin/env bash
# The main job on the embedded default: starts a standalone worker (no external service), creates an
# order-generator source (inserts, updates and deletes of the seed's food-delivery orders), a hudi-sink
# writing them into a Hudi copy-on-write table under data/demo/, and a file-sink keeping the raw event
# log beside it; waits until every generated record is committed to the table, prints what landed
# (timeline and rows), and stops the worker.
# Usage: scripts/demo.sh [record count, default 20000] [records per second, default 5000]   (port: TRIBUTARY_HTTPPORT, default 8082)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
count="${1:-20000}"
rate="${2:-5000}"
port="${TRIBUTARY_HTTPPORT:-8082}"
url="http://127.0.0.1:${port}"
demo="data/demo"

scripts/ensure-built.sh
rm -rf "$demo"
mkdir -p "$demo"
export TRIBUTARY_STOREPATHROOTDIR="$demo/store" TRIBUTARY_HTTPPORT="$port" TRIBUTARY_OFFSETCOMMITINTERVALMS=500
scripts/run_worker.sh conf/connect-standalone.conf > "$demo/worker.log" &
worker=$!
trap 'kill $worker 2>/dev/null || true' EXIT

for _ in $(seq 1 100); do
  curl -fsS "$url/health" >/dev/null 2>&1 && break
  kill -0 "$worker" 2>/dev/null || { echo "worker failed to start:"; cat "$demo/worker.log"; exit 1; }
  sleep 0.2
done

cli() { bin/tributary --url "$url" "$@"; }
cli connectors create orders-gen connector.class=order-generator connect.topicname=orders \
  max.records="$count" rate="$rate" seed=42
cli connectors create orders-log connector.class=file-sink connect.topicnames=orders \
  file="$demo/orders.jsonl"
cp schemas/order-generator.avsc "$demo/order-generator.avsc"
cli connectors create orders-lake connector.class=hudi-sink connect.topicnames=orders \
  tablePath="$demo/orders_hudi" tableName=orders schemaPath="$demo/order-generator.avsc" \
  hoodie.datasource.write.recordkey.field=orderId hoodie.datasource.write.precombine.field=version \
  hoodie.datasource.write.partitionpath.field=orderStatus hoodie.index.type=GLOBAL_BLOOM \
  commit.interval.ms=1000

echo "waiting until the table's commits cover all $count records ..."
covered() {
  bin/tributary table timeline "$demo/orders_hudi" --json 2>/dev/null | node -e '
    let last; require("readline").createInterface({input: process.stdin}).on("line", (l) => { const e = JSON.parse(l); if (e.positions) last = e.positions; })
      .on("close", () => { let n = 0; for (const r of Object.values(last || {})) for (const [a, b] of r) n += b - a; console.log(n); });'
}
for _ in $(seq 1 600); do
  [ "$(covered)" -ge "$count" ] && break
  sleep 0.2
done

echo; cli connectors list
echo; echo "timeline of $demo/orders_hudi:"; bin/tributary table timeline "$demo/orders_hudi"
echo; echo "first rows of the table:"; bin/tributary table read "$demo/orders_hudi" --limit 5
deletes=$(grep -c '"_hoodie_is_deleted":true' "$demo/orders.jsonl" || true)
rows=$(bin/tributary table read "$demo/orders_hudi" --json | wc -l)
echo; echo "landed: $count events ($deletes deletes) became $rows current orders in the Hudi table $demo/orders_hudi"

kill -TERM "$worker"
wait "$worker" && echo "worker stopped cleanly" || echo "worker exited with $?"
trap - EXIT
