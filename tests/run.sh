#!/usr/bin/env bash
# Runs every check and test on SQLite and on PostgreSQL. Sets up what it needs on a fresh
# Debian machine: the Rust components, and a local PostgreSQL (started if installed and
# stopped, installed from Debian's packages if missing).
#
#   bash tests/run.sh            # everything
#   FERROMOST_SKIP_LINT=1 ...    # tests only
set -euo pipefail
cd "$(dirname "$0")/.."

PG_URL=${FERROMOST_TEST_PG_URL:-postgres://postgres@127.0.0.1:5432}
export FERROMOST_TEST_PG_URL=$PG_URL

log() { printf '\n== %s\n' "$*"; }

ensure_postgres() {
  if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then return; fi
  if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
    log "installing PostgreSQL from Debian's packages"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq postgresql >/dev/null
  fi
  local version
  version=$(ls /etc/postgresql | sort -V | tail -1)
  local hba=/etc/postgresql/$version/main/pg_hba.conf
  # The tests connect as postgres over 127.0.0.1 without a password.
  if ! grep -qE '^host\s+all\s+all\s+127\.0\.0\.1/32\s+trust' "$hba"; then
    sed -i '1i host all all 127.0.0.1/32 trust' "$hba"
  fi
  log "starting PostgreSQL $version"
  pg_ctlcluster --skip-systemctl-redirect "$version" main start || pg_ctlcluster "$version" main start
  for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && return; sleep 1; done
  echo "PostgreSQL did not come up on 127.0.0.1:5432" >&2
  exit 1
}

# Databases left by earlier runs of the PostgreSQL suite.
drop_old_test_databases() {
  psql "$PG_URL/postgres" -Atqc \
    "SELECT datname FROM pg_database WHERE datname LIKE 'ferromost_test_%'" 2>/dev/null |
    while read -r db; do psql "$PG_URL/postgres" -qc "DROP DATABASE IF EXISTS $db" >/dev/null; done
}

if [[ -z ${FERROMOST_SKIP_LINT:-} ]]; then
  log "cargo fmt --check"
  cargo fmt --all -- --check
  log "cargo clippy --all-targets -- -D warnings"
  cargo clippy --workspace --all-targets -- -D warnings
fi

# The SQLite run needs PostgreSQL too: the tests of several nodes on one database use it.
ensure_postgres
drop_old_test_databases

log "tests on SQLite"
cargo test --workspace
log "the published clients on SQLite"
bash tests/clients/run.sh sqlite
bash tests/conformance/run.sh sqlite
bash tests/s3/run.sh sqlite

log "integration tests on PostgreSQL"
FERROMOST_TEST_DATABASE=postgres cargo test --test api
log "the published clients on PostgreSQL"
bash tests/clients/run.sh postgres
bash tests/conformance/run.sh postgres
bash tests/s3/run.sh postgres
drop_old_test_databases
