#!/usr/bin/env bash
# Long runs of the model-based table writer tests: npm run fuzz:table -- --seeds N [--start S] [--hudi-rs-every K]
# Each seed is a writer configuration and a stream of commits (with crashes) checked against the model after
# every commit; a failure prints the seed and the shrunk case to save under test/fuzz/regressions/.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
seeds=500 start=1000 every=25
while [ $# -gt 0 ]; do
  case "$1" in
    --seeds) seeds="$2"; shift 2 ;;
    --start) start="$2"; shift 2 ;;
    --hudi-rs-every) every="$2"; shift 2 ;;
    *) echo "fuzz-table: unknown option $1 (use --seeds N, --start S, --hudi-rs-every K)" >&2; exit 2 ;;
  esac
done
scripts/ensure-built.sh
FUZZ_SEEDS="$seeds" FUZZ_START="$start" FUZZ_HUDI_RS_EVERY="$every" exec npx vitest run test/fuzz/table-fuzz.test.ts
