#!/usr/bin/env bash
# A real S3-compatible server for tests and local runs: MinIO, built from source through the Go module proxy
# (`go install github.com/minio/minio@<pseudo-version>`), one process on 127.0.0.1 with a local-disk backend.
# No Docker, no MinIO download: Go 1.24+ and curl 7.75+.
#
#   scripts/s3.sh start [--lease ID]        build if needed, start the server if it is not running, wait until it
#                                           answers signed requests; the first start of a new build also runs `check`
#   scripts/s3.sh stop [--lease ID] [--kill]
#                                           stop the server this script started, by pid: TERM, then KILL after
#                                           $TRIBUTARY_S3_STOP_TIMEOUT s (--kill: KILL at once, like a crash)
#   scripts/s3.sh restart                   stop and start again, leases kept
#   scripts/s3.sh status                    the server and the leases; exit 0 only if the server runs and answers
#   scripts/s3.sh env                       print the connection settings as KEY=VALUE lines
#   scripts/s3.sh bucket NAME               create a bucket (no error if it is there already)
#   scripts/s3.sh check                     verify, with real requests against the running server, what the tests
#                                           rely on: conditional PUT (If-None-Match: *, If-Match), atomicity of
#                                           racing If-None-Match PUTs, multipart upload (and conditional complete),
#                                           ranged GET, ListObjectsV2
#   scripts/s3.sh fetch                     only build the server into the cache
#
# `start` and `env` print KEY=VALUE lines on stdout (S3_ENDPOINT, AWS_ACCESS_KEY_ID, ...); progress and errors go
# to stderr. Every command is idempotent.
#
# Build: `go install` of github.com/minio/minio at $TRIBUTARY_S3_MINIO_VERSION (default v0.0.0-20260212201848-7aac2a2c5b7c,
# what `@latest` resolved to on the Go module proxy on 2026-11-23; MinIO tags no semver releases of its server module,
# so only pseudo-versions exist) with CGO_ENABLED=0 -trimpath, into $TRIBUTARY_CACHE/s3/minio-<version>/bin/minio
# (107 MB). GOPATH, GOMODCACHE and GOCACHE are $TRIBUTARY_CACHE/s3/go/{path,path/pkg/mod,build} (module cache made
# writable with -modcacherw, so `rm -rf` clears it; together about 2.2 GB), so nothing is written to the repo or
# ~/go. A cold build took 125-190 s on 2 cores; a warm run compares a stamp file and does nothing else.
#
# State (deleted by nothing but you): $TRIBUTARY_S3_DIR, default /tmp/tributary-s3
#   data/        the drive (MinIO's single-drive mode; buckets and objects survive a restart)
#   logs/        minio.out (the server's stdout/stderr), check.log (the last `check`), commands.log
#   run/         minio.pid;  leases/  who asked for the server (see "Leases");  certs/  MinIO's certs dir (empty:
#                plain HTTP); the server runs with HOME=$TRIBUTARY_S3_DIR so nothing is written to the real home
#
# Leases: `start --lease ID` records ID (with the caller's pid, $TRIBUTARY_S3_LEASE_PID or the parent's pid);
# `stop --lease ID` drops it and stops the server only when no live lease is left. Test files running in parallel
# share one server this way; a plain `start` takes a lease "cli" that only a plain `stop` (which stops the server)
# releases, so tests never stop a server someone started by hand.
#
# Listening: the S3 API on 127.0.0.1:$TRIBUTARY_S3_PORT (MinIO also opens the same port on [::1], the IPv6 loopback),
# the web console on 127.0.0.1:$TRIBUTARY_S3_CONSOLE_PORT (0 turns the console off). Nothing else.
# Credentials are fixed test values, region us-east-1, path-style addressing (no MINIO_DOMAIN).
#
# Environment (defaults in brackets):
#   TRIBUTARY_CACHE [~/.cache/tributary]     build cache
#   TRIBUTARY_S3_DIR [/tmp/tributary-s3]     state directory
#   TRIBUTARY_S3_PORT [9000]  TRIBUTARY_S3_CONSOLE_PORT [9001] (0: no console)
#   TRIBUTARY_S3_MINIO_VERSION [v0.0.0-20260212201848-7aac2a2c5b7c]
#   TRIBUTARY_S3_START_TIMEOUT [60]  TRIBUTARY_S3_STOP_TIMEOUT [15]   seconds
#   GO [go]  CURL [curl]
set -euo pipefail

