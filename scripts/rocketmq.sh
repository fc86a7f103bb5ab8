#!/usr/bin/env bash
# A real Apache RocketMQ 5 for tests and local runs: name server, broker and gRPC proxy (CLUSTER mode, three
# JVMs) on 127.0.0.1, built from Maven Central jars. No RocketMQ distribution or Docker needed: Java 11+ and mvn.
#
#   scripts/rocketmq.sh start [--lease ID]       start whatever is not running, wait for a produce/consume round trip
#   scripts/rocketmq.sh stop [--lease ID] [--kill] [namesrv|broker|proxy ...]
#                                                stop what this script started, by pid: TERM, then KILL after
#                                                $TRIBUTARY_RMQ_STOP_TIMEOUT s (--kill: KILL at once, like a crash)
#   scripts/rocketmq.sh restart [namesrv|broker|proxy ...]   stop the named components (default all), start again
#   scripts/rocketmq.sh status                   one line per component; exit 0 only if all three run
#   scripts/rocketmq.sh topic NAME [QUEUES] [NORMAL|FIFO|DELAY|TRANSACTION]
#                                                create or update a topic (default 4 queues, no message type)
#   scripts/rocketmq.sh group NAME [fifo]        create or update a consumer group (fifo: orderly delivery)
#   scripts/rocketmq.sh env                      print the connection settings as KEY=VALUE lines
#   scripts/rocketmq.sh fetch                    only resolve the jars into the cache
#
# `start` and `env` print KEY=VALUE lines on stdout (ROCKETMQ_PROXY_ENDPOINTS, ROCKETMQ_NAMESRV_ADDR, ...);
# progress and errors go to stderr. Every command is idempotent.
#
# Jars: org.apache.rocketmq rocketmq-namesrv, -broker, -proxy and -tools (for mqadmin) at $TRIBUTARY_RMQ_VERSION
# (default 5.3.3: the newest 5.3.x whose proxy and tools jars are on Maven Central; 5.3.4 has only namesrv and
# broker there) with every runtime dependency, versions pinned by importing rocketmq-all's dependencyManagement as
# the official distribution does. Resolved by `mvn dependency:copy-dependencies` into
# $TRIBUTARY_CACHE/rocketmq/<version>/lib (Maven repository $TRIBUTARY_CACHE/m2, shared with the project's other
# Maven downloads). A cold run downloads about 120 MB (lib/ is 147 jars, 91 MB); a warm run compares a stamp file
# and downloads nothing.
#
# State (deleted by nothing but you): $TRIBUTARY_ROCKETMQ_DIR, default /tmp/tributary-rocketmq
#   home/        ROCKETMQ_HOME: conf/{namesrv.conf,broker.conf,rmq-proxy.json}, lib -> the cache
#   store/       the broker's commit log, consume queues and metadata (topics and groups survive a restart)
#   logs/        <component>.out (JVM stdout/stderr) and rocketmqlogs/ (RocketMQ's own logback files; the JVMs run
#                with user.home=$TRIBUTARY_ROCKETMQ_DIR so nothing is written to the real home)
#   run/         <component>.pid;  leases/  who asked for the broker (see "Leases")
#
# Why CLUSTER mode (separate broker and proxy) rather than LOCAL (proxy embedding the broker): it is how RocketMQ 5
# is deployed, and the robustness tests restart the broker and the proxy independently. It costs one JVM more.
#
# Leases: `start --lease ID` records ID (with the caller's pid, $TRIBUTARY_RMQ_LEASE_PID or the parent's pid);
# `stop --lease ID` drops it and stops the broker only when no live lease is left. Test files running in parallel
# share one broker this way; a plain `start` takes a lease "cli" that only a plain `stop` (which stops everything)
# releases, so tests never stop a broker someone started by hand.
#
# Listening: the name server and broker bind 127.0.0.1 (bindAddress); the proxy's gRPC/remoting ports and the
# broker's HA port (listen+1) have no bind-address option in RocketMQ 5.3 and listen on all interfaces.
#
# Environment (defaults in brackets):
#   TRIBUTARY_CACHE [~/.cache/tributary]            jar cache and Maven repository
#   TRIBUTARY_ROCKETMQ_DIR [/tmp/tributary-rocketmq] state directory
#   TRIBUTARY_RMQ_VERSION [5.3.3]                   RocketMQ version
#   TRIBUTARY_RMQ_NAMESRV_PORT [9876]  TRIBUTARY_RMQ_BROKER_PORT [10911] (also uses port-2 and port+1)
#   TRIBUTARY_RMQ_PROXY_PORT [8081] (gRPC)  TRIBUTARY_RMQ_PROXY_REMOTING_PORT [8080]
#   TRIBUTARY_RMQ_NAMESRV_HEAP [256m]  TRIBUTARY_RMQ_BROKER_HEAP [512m]  TRIBUTARY_RMQ_PROXY_HEAP [384m]
#   TRIBUTARY_RMQ_JAVA_OPTS                         extra JVM options for all three
#   TRIBUTARY_RMQ_START_TIMEOUT [180]  TRIBUTARY_RMQ_STOP_TIMEOUT [30]   seconds
#   JAVA [java]  MVN [mvn]  NODE [node]
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

