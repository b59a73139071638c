#!/usr/bin/env bash
# Installs what the project needs and is missing. Idempotent: every step first checks
# what is already there (and at which version), so a second run takes seconds.
#
#   scripts/setup.sh build   Rust target, cargo-leptos, wasm-bindgen-cli (for `make dev`)
#   scripts/setup.sh test    the release set, plus PostgreSQL up, Chromium and the npm packages
#   scripts/setup.sh release the build set, plus rust-src and the build tools of tools/ (a
#                            current wasm-opt)
#   scripts/setup.sh bench   PostgreSQL up, wrk and taskset (for `make bench`)
#   scripts/setup.sh python  the OAuth client and the fuzzer (target/py), for
#                            `make test-oauth` and `make fuzz` (also part of `test`)
set -euo pipefail

CARGO_LEPTOS_VERSION=0.3.10
cd "$(dirname "$0")/.."
say() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    say "need root for: $*"; return 1; fi
}

apt_updated=false
apt_install() {
  if ! $apt_updated; then as_root apt-get update -qq; apt_updated=true; fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@"
}

ensure_wasm_target() {
  if rustup target list --installed | grep -qx wasm32-unknown-unknown; then return; fi
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
}

ensure_rust_src() {
  # The release wasm is built with its own standard library (`-Zbuild-std`, see the Makefile).
  if rustup component list --installed | grep -q '^rust-src'; then return; fi
  say "adding the rust-src component"
  rustup component add rust-src
}

ensure_cargo_leptos() {
  if cargo leptos --version 2>/dev/null | grep -q " $CARGO_LEPTOS_VERSION\$"; then return; fi
  # 0.3.11 and later need a newer compiler than the one here; --locked keeps the build
  # reproducible (about 11 minutes on two cores, once).
  say "installing cargo-leptos $CARGO_LEPTOS_VERSION (takes a while, once)"
  cargo install cargo-leptos --version "$CARGO_LEPTOS_VERSION" --locked
}

ensure_wasm_bindgen() {
  # The CLI must be exactly the version of the wasm-bindgen crate in Cargo.lock.
  local wanted
  wanted=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/[^0-9.]/, ""); print; exit }' Cargo.lock)
  if wasm-bindgen --version 2>/dev/null | grep -q " $wanted\$"; then return; fi
  # Without --locked: the CLI's own lockfile pins a crate the registry no longer has.
  say "installing wasm-bindgen-cli $wanted"
  cargo install wasm-bindgen-cli --version "$wanted" --force
}

ensure_postgres() {
  if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then return; fi
  if ! command -v pg_ctlcluster >/dev/null; then
    say "installing PostgreSQL"
    apt_install postgresql
  fi
  say "starting PostgreSQL"
  as_root pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | tail -n1)" main start || true
  for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && return; sleep 1; done
  say "PostgreSQL is not reachable on 127.0.0.1:5432; the tests need it (see README)"
  return 1
}

ensure_chromium() {
  if [ -x /usr/bin/chromium ]; then return; fi
  # Playwright's own browser download cannot work here; Debian's Chromium does.
  say "installing Debian's chromium"
  apt_install chromium
}

ensure_node() {
  if command -v npm >/dev/null; then return; fi
  say "installing node and npm"
  apt_install nodejs npm
}

ensure_npm_packages() {
  local stamp=end2end/node_modules/.package-lock.json
  if [ -f "$stamp" ] && [ "$stamp" -nt end2end/package-lock.json ]; then return; fi
  say "installing the end-to-end test packages (npm ci)"
  (cd end2end && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund)
}

ensure_build_tools() {
  # A current binaryen from the npm registry. Debian's (wasm-opt 108, 2022) does not know the
  # reference-types tables that wasm-bindgen emits today: its output fails to instantiate
  # ("WebAssembly.Table.set(): Argument 1 is invalid for table"). The Makefile puts
  # tools/node_modules/.bin first on PATH, where cargo-leptos looks for `wasm-opt`.
  local stamp=tools/node_modules/.package-lock.json
  if [ -f "$stamp" ] && [ "$stamp" -nt tools/package-lock.json ]; then return; fi
  ensure_node
  say "installing the build tools (npm ci in tools/: binaryen, the GeoIP database)"
  (cd tools && npm ci --no-audit --no-fund)
}

# A project-local venv, so nothing is installed into the system's Python. Re-installed
# when the pinned requirements change.
PY_VENV=target/py
PY_REQUIREMENTS=scripts/oauth/requirements.txt
ensure_python_tools() {
  if ! python3 -m venv --help >/dev/null 2>&1 || ! python3 -c 'import ensurepip' 2>/dev/null; then
    say "installing Python's venv module"
    apt_install python3 python3-venv
  fi
  local stamp=$PY_VENV/.installed
  if [ -f "$stamp" ] && [ "$stamp" -nt "$PY_REQUIREMENTS" ]; then return; fi
  say "installing the OAuth client and the API fuzzer into $PY_VENV"
  python3 -m venv "$PY_VENV"
  "$PY_VENV/bin/pip" install --quiet --disable-pip-version-check -r "$PY_REQUIREMENTS"
  touch "$stamp"
}

ensure_bench_tools() {
  # `make bench` loads the session check with wrk, pinned with taskset (util-linux) to the
  # core the server is not on.
  if command -v wrk >/dev/null && command -v taskset >/dev/null; then return; fi
  say "installing wrk and taskset, for make bench"
  apt_install wrk util-linux
}

case "${1:-build}" in
  build) ensure_wasm_target; ensure_cargo_leptos; ensure_wasm_bindgen; ensure_build_tools ;;
  test) ensure_wasm_target; ensure_rust_src; ensure_cargo_leptos; ensure_wasm_bindgen; ensure_build_tools
        ensure_postgres; ensure_chromium; ensure_node; ensure_npm_packages; ensure_python_tools ;;
  python) ensure_python_tools ;;
  bench) ensure_postgres; ensure_bench_tools ;;
  release) ensure_wasm_target; ensure_rust_src; ensure_cargo_leptos; ensure_wasm_bindgen; ensure_build_tools ;;
  *) echo "usage: $0 [build|test|release|python|bench]" >&2; exit 2 ;;
esac