VERSION="${TRIBUTARY_S3_MINIO_VERSION:-v0.0.0-20260212201848-7aac2a2c5b7c}"
CACHE="${TRIBUTARY_CACHE:-$HOME/.cache/tributary}"
S3_CACHE="$CACHE/s3"
DIST="$S3_CACHE/minio-$VERSION"
BIN="$DIST/bin/minio"
GO_DIR="$S3_CACHE/go"
STATE="${TRIBUTARY_S3_DIR:-/tmp/tributary-s3}"
DATA="$STATE/data"
RUN="$STATE/run"
LOGS="$STATE/logs"
LEASES="$STATE/leases"
PID_FILE="$RUN/minio.pid"

PORT="${TRIBUTARY_S3_PORT:-9000}"
CONSOLE_PORT="${TRIBUTARY_S3_CONSOLE_PORT:-9001}"
START_TIMEOUT="${TRIBUTARY_S3_START_TIMEOUT:-60}"
STOP_TIMEOUT="${TRIBUTARY_S3_STOP_TIMEOUT:-15}"
GO="${GO:-go}"
CURL="${CURL:-curl}"

ACCESS_KEY=tributary-test
SECRET_KEY=tributary-test-secret
REGION=us-east-1
ENDPOINT="http://127.0.0.1:$PORT"
EMPTY_SHA256=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
SERVICE=s3
# shellcheck source=scripts/lib/service.sh
source "$here/lib/service.sh"

[[ "$PORT" =~ ^[1-9][0-9]*$ ]] || die "TRIBUTARY_S3_PORT must be a port number, got '$PORT'"
[[ "$CONSOLE_PORT" =~ ^[0-9]+$ ]] || die "TRIBUTARY_S3_CONSOLE_PORT must be a port number or 0, got '$CONSOLE_PORT'"
[ "$PORT" != "$CONSOLE_PORT" ] || die "TRIBUTARY_S3_PORT and TRIBUTARY_S3_CONSOLE_PORT are both $PORT"

# --- build --------------------------------------------------------------------------------------------------------

# MinIO's own release builds stamp these with -X; a `go install` leaves them at DEVELOPMENT.GOGET. Only the commit
# and the copyright year are set from the pseudo-version: a real Version/ReleaseTag would switch on MinIO's "newer
# release available" check (MINIO_UPDATE=off disables it too).
ldflags() {
  local f="-s -w"
  if [[ "$VERSION" =~ ^v[0-9.]+-([0-9]{4})[0-9]{10}-([0-9a-f]{12})$ ]]; then
    f+=" -X github.com/minio/minio/cmd.CommitID=${BASH_REMATCH[2]} -X github.com/minio/minio/cmd.ShortCommitID=${BASH_REMATCH[2]}"
    f+=" -X github.com/minio/minio/cmd.CopyrightYear=${BASH_REMATCH[1]}"
  fi
  echo "$f"
}

# The stamp holds what the binary was built from; a warm run compares it and does nothing else.
build_stamp() { echo "minio $VERSION; CGO_ENABLED=0 -trimpath -ldflags '$(ldflags)'"; }

go_env() {
  env GOPATH="$GO_DIR/path" GOMODCACHE="$GO_DIR/path/pkg/mod" GOCACHE="$GO_DIR/build" GOFLAGS=-modcacherw \
    GOTOOLCHAIN=local CGO_ENABLED=0 "$@"
}