VERSION="${TRIBUTARY_RMQ_VERSION:-5.3.3}"
CACHE="${TRIBUTARY_CACHE:-$HOME/.cache/tributary}"
DIST="$CACHE/rocketmq/$VERSION"
LIB="$DIST/lib"
M2="$CACHE/m2"
STATE="${TRIBUTARY_ROCKETMQ_DIR:-/tmp/tributary-rocketmq}"
RMQ_HOME="$STATE/home"
RUN="$STATE/run"
LOGS="$STATE/logs"
LEASES="$STATE/leases"

NAMESRV_PORT="${TRIBUTARY_RMQ_NAMESRV_PORT:-9876}"
BROKER_PORT="${TRIBUTARY_RMQ_BROKER_PORT:-10911}"
PROXY_PORT="${TRIBUTARY_RMQ_PROXY_PORT:-8081}"
PROXY_REMOTING_PORT="${TRIBUTARY_RMQ_PROXY_REMOTING_PORT:-8080}"
START_TIMEOUT="${TRIBUTARY_RMQ_START_TIMEOUT:-180}"
STOP_TIMEOUT="${TRIBUTARY_RMQ_STOP_TIMEOUT:-30}"
JAVA="${JAVA:-java}"
MVN="${MVN:-mvn}"
NODE="${NODE:-node}"
CLUSTER=DefaultCluster
PING_TOPIC=TributaryPing
PING_GROUP=tributary-ping
COMPONENTS=(namesrv broker proxy)

SERVICE=rocketmq
# shellcheck source=scripts/lib/service.sh
source "$here/lib/service.sh"

main_class() {
  case "$1" in
    namesrv) echo org.apache.rocketmq.namesrv.NamesrvStartup ;;
    broker) echo org.apache.rocketmq.broker.BrokerStartup ;;
    proxy) echo org.apache.rocketmq.proxy.ProxyStartup ;;
    *) die "unknown component '$1' (expected namesrv, broker or proxy)" ;;
  esac
}
port_of() {
  case "$1" in namesrv) echo "$NAMESRV_PORT" ;; broker) echo "$BROKER_PORT" ;; proxy) echo "$PROXY_PORT" ;; esac
}

# --- jars ---------------------------------------------------------------------------------------------------------

# The stamp holds what the lib directory was resolved from; a warm run compares it and does nothing else.
lib_stamp() { echo "rocketmq $VERSION: namesrv broker proxy tools; rocketmq-all BOM; copy-dependencies runtime"; }

