#!/usr/bin/env bash
# Cross-node websocket delivery (issue 9, §5): two ferromost nodes on one PostgreSQL
# database, CLIENTS websocket clients on node B, posts at RATE a second for DURATION
# seconds. Each round runs twice: the posts sent to node B itself (same-node delivery,
# the baseline of this run) and to node A (each event crosses by NOTIFY); per post the
# time from the POST to the last client receiving it, lost and duplicated deliveries, and
# node B's CPU per delivered event. ROUNDS rounds; prints the p99 ratio cross/same.
# Asserts nothing (see README, "Benchmark it").
#
#   bash bench/crossnode.sh                                  # 1,000 clients at 20/s
#   CLIENTS=100 DURATION=5 ROUNDS=1 bash bench/crossnode.sh  # a quick look
set -euo pipefail
cd "$(dirname "$0")/.."

CLIENTS=${CLIENTS:-1000}
RATE=${RATE:-20}
SECONDS_EACH=${DURATION:-20}
ROUNDS=${ROUNDS:-3}
PG_URL=${FERROMOST_TEST_PG_URL:-postgres://postgres@127.0.0.1:5432}
# Each node's pool: the two together stay under PostgreSQL's max_connections (100 by
# default). With the default 100 each, node B's pool cannot open connections while node A
# holds its own, and sockets opening on B are closed before `hello`.
POOL=${POOL:-40}
A_PORT=${A_PORT:-18177}
B_PORT=${B_PORT:-18178}

source bench/lib.sh
build_servers
LOAD=$BENCH_TARGET/release/fanout

start_work
DB=ferromost_bench_crossnode_$$
psql "$PG_URL/postgres" -qc "CREATE DATABASE $DB" >/dev/null
trap 'for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$WORK"; psql "$PG_URL/postgres" -qc "DROP DATABASE IF EXISTS $DB" >/dev/null 2>&1 || true' EXIT

config() { # port file
  cat >"$2" <<EOC
{"ServiceSettings": {"ListenAddress": "127.0.0.1:$1", "SiteURL": "http://127.0.0.1:$1"},
 "SqlSettings": {"DriverName": "postgres", "DataSource": "$PG_URL/$DB", "MaxOpenConns": $POOL},
 "FileSettings": {"Directory": "$WORK/files/"},
 "TeamSettings": {"MaxUsersPerTeam": $((CLIENTS + 10))},
 "PasswordSettings": {"PBKDF2Iterations": 1000},
 "LogSettings": {"ConsoleLevel": "WARN"}}
EOC
}
config "$A_PORT" "$WORK/a.json"
config "$B_PORT" "$WORK/b.json"
NODE_A=http://127.0.0.1:$A_PORT
NODE_B=http://127.0.0.1:$B_PORT
start_node() { # config url
  MM_CONFIG=$1 target/release/ferromost >"$1.log" 2>&1 &
  PIDS+=("$!"); wait_ready "$2" "$!"
}
start_node "$WORK/a.json" "$NODE_A"; A_PID=${PIDS[-1]}
start_node "$WORK/b.json" "$NODE_B"; B_PID=${PIDS[-1]}

echo "== setting up: $CLIENTS users in one team (through node A)"
"$LOAD" setup "$NODE_A" "$CLIENTS" "$WORK/all.txt"

# Node B starts afresh for each run, as bench/fanout.sh's servers do: 1,000 clients
# leaving and 1,000 arriving at once publish 2,000 status changes, more than a new
# connection may fall behind by (1,024), and those connections are told to resync.
restart_b() {
  kill "$B_PID"; wait "$B_PID" 2>/dev/null || true
  start_node "$WORK/b.json" "$NODE_B"; B_PID=${PIDS[-1]}
}
declare -a RESULTS
for round in $(seq 1 "$ROUNDS"); do
  restart_b
  line=$("$LOAD" run "$NODE_B" "$WORK/all.txt" "$RATE" "$SECONDS_EACH" "$B_PID")
  echo "round $round same node:  $line"
  same=$(sed -E 's/.* p99 ([0-9.]+) .*/\1/' <<<"$line")
  restart_b
  line=$("$LOAD" run "$NODE_B" "$WORK/all.txt" "$RATE" "$SECONDS_EACH" "$B_PID" "$NODE_A")
  echo "round $round cross-node: $line"
  cross=$(sed -E 's/.* p99 ([0-9.]+) .*/\1/' <<<"$line")
  RESULTS+=("$(awk -v c="$cross" -v s="$same" 'BEGIN {printf "%.2f", c / s}')")
done
kill "$A_PID" "$B_PID" 2>/dev/null || true

echo
echo "== summary ($CLIENTS clients on node B, $RATE posts/s for ${SECONDS_EACH}s, $ROUNDS rounds, PostgreSQL, $(nproc) cores shared with the load and both nodes)"
echo "p99 post -> last client, posted on node A / posted on node B: $(spread "${RESULTS[@]}")"
