#!/usr/bin/env bash
# Local single-node Apache Kafka (KRaft, broker+controller in one JVM) without
# Docker. Jars come from Maven Central via scripts/kafka/pom.xml.
#
# Usage: scripts/kafka/kafka.sh <command> [args]
#   fetch            download the broker jars into the cache (no-op if present)
#   start            fetch if needed, format storage once, start, wait until ready
#   stop             SIGTERM the broker (SIGKILL after 30 s); no-op if not running
#   status           print running/stopped; exit 0 if running, 3 if not
#   reset            stop and delete the instance folder (all topics and data)
#   logs [N]         print the last N (default 100) lines of the broker log
#   tool NAME [ARGS] run a Kafka CLI class (fetches kafka-tools on first use);
#                    NAME is a class name or one of: topics, console-producer,
#                    console-consumer, consumer-groups, configs, metadata-quorum,
#                    get-offsets, storage
#
# Environment:
#   LOTWISE_KAFKA_PORT             broker port (default 9092)
#   LOTWISE_KAFKA_CONTROLLER_PORT  KRaft controller port (default PORT+1000)
#   LOTWISE_KAFKA_DIR              instance folder: data, server.properties, pid,
#                                  logs (default <repo>/.run/kafka-<PORT>)
#   LOTWISE_KAFKA_CACHE            jar cache (default <repo>/.cache/kafka)
#   LOTWISE_KAFKA_HEAP_OPTS        default "-Xms256m -Xmx512m"
#   LOTWISE_KAFKA_JVM_OPTS         extra JVM flags for the broker
#   LOTWISE_KAFKA_START_TIMEOUT    seconds to wait for readiness (default 60)
#   LOTWISE_KAFKA_MVN_OPTS         extra Maven flags (e.g. -Dmaven.repo.local=...)
#   JAVA_HOME                      Java 17+ (else `java` on PATH)
#
# Exit codes: 0 ok, 1 failure, 2 port already in use by something else or bad
# usage/config, 3 not running (status).
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"

PORT="${LOTWISE_KAFKA_PORT:-9092}"
CACHE_DIR="${LOTWISE_KAFKA_CACHE:-$REPO_ROOT/.cache/kafka}"
HEAP_OPTS="${LOTWISE_KAFKA_HEAP_OPTS:--Xms256m -Xmx512m}"
JVM_OPTS="${LOTWISE_KAFKA_JVM_OPTS:-}"
START_TIMEOUT="${LOTWISE_KAFKA_START_TIMEOUT:-60}"
STOP_TIMEOUT=30
HOST=127.0.0.1

POM="$SCRIPT_DIR/pom.xml"
LOG4J_CONF="$SCRIPT_DIR/log4j2.properties"
TOOLS_LOG4J_CONF="$SCRIPT_DIR/tools-log4j2.properties"
LIBS_DIR="$CACHE_DIR/libs"
TOOLS_LIBS_DIR="$CACHE_DIR/tools-libs"

say() { echo "[kafka] $*"; }
err() { echo "[kafka] $*" >&2; }
die() { err "$*"; exit 1; }

is_uint() { [[ "$1" =~ ^[0-9]+$ ]]; }
is_uint "$PORT" || { err "LOTWISE_KAFKA_PORT must be a number, got '$PORT'"; exit 2; }
CONTROLLER_PORT="${LOTWISE_KAFKA_CONTROLLER_PORT:-$((PORT + 1000))}"
is_uint "$CONTROLLER_PORT" || { err "LOTWISE_KAFKA_CONTROLLER_PORT must be a number"; exit 2; }
[ "$PORT" != "$CONTROLLER_PORT" ] || { err "broker and controller port must differ ($PORT)"; exit 2; }
for _p in "$PORT" "$CONTROLLER_PORT"; do
  if [ "$_p" -lt 1 ] || [ "$_p" -gt 65535 ]; then
    err "port $_p is out of range 1-65535 (set LOTWISE_KAFKA_CONTROLLER_PORT explicitly for high broker ports)"
    exit 2
  fi