write_pom() {
  cat >"$1" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<!-- Generated by tributary scripts/rocketmq.sh: resolves a RocketMQ $VERSION server classpath. -->
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>tributary.local</groupId>
  <artifactId>rocketmq-server-classpath</artifactId>
  <version>$VERSION</version>
  <packaging>pom</packaging>
  <dependencyManagement>
    <dependencies>
      <!-- the versions the official distribution is assembled with -->
      <dependency>
        <groupId>org.apache.rocketmq</groupId><artifactId>rocketmq-all</artifactId><version>$VERSION</version>
        <type>pom</type><scope>import</scope>
      </dependency>
    </dependencies>
  </dependencyManagement>
  <dependencies>
    <dependency><groupId>org.apache.rocketmq</groupId><artifactId>rocketmq-namesrv</artifactId><version>$VERSION</version></dependency>
    <dependency><groupId>org.apache.rocketmq</groupId><artifactId>rocketmq-broker</artifactId><version>$VERSION</version></dependency>
    <dependency><groupId>org.apache.rocketmq</groupId><artifactId>rocketmq-proxy</artifactId><version>$VERSION</version></dependency>
    <dependency><groupId>org.apache.rocketmq</groupId><artifactId>rocketmq-tools</artifactId><version>$VERSION</version></dependency>
  </dependencies>
</project>
EOF
}

ensure_jars() {
  mkdir -p "$DIST"
  exec 8>"$DIST/.lock"
  flock 8
  if [ -f "$LIB/.tributary-stamp" ] && [ "$(cat "$LIB/.tributary-stamp")" = "$(lib_stamp)" ]; then
    flock -u 8
    return 0
  fi
  command -v "$MVN" >/dev/null 2>&1 || die "mvn not found (Maven 3 is needed to fetch the RocketMQ jars)"
  log "resolving RocketMQ $VERSION from Maven Central into $LIB (Maven repository $M2)"
  local start=$SECONDS tmp="$DIST/lib.tmp" out
  rm -rf "$tmp"
  write_pom "$DIST/pom.xml"
  if ! out=$("$MVN" -B -q -f "$DIST/pom.xml" -Dmaven.repo.local="$M2" \
      org.apache.maven.plugins:maven-dependency-plugin:3.6.1:copy-dependencies \
      -DoutputDirectory="$tmp" -DincludeScope=runtime -DexcludeArtifactIds=jaeger-core,jaeger-client 2>&1); then
    echo "$out" | tail -30 >&2
    die "mvn could not resolve RocketMQ $VERSION (see above; is Maven Central reachable?)"
  fi
  local jar
  for jar in rocketmq-namesrv rocketmq-broker rocketmq-proxy rocketmq-tools; do
    [ -f "$tmp/$jar-$VERSION.jar" ] || die "mvn succeeded but $tmp/$jar-$VERSION.jar is missing"
  done
  lib_stamp >"$tmp/.tributary-stamp"
  rm -rf "$LIB"
  mv "$tmp" "$LIB"
  log "resolved $(find "$LIB" -name '*.jar' | wc -l) jars ($(du -sh "$LIB" | cut -f1)) in $((SECONDS - start)) s"
  flock -u 8
}

# --- processes ----------------------------------------------------------------------------------------------------

pid_file() { echo "$RUN/$1.pid"; }

# The pid of a running component, or nothing. A pid file whose process is gone or is not our JVM (pid reuse) is
# stale and removed, so `stop` can never signal a stranger.
running_pid() {
  local f pid
  f="$(pid_file "$1")"
  [ -f "$f" ] || return 0
  pid="$(cat "$f" 2>/dev/null || true)"
  if [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] \
      && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$(main_class "$1")" \
      && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "-Dtributary.rocketmq.dir=$STATE "; then
    echo "$pid"
  else
    rm -f "$f"
  fi
}



log_tail() {
  local c="$1"
  echo "----- $LOGS/$c.out (last 40 lines) -----" >&2
  tail -n 40 "$LOGS/$c.out" 2>/dev/null >&2 || true
  local f
  case "$c" in
    namesrv) f="$LOGS/rocketmqlogs/namesrv.log" ;;
    broker) f="$LOGS/rocketmqlogs/broker.log" ;;
    proxy) f="$LOGS/rocketmqlogs/proxy.log" ;;
  esac
  if [ -f "$f" ]; then
    echo "----- $f (last 40 lines) -----" >&2
    tail -n 40 "$f" >&2 || true
  fi
}

