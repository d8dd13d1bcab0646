#!/usr/bin/env bash
# The websocket fan-out benchmark: CLIENTS websocket clients, one user each, in one
# channel; posts at RATE a second for DURATION seconds; per post the time from the POST to the last
# client receiving it (p50, p99, max), deliveries lost and duplicated, server CPU per
# delivered event. ferromost and the baseline (bench/src/bin/baseline.rs: same stack, one
# insert per post and a broadcast of one serialized event to every socket) alternately,
# ROUNDS times, in one run; then IDLE authenticated connections held open and the servers'
# RSS. Prints figures; asserts nothing (see README, "Benchmark it").
#
#   bash bench/fanout.sh                                   # 1,000 clients at 20/s, 10,000 idle
#   CLIENTS=100 DURATION=5 ROUNDS=1 IDLE=1000 bash bench/fanout.sh   # a quick look
#
# The load tool shares this machine's cores with the server it measures.
set -euo pipefail
cd "$(dirname "$0")/.."

CLIENTS=${CLIENTS:-1000}
RATE=${RATE:-20}
SECONDS_EACH=${DURATION:-20}
ROUNDS=${ROUNDS:-3}
IDLE=${IDLE:-10000}
FERRO_PORT=${FERRO_PORT:-18175}
BASE_PORT=${BASE_PORT:-18176}

source bench/lib.sh
build_servers
LOAD=$BENCH_TARGET/release/fanout

start_work
FERRO=http://127.0.0.1:$FERRO_PORT
BASE=http://127.0.0.1:$BASE_PORT
USERS=$(( IDLE > CLIENTS ? IDLE : CLIENTS ))

cat >"$WORK/config.json" <<EOF
{"ServiceSettings": {"ListenAddress": "127.0.0.1:$FERRO_PORT", "SiteURL": "$FERRO"},
 "SqlSettings": {"DriverName": "sqlite3", "DataSource": "$WORK/ferromost.db"},
 "FileSettings": {"Directory": "$WORK/files/"},
 "TeamSettings": {"MaxUsersPerTeam": $((USERS + 10))},
 "PasswordSettings": {"PBKDF2Iterations": 1000},
 "LogSettings": {"ConsoleLevel": "ERROR"}}
EOF

start_ferromost() {
  MM_CONFIG=$WORK/config.json target/release/ferromost >/dev/null 2>&1 &
  FERRO_PID=$!; PIDS+=("$FERRO_PID"); wait_ready "$FERRO" "$FERRO_PID"
}
start_baseline() {
  rm -f "$WORK"/baseline.db*
  "$BENCH_TARGET/release/baseline" "$BASE_PORT" "$WORK/baseline.db" >/dev/null 2>&1 &
  BASE_PID=$!; PIDS+=("$BASE_PID"); wait_ready "$BASE" "$BASE_PID"
}
stop() { kill "$1"; wait "$1" 2>/dev/null || true; }
rss_mb() { awk '/^VmRSS/ {printf "%.1f", $2 / 1024}' "/proc/$1/status"; }

echo "== setting up ferromost: $USERS users in one team"
start_ferromost
setup_start=$(date +%s)
"$LOAD" setup "$FERRO" "$USERS" "$WORK/ferro-all.txt"
echo "   in $(( $(date +%s) - setup_start )) s"
# The fan-out clients: the first CLIENTS users (the first is also the poster).
head -n $((CLIENTS + 1)) "$WORK/ferro-all.txt" >"$WORK/ferro-clients.txt"
{ echo baseline; for i in $(seq 0 $((USERS - 1))); do echo "bt$i"; done; } >"$WORK/base-all.txt"
head -n $((CLIENTS + 1)) "$WORK/base-all.txt" >"$WORK/base-clients.txt"
FERRO_IDLE_RSS=$(rss_mb "$FERRO_PID")
stop "$FERRO_PID"

declare -a RESULTS
for round in $(seq 1 "$ROUNDS"); do
  start_baseline
  line=$("$LOAD" run "$BASE" "$WORK/base-clients.txt" "$RATE" "$SECONDS_EACH" "$BASE_PID")
  echo "round $round baseline:  $line"
  b_p99=$(sed -E 's/.* p99 ([0-9.]+) .*/\1/' <<<"$line")
  stop "$BASE_PID"
  start_ferromost
  line=$("$LOAD" run "$FERRO" "$WORK/ferro-clients.txt" "$RATE" "$SECONDS_EACH" "$FERRO_PID")
  echo "round $round ferromost: $line"
  f_p99=$(sed -E 's/.* p99 ([0-9.]+) .*/\1/' <<<"$line")
  stop "$FERRO_PID"
  RESULTS+=("$(awk -v f="$f_p99" -v b="$b_p99" 'BEGIN {printf "%.2f", f / b}')")
done

echo "== $IDLE idle authenticated connections"
start_baseline
echo "baseline:  $("$LOAD" idle "$BASE" "$WORK/base-all.txt" "$IDLE" "$BASE_PID")"
stop "$BASE_PID"
start_ferromost
echo "ferromost: $("$LOAD" idle "$FERRO" "$WORK/ferro-all.txt" "$IDLE" "$FERRO_PID")"
stop "$FERRO_PID"

echo
echo "== summary ($CLIENTS clients, $RATE posts/s for ${SECONDS_EACH}s, $ROUNDS rounds, $(nproc) cores shared with the load)"
echo "p99 post -> last client, ferromost/baseline: $(spread "${RESULTS[@]}")   (target <= 1.5, nothing lost)"
echo "ferromost RSS idle after setup: $FERRO_IDLE_RSS MB"
