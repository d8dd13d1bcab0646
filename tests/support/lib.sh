# Sourced by the suites that drive a running ferromost (tests/clients, tests/conformance).
# - venv NAME REQUIREMENTS: target/clients/NAME made from a pinned requirements file (made
#   again when the file changes).
# - start_server: target/debug/ferromost with an empty database (SQLite, or a new
#   PostgreSQL database when DB=postgres) on a free loopback port; sets FERROMOST_URL and
#   SERVER_DIR (its config.json, log and files). EXTRA_CONFIG, when set, is JSON merged
#   into the config file by section.
# - start_second_node: (PostgreSQL) a second ferromost on the same database, at
#   FERROMOST_URL_B.
# - stop_server: stops them and drops the database.

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

SERVER_PID=""
SERVER_DIR=""
SERVER_DB=""
SECOND_PID=""

stop_server() {
  if [[ -n $SECOND_PID ]]; then
    kill "$SECOND_PID" 2>/dev/null || true
    wait "$SECOND_PID" 2>/dev/null || true
    SECOND_PID=""
  fi
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
  python3 - "$SERVER_DIR/config.json" "$port" "$driver" "$source" "$SERVER_DIR" <<'PY'
import json, os, sys
path, port, driver, source, folder = sys.argv[1:]
config = {
    "ServiceSettings": {"ListenAddress": f"127.0.0.1:{port}", "SiteURL": f"http://127.0.0.1:{port}"},
    "SqlSettings": {"DriverName": driver, "DataSource": source},
    "FileSettings": {"Directory": f"{folder}/files/"},
    # Fewer PBKDF2 rounds than production's 600,000, so that many logins stay quick.
    "PasswordSettings": {"PBKDF2Iterations": 10000},
}
for section, settings in json.loads(os.environ.get("EXTRA_CONFIG") or "{}").items():
    config.setdefault(section, {}).update(settings)
with open(path, "w") as f:
    json.dump(config, f, indent=2)
PY
  MM_CONFIG=$SERVER_DIR/config.json FERROMOST_LOG=${FERROMOST_LOG:-warn} FERROMOST_CACHE_AUDIT=1 target/debug/ferromost \
    >"$SERVER_DIR/server.log" 2>&1 &
  SERVER_PID=$!
  export FERROMOST_URL=http://127.0.0.1:$port
  await_ping "$FERROMOST_URL" "$SERVER_DIR/server.log"
}

# Waits up to 10 s for a node at URL to answer a ping; shows its LOG and exits otherwise.
await_ping() { # url log
  for _ in $(seq 1 100); do
    if curl -fsS "$1/api/v4/system/ping" >/dev/null 2>&1; then return; fi
    sleep 0.1
  done
  cat "$2" >&2
  echo "ferromost did not answer on $1" >&2
  exit 1
}


# Starts a second node on the first one's PostgreSQL database; sets FERROMOST_URL_B.
start_second_node() {
  local port
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  python3 - "$SERVER_DIR/config.json" "$SERVER_DIR/config-b.json" "$port" <<'PY'
import json, sys
source, target, port = sys.argv[1:]
config = json.load(open(source))
config["ServiceSettings"]["ListenAddress"] = f"127.0.0.1:{port}"
config["ServiceSettings"]["SiteURL"] = f"http://127.0.0.1:{port}"
json.dump(config, open(target, "w"), indent=2)
PY
  MM_CONFIG=$SERVER_DIR/config-b.json FERROMOST_LOG=warn target/debug/ferromost \
    >"$SERVER_DIR/server-b.log" 2>&1 &
  SECOND_PID=$!
  export FERROMOST_URL_B=http://127.0.0.1:$port
  await_ping "$FERROMOST_URL_B" "$SERVER_DIR/server-b.log"
}
