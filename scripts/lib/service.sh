# Shared by the scripts that run a test service (scripts/rocketmq.sh, scripts/s3.sh): messages, loopback port
# probe, memory figure, leases and the state lock. Source it after setting SERVICE (the message prefix) and the
# state paths STATE, RUN, LOGS and LEASES; the functions read those when called.
#
# Leases: a file $LEASES/<id> holding the pid of the process that asked for the service ("-" = held until a
# plain stop). A lease whose process is gone is dead, so a crashed test run does not pin the service.

log() { echo "$SERVICE: [$(date +%T)] $*" >&2; }
die() { echo "$SERVICE: ERROR: $*" >&2; exit 1; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

rss_of() { awk '/^VmRSS:/ { printf "%d MB", $2 / 1024 }' "/proc/$1/status" 2>/dev/null || true; }

lease_alive() {
  local pid
  pid="$(cat "$1" 2>/dev/null || true)"
  [ "$pid" = "-" ] && return 0
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null
}

take_lease() {
  local id="$1" pid="${2:--}"
  [[ "$id" =~ ^[A-Za-z0-9._-]+$ ]] || die "lease id must be letters, digits, '.', '_' or '-', got '$id'"
  echo "$pid" >"$LEASES/$id"
}

# The lease ids, space-separated ('' when none or no leases directory yet).
lease_list() { find "$LEASES" -mindepth 1 -maxdepth 1 -printf '%f ' 2>/dev/null || true; }

# Serialises start/stop/status of one state directory across processes (fd 9 stays open until exit).
lock_state() {
  mkdir -p "$STATE" "$RUN" "$LOGS" "$LEASES"
  exec 9>"$STATE/.lock"
  flock 9
}

# Appends who asked for a start, stop or restart to $LOGS/commands.log ("who stopped my service?").
# Usage: record_command CMD LEASE_PID ARGS...
record_command() {
  local cmd="$1" lease_pid="$2"
  shift 2
  if [ -d "$LOGS" ] && [[ "$cmd" =~ ^(start|stop|restart)$ ]]; then
    echo "$(date -u +%FT%TZ) pid=$$ ppid=$PPID lease_pid=$lease_pid $cmd $*" >>"$LOGS/commands.log"
  fi
}

# Stop then start again; leases stay as they are (a test restarting the service under load still holds its
# lease). Needs the script's cmd_stop (with --keep-leases) and cmd_start (with --no-lease).
restart_service() {
  cmd_stop --keep-leases "$@"
  flock -u 9
  cmd_start --no-lease
}

# Drops lease $1 and any dead lease; true (0) when a live lease remains, so the service must keep running.
others_hold_after_release() {
  rm -f "$LEASES/$1"
  local live=() f
  for f in "$LEASES"/*; do
    [ -e "$f" ] || continue
    if lease_alive "$f"; then live+=("$(basename "$f")"); else rm -f "$f"; fi
  done
  if [ ${#live[@]} -gt 0 ]; then
    log "released lease $1; still leased by: ${live[*]} (not stopping)"
    return 0
  fi
  return 1
}
