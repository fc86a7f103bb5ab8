#!/usr/bin/env bash
# The whole test suite: installs and builds if needed, then runs unit and integration tests
# (integration tests start real workers with scripts/run_worker.sh on free loopback ports).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
scripts/ensure-built.sh
npx vitest run "$@"