ensure_built() {
  mkdir -p "$DIST"
  exec 8>"$DIST/.lock"
  flock 8
  if [ -x "$BIN" ] && [ -f "$DIST/.tributary-stamp" ] && [ "$(cat "$DIST/.tributary-stamp")" = "$(build_stamp)" ]; then
    flock -u 8
    return 0
  fi
  command -v "$GO" >/dev/null 2>&1 || die "go not found (Go 1.24 or newer is needed to build MinIO)"
  local gover
  gover="$("$GO" env GOVERSION)"
  [[ "$gover" =~ ^go1\.([0-9]+) ]] && [ "${BASH_REMATCH[1]}" -ge 24 ] \
    || die "$GO is $gover; MinIO $VERSION needs Go 1.24 or newer"
  log "building MinIO $VERSION with $gover into $BIN (go install through the Go module proxy; cold: a few minutes)"
  local start=$SECONDS tmp="$DIST/bin.tmp" out
  rm -rf "$tmp"
  mkdir -p "$tmp" "$GO_DIR"
  if ! out=$(go_env GOBIN="$tmp" "$GO" install -trimpath -ldflags "$(ldflags)" "github.com/minio/minio@$VERSION" 2>&1); then
    echo "$out" | grep -v '^go: downloading ' | tail -30 >&2
    die "go install github.com/minio/minio@$VERSION failed (see above; is the Go module proxy reachable?)"
  fi
  [ -x "$tmp/minio" ] || die "go install succeeded but $tmp/minio is missing"
  rm -rf "$DIST/bin"
  mv "$tmp" "$DIST/bin"
  rm -f "$DIST/.checked"
  build_stamp >"$DIST/.tributary-stamp"
  log "built $BIN ($(du -h "$BIN" | cut -f1)) in $((SECONDS - start)) s"
  flock -u 8
}

# --- process ------------------------------------------------------------------------------------------------------

# The pid of our running server, or nothing. A pid file whose process is gone or is not our MinIO (pid reuse) is
# stale and removed, so `stop` can never signal a stranger.
running_pid() {
  local pid
  [ -f "$PID_FILE" ] || return 0
  pid="$(cat "$PID_FILE" 2>/dev/null || true)"
  if [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] \
      && tr '\0' '\n' <"/proc/$pid/cmdline" | grep -qxF -- "$DATA" \
      && tr '\0' '\n' <"/proc/$pid/cmdline" | head -1 | grep -q 'minio$'; then
    echo "$pid"
  else
    rm -f "$PID_FILE"
  fi
}



log_tail() {
  echo "----- $LOGS/minio.out (last 40 lines) -----" >&2
  tail -n 40 "$LOGS/minio.out" 2>/dev/null >&2 || true
}

launch() {
  local args=(server --address "127.0.0.1:$PORT" --certs-dir "$STATE/certs") browser=on p
  if [ "$CONSOLE_PORT" = 0 ]; then browser=off; else args+=(--console-address "127.0.0.1:$CONSOLE_PORT"); fi
  for p in "$PORT" $([ "$CONSOLE_PORT" = 0 ] || echo "$CONSOLE_PORT"); do
    port_open "$p" && die "port $p is taken by another process (choose others with TRIBUTARY_S3_PORT / TRIBUTARY_S3_CONSOLE_PORT)"
  done
  args+=("$DATA")
  mkdir -p "$DATA" "$STATE/certs"
  log "starting MinIO on $ENDPOINT$([ "$browser" = off ] || echo ", console http://127.0.0.1:$CONSOLE_PORT")"
  echo "=== $(date -u +%FT%TZ) start minio $VERSION" >>"$LOGS/minio.out"
  # setsid: the server outlives this shell and a Ctrl-C aimed at it. The inner bash writes its own pid, then execs
  # minio, so the pid file holds the server's pid. fd 8 and 9 (our locks) must not be inherited.
  # MINIO_CI_CD=1: CI sets CI=true, which MinIO reads the same way; set it everywhere so a developer's server
  # behaves as CI's (smaller buffer pool, immediate purge of deleted data).
  # shellcheck disable=SC2016 # $$ and $0 belong to the inner bash
  env HOME="$STATE" MINIO_ROOT_USER="$ACCESS_KEY" MINIO_ROOT_PASSWORD="$SECRET_KEY" MINIO_SITE_REGION="$REGION" \
    MINIO_BROWSER="$browser" MINIO_UPDATE=off MINIO_CI_CD=1 \
    setsid bash -c 'echo $$ >"$0"; exec "$@"' "$PID_FILE" "$BIN" "${args[@]}" \
    </dev/null >>"$LOGS/minio.out" 2>&1 8>&- 9>&- &
  local i
  for i in $(seq 1 50); do [ -s "$PID_FILE" ] && break; sleep 0.1; done
}

