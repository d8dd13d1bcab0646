#!/usr/bin/env bash
# The real-client suite: the published Mattermost clients, pinned, each against a freshly
# started ferromost with an empty database.
#
#   bash tests/clients/run.sh [sqlite|postgres]
#
# Installs what it needs into target/clients (two Python venvs from the pinned
# requirements, the npm packages from package-lock.json), builds the ferromost binary, and
# for each client suite starts a server on a free loopback port, runs the suite, and stops
# the server. Fails when any client step fails. Passwords are hashed with fewer PBKDF2
# rounds than production's 600,000 so that the many logins stay quick.
set -euo pipefail
cd "$(dirname "$0")/../.."
DB=${1:-sqlite}
PG_URL=${FERROMOST_TEST_PG_URL:-postgres://postgres@127.0.0.1:5432}
ENVS=$PWD/target/clients
mkdir -p "$ENVS"

log() { printf '\n== %s\n' "$*"; }

# A venv per requirements file, made again when the file changes.
venv() {
  local name=$1 requirements=$2
  local dir=$ENVS/$name
  if ! cmp -s "$requirements" "$dir/.requirements" 2>/dev/null; then
    log "installing $requirements into $dir"
    rm -rf "$dir"
    python3 -m venv "$dir"
    "$dir/bin/pip" install -q --disable-pip-version-check -r "$requirements"
    cp "$requirements" "$dir/.requirements"
  fi
}

node_modules() {
  local dir=tests/clients/node
  if ! cmp -s "$dir/package-lock.json" "$dir/node_modules/.package-lock.json.copy" 2>/dev/null; then
    log "installing the npm packages of $dir (npm ci)"
    (cd "$dir" && npm ci --silent --no-audit --no-fund)
    cp "$dir/package-lock.json" "$dir/node_modules/.package-lock.json.copy"
  fi
}

SERVER_PID=""
SERVER_DIR=""
SERVER_DB=""

stop_server() {
  if [[ -n $SERVER_PID ]]; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
  fi
  if [[ -n $SERVER_DB ]]; then
    psql "$PG_URL/postgres" -qc "DROP DATABASE IF EXISTS $SERVER_DB" >/dev/null 2>&1 || true
    SERVER_DB=""
  fi
}
trap stop_server EXIT

# Starts target/debug/ferromost with nothing in its database; sets FERROMOST_URL.
start_server() {
  SERVER_DIR=$(mktemp -d)
  local port source driver
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  if [[ $DB == postgres ]]; then
    SERVER_DB=ferromost_test_clients_$$_$RANDOM
    psql "$PG_URL/postgres" -qc "CREATE DATABASE $SERVER_DB" >/dev/null
    source=$PG_URL/$SERVER_DB
    driver=postgres
  else
    source=$SERVER_DIR/ferromost.db
    driver=sqlite3
  fi
  cat >"$SERVER_DIR/config.json" <<JSON
{
  "ServiceSettings": {"ListenAddress": "127.0.0.1:$port", "SiteURL": "http://127.0.0.1:$port"},
  "SqlSettings": {"DriverName": "$driver", "DataSource": "$source"},
  "FileSettings": {"Directory": "$SERVER_DIR/files/"},
  "PasswordSettings": {"PBKDF2Iterations": 10000}
}
JSON
  MM_CONFIG=$SERVER_DIR/config.json FERROMOST_LOG=warn target/debug/ferromost \
    >"$SERVER_DIR/server.log" 2>&1 &
  SERVER_PID=$!
  export FERROMOST_URL=http://127.0.0.1:$port
  for _ in $(seq 1 100); do
    if curl -fsS "$FERROMOST_URL/api/v4/system/ping" >/dev/null 2>&1; then return; fi
    sleep 0.1
  done
  cat "$SERVER_DIR/server.log" >&2
  echo "ferromost did not answer on $FERROMOST_URL" >&2
  exit 1
}

# Runs one suite against a server of its own; shows the server's log when it fails.
suite() {
  local title=$1
  shift
  log "$title ($DB)"
  start_server
  if ! "$@"; then
    echo "--- ferromost's log ---" >&2
    tail -n 50 "$SERVER_DIR/server.log" >&2
    stop_server
    return 1
  fi
  stop_server
}

venv drivers tests/clients/python/requirements.txt
venv bot tests/clients/bot/requirements.txt
node_modules
cargo build --quiet --bin ferromost

failed=0
suite "mattermostdriver and mattermostautodriver" \
  "$ENVS/drivers/bin/python" -m pytest -q -p no:cacheprovider tests/clients/python || failed=1
suite "mmpy_bot" \
  "$ENVS/bot/bin/python" -m pytest -q -p no:cacheprovider tests/clients/bot || failed=1
suite "@mattermost/client" node --test tests/clients/node/client4.test.js || failed=1
exit $failed
