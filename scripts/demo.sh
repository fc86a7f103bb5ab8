#!/usr/bin/env bash
# The main job on the embedded default: starts a standalone worker (no external service), creates an
# order-generator source (inserts, updates and deletes of the seed's food-delivery orders) and a
# file-sink, waits until every generated record has landed, prints what landed, and stops the worker.
# Usage: scripts/demo.sh [record count, default 5000]     (port: TRIBUTARY_HTTPPORT, default 8082)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
count="${1:-5000}"
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
  max.records="$count" rate=0 seed=42
cli connectors create orders-out connector.class=file-sink connect.topicnames=orders \
  file="$demo/orders.jsonl"

echo "waiting for $count records in $demo/orders.jsonl ..."
for _ in $(seq 1 600); do
  n=$( [ -f "$demo/orders.jsonl" ] && wc -l < "$demo/orders.jsonl" || echo 0)
  [ "$n" -ge "$count" ] && break
  sleep 0.1
done

echo; cli connectors list
echo; echo "source positions:"; cli offsets get orders-gen
echo; echo "sink offsets:"; cli offsets get orders-out
echo; echo "first records in $demo/orders.jsonl:"; head -n 3 "$demo/orders.jsonl"
inserts=$(grep -c '"_hoodie_is_deleted":false' "$demo/orders.jsonl" || true)
deletes=$(grep -c '"_hoodie_is_deleted":true' "$demo/orders.jsonl" || true)
echo; echo "landed: $(wc -l < "$demo/orders.jsonl") records ($deletes deletes, $inserts inserts and updates)"

kill -TERM "$worker"
wait "$worker" && echo "worker stopped cleanly" || echo "worker exited with $?"
trap - EXIT