done
is_uint "$START_TIMEOUT" || { err "LOTWISE_KAFKA_START_TIMEOUT must be a number"; exit 2; }

INSTANCE_DIR="${LOTWISE_KAFKA_DIR:-$REPO_ROOT/.run/kafka-$PORT}"
case "$INSTANCE_DIR" in /*) ;; *) INSTANCE_DIR="$PWD/$INSTANCE_DIR" ;; esac
INSTANCE_DIR="${INSTANCE_DIR%/}"
DATA_DIR="$INSTANCE_DIR/data"
LOG_DIR="$INSTANCE_DIR/logs"
PID_FILE="$INSTANCE_DIR/kafka.pid"
PROPS_FILE="$INSTANCE_DIR/server.properties"
MARKER="$INSTANCE_DIR/.lotwise-kafka"   # proves the folder is ours (reset deletes it)
CLUSTER_ID_FILE="$INSTANCE_DIR/cluster.id"

# ---------------------------------------------------------------- java -----
JAVA=""
find_java() {
  [ -n "$JAVA" ] && return 0
  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then
    JAVA="$JAVA_HOME/bin/java"
  elif command -v java >/dev/null 2>&1; then
    JAVA="$(command -v java)"
  else
    die "Java 17+ not found: set JAVA_HOME or put java on PATH"
  fi
  local spec major
  spec="$("$JAVA" -XshowSettings:properties -version 2>&1 |
    sed -n 's/^ *java\.specification\.version *= *//p' | head -n1)"
  major="${spec#1.}"; major="${major%%.*}"
  if ! is_uint "${major:-x}" || [ "$major" -lt 17 ]; then
    die "Kafka 4 needs Java 17+, but $JAVA is version '${spec:-unknown}' (set JAVA_HOME)"
  fi
}

# --------------------------------------------------------------- fetch -----
pom_hash() { sha256sum "$POM" | cut -c1-64; }

libs_ok() { # dir
  compgen -G "$1/kafka_2.13-*.jar" >/dev/null &&
    [ -f "$1/.pom.sha256" ] && [ "$(cat "$1/.pom.sha256")" = "$(pom_hash)" ]
}

# fetch_into DIR [maven args...]: copy runtime deps of pom.xml into DIR.
fetch_into() {
  local dest="$1"; shift
  libs_ok "$dest" && return 0
  command -v mvn >/dev/null 2>&1 || die "Maven (mvn) is required to fetch Kafka; install it (apt-get install maven)"
  mkdir -p "$CACHE_DIR"
  # Serialise concurrent fetches (e.g. two instances starting at once).
  exec 9>"$CACHE_DIR/.fetch.lock"
  if command -v flock >/dev/null 2>&1; then flock 9; fi
  if libs_ok "$dest"; then exec 9>&-; return 0; fi
  say "fetching Kafka jars with Maven into $dest (one-time)"
  local tmp="$dest.tmp.$$" mlog="$CACHE_DIR/fetch.log" t0=$SECONDS
  rm -rf "$tmp"
  # shellcheck disable=SC2086
  if ! mvn -B -q -f "$POM" ${LOTWISE_KAFKA_MVN_OPTS:-} "$@" \
      dependency:copy-dependencies -DincludeScope=runtime \
      -DoutputDirectory="$tmp" >"$mlog" 2>&1; then
    cat "$mlog" >&2
    rm -rf "$tmp"
    exec 9>&-
    die "Maven fetch failed (output above, also in $mlog)"
  fi
  compgen -G "$tmp/kafka_2.13-*.jar" >/dev/null || { rm -rf "$tmp"; exec 9>&-; die "Maven ran but no kafka_2.13 jar in $tmp"; }
  pom_hash >"$tmp/.pom.sha256"
  rm -rf "$dest"
  mv "$tmp" "$dest"
  exec 9>&-
  say "fetched $(find "$dest" -name '*.jar' | wc -l) jars in $((SECONDS - t0)) s"
}