write_conf() {
  mkdir -p "$RMQ_HOME/conf" "$STATE/store/commitlog" "$RUN" "$LOGS" "$LEASES"
  ln -sfn "$LIB" "$RMQ_HOME/lib"
  cat >"$RMQ_HOME/conf/namesrv.conf" <<EOF
# Generated by scripts/rocketmq.sh; rewritten on every start.
listenPort=$NAMESRV_PORT
bindAddress=127.0.0.1
kvConfigPath=$STATE/namesrv/kvConfig.json
configStorePath=$STATE/namesrv/namesrv.properties
EOF
  cat >"$RMQ_HOME/conf/broker.conf" <<EOF
# Generated by scripts/rocketmq.sh; rewritten on every start.
brokerClusterName=$CLUSTER
brokerName=broker-a
brokerId=0
brokerRole=ASYNC_MASTER
flushDiskType=ASYNC_FLUSH
namesrvAddr=127.0.0.1:$NAMESRV_PORT
brokerIP1=127.0.0.1
bindAddress=127.0.0.1
listenPort=$BROKER_PORT
autoCreateTopicEnable=true
autoCreateSubscriptionGroup=true
storePathRootDir=$STATE/store
storePathCommitLog=$STATE/store/commitlog
# Small files keep disk and address space small: 64 MB commit log segments, 60000-entry consume queue files,
# small index files (the defaults are 1 GB, 300000 entries and a 400 MB index file).
mappedFileSizeCommitLog=67108864
mappedFileSizeConsumeQueue=1200000
maxHashSlotNum=50000
maxIndexNum=200000
deleteWhen=04
fileReservedTime=48
# Re-register every 10 s (the minimum; default 30 s) so a restarted name server learns the routes again quickly.
registerNameServerPeriod=10000
# A pull returns up to 256 messages (what the transport asks for) rather than the defaults' 32 from memory and 8 from
# disk: batch consumers are tuned so in production, and at 32 a socket round trip per 32 messages was 10-12% of a
# sink worker's CPU (profile in README, "Benchmarks"). Both the sink and the benchmark's no-op consumer get it.
maxTransferCountOnMessageInMemory=256
maxTransferBytesOnMessageInMemory=1048576
maxTransferCountOnMessageInDisk=256
maxTransferBytesOnMessageInDisk=1048576
EOF
  # grpcShutdownTimeSeconds: the default 30 s grace makes every proxy stop take 30 s.
  # useEndpointPortFromRequest: routes name the port the client dialled rather than grpcServerPort, so a client
  # can reach the proxy through a forwarder (tests put one in between to cut a single client off).
  cat >"$RMQ_HOME/conf/rmq-proxy.json" <<EOF
{
  "rocketMQClusterName": "$CLUSTER",
  "namesrvAddr": "127.0.0.1:$NAMESRV_PORT",
  "proxyMode": "CLUSTER",
  "grpcServerPort": $PROXY_PORT,
  "remotingListenPort": $PROXY_REMOTING_PORT,
  "grpcShutdownTimeSeconds": 3,
  "useEndpointPortFromRequest": true
}
EOF
}

