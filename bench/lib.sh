# What the benchmark scripts share; sourced by bench/run.sh, fanout.sh and files.sh.

# Builds ferromost (release) and the bench binaries, the baseline at the stack's fastest:
# opt-level 3, in a target folder of its own so that its dependencies are built that way
# too. Sets BENCH_TARGET.
build_servers() {
  echo "== building (release)"
  cargo build --release -q -p ferromost --bin ferromost
  BENCH_TARGET=target/bench-o3
  CARGO_TARGET_DIR=$BENCH_TARGET CARGO_PROFILE_RELEASE_OPT_LEVEL=3 \
    cargo build --release -q -p ferromost-bench --bins
}

# A work folder (in $1 when given), and the servers started in PIDS, both gone on exit.
start_work() {
  WORK=$(mktemp -d ${1:+-p "$1"})
  PIDS=()
  trap 'for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$WORK"' EXIT
}

# Waits until the server at $1 (pid $2) answers a ping; exits if it stops or never does.
wait_ready() { # url pid
  for _ in $(seq 1 600); do
    curl -fsS "$1/api/v4/system/ping" >/dev/null 2>&1 && return 0
    kill -0 "$2" 2>/dev/null || { echo "the server at $1 stopped" >&2; exit 1; }
    sleep 0.1
  done
  echo "the server at $1 did not start" >&2; exit 1
}

# "median M (LOW to HIGH)" of the numbers given.
spread() { printf '%s\n' "$@" | sort -n | awk '{v[NR]=$1} END {printf "median %s (%s to %s)", v[int((NR+1)/2)], v[1], v[NR]}'; }