# --- signed requests (curl's own SigV4) ---------------------------------------------------------------------------

# s3req OUT METHOD PATH BODY [curl args...]: one signed request; BODY is a file or - (none). Writes the response
# body to OUT.body and the headers to OUT.hdr, prints the HTTP status (000 when no answer). The payload hash is
# sent explicitly: curl 7.88 signs a body without sending x-amz-content-sha256, which MinIO rejects.
s3req() {
  local out="$1" method="$2" path="$3" body="$4" sha
  shift 4
  local args=(-sS -o "$out.body" -D "$out.hdr" -w '%{http_code}' --max-time 30
    --aws-sigv4 "aws:amz:$REGION:s3" --user "$ACCESS_KEY:$SECRET_KEY")
  case "$method" in
    HEAD) args+=(-I) ;;
    *) args+=(-X "$method") ;;
  esac
  if [ "$body" = - ]; then
    sha=$EMPTY_SHA256
  else
    sha="$(sha256sum <"$body" | cut -d' ' -f1)"
    args+=(--data-binary "@$body" -H 'Content-Type: application/octet-stream')
  fi
  args+=(-H "x-amz-content-sha256: $sha")
  "$CURL" "${args[@]}" "$@" "$ENDPOINT$path" 2>>"$out.err" || true
}

# The UploadId of an InitiateMultipartUpload answer, percent-encoded for a query string (MinIO's are URL-safe
# base64 already; others may not be).
upload_id_of() {
  local id c out="" i
  id="$(sed -n 's:.*<UploadId>\([^<]*\)</UploadId>.*:\1:p' "$1.body" 2>/dev/null | head -1)"
  for ((i = 0; i < ${#id}; i++)); do
    c="${id:i:1}"
    case "$c" in [A-Za-z0-9._~-]) out+="$c" ;; *) out+="$(printf '%%%02X' "'$c")" ;; esac
  done
  echo "$out"
}

header_of() { grep -i "^$2:" "$1.hdr" 2>/dev/null | head -1 | cut -d: -f2- | tr -d '\r' | sed 's/^ *//'; }

# Waits until the server answers a signed ListBuckets with 200 (liveness alone comes before IAM is loaded).
wait_ready() {
  local deadline=$((SECONDS + START_TIMEOUT)) tmp code
  tmp="$(mktemp -d)"
  while :; do
    code="$(s3req "$tmp/r" GET / -)"
    [ "$code" = 200 ] && break
    if [ -z "$(running_pid)" ]; then
      rm -rf "$tmp"
      log_tail
      die "MinIO exited during startup (log above; full log in $LOGS/minio.out)"
    fi
    if [ $SECONDS -ge $deadline ]; then
      log_tail
      echo "last answer: HTTP $code $(head -c 400 "$tmp/r.body" 2>/dev/null)" >&2
      rm -rf "$tmp"
      kill -TERM "$(running_pid)" 2>/dev/null || true
      rm -f "$PID_FILE"
      die "MinIO did not answer a signed request on $ENDPOINT within $START_TIMEOUT s (stopped it)"
    fi
    sleep 0.2
  done
  rm -rf "$tmp"
  log "MinIO up (pid $(running_pid))"
}

valid_bucket() { [[ "$1" =~ ^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$ ]] && [[ "$1" != *..* ]]; }

create_bucket() {
  local name="$1" tmp code
  valid_bucket "$name" || die "invalid bucket name '$name' (3-63 characters: a-z, 0-9, '.', '-')"
  tmp="$(mktemp -d)"
  code="$(s3req "$tmp/r" PUT "/$name" -)"
  case "$code" in
    200) log "bucket $name created" ;;
    409)
      if grep -q BucketAlreadyOwnedByYou "$tmp/r.body"; then
        log "bucket $name already exists"
      else
        cat "$tmp/r.body" >&2; rm -rf "$tmp"; die "cannot create bucket $name (HTTP 409)"
      fi
      ;;
    *) cat "$tmp/r.body" "$tmp/r.err" >&2 2>/dev/null || true; rm -rf "$tmp"; die "cannot create bucket $name (HTTP $code)" ;;
  esac
  rm -rf "$tmp"
}

