#!/usr/bin/env bash
# The benchmark: ferromost against the minimal same-stack baseline (bench/src/bin/baseline.rs),
# measured alternately in one run on this machine with wrk, then search and channel history
# over a generated set of posts. Prints figures; asserts nothing (see README, "Benchmarks").
#
#   bash bench/run.sh                     # 3 rounds of 8 s, 1,000,000 posts
#   ROUNDS=1 SECONDS_EACH=3 POSTS=20000 bash bench/run.sh   # a quick look
#   ROUNDS=0 bash bench/run.sh            # start-up, memory, history and search only
#
# Client and servers share this machine's cores; wrk runs 2 threads, CONNS connections.
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=${ROUNDS:-3}
SECONDS_EACH=${SECONDS_EACH:-8}
POSTS=${POSTS:-1000000}
CONNS=${CONNS:-16}
FERRO_PORT=${FERRO_PORT:-18165}
BASE_PORT=${BASE_PORT:-18166}

if ! command -v wrk >/dev/null; then
  echo "== installing wrk (Debian package)"
  apt-get install -y -qq wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 1; }
fi
source bench/lib.sh
build_servers

start_work
TICK_US=$((1000000 / $(getconf CLK_TCK)))
FERRO=http://127.0.0.1:$FERRO_PORT
BASE=http://127.0.0.1:$BASE_PORT

cat >"$WORK/config.json" <<EOF
{"ServiceSettings": {"ListenAddress": "127.0.0.1:$FERRO_PORT", "SiteURL": "$FERRO"},
 "SqlSettings": {"DriverName": "sqlite3", "DataSource": "$WORK/ferromost.db"},
 "FileSettings": {"Directory": "$WORK/files/"},
 "LogSettings": {"ConsoleLevel": "ERROR"}}
EOF

# Starts a server and prints its pid and the milliseconds until it answered a ping.
launch() { # url command...
  python3 - "$@" <<'PY'
import http.client, subprocess, sys, time, urllib.parse
url, cmd = sys.argv[1], sys.argv[2:]
u = urllib.parse.urlparse(url)
start = time.monotonic()
p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=open("/dev/null", "w"))
while True:
    try:
        c = http.client.HTTPConnection(u.hostname, u.port, timeout=1)
        c.request("GET", "/api/v4/system/ping")
        if c.getresponse().status == 200:
            break
    except OSError:
        pass
    if p.poll() is not None or time.monotonic() - start > 60:
        sys.exit("the server did not start: " + " ".join(cmd))
    time.sleep(0.001)
print(p.pid, round((time.monotonic() - start) * 1000, 1))
PY
}
start_ferromost() {
  read -r FERRO_PID READY_MS < <(MM_CONFIG=$WORK/config.json launch "$FERRO" target/release/ferromost)
  PIDS+=("$FERRO_PID")
}
stop() { kill "$1"; wait "$1" 2>/dev/null || true; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }

api() { # method path [body]: ferromost, as the admin
  curl -fsS -X "$1" "$FERRO/api/v4$2" -H "Authorization: Bearer $TOKEN" \
    -H 'Content-Type: application/json' ${3:+-d "$3"}
}

echo "== setting up ferromost (SQLite, $WORK)"
start_ferromost
FIRST_READY=$READY_MS
curl -fsS -X POST "$FERRO/api/v4/users" -H 'Content-Type: application/json' \
  -d '{"email":"bench@example.com","username":"bench","password":"benchmark-password-1"}' >/dev/null
TOKEN=$(curl -fsS -D - -o /dev/null -X POST "$FERRO/api/v4/users/login" -H 'Content-Type: application/json' \
  -d '{"login_id":"bench","password":"benchmark-password-1"}' | awk 'tolower($1)=="token:" {print $2}' | tr -d '\r')
