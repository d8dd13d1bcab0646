#!/usr/bin/env bash
# The conformance run: schemathesis (pinned, tests/conformance/requirements.txt) generates
# valid and invalid requests from openapi/ for every implemented operation and checks what
# ferromost answers: no server errors, no status codes the contract does not declare, no
# response that violates its schema, no content-type mismatch.
#
#   bash tests/conformance/run.sh [sqlite|postgres]
#
# Bounded: 5 examples an operation in the coverage and fuzzing phases, a fixed seed
# (CONFORMANCE_SEED to change it), about a minute. Operations that would end the run's own
# session or rewrite the server's settings are left out (listed below).
set -euo pipefail
cd "$(dirname "$0")/../.."
DB=${1:-sqlite}
SEED=${CONFORMANCE_SEED:-20261202}
# shellcheck source=../support/lib.sh
source tests/support/lib.sh

# Each of these would take the run's own admin away (logout, revoked sessions, a changed
# password or role, deactivation, deletion) or change the server under it (its config, or
# marking it busy, which turns searches away).
LEFT_OUT=(
  Logout RevokeSession RevokeAllSessions RevokeSessionsFromAllUsers
  UpdateUserActive DeleteUser PermanentDeleteAllUsers UpdateUserPassword ResetPassword
  UpdateUserRoles UpdateUserMfa DemoteUserToGuest SwitchAccountType UpdateUserAuth
  ConvertUserToBot UpdateUser PatchUser PatchRole
  UpdateConfig PatchConfig ReloadConfig SetServerBusy
)

venv conformance tests/conformance/requirements.txt
cargo build --quiet --bin ferromost

smtp_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$ENVS/conformance/bin/python" -m aiosmtpd -n -c aiosmtpd.handlers.Sink -l "127.0.0.1:$smtp_port" &
smtp_pid=$!
trap 'kill $smtp_pid 2>/dev/null || true; stop_server' EXIT

# Every feature on that a client may meet, mail going to the sink.
export EXTRA_CONFIG="{
  \"ServiceSettings\": {\"EnableUserAccessTokens\": true, \"EnableBotAccountCreation\": true,
    \"EnableMultifactorAuthentication\": true, \"EnableEmailInvitations\": true,
    \"EnableOutgoingOAuthConnections\": true},
  \"GuestAccountsSettings\": {\"Enable\": true},
  \"EmailSettings\": {\"SMTPServer\": \"127.0.0.1\", \"SMTPPort\": \"$smtp_port\"}
}"
log "schemathesis over the implemented operations ($DB)"
start_server
read -r token key < <("$ENVS/conformance/bin/python" tests/conformance/bootstrap.py)

mapfile -t include < <("$ENVS/conformance/bin/python" - "${LEFT_OUT[@]}" <<'PY'
import sys
import yaml
left_out = set(sys.argv[1:])
with open("tests/output/unimplemented-operations.txt") as f:
    unimplemented = {l.strip() for l in f if l.strip() and not l.startswith("#")}
with open("openapi/mattermost-v4.yaml") as f:
    spec = yaml.safe_load(f)
for item in spec["paths"].values():
    for op in item.values():
        op_id = op["operationId"]
        if op_id not in unimplemented and op_id not in left_out:
            print("--include-operation-id")
            print(op_id)
PY
)

CHECKS=not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance
status=0
# ChatCaptain's API first (every operation; the key is the admin's personal access token),
# then Corteza's, then the v4 contract.
(cd tests/conformance && "$ENVS/conformance/bin/schemathesis" run ../../openapi/chatcaptain.yaml \
  --url "$FERROMOST_URL" -H "x-chatcaptain-key: $key" --checks "$CHECKS" \
  --phases coverage,fuzzing --max-examples 5 --seed "$SEED" --workers 2 \
  --no-color --output-truncate true) || status=$?
# Corteza's system API: its implemented operations but those that would take the run's own
# admin away (logout; suspending or deleting an account; taking Administrators away by
# removing, merging or replacing members; rewriting Administrators' rules), which
# schemathesis does once it has seen the ids in an answer.
mapfile -t corteza_include < <("$ENVS/conformance/bin/python" - <<'PY'
import yaml
with open("tests/output/corteza-unimplemented-operations.txt") as f:
    unimplemented = {l.strip() for l in f if l.strip() and not l.startswith("#")}
with open("openapi/corteza-system.yaml") as f:
    spec = yaml.safe_load(f)
for item in spec["paths"].values():
    for op in item.values():
        op_id = op["operationId"]
        left_out = {
            "CortezaAuthLogout", "CortezaUserSuspend", "CortezaUserDelete",
            "CortezaRoleMemberRemove", "CortezaUserMembershipRemove", "CortezaRoleMerge",
            "CortezaRoleUpdate", "CortezaPermissionsUpdate", "CortezaPermissionsDelete",
        }
        if op_id not in unimplemented and op_id not in left_out:
            print("--include-operation-id")
            print(op_id)
PY
)
(cd tests/conformance && "$ENVS/conformance/bin/schemathesis" run ../../openapi/corteza-system.yaml \
  --url "$FERROMOST_URL" -H "Authorization: Bearer $token" "${corteza_include[@]}" \
  --checks "$CHECKS" \
  --phases coverage,fuzzing --max-examples 5 --seed "$SEED" --workers 2 \
  --no-color --output-truncate true) || status=$?
(cd tests/conformance && "$ENVS/conformance/bin/schemathesis" run ../../openapi/mattermost-v4.yaml \
  --url "$FERROMOST_URL" -H "Authorization: Bearer $token" "${include[@]}" \
  --checks "$CHECKS" \
  --phases coverage,fuzzing --max-examples 5 --seed "$SEED" --workers 2 \
  --no-color --output-truncate true) || status=$?
if ((status != 0)); then
  echo "--- ferromost's log ---" >&2
  tail -n 30 "$SERVER_DIR/server.log" >&2
fi
exit $status