cmd_fetch() { fetch_into "$LIBS_DIR"; }

# ------------------------------------------------------------- helpers -----
port_open() { # port -> 0 if something accepts TCP on 127.0.0.1:port
  timeout 2 bash -c "exec 3<>/dev/tcp/$HOST/$1" >/dev/null 2>&1
}

# Prints the broker pid if the pid file points at a live kafka.Kafka JVM
# started from this instance folder; otherwise prints nothing, returns 1.
live_pid() {
  [ -f "$PID_FILE" ] || return 1
  local pid
  pid="$(tr -dc '0-9' <"$PID_FILE")"
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
  if [ -r "/proc/$pid/cmdline" ]; then
    local cmd
    cmd="$(tr '\0' ' ' <"/proc/$pid/cmdline")"
    [[ "$cmd" == *kafka.Kafka* && "$cmd" == *"$PROPS_FILE"* ]] || return 1
  fi
  echo "$pid"
}

log_started() { [ -f "$LOG_DIR/server.log" ] && grep -q 'Kafka Server started' "$LOG_DIR/server.log"; }

show_logs() { # n
  local n="${1:-40}" f
  for f in "$LOG_DIR/server.log" "$LOG_DIR/stdout.log" "$LOG_DIR/format.log"; do
    if [ -s "$f" ]; then
      err "---- last $n lines of $f ----"
      tail -n "$n" "$f" >&2
    fi
  done
}

marker_get() { # key
  [ -f "$MARKER" ] && sed -n "s/^$1=//p" "$MARKER" | head -n1
}

check_instance_dir() {
  case "$INSTANCE_DIR" in
    "" | / | "$HOME" | "$REPO_ROOT" | "$REPO_ROOT/.run" | "$CACHE_DIR")
      err "refusing to use '$INSTANCE_DIR' as the Kafka instance folder"; exit 2 ;;
  esac
  if [ -d "$INSTANCE_DIR" ] && [ ! -f "$MARKER" ] && [ -n "$(ls -A "$INSTANCE_DIR")" ]; then
    err "$INSTANCE_DIR exists, is not empty and was not created by kafka.sh; pick another LOTWISE_KAFKA_DIR"
    exit 2
  fi
}

write_props() {
  cat >"$PROPS_FILE" <<EOF
# Generated by scripts/kafka/kafka.sh on every start; edits are overwritten.
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=$HOST:$CONTROLLER_PORT
controller.listener.names=CONTROLLER
listeners=PLAINTEXT://$HOST:$PORT,CONTROLLER://$HOST:$CONTROLLER_PORT
advertised.listeners=PLAINTEXT://$HOST:$PORT
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$DATA_DIR
num.partitions=3
default.replication.factor=1
auto.create.topics.enable=false
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
# Commit offsets at once: the matcher commits after every trade, and the 5 ms default linger sits on that path.
group.coordinator.append.linger.ms=0
num.network.threads=2
num.io.threads=4
EOF
}

storage_tool() { # args...
  "$JAVA" -Xmx256m -cp "$LIBS_DIR/*" -Dlog4j2.configurationFile="$TOOLS_LOG4J_CONF" \
    kafka.tools.StorageTool "$@"
}

# The KRaft voter set (with the controller endpoint) is written at format
# time, so an existing instance must keep its controller port.
check_formatted_port() {
  [ -f "$DATA_DIR/meta.properties" ] || return 0
  local fcp
  fcp="$(marker_get controller_port)"
  if [ -n "$fcp" ] && [ "$fcp" != "$CONTROLLER_PORT" ]; then
    err "$INSTANCE_DIR was formatted with controller port $fcp, not $CONTROLLER_PORT;"
    err "set LOTWISE_KAFKA_CONTROLLER_PORT=$fcp or run 'reset' first"
    exit 2
  fi
}