USER_ID=$(api GET /users/me | json "['id']")
TEAM=$(api POST /teams '{"name":"bench","display_name":"Bench","type":"O"}' | json "['id']")
CHANNELS=()
for i in $(seq 0 9); do
  CHANNELS+=("$(api POST /channels "{\"team_id\":\"$TEAM\",\"name\":\"bench-$i\",\"display_name\":\"Bench $i\",\"type\":\"O\"}" | json "['id']")")
done
CHANNEL=${CHANNELS[0]}
api GET /users/me >/dev/null
IDLE_RSS=$(rss_kb "$FERRO_PID")

# One wrk run against a server process; sets REQS (per second), P99 (ms), CPU_US (per request).
measure() { # pid url script [extra wrk args]
  local pid=$1 url=$2 script=$3 before after out total
  before=$(cpu_ticks "$pid")
  out=$(TOKEN=$MEASURE_TOKEN CHANNEL=$CHANNEL wrk -t"$(( CONNS < 2 ? 1 : 2 ))" -c"$CONNS" -d"${SECONDS_EACH}s" --latency -s "bench/wrk/$script" "$url")
  after=$(cpu_ticks "$pid")
  if grep -q "Non-2xx" <<<"$out"; then echo "$out" >&2; echo "non-2xx answers: see above" >&2; exit 1; fi
  REQS=$(awk '/^Requests\/sec/ {print $2}' <<<"$out")
  total=$(awk '/requests in/ {print $1}' <<<"$out")
  P99=$(awk '$1=="99%" {v=$2; if (v ~ /us$/) {sub(/us/,"",v); v/=1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else if (v ~ /s$/) {sub(/s/,"",v); v*=1000}; print v}' <<<"$out")
  CPU_US=$(awk -v t="$((after - before))" -v n="$total" -v us="$TICK_US" 'BEGIN {printf "%.0f", t * us / n}')
}

# Measures one request on the baseline, then on ferromost; prints both and sets RATIO.
compare() { # label path script
  local b b_cpu b_p99
  MEASURE_TOKEN=baselinetoken00000000000000
  measure "$BASE_PID" "$BASE/api/v4$2" "$3"
  b=$REQS b_cpu=$CPU_US b_p99=$P99
  MEASURE_TOKEN=$TOKEN
  measure "$FERRO_PID" "$FERRO/api/v4$2" "$3"
  RATIO=$(awk -v a="$REQS" -v b="$b" 'BEGIN {printf "%.3f", a / b}')
  echo "round $round  $1  baseline $b/s ${b_cpu}us/req p99 ${b_p99}ms | ferromost $REQS/s ${CPU_US}us/req p99 ${P99}ms | ratio $RATIO, cpu x$(awk -v a="$CPU_US" -v b="$b_cpu" 'BEGIN {printf "%.1f", a / (b > 0 ? b : 1)}')"
}

declare -a ME_RATIO POST_RATIO
for round in $(seq 1 "$ROUNDS"); do
  rm -f "$WORK"/baseline.db*
  read -r BASE_PID _ < <(launch "$BASE" "$BENCH_TARGET/release/baseline" "$BASE_PORT" "$WORK/baseline.db")
  PIDS+=("$BASE_PID")
  compare "GET /users/me" /users/me get.lua
  ME_RATIO+=("$RATIO")
  compare "POST /posts  " /posts post.lua
  POST_RATIO+=("$RATIO")
  stop "$BASE_PID"
done
LOADED_RSS=$(rss_kb "$FERRO_PID")
stop "$FERRO_PID"

spread() { [[ $# -gt 0 ]] || { echo "not measured"; return; }; printf '%s\n' "$@" | sort -n | awk '{v[NR]=$1} END {printf "median %s (%s to %s)", v[int((NR+1)/2)], v[1], v[NR]}'; }

echo "== ready to serve on an existing database (5 starts)"
READIES=()
for _ in 1 2 3 4 5; do
  start_ferromost
  READIES+=("$READY_MS")
  STARTED_RSS=$(rss_kb "$FERRO_PID")
  stop "$FERRO_PID"
done

echo "== seeding $POSTS posts over ${#CHANNELS[@]} channels"
seed_start=$(date +%s)
"$BENCH_TARGET/release/seed-posts" "$WORK/ferromost.db" "$USER_ID" "$POSTS" "${CHANNELS[@]}"
echo "   seeded in $(( $(date +%s) - seed_start )) s; database $(du -sh "$WORK/ferromost.db" | cut -f1)"
start_ferromost
MEASURE_TOKEN=$TOKEN
CONNS_SAVED=$CONNS
HISTORY="" SEARCH_RARE="" SEARCH_PHRASE=""
for CONNS in 1 4; do
  measure "$FERRO_PID" "$FERRO/api/v4/channels/$CHANNEL/posts?per_page=60" get.lua
  HISTORY+=" ${CONNS}c: $REQS/s p99 ${P99}ms;"
  TERMS=rare measure "$FERRO_PID" "$FERRO/api/v4/teams/$TEAM/posts/search" search.lua
  SEARCH_RARE+=" ${CONNS}c: $REQS/s p99 ${P99}ms;"
  TERMS=phrase measure "$FERRO_PID" "$FERRO/api/v4/teams/$TEAM/posts/search" search.lua
  SEARCH_PHRASE+=" ${CONNS}c: $REQS/s p99 ${P99}ms;"
done
CONNS=$CONNS_SAVED
stop "$FERRO_PID"

echo
echo "== summary ($ROUNDS rounds of ${SECONDS_EACH}s, $CONNS connections, $(nproc) cores shared with wrk)"
echo "GET /users/me  ferromost/baseline: $(spread "${ME_RATIO[@]}")   (target >= 0.5)"
echo "POST /posts    ferromost/baseline: $(spread "${POST_RATIO[@]}")   (target >= 0.5)"
echo "ready: first start (empty database) ${FIRST_READY} ms; existing database $(spread "${READIES[@]}") ms   (target <= 100)"
echo "RSS: idle after setup $((IDLE_RSS / 1024)) MB, just started $((STARTED_RSS / 1024)) MB, after the rounds $((LOADED_RSS / 1024)) MB   (target idle <= 15)"
echo "$POSTS posts, 1 and 4 connections:"
echo "  history (page of 60):       $HISTORY   (target p99 <= 5 ms)"
echo "  search, a rare word:        $SEARCH_RARE   (target p99 <= 50 ms)"
echo "  search, rare + common word: $SEARCH_PHRASE"
