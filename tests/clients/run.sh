#!/usr/bin/env bash
# The real-client suite: the published Mattermost clients (and Corteza's), pinned, each against a freshly
# started ferromost with an empty database.
#
#   bash tests/clients/run.sh [sqlite|postgres]
#
# Installs what it needs into target/clients (two Python venvs from the pinned
# requirements, the npm packages from package-lock.json), builds the ferromost binary, and
# for each client suite starts a server on a free loopback port, runs the suite, and stops
# the server (tests/support/lib.sh). Fails when any client step fails.
set -euo pipefail
cd "$(dirname "$0")/../.."
DB=${1:-sqlite}

node_modules() {
  local dir=tests/clients/node
  if ! cmp -s "$dir/package-lock.json" "$dir/node_modules/.package-lock.json.copy" 2>/dev/null; then
    log "installing the npm packages of $dir (npm ci)"
    (cd "$dir" && npm ci --silent --no-audit --no-fund)
    cp "$dir/package-lock.json" "$dir/node_modules/.package-lock.json.copy"
  fi
}

# shellcheck source=../support/lib.sh
source tests/support/lib.sh

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
suite "@cortezaproject/corteza-js" node --test tests/clients/node/corteza.test.js || failed=1
if [[ $DB == postgres ]]; then
  two_nodes() { start_second_node && node --test tests/clients/node/two-nodes.test.js; }
  suite "@mattermost/client on two nodes" two_nodes || failed=1
fi
exit $failed