format_if_needed() {
  [ -f "$DATA_DIR/meta.properties" ] && return 0
  local cid
  if [ -s "$CLUSTER_ID_FILE" ]; then
    cid="$(cat "$CLUSTER_ID_FILE")"
  else
    cid="$(storage_tool random-uuid 2>>"$LOG_DIR/format.log" | tail -n1)"
    [[ "$cid" =~ ^[A-Za-z0-9_-]{22}$ ]] || { show_logs 40; die "could not generate a cluster id"; }
    echo "$cid" >"$CLUSTER_ID_FILE"
  fi
  say "formatting storage in $DATA_DIR (cluster id $cid)"
  if ! storage_tool format -t "$cid" -c "$PROPS_FILE" --standalone >>"$LOG_DIR/format.log" 2>&1; then
    show_logs 40
    die "storage format failed"
  fi
  printf 'controller_port=%s\nformatted=%s\n' "$CONTROLLER_PORT" "$(date -u +%FT%TZ)" >>"$MARKER"
}

# ------------------------------------------------------------ commands -----
wait_ready() { # pid t0
  local pid="$1" t0="$2" deadline=$((SECONDS + START_TIMEOUT))
  while [ "$SECONDS" -lt "$deadline" ]; do
    if ! kill -0 "$pid" 2>/dev/null; then
      show_logs 40
      rm -f "$PID_FILE"
      die "broker process $pid exited during startup"
    fi
    if port_open "$PORT" && log_started; then
      say "ready on $HOST:$PORT (pid $pid, $((SECONDS - t0)) s, dir $INSTANCE_DIR)"
      return 0
    fi
    sleep 0.25
  done
  show_logs 40
  err "broker not ready after ${START_TIMEOUT} s; stopping it"
  stop_pid "$pid" >/dev/null 2>&1 || true
  exit 1
}

cmd_start() {
  local pid t0=$SECONDS
  check_instance_dir
  check_formatted_port
  if pid="$(live_pid)"; then
    if port_open "$PORT"; then
      say "already running on $HOST:$PORT (pid $pid, dir $INSTANCE_DIR)"
      return 0
    fi
    say "broker pid $pid is still starting; waiting"
    wait_ready "$pid" "$t0"
    return 0
  fi
  rm -f "$PID_FILE"
  local p
  for p in "$PORT" "$CONTROLLER_PORT"; do
    if port_open "$p"; then
      err "port $HOST:$p is already in use by another process (not the broker of $INSTANCE_DIR)"
      err "stop it, or choose other ports with LOTWISE_KAFKA_PORT / LOTWISE_KAFKA_CONTROLLER_PORT"
      exit 2
    fi
  done
  find_java
  fetch_into "$LIBS_DIR"
  mkdir -p "$DATA_DIR" "$LOG_DIR"
  [ -f "$MARKER" ] || echo "# instance folder of scripts/kafka/kafka.sh (safe to delete with 'reset')" >"$MARKER"
  write_props
  format_if_needed
  local f
  for f in server.log stdout.log; do
    [ -f "$LOG_DIR/$f" ] && mv -f "$LOG_DIR/$f" "$LOG_DIR/$f.prev"
  done
  # $HEAP_OPTS/$JVM_OPTS are word-split on purpose; '$$' is expanded by the inner bash.
  # shellcheck disable=SC2086,SC2016
  (
    cd "$INSTANCE_DIR"
    exec setsid bash -c 'echo $$ >"$0"; exec "$@"' "$PID_FILE" \
      "$JAVA" $HEAP_OPTS -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
      -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent \
      -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true $JVM_OPTS \
      -Dlog4j2.configurationFile="$LOG4J_CONF" -Dkafka.logs.dir="$LOG_DIR" \
      -cp "$LIBS_DIR/*" kafka.Kafka "$PROPS_FILE"
  ) </dev/null >"$LOG_DIR/stdout.log" 2>&1 &
  local _
  for _ in $(seq 1 40); do
    pid="$(tr -dc '0-9' 2>/dev/null <"$PID_FILE" || true)"
    [ -n "$pid" ] && break
    sleep 0.05
  done
  [ -n "$pid" ] || { show_logs 40; die "broker did not start (no pid)"; }
  say "started broker pid $pid on $HOST:$PORT (controller $CONTROLLER_PORT); waiting for readiness"
  wait_ready "$pid" "$t0"
}

