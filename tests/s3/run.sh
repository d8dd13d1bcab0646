#!/usr/bin/env bash
# The file store on S3: installs an S3-compatible server (moto's, pinned in
# tests/s3/requirements.txt) into target/clients/s3, starts it on a free loopback port,
# and runs against it the API tests that keep files (uploads, downloads, resumable uploads,
# images, pictures and icons, custom emoji, bookmarks) and the S3 tests themselves (two
# nodes sharing a bucket, the path prefix), on the database given.
#
#   bash tests/s3/run.sh [sqlite|postgres]
set -euo pipefail
cd "$(dirname "$0")/../.."
DB=${1:-sqlite}

# shellcheck source=../support/lib.sh
source tests/support/lib.sh

venv s3 tests/s3/requirements.txt
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
log "moto's S3 server on 127.0.0.1:$port"
"$ENVS/s3/bin/moto_server" -H 127.0.0.1 -p "$port" >"$ENVS/s3/server.log" 2>&1 &
moto=$!
trap 'kill $moto 2>/dev/null || true; wait $moto 2>/dev/null || true' EXIT
for _ in $(seq 1 50); do
  curl -fs "http://127.0.0.1:$port/" >/dev/null 2>&1 && break
  sleep 0.2
done
curl -fs "http://127.0.0.1:$port/" >/dev/null || { cat "$ENVS/s3/server.log" >&2; exit 1; }

export FERROMOST_TEST_S3=127.0.0.1:$port
if [[ $DB == postgres ]]; then export FERROMOST_TEST_DATABASE=postgres; fi
log "the file store on S3 ($DB)"
cargo test --test api -- --include-ignored files uploads images icon emoji bookmarks s3::