# --- check --------------------------------------------------------------------------------------------------------

# Verifies against the running server the object-store semantics Tributary's S3 storage relies on. Every step is
# logged with its HTTP status to stderr and $LOGS/check.log; any deviation fails the whole check.
cmd_check() {
  [ -n "$(running_pid)" ] || die "the server is not running (scripts/s3.sh start)"
  local w b fails=0 code etag etag2 ok i
  w="$(mktemp -d)"
  b="tributary-check-$$-$RANDOM"
  : >"$LOGS/check.log"
  # expect STEP WANTED GOT
  expect() {
    local line
    if [ "$3" = "$2" ]; then line="PASS  $1: HTTP $3"; else line="FAIL  $1: HTTP $3, expected $2"; fails=$((fails + 1)); fi
    echo "s3 check: $line" >&2
    echo "$line" >>"$LOGS/check.log"
  }
  note() { echo "s3 check: $*" >&2; echo "$*" >>"$LOGS/check.log"; }
  note "MinIO $VERSION at $ENDPOINT, bucket $b, $(date -u +%FT%TZ)"

  printf 'first' >"$w/one"
  printf 'second' >"$w/two"
  printf 'third' >"$w/three"
  expect "create bucket" 200 "$(s3req "$w/r" PUT "/$b" -)"

  # Conditional PUT: create-only.
  expect "PUT If-None-Match:* on a new key" 200 "$(s3req "$w/r" PUT "/$b/k" "$w/one" -H 'If-None-Match: *')"
  etag="$(header_of "$w/r" etag)"
  expect "PUT If-None-Match:* on an existing key" 412 "$(s3req "$w/r" PUT "/$b/k" "$w/two" -H 'If-None-Match: *')"
  grep -q PreconditionFailed "$w/r.body" || { note "FAIL  412 body has no PreconditionFailed code: $(head -c 300 "$w/r.body")"; fails=$((fails + 1)); }
  expect "GET after the refused PUT" 200 "$(s3req "$w/r" GET "/$b/k" -)"
  [ "$(cat "$w/r.body")" = first ] || { note "FAIL  the refused PUT changed the object: '$(head -c 100 "$w/r.body")'"; fails=$((fails + 1)); }

  # Conditional PUT: compare-and-swap on the ETag.
  [ -n "$etag" ] || { note "FAIL  no ETag header on PUT"; fails=$((fails + 1)); }
  expect "PUT If-Match:<wrong etag>" 412 "$(s3req "$w/r" PUT "/$b/k" "$w/two" -H 'If-Match: "00000000000000000000000000000000"')"
  expect "PUT If-Match:<current etag $etag>" 200 "$(s3req "$w/r" PUT "/$b/k" "$w/two" -H "If-Match: $etag")"
  etag2="$(header_of "$w/r" etag)"
  expect "PUT If-Match:<stale etag $etag>" 412 "$(s3req "$w/r" PUT "/$b/k" "$w/three" -H "If-Match: $etag")"
  expect "GET after the CAS" 200 "$(s3req "$w/r" GET "/$b/k" -)"
  [ "$(cat "$w/r.body")" = second ] || { note "FAIL  object after CAS is '$(head -c 100 "$w/r.body")', expected 'second'"; fails=$((fails + 1)); }
  [ "$(header_of "$w/r" etag)" = "$etag2" ] || { note "FAIL  ETag after CAS is $(header_of "$w/r" etag), expected $etag2"; fails=$((fails + 1)); }
  expect "PUT If-Match on a missing key (NoSuchKey)" 404 "$(s3req "$w/r" PUT "/$b/missing" "$w/one" -H "If-Match: $etag")"

  # Atomicity: racing create-only PUTs of one new key; exactly one may win, and the object must be the winner's.
  local n=6 wins=0 lost=0 other=0 winner="" racers=()
  for i in $(seq 1 $n); do
    printf 'racer-%s' "$i" >"$w/racer$i"
    s3req "$w/race$i" PUT "/$b/raced" "$w/racer$i" -H 'If-None-Match: *' >"$w/race$i.code" &
    racers+=($!)
  done
  # only the racers: a plain `wait` would also wait for the server this shell launched
  wait "${racers[@]}"
  for i in $(seq 1 $n); do
    case "$(cat "$w/race$i.code")" in
      200) wins=$((wins + 1)) winner="racer-$i" ;;
      412) lost=$((lost + 1)) ;;
      *) other=$((other + 1)) ;;
    esac
  done
  s3req "$w/r" GET "/$b/raced" - >/dev/null
  if [ $wins = 1 ] && [ $lost = $((n - 1)) ] && [ "$(cat "$w/r.body")" = "$winner" ]; then
    note "PASS  $n concurrent PUT If-None-Match:* of one key: 1 x 200, $lost x 412, object = the winner's body"
  else
    note "FAIL  $n concurrent PUT If-None-Match:* of one key: $wins x 200, $lost x 412, $other other; object '$(head -c 50 "$w/r.body")', winner '$winner'"
    fails=$((fails + 1))
  fi

  # Multipart upload: 5 MiB part + a small last part, completed create-only. (`?uploads=`, not `?uploads`: curl
  # 7.88's SigV4 signs a bare `uploads` differently from S3's canonical `uploads=`.)
  head -c $((5 * 1024 * 1024)) /dev/urandom >"$w/part1"
  head -c 123457 /dev/urandom >"$w/part2"
  local key="/$b/mp/object.parquet" upload e1 e2 size="" want_sha got_sha
  expect "CreateMultipartUpload" 200 "$(s3req "$w/r" POST "$key?uploads=" -)"
  upload="$(upload_id_of "$w/r")"
  if [ -z "$upload" ]; then
    note "FAIL  no UploadId in $(head -c 300 "$w/r.body"); multipart steps skipped"
    fails=$((fails + 1))
  else
    expect "UploadPart 1 (5 MiB)" 200 "$(s3req "$w/r" PUT "$key?partNumber=1&uploadId=$upload" "$w/part1")"
    e1="$(header_of "$w/r" etag)"
    expect "UploadPart 2 (121 KiB)" 200 "$(s3req "$w/r" PUT "$key?partNumber=2&uploadId=$upload" "$w/part2")"
    e2="$(header_of "$w/r" etag)"
    printf '<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>%s</ETag></Part><Part><PartNumber>2</PartNumber><ETag>%s</ETag></Part></CompleteMultipartUpload>' \
      "$e1" "$e2" >"$w/complete.xml"
    expect "CompleteMultipartUpload If-None-Match:* (new key)" 200 \
      "$(s3req "$w/r" POST "$key?uploadId=$upload" "$w/complete.xml" -H 'If-None-Match: *')"
    grep -q '<ETag>' "$w/r.body" || { note "FAIL  CompleteMultipartUpload answered without a result: $(head -c 300 "$w/r.body")"; fails=$((fails + 1)); }
    expect "HEAD the multipart object" 200 "$(s3req "$w/r" HEAD "$key" -)"
    size="$(header_of "$w/r" content-length)"
    [ "$size" = $((5 * 1024 * 1024 + 123457)) ] || { note "FAIL  multipart object is '$size' bytes"; fails=$((fails + 1)); }
    [[ "$(header_of "$w/r" etag)" == *-2\" ]] || { note "FAIL  multipart ETag $(header_of "$w/r" etag) does not end in -2"; fails=$((fails + 1)); }
    expect "GET the multipart object" 200 "$(s3req "$w/r" GET "$key" -)"
    want_sha="$(cat "$w/part1" "$w/part2" | sha256sum | cut -d' ' -f1)"
    got_sha="$(sha256sum <"$w/r.body" | cut -d' ' -f1)"
    [ "$want_sha" = "$got_sha" ] || { note "FAIL  multipart object content differs from the parts"; fails=$((fails + 1)); }
    expect "GET Range: bytes=-8 (a Parquet footer read)" 206 "$(s3req "$w/r" GET "$key" - -H 'Range: bytes=-8')"
    [ "$(od -An -tx1 "$w/r.body" | tr -d ' \n')" = "$(tail -c 8 "$w/part2" | od -An -tx1 | tr -d ' \n')" ] \
      || { note "FAIL  ranged GET returned the wrong bytes"; fails=$((fails + 1)); }
    # A second upload to the same key must not replace it when completed create-only.
    expect "CreateMultipartUpload (same key again)" 200 "$(s3req "$w/r" POST "$key?uploads=" -)"
    upload="$(upload_id_of "$w/r")"
    if [ -z "$upload" ]; then
      note "FAIL  no UploadId for the second upload"
      fails=$((fails + 1))
    else
      expect "UploadPart 1 of the second upload" 200 "$(s3req "$w/r" PUT "$key?partNumber=1&uploadId=$upload" "$w/one")"
      printf '<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>%s</ETag></Part></CompleteMultipartUpload>' \
        "$(header_of "$w/r" etag)" >"$w/complete.xml"
      expect "CompleteMultipartUpload If-None-Match:* (existing key)" 412 \
        "$(s3req "$w/r" POST "$key?uploadId=$upload" "$w/complete.xml" -H 'If-None-Match: *')"
      expect "AbortMultipartUpload" 204 "$(s3req "$w/r" DELETE "$key?uploadId=$upload" -)"
      expect "HEAD after the refused complete" 200 "$(s3req "$w/r" HEAD "$key" -)"
      [ "$(header_of "$w/r" content-length)" = "$size" ] || { note "FAIL  the refused complete changed the object"; fails=$((fails + 1)); }
    fi
  fi

  # Listing.
  expect "ListObjectsV2 prefix=mp/" 200 "$(s3req "$w/r" GET "/$b?list-type=2&prefix=mp%2F" -)"
  grep -q '<Key>mp/object.parquet</Key>' "$w/r.body" || { note "FAIL  ListObjectsV2 does not list mp/object.parquet"; fails=$((fails + 1)); }

  # Clean up: the bucket must not linger for tests that list buckets.
  for i in k missing raced mp/object.parquet; do
    expect "DELETE $i" 204 "$(s3req "$w/r" DELETE "/$b/$i" -)"
  done
  expect "DELETE bucket" 204 "$(s3req "$w/r" DELETE "/$b" -)"
  rm -rf "$w"

  if [ $fails -gt 0 ]; then
    {
      echo "s3: ################################################################################################"
      echo "s3: ### MinIO $VERSION FAILED $fails check(s): it does NOT give the semantics the tests need"
      echo "s3: ### (conditional PUT / multipart). Details: $LOGS/check.log"
      echo "s3: ################################################################################################"
    } >&2
    return 1
  fi
  note "all checks passed"
  return 0
}

# --- leases -------------------------------------------------------------------------------------------------------



# --- commands -----------------------------------------------------------------------------------------------------


print_env() {
  cat <<EOF
S3_SERVER=minio
S3_SERVER_VERSION=$VERSION
S3_ENDPOINT=$ENDPOINT
AWS_ENDPOINT_URL=$ENDPOINT
AWS_ACCESS_KEY_ID=$ACCESS_KEY
AWS_SECRET_ACCESS_KEY=$SECRET_KEY
AWS_REGION=$REGION
AWS_ALLOW_HTTP=true
S3_FORCE_PATH_STYLE=true
S3_LOGS=$LOGS
EOF
  [ "$CONSOLE_PORT" = 0 ] || echo "S3_CONSOLE=http://127.0.0.1:$CONSOLE_PORT"
}

cmd_start() {
  local lease="cli" lease_pid="-"
  while [ $# -gt 0 ]; do
    case "$1" in
      --lease) lease="${2:?--lease needs an id}" lease_pid="${TRIBUTARY_S3_LEASE_PID:-$PPID}"; shift 2 ;;
      --no-lease) lease=""; shift ;;
      *) die "start: unknown argument '$1'" ;;
    esac
  done
  command -v "$CURL" >/dev/null 2>&1 || die "curl not found (7.75 or newer is needed for --aws-sigv4)"
  local t0=$SECONDS started=false
  ensure_built
  lock_state
  [ -z "$lease" ] || [[ "$lease" =~ ^[A-Za-z0-9._-]+$ ]] || die "lease id must be letters, digits, '.', '_' or '-', got '$lease'"
  if [ -n "$(running_pid)" ]; then
    log "MinIO already running (pid $(running_pid))"
  else
    launch
    started=true
    wait_ready
  fi
  # Once per build (the marker lives beside the binary): prove the server honours conditional PUT and multipart.
  if [ ! -f "$DIST/.checked" ] || [ "$(cat "$DIST/.checked")" != "$(build_stamp)" ]; then
    log "first start of this build: checking conditional PUT and multipart upload"
    if ! cmd_check; then
      if $started; then
        kill -TERM "$(running_pid)" 2>/dev/null || true
        rm -f "$PID_FILE"
      fi
      die "refusing to serve tests from a server without conditional PUT (see $LOGS/check.log)"
    fi
    build_stamp >"$DIST/.checked"
  fi
  # Taken only once the server is up and checked (the state lock is held all along), so a failed start leaves none.
  [ -z "$lease" ] || take_lease "$lease" "$lease_pid"
  log "ready in $((SECONDS - t0)) s"
  flock -u 9
  print_env
}