stop_pid() { # pid
  local pid="$1" deadline=$((SECONDS + STOP_TIMEOUT))
  kill -TERM "$pid" 2>/dev/null || true
  while kill -0 "$pid" 2>/dev/null; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      err "broker pid $pid did not exit within ${STOP_TIMEOUT} s; sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      sleep 0.5
      break
    fi
    sleep 0.2
  done
  rm -f "$PID_FILE"
}

cmd_stop() {
  local pid t0=$SECONDS
  if ! pid="$(live_pid)"; then
    rm -f "$PID_FILE"
    say "not running (dir $INSTANCE_DIR)"
    return 0
  fi
  say "stopping broker pid $pid"
  stop_pid "$pid"
  say "stopped ($((SECONDS - t0)) s)"
}

cmd_status() {
  local pid
  if pid="$(live_pid)"; then
    if port_open "$PORT"; then
      say "running: pid $pid, $HOST:$PORT, dir $INSTANCE_DIR"
    else
      say "running (not accepting connections yet): pid $pid, $HOST:$PORT, dir $INSTANCE_DIR"
    fi
    return 0
  fi
  say "stopped: $HOST:$PORT, dir $INSTANCE_DIR"
  return 3
}

cmd_reset() {
  check_instance_dir
  cmd_stop
  if [ -d "$INSTANCE_DIR" ]; then
    rm -rf "$INSTANCE_DIR"
    say "deleted $INSTANCE_DIR"
  else
    say "nothing to delete ($INSTANCE_DIR does not exist)"
  fi
}

cmd_logs() {
  local n="${1:-100}"
  is_uint "$n" || { err "usage: kafka.sh logs [N]"; exit 2; }
  [ -f "$LOG_DIR/server.log" ] || die "no log yet at $LOG_DIR/server.log"
  tail -n "$n" "$LOG_DIR/server.log"
}

cmd_tool() {
  [ $# -ge 1 ] || { err "usage: kafka.sh tool NAME|CLASS [ARGS...]"; exit 2; }
  local name="$1" cls; shift
  case "$name" in
    topics) cls=org.apache.kafka.tools.TopicCommand ;;
    console-producer) cls=org.apache.kafka.tools.ConsoleProducer ;;
    console-consumer) cls=org.apache.kafka.tools.consumer.ConsoleConsumer ;;
    consumer-groups) cls=org.apache.kafka.tools.consumer.group.ConsumerGroupCommand ;;
    configs) cls=kafka.admin.ConfigCommand ;;
    metadata-quorum) cls=org.apache.kafka.tools.MetadataQuorumCommand ;;
    get-offsets) cls=org.apache.kafka.tools.GetOffsetShell ;;
    storage) cls=kafka.tools.StorageTool ;;
    *.*) cls="$name" ;;
    *) err "unknown tool '$name'"; exit 2 ;;
  esac
  find_java
  fetch_into "$TOOLS_LIBS_DIR" -Ptools >&2
  exec "$JAVA" -Xmx256m -cp "$TOOLS_LIBS_DIR/*" \
    -Dlog4j2.configurationFile="$TOOLS_LOG4J_CONF" "$cls" "$@"
}

usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//'; }

case "${1:-}" in
  fetch) find_java; cmd_fetch ;;
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  reset) cmd_reset ;;
  logs) shift; cmd_logs "$@" ;;
  tool) shift; cmd_tool "$@" ;;
  -h | --help | help) usage ;;
  *) usage >&2; exit 2 ;;
esac
