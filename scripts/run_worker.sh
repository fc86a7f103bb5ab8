#!/usr/bin/env bash
# Runs a Tributary worker in the foreground: installs and builds first if needed, then replaces this
# shell with the worker process so SIGTERM/SIGINT reach it directly (clean stop: tasks stopped, sinks
# flushed, positions committed). Logs are JSON lines on stdout.
# Usage: scripts/run_worker.sh [worker config, default conf/connect-standalone.conf]
# Exit codes: 0 clean stop, 1 unexpected error, 2 invalid configuration, 3 cannot start.
set -euo pipefail
# glibc gives every thread that allocates its own malloc arena (the Parquet encoder threads, libuv's pool), and
# freed memory in one arena is not reused by another: two arenas keep the resident set near what is in use.
export MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/ensure-built.sh"
if [ $# -eq 0 ]; then
  # The default config's relative paths (data/store, data) are meant relative to the checkout.
  cd "$root"
  exec node "$root/dist/runtime/main.js" conf/connect-standalone.conf
fi
exec node "$root/dist/runtime/main.js" "$1"