cmd_stop() {
  local lease="" keep_leases=false signal=TERM f pid
  while [ $# -gt 0 ]; do
    case "$1" in
      --lease) lease="${2:?--lease needs an id}"; shift 2 ;;
      --keep-leases) keep_leases=true; shift ;;
      --kill) signal=KILL; shift ;;
      *) die "stop: unknown argument '$1'" ;;
    esac
  done
  lock_state
  if [ -n "$lease" ] && others_hold_after_release "$lease"; then return 0; fi
  $keep_leases || rm -f "$LEASES"/*
  pid="$(running_pid)"
  rm -f "$PID_FILE"
  [ -n "$pid" ] || return 0
  log "stopping MinIO (pid $pid) with $signal"
  local t0=$SECONDS deadline=$((SECONDS + STOP_TIMEOUT))
  kill "-$signal" "$pid" 2>/dev/null || true
  while kill -0 "$pid" 2>/dev/null; do
    if [ $SECONDS -ge $deadline ]; then
      log "MinIO (pid $pid) still running after $STOP_TIMEOUT s: KILL"
      kill -KILL "$pid" 2>/dev/null || true
      sleep 0.3
      break
    fi
    sleep 0.1
  done
  log "stopped MinIO in $((SECONDS - t0)) s"
}

cmd_status() {
  local pid leases rc=0 tmp
  pid="$(running_pid)"
  if [ -z "$pid" ]; then
    echo "minio: stopped"
    rc=1
  else
    tmp="$(mktemp -d)"
    if [ "$(s3req "$tmp/r" GET / -)" = 200 ]; then
      echo "minio: running pid=$pid endpoint=$ENDPOINT rss=$(rss_of "$pid")"
    else
      echo "minio: starting pid=$pid endpoint=$ENDPOINT (not answering yet)"
      rc=1
    fi
    rm -rf "$tmp"
  fi
  leases="$(lease_list)"
  echo "state: $STATE; version $VERSION; leases: ${leases:-none}"
  return $rc
}

cmd="${1:-}"
[ $# -gt 0 ] && shift
record_command "$cmd" "${TRIBUTARY_S3_LEASE_PID:-}" "$@"
case "$cmd" in
  start) cmd_start "$@" ;;
  stop) cmd_stop "$@" ;;
  restart) restart_service "$@" ;;
  status) cmd_status ;;
  env) print_env ;;
  bucket)
    [ $# -eq 1 ] || die "usage: $0 bucket NAME"
    [ -n "$(running_pid)" ] || die "the server is not running (scripts/s3.sh start)"
    create_bucket "$1"
    ;;
  check)
    mkdir -p "$LOGS"
    cmd_check
    ;;
  fetch) ensure_built; echo "S3_SERVER_BIN=$BIN" ;;
  *)
    sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//' >&2
    exit 2
    ;;
esac
