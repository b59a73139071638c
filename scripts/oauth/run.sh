#!/usr/bin/env bash
# Starts a throw-away server (debug build, 127.0.0.1 only, a fresh SQLite database, rate
# limits off) and drives it with standard tools from target/py:
#
#   scripts/oauth/run.sh client   authlib: discovery, password grant, bearer call, refresh,
#                                 revoke, refresh refused, access refused (`make test-oauth`)
#   scripts/oauth/run.sh fuzz     schemathesis against /api/openapi.json, checks
#                                 not_a_server_error and response_schema_conformance (`make fuzz`)
#
# FUZZ_MAX_EXAMPLES (default 100) bounds the examples per operation; each run is also
# bounded in time. The server is stopped on exit, whatever happens.
set -euo pipefail
cd "$(dirname "$0")/../.."
mode=${1:-}
case "$mode" in client|fuzz) ;; *) echo "usage: $0 client|fuzz" >&2; exit 2 ;; esac

py=target/py/bin
[ -x "$py/python" ] || scripts/setup.sh python
cargo build --quiet -p server
server_bin="${CARGO_TARGET_DIR:-target}/debug/server"

mkdir -p target
work=$(mktemp -d "$PWD/target/oauth-run.XXXXXX")
port=$("$py/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
secret() { "$py/python" -c 'import secrets; print(secrets.token_hex(32))'; }
export INTROSPECTION_SECRET; INTROSPECTION_SECRET=$(secret)

LEPTOS_SITE_ADDR="127.0.0.1:$port" LEPTOS_OUTPUT_NAME=signout RUST_LOG=warn \
  DATABASE_URL="sqlite://$work/oauth.db?mode=rwc" RATE_LIMITS=off JWT_SECRET="$(secret)" \
  "$server_bin" >"$work/server.log" 2>&1 &
server_pid=$!
stop() {
  kill "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  # The server's own log is the first thing to read when something failed.
  if [ "${failed:-1}" != 0 ] && [ -s "$work/server.log" ]; then
    echo "--- server log (last 40 lines) ---"; tail -n 40 "$work/server.log"
  fi
  rm -rf "$work"
}
trap stop EXIT

"$py/python" - "$base" <<'PY'
import sys, time, urllib.request
deadline = time.monotonic() + 60
while True:
    try:
        urllib.request.urlopen(sys.argv[1] + "/api/openapi.json", timeout=2)
        break
    except Exception:
        if time.monotonic() > deadline:
            sys.exit("the server did not start within 60 s")
        time.sleep(0.2)
PY

case "$mode" in
  client)
    timeout 120 "$py/python" scripts/oauth/standard_client.py "$base"
    ;;
  fuzz)
    FUZZ_WORKDIR="$work" "$py/python" scripts/oauth/fuzz.py "$base" "${FUZZ_MAX_EXAMPLES:-100}"
    ;;
esac
failed=0
