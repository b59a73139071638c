#!/usr/bin/env bash
# Does a Shared Signals receiver that was not written from our code accept our stream?
# Starts a throw-away server (the debug binary, 127.0.0.1 only, a fresh SQLite database,
# rate limits off), registers a receiver with `server ssf add-receiver checker`, and then,
# through public HTTP only:
#
#   1. drive.py collect  creates a poll stream (RFC 8936), makes every kind of event happen
#                        (a session revoked from another device, a password change, an
#                        email change, sign-out everywhere, a sign-out, a verification
#                        with state "abc") and polls the SETs without acknowledging them;
#   2. check_sets.py     validates each SET from the specifications alone (RFC 8417, SSF 1.0,
#                        CAEP 1.0, RISC 1.0; keys from the jwks_uri): any violation fails;
#   3. check_sets.py --self-test   breaks the SETs in memory in every way it checks, and
#                        each broken copy must be refused (and re-signed unbroken ones
#                        accepted); then one run with --mutate typ must exit non-zero;
#   4. drive.py ack      checks each event names the right session/user/stream,
#                        acknowledges all, and the stream must then be empty.
#
# No installable SSF/CAEP receiver library exists for Python or JavaScript on the package
# registries (SGNL's @sgnl-ai/secevent is not served by the npm registry), so check_sets.py
# is the independent receiver. The server binary: SIGNOUT_SERVER_BIN, or `cargo build -p
# server` into CARGO_TARGET_DIR (default target). The server is stopped on exit, whatever
# happens; every step is bounded in time. SSF_KEEP=1 keeps its temporary directory (the
# SETs, the database, the server log) for a look afterwards.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD

py=$root/target/py/bin
[ -x "$py/python" ] || scripts/setup.sh python
# The validator's packages, into the same project-local venv (the pattern of setup.sh:
# installed again only when the pinned requirements change).
stamp=$root/target/py/.ssf-installed
if [ ! -f "$stamp" ] || [ scripts/ssf/requirements.txt -nt "$stamp" ]; then
  echo "[ssf] installing scripts/ssf/requirements.txt into target/py"
  "$py/pip" install --quiet --disable-pip-version-check -r scripts/ssf/requirements.txt
  touch "$stamp"
fi

if [ -n "${SIGNOUT_SERVER_BIN:-}" ]; then
  server_bin=$SIGNOUT_SERVER_BIN
else
  cargo build --quiet -p server
  server_bin="${CARGO_TARGET_DIR:-target}/debug/server"
fi
server_bin=$(realpath "$server_bin")
[ -x "$server_bin" ] || { echo "[ssf] no server binary at $server_bin" >&2; exit 1; }

# Outside the repository: the server's development defaults (data/, a .env found by
# walking up from the working directory) must not come from or land in the work tree.
work=$(mktemp -d "${TMPDIR:-/tmp}/ssf-run.XXXXXX")
port=$("$py/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
jwt_secret=$("$py/python" -c 'import secrets; print(secrets.token_hex(32))')

# The same environment for the server and for its `ssf add-receiver` command, run from
# the temporary directory.
server_env=(DATABASE_URL="sqlite://$work/db.sqlite?mode=rwc" LEPTOS_SITE_ADDR="127.0.0.1:$port"
            LEPTOS_OUTPUT_NAME=signout RUST_LOG=warn RATE_LIMITS=off COOKIE_SECURE=off
            JWT_SECRET="$jwt_secret")

(cd "$work" && exec env "${server_env[@]}" "$server_bin") >"$work/server.log" 2>&1 &
server_pid=$!
stop() {
  kill "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  if [ "${failed:-1}" != 0 ] && [ -s "$work/server.log" ]; then
    echo "--- server log (last 40 lines) ---"; tail -n 40 "$work/server.log"
  fi
  if [ -n "${SSF_KEEP:-}" ]; then echo "[ssf] kept $work (SSF_KEEP)"; else rm -rf "$work"; fi
}
trap stop EXIT

"$py/python" - "$base" "$server_pid" <<'PY'
import os, sys, time, urllib.request
deadline = time.monotonic() + 60
while True:
    try:
        urllib.request.urlopen(sys.argv[1] + "/.well-known/ssf-configuration", timeout=2)
        break
    except Exception:
        try:
            os.kill(int(sys.argv[2]), 0)
        except OSError:
            sys.exit("[ssf] the server exited before it listened")
        if time.monotonic() > deadline:
            sys.exit("[ssf] the server did not start within 60 s")
        time.sleep(0.2)
PY
echo "[ssf] server up at $base ($server_bin)"

# stdout is the secret alone on one line; the explanation goes to stderr.
secret=$(cd "$work" && timeout 60 env "${server_env[@]}" "$server_bin" ssf add-receiver checker \
  2>"$work/add-receiver.err") || { echo "[ssf] ssf add-receiver failed:" >&2; cat "$work/add-receiver.err" >&2; exit 1; }
if [ -z "$secret" ] || [ "$(printf '%s\n' "$secret" | wc -l)" != 1 ]; then
  echo "[ssf] ssf add-receiver printed no one-line secret" >&2; cat "$work/add-receiver.err" >&2; exit 1
fi
export SSF_RECEIVER_SECRET=$secret
echo "[ssf] receiver \"checker\" registered"

timeout 120 "$py/python" scripts/ssf/drive.py collect "$base" "$work"
stream_id=$("$py/python" -c 'import json, sys; print(json.load(open(sys.argv[1]))["stream_id"])' "$work/stream.json")
check=(timeout 60 "$py/python" scripts/ssf/check_sets.py "$base" "$work/sets.json"
       --aud checker --stream-id "$stream_id" --state abc)

echo "[ssf] the independent validator on every SET:"
"${check[@]}"

echo "[ssf] the validator's self-test (every broken copy refused):"
"${check[@]}" --self-test

echo "[ssf] and it does fail: one SET's typ changed to JWT must make it exit non-zero:"
set +e
"${check[@]}" --mutate typ
status=$?
set -e
if [ "$status" != 1 ]; then
  echo "[ssf] FAILED: the validator exited $status on a SET typed JWT, not 1" >&2; exit 1
fi
echo "[ssf] (exit status $status, as it must)"

timeout 60 "$py/python" scripts/ssf/drive.py ack "$base" "$work"
echo "[ssf] passed: an independent receiver accepted every SET of the stream"
failed=0