# Fills JAVA_ARGS (an array, so paths with spaces survive) with the JVM options and arguments for a component.
java_args() {
  local heap direct gc
  case "$1" in
    namesrv) heap="${TRIBUTARY_RMQ_NAMESRV_HEAP:-256m}" direct=64m gc=-XX:+UseSerialGC ;;
    broker) heap="${TRIBUTARY_RMQ_BROKER_HEAP:-512m}" direct=256m gc=-XX:+UseG1GC ;;
    proxy) heap="${TRIBUTARY_RMQ_PROXY_HEAP:-384m}" direct=256m gc=-XX:+UseG1GC ;;
  esac
  JAVA_ARGS=(
    -server -Xms64m "-Xmx$heap" "-XX:MaxDirectMemorySize=$direct" "$gc" -XX:SoftRefLRUPolicyMSPerMB=0
    -XX:-OmitStackTraceInFastThrow -XX:+ExitOnOutOfMemoryError
    # RocketMQ 5.3's own runserver.sh/runbroker.sh pass no --add-opens on JDK 9+ (mapped buffers are freed through
    # Netty's PlatformDependent, i.e. Unsafe.invokeCleaner). These let Netty use DirectByteBuffer's private
    # constructor instead of its slower fallback, as Netty documents for JDK 9+.
    --add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/jdk.internal.misc=ALL-UNNAMED
    -Dio.netty.tryReflectionSetAccessible=true
    # user.home: RocketMQ's logback files and the name server's kv store go under the state directory.
    "-Duser.home=$STATE" "-Drocketmq.home.dir=$RMQ_HOME" "-Dtributary.rocketmq.dir=$STATE"
    # With every jar on one classpath each JVM would otherwise take the first of RocketMQ's logback files it finds
    # (the proxy's), and all three would write the same broker.log.
    "-Drmq.logback.configurationFile=rmq.$1.logback.xml"
  )
  # shellcheck disable=SC2206 # extra options are split on spaces on purpose
  [ -z "${TRIBUTARY_RMQ_JAVA_OPTS:-}" ] || JAVA_ARGS+=(${TRIBUTARY_RMQ_JAVA_OPTS})
  JAVA_ARGS+=(-cp "$RMQ_HOME/lib/*" "$(main_class "$1")")
  case "$1" in
    namesrv) JAVA_ARGS+=(-c "$RMQ_HOME/conf/namesrv.conf") ;;
    broker) JAVA_ARGS+=(-c "$RMQ_HOME/conf/broker.conf") ;;
    proxy) JAVA_ARGS+=(-pc "$RMQ_HOME/conf/rmq-proxy.json" -pm cluster) ;;
  esac
}

launch() {
  local c="$1" pid_f upper
  pid_f="$(pid_file "$c")"
  upper="$(echo "$c" | tr '[:lower:]' '[:upper:]')"
  if port_open "$(port_of "$c")"; then
    die "port $(port_of "$c") for $c is taken by another process (choose another with TRIBUTARY_RMQ_${upper}_PORT)"
  fi
  log "starting $c on 127.0.0.1:$(port_of "$c")"
  echo "=== $(date -u +%FT%TZ) start $c" >>"$LOGS/$c.out"
  java_args "$c"
  # setsid: the JVMs outlive this shell and a Ctrl-C aimed at it. The inner bash writes its own pid, then execs
  # java, so the pid file holds the JVM's pid. fd 8 and 9 (our locks) must not be inherited.
  # shellcheck disable=SC2016 # $$ and $0 belong to the inner bash
  ROCKETMQ_HOME="$RMQ_HOME" setsid bash -c 'echo $$ >"$0"; exec "$@"' "$pid_f" "$JAVA" "${JAVA_ARGS[@]}" \
    </dev/null >>"$LOGS/$c.out" 2>&1 8>&- 9>&- &
  local i
  for i in $(seq 1 50); do [ -s "$pid_f" ] && break; sleep 0.1; done
}

# Since the last start marker, has the component printed its boot line? (Listening is not enough: the broker opens
# its port well before it has loaded its store.)
booted() {
  local pattern
  case "$1" in
    namesrv) pattern='The Name Server boot success' ;;
    broker) pattern='boot success' ;;
    proxy) return 0 ;;
  esac
  awk -v c="$1" -v p="$pattern" '$0 ~ "^=== .* start " c "$" { seen = 0 } index($0, p) { seen = 1 } END { exit !seen }' \
    "$LOGS/$1.out" 2>/dev/null
}

