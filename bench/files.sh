#!/usr/bin/env bash
# The file benchmark (issue 10): a SIZE_MB file uploaded (raw body) and downloaded, ROUNDS
# times, on ferromost and on the baseline (bench/src/bin/baseline.rs, which streams the
# same bytes to the same disk and back), alternately in one run, as throughput and its
# ratio; then IMAGES parallel uploads of a 100 KB image to ferromost (thumbnail, preview
# and mini preview made); then ferromost's peak RSS growth while PARALLEL uploads of the
# big file run at once. Prints figures; asserts nothing.
#
#   bash bench/files.sh                          # 50 MB, 3 rounds, 200 images, 10 parallel
#   SIZE_MB=10 ROUNDS=1 IMAGES=20 bash bench/files.sh   # a quick look
set -euo pipefail
cd "$(dirname "$0")/.."

SIZE_MB=${SIZE_MB:-50}
ROUNDS=${ROUNDS:-3}
IMAGES=${IMAGES:-200}
PARALLEL=${PARALLEL:-10}
FERRO_PORT=${FERRO_PORT:-18185}
BASE_PORT=${BASE_PORT:-18186}

source bench/lib.sh
build_servers

start_work "${BENCH_DIR:-$PWD/target}"
FERRO=http://127.0.0.1:$FERRO_PORT
BASE=http://127.0.0.1:$BASE_PORT
cat >"$WORK/config.json" <<EOF
{"ServiceSettings": {"ListenAddress": "127.0.0.1:$FERRO_PORT", "SiteURL": "$FERRO"},
 "SqlSettings": {"DriverName": "sqlite3", "DataSource": "$WORK/ferromost.db"},
 "FileSettings": {"Directory": "$WORK/files/", "MaxFileSize": $(( (SIZE_MB + 1) * 1048576 ))},
 "PasswordSettings": {"PBKDF2Iterations": 1000},
 "LogSettings": {"ConsoleLevel": "ERROR"}}
EOF
MM_CONFIG=$WORK/config.json target/release/ferromost >/dev/null 2>&1 &
FERRO_PID=$!; PIDS+=("$FERRO_PID"); wait_ready "$FERRO" "$FERRO_PID"
"$BENCH_TARGET/release/baseline" "$BASE_PORT" "$WORK/baseline.db" >/dev/null 2>&1 &
BASE_PID=$!; PIDS+=("$BASE_PID"); wait_ready "$BASE" "$BASE_PID"

# An admin, a team and a channel on ferromost.
json() { curl -fsS -H 'Content-Type: application/json' "$@"; }
json -X POST "$FERRO/api/v4/users" \
  -d '{"username":"bench","email":"bench@example.com","password":"Passw0rd!long"}' >/dev/null
TOKEN=$(curl -fsS -D - -o /dev/null -H 'Content-Type: application/json' -X POST \
  "$FERRO/api/v4/users/login" -d '{"login_id":"bench","password":"Passw0rd!long"}' |
  awk 'tolower($1)=="token:" {print $2}' | tr -d '\r')
AUTH=(-H "Authorization: Bearer $TOKEN")
TEAM=$(json "${AUTH[@]}" -X POST "$FERRO/api/v4/teams" \
  -d '{"name":"bench","display_name":"Bench","type":"O"}' | jq -r .id)
CHANNEL=$(json "${AUTH[@]}" -X POST "$FERRO/api/v4/channels" \
  -d "{\"team_id\":\"$TEAM\",\"name\":\"files\",\"display_name\":\"Files\",\"type\":\"O\"}" | jq -r .id)

head -c $((SIZE_MB * 1048576)) /dev/urandom >"$WORK/big.bin"
python3 - "$WORK/image.png" <<'EOF'
import random, struct, sys, zlib
# A 100 KB-ish PNG of noise (incompressible), 180x180 RGB.
w = h = 180
raw = b"".join(b"\0" + bytes(random.getrandbits(8) for _ in range(w * 3)) for _ in range(h))
def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
png += chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")
open(sys.argv[1], "wb").write(png)
EOF

# seconds for one curl: upload (prints the new id into $WORK/id) or download.
up_ferro() {
  curl -fsS -o "$WORK/reply" -w '%{time_total}' "${AUTH[@]}" --data-binary "@$WORK/big.bin" \
    "$FERRO/api/v4/files?channel_id=$CHANNEL&filename=big.bin"
  jq -r '.file_infos[0].id' "$WORK/reply" >"$WORK/id"
}
up_base() {
  curl -fsS -o "$WORK/reply" -w '%{time_total}' --data-binary "@$WORK/big.bin" \
    "$BASE/api/v4/files?filename=big.bin"
  jq -r '.id' "$WORK/reply" >"$WORK/id"
}
down_ferro() { curl -fsS -o /dev/null -w '%{time_total}' "${AUTH[@]}" "$FERRO/api/v4/files/$(cat "$WORK/id")"; }
down_base() { curl -fsS -o /dev/null -w '%{time_total}' "$BASE/api/v4/files/$(cat "$WORK/id")"; }
mbps() { awk -v s="$1" -v mb="$SIZE_MB" 'BEGIN {printf "%.0f", mb / s}'; }

UP=(); DOWN=()
for round in $(seq 1 "$ROUNDS"); do
  bu=$(up_base); bd=$(down_base)
  fu=$(up_ferro); fd=$(down_ferro)
  echo "round $round: upload ${SIZE_MB} MB ferromost $(mbps "$fu") MB/s, baseline $(mbps "$bu") MB/s; download ferromost $(mbps "$fd") MB/s, baseline $(mbps "$bd") MB/s"
  UP+=("$(awk -v f="$fu" -v b="$bu" 'BEGIN {printf "%.2f", b / f}')")
  DOWN+=("$(awk -v f="$fd" -v b="$bd" 'BEGIN {printf "%.2f", b / f}')")
done

echo "== $IMAGES image uploads, 16 at a time (ferromost)"
start=$(date +%s.%N)
seq 1 "$IMAGES" | xargs -P 16 -I{} curl -fsS -o /dev/null "${AUTH[@]}" \
  --data-binary "@$WORK/image.png" "$FERRO/api/v4/files?channel_id=$CHANNEL&filename=img{}.png"
took=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN {printf "%.2f", e - s}')
echo "   $IMAGES images in $took s ($(awk -v n="$IMAGES" -v t="$took" 'BEGIN {printf "%.0f", n / t}') per second, each with thumbnail, preview and mini preview)"

echo "== $PARALLEL parallel ${SIZE_MB} MB uploads (ferromost)"
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
before=$(rss_kb "$FERRO_PID"); peak=$before
seq 1 "$PARALLEL" | xargs -P "$PARALLEL" -I{} curl -fsS -o /dev/null "${AUTH[@]}" \
  --data-binary "@$WORK/big.bin" "$FERRO/api/v4/files?channel_id=$CHANNEL&filename=p{}.bin" &
LOADER=$!
while kill -0 "$LOADER" 2>/dev/null; do
  now=$(rss_kb "$FERRO_PID"); (( now > peak )) && peak=$now
  sleep 0.05
done
wait "$LOADER"
echo "   RSS before $((before / 1024)) MB, peak $((peak / 1024)) MB: growth $(( (peak - before) / 1024 )) MB (target <= 30 MB)"

echo
echo "== summary (${SIZE_MB} MB, $ROUNDS rounds, $(nproc) cores shared with curl)"
echo "upload throughput, ferromost/baseline:   $(spread "${UP[@]}")   (target >= 0.5)"
echo "download throughput, ferromost/baseline: $(spread "${DOWN[@]}")"
