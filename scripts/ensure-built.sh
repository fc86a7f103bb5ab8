#!/usr/bin/env bash
# Installs npm dependencies and compiles the TypeScript sources when they are missing or out of date.
# Safe to call from several processes at once: the build runs under a lock.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

# better-sqlite3 compiles from source when no prebuilt binary can be fetched; point node-gyp at the
# installed Node headers so it needs no download.
if [ -z "${npm_config_nodedir:-}" ] && [ -f /usr/include/node/node.h ]; then
  export npm_config_nodedir=/usr
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "tributary: installing npm dependencies (npm ci)" >&2
  npm ci --no-audit --no-fund >&2
fi

stamp=dist/.build-stamp
needs_build() {
  [ -f "$stamp" ] || return 0
  [ -n "$(find runtime plugins scripts package.json tsconfig.json -newer "$stamp" \( -name '*.ts' -o -name '*.json' -o -name '*.js' \) -print -quit 2>/dev/null)" ]
}
if needs_build; then
  exec 9>"$root/.build.lock"
  flock 9
  if needs_build; then
    echo "tributary: building (npm run build)" >&2
    npm run --silent build >&2
    touch "$stamp"
  fi
  flock -u 9
fi