wait_ready() {
  local c="$1" deadline=$((SECONDS + START_TIMEOUT))
  while ! port_open "$(port_of "$c")" || ! booted "$c"; do
    if [ -z "$(running_pid "$c")" ]; then
      log_tail "$c"
      die "$c exited during startup (logs above; full logs in $LOGS)"
    fi
    [ $SECONDS -lt $deadline ] || { log_tail "$c"; die "$c did not listen on $(port_of "$c") within $START_TIMEOUT s"; }
    sleep 0.3
  done
  log "$c up (pid $(running_pid "$c"))"
}

# Waits (at most 30 s, then leaves the verdict to mqadmin) for the broker to log a registration with the name server
# beyond byte offset $1 of broker.log.
wait_registered() {
  local f="$LOGS/rocketmqlogs/broker.log" from="$1" deadline=$((SECONDS + 30))
  while [ $SECONDS -lt $deadline ]; do
    if [ -f "$f" ]; then
      [ "$(stat -c %s "$f")" -ge "$from" ] || from=0 # rolled over
      if tail -c +"$((from + 1))" "$f" | grep -q 'Registering current broker to name server completed'; then
        log "broker registered with the name server"
        return 0
      fi
    fi
    [ -n "$(running_pid broker)" ] || { log_tail broker; die "broker exited during startup"; }
    sleep 0.3
  done
  log "no registration seen in broker.log after 30 s; asking the name server"
}

mqadmin() {
  ROCKETMQ_HOME="$RMQ_HOME" "$JAVA" -Xms32m -Xmx128m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 \
    -Duser.home="$STATE" -Drocketmq.home.dir="$RMQ_HOME" -Drmq.logback.configurationFile=rmq.tools.logback.xml \
    -cp "$LIB/*" \
    org.apache.rocketmq.tools.command.MQAdminStartup "$@" 2>&1
}

# Through the name server (-c), so a success also proves the broker is registered there. mqadmin exits 0 on some
# failures; judge by its "... success." line. Retried: right after a (re)start the cluster is not known yet.
create_topic() {
  local topic="$1" queues="${2:-4}" type="${3:-}" out attrs=() deadline=$((SECONDS + ${4:-60}))
  [[ "$topic" =~ ^[A-Za-z0-9%_|-]{1,127}$ ]] || die "invalid topic name '$topic' (letters, digits, %, _, | and -)"
  [[ "$queues" =~ ^[1-9][0-9]*$ ]] || die "queues must be a positive number, got '$queues'"
  case "$type" in
    "") ;;
    NORMAL | FIFO | DELAY | TRANSACTION) attrs=(-a "+message.type=$type") ;;
    *) die "message type must be NORMAL, FIFO, DELAY or TRANSACTION, got '$type'" ;;
  esac
  while :; do
    if out=$(mqadmin updateTopic -n "127.0.0.1:$NAMESRV_PORT" -c "$CLUSTER" -t "$topic" -r "$queues" -w "$queues" "${attrs[@]}") \
        && grep -q success <<<"$out"; then
      log "topic $topic: $queues queues${type:+, type $type}"
      return 0
    fi
    [ $SECONDS -lt $deadline ] || { echo "$out" | tail -20 >&2; die "could not create topic $topic"; }
    sleep 1
  done
}

create_group() {
  local group="$1" orderly=false out deadline=$((SECONDS + 60))
  [[ "$group" =~ ^[A-Za-z0-9%_|-]{1,255}$ ]] || die "invalid group name '$group'"
  case "${2:-}" in "") ;; fifo) orderly=true ;; *) die "second argument must be 'fifo' or nothing, got '$2'" ;; esac
  while :; do
    if out=$(mqadmin updateSubGroup -n "127.0.0.1:$NAMESRV_PORT" -c "$CLUSTER" -g "$group" -o "$orderly") \
        && grep -q success <<<"$out"; then
      log "group $group${2:+ (fifo)}"
      return 0
    fi
    [ $SECONDS -lt $deadline ] || { echo "$out" | tail -20 >&2; die "could not create group $group"; }
    sleep 1
  done
}

print_env() {
  cat <<EOF
ROCKETMQ_VERSION=$VERSION
ROCKETMQ_HOME=$RMQ_HOME
ROCKETMQ_NAMESRV_ADDR=127.0.0.1:$NAMESRV_PORT
ROCKETMQ_BROKER_ADDR=127.0.0.1:$BROKER_PORT
ROCKETMQ_PROXY_ENDPOINTS=127.0.0.1:$PROXY_PORT
ROCKETMQ_CLUSTER=$CLUSTER
ROCKETMQ_LOGS=$LOGS
EOF
}

ping_broker() {
  local remaining=$1
  [ "$remaining" -gt 5 ] || remaining=5
  log "waiting for a produce/consume round trip through the proxy (up to $remaining s)"
  if ! "$NODE" "$here/rocketmq-ping.js" --endpoints "127.0.0.1:$PROXY_PORT" --topic "$PING_TOPIC" \
      --group "$PING_GROUP" --timeout "$remaining" >&2; then
    local c
    for c in "${COMPONENTS[@]}"; do log_tail "$c"; done
    die "no round trip through 127.0.0.1:$PROXY_PORT within $remaining s (logs above; full logs in $LOGS)"
  fi
}

# --- leases -------------------------------------------------------------------------------------------------------



# --- commands -----------------------------------------------------------------------------------------------------


cmd_start() {
  local lease="cli" lease_pid="-"
  while [ $# -gt 0 ]; do
    case "$1" in
      --lease) lease="${2:?--lease needs an id}" lease_pid="${TRIBUTARY_RMQ_LEASE_PID:-$PPID}"; shift 2 ;;
      --no-lease) lease=""; shift ;;
      *) die "start: unknown argument '$1'" ;;
    esac
  done
  command -v "$JAVA" >/dev/null 2>&1 || die "java not found (OpenJDK 11 or newer is needed)"
  command -v "$NODE" >/dev/null 2>&1 || die "node not found"
  local t0=$SECONDS
  ensure_jars
  lock_state
  write_conf
  [ -z "$lease" ] || take_lease "$lease" "$lease_pid"
  local c started=() reg_from
  reg_from=$(stat -c %s "$LOGS/rocketmqlogs/broker.log" 2>/dev/null || echo 0)
  for c in namesrv broker; do
    if [ -n "$(running_pid "$c")" ]; then
      log "$c already running (pid $(running_pid "$c"))"
    else
      launch "$c"
      started+=("$c")
      wait_ready "$c"
    fi
  done
  if [ ${#started[@]} -gt 0 ]; then
    # A proxy started before the broker is registered with the name server exits ("create system broadcast topic
    # DefaultHeartBeatSyncerTopic failed"), and the broker's first registration often loses a race with its own
    # name server connection, leaving the next try 10 s later. Watch its log for it, then create the ping topic
    # through the name server, which succeeds only once the cluster is known there.
    wait_registered "$reg_from"
    create_topic "$PING_TOPIC" 1 "" "$START_TIMEOUT"
  fi
  if [ -n "$(running_pid proxy)" ]; then
    log "proxy already running (pid $(running_pid proxy))"
  else
    launch proxy
    started+=(proxy)
    wait_ready proxy
  fi
  ping_broker $((START_TIMEOUT - (SECONDS - t0)))
  log "ready in $((SECONDS - t0)) s${started:+ (started: ${started[*]})}"
  flock -u 9
  print_env
}

# TERM to all targets at once (each JVM's shutdown hook takes 3-12 s, mostly joining RocketMQ service threads, so
# one after another would add up), then KILL what is left after $STOP_TIMEOUT s. With --kill: KILL at once,
# which is what a crash looks like to clients (the broker then recovers its queues on the next start).
stop_components() {
  local signal="$1" c pid deadline t0=$SECONDS pids=() names=()
  shift
  for c in "$@"; do
    pid="$(running_pid "$c")"
    rm -f "$(pid_file "$c")"
    [ -n "$pid" ] || continue
    log "stopping $c (pid $pid) with $signal"
    kill "-$signal" "$pid" 2>/dev/null || true
    pids+=("$pid") names+=("$c")
  done
  deadline=$((SECONDS + STOP_TIMEOUT))
  local i alive=1
  while [ $alive = 1 ]; do
    alive=0
    for i in "${!pids[@]}"; do kill -0 "${pids[$i]}" 2>/dev/null && alive=1; done
    [ $alive = 1 ] || break
    if [ $SECONDS -ge $deadline ]; then
      for i in "${!pids[@]}"; do
        if kill -0 "${pids[$i]}" 2>/dev/null; then
          log "${names[$i]} (pid ${pids[$i]}) still running after $STOP_TIMEOUT s: KILL"
          kill -KILL "${pids[$i]}" 2>/dev/null || true
        fi
      done
      sleep 0.3
      break
    fi
    sleep 0.2
  done
  [ ${#names[@]} -eq 0 ] || log "stopped ${names[*]} in $((SECONDS - t0)) s"
}

cmd_stop() {
  local lease="" targets=() keep_leases=false signal=TERM c f
  while [ $# -gt 0 ]; do
    case "$1" in
      --lease) lease="${2:?--lease needs an id}"; shift 2 ;;
      --keep-leases) keep_leases=true; shift ;;
      --kill) signal=KILL; shift ;;
      namesrv | broker | proxy) targets+=("$1"); shift ;;
      *) die "stop: unknown argument '$1'" ;;
    esac
  done
  lock_state
  if [ -n "$lease" ] && others_hold_after_release "$lease"; then return 0; fi
  if [ ${#targets[@]} -eq 0 ]; then
    targets=(proxy broker namesrv)
    $keep_leases || rm -f "$LEASES"/*
  else
    # proxy before broker before namesrv, whatever order they were named in
    local ordered=()
    for c in proxy broker namesrv; do [[ " ${targets[*]} " == *" $c "* ]] && ordered+=("$c"); done
    targets=("${ordered[@]}")
  fi
  stop_components "$signal" "${targets[@]}"
}

cmd_status() {
  local c pid all=0
  for c in "${COMPONENTS[@]}"; do
    pid="$(running_pid "$c")"
    if [ -n "$pid" ]; then
      if port_open "$(port_of "$c")"; then
        echo "$c: running pid=$pid port=$(port_of "$c") rss=$(rss_of "$pid")"
      else
        echo "$c: starting pid=$pid port=$(port_of "$c") (not listening yet)"
        all=1
      fi
    else
      echo "$c: stopped"
      all=1
    fi
  done
  local leases
  leases="$(lease_list)"
  echo "state: $STATE; version $VERSION; leases: ${leases:-none}"
  return $all
}

cmd="${1:-}"
[ $# -gt 0 ] && shift
record_command "$cmd" "${TRIBUTARY_RMQ_LEASE_PID:-}" "$@"
case "$cmd" in
  start) cmd_start "$@" ;;
  stop) cmd_stop "$@" ;;
  restart) restart_service "$@" ;;
  status) cmd_status ;;
  topic)
    [ $# -ge 1 ] || die "usage: $0 topic NAME [QUEUES] [NORMAL|FIFO|DELAY|TRANSACTION]"
    [ -n "$(running_pid broker)" ] || die "the broker is not running (scripts/rocketmq.sh start)"
    create_topic "$@"
    ;;
  group)
    [ $# -ge 1 ] || die "usage: $0 group NAME [fifo]"
    [ -n "$(running_pid broker)" ] || die "the broker is not running (scripts/rocketmq.sh start)"
    create_group "$@"
    ;;
  env) print_env ;;
  fetch) ensure_jars; echo "ROCKETMQ_LIB=$LIB" ;;
  *)
    sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//' >&2
    exit 2
    ;;
esac
