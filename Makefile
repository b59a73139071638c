# The two commands of the README: `make dev` and `make test`. Both install what is
# missing first (scripts/setup.sh), idempotently.

SHELL := /bin/bash
# tools/node_modules/.bin first: cargo-leptos runs the first `wasm-opt` on PATH, and it must
# be the current binaryen installed there, not an older one the system may have.
export PATH := $(CURDIR)/tools/node_modules/.bin:$(HOME)/.cargo/bin:$(PATH)

# The debug end-to-end run (`make test-e2e-debug`) gets its own throw-away SQLite database
# and no rate limits (the suite signs up many users from one IP); the API tests cover the
# limits. The release run does the same in end2end/scripts/release-suite.mjs.
E2E_DB := $(CURDIR)/target/e2e/e2e.db
E2E_ENV := DATABASE_URL="sqlite://$(E2E_DB)?mode=rwc" RATE_LIMITS=off \
	JWT_SECRET=e2e-secret-e2e-secret-e2e-secret-123
# What a production build is: optimised, hashed file names, precompressed (brotli, gzip),
# and split: the signed-in pages' code is fetched when they are first shown (`--split` with
# the `split` feature; see `app::pages::page_of_its_own`).
RELEASE := --release --precompress --split --lib-features split
SITE_PKG := target/site/pkg
# Where cargo-leptos writes the bundle's hashed names, beside the release server binary.
HASH_FILE := $(or $(CARGO_TARGET_DIR),$(CURDIR)/target)/release/hash.txt

# The release wasm only (not the server, not debug builds): the standard library is rebuilt
# so that a panic aborts at once (wasm aborts on a panic anyway; this drops the messages
# and their formatting), and neither source locations nor `Debug` text are kept. 10 % of the
# first load (see "Production serving" in docs/ARCHITECTURE.md). These compiler options are
# unstable; RUSTC_BOOTSTRAP=1 lets this stable toolchain take them, for the wasm's cargo
# process alone. `SMALL_WASM=off make build` builds without them.
SMALL_WASM ?= on
ifneq ($(SMALL_WASM),off)
WASM_ENV := RUSTC_BOOTSTRAP=1 \
	CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="-Zunstable-options -Cpanic=immediate-abort -Zlocation-detail=none -Zfmt-debug=none"
WASM_ARGS := --lib-cargo-args=-Zbuild-std=std,panic_abort
endif

.PHONY: dev test test-api test-oauth test-signals fuzz test-e2e test-e2e-debug lint build bundle-check tti screenshots setup bench

dev:
	@scripts/setup.sh build
	cargo leptos watch

# The browser suite runs on the release build: the one users get.
test:
	@scripts/setup.sh test
	$(MAKE) --no-print-directory lint
	$(MAKE) --no-print-directory test-api
	$(MAKE) --no-print-directory test-oauth
	$(MAKE) --no-print-directory test-signals
	$(MAKE) --no-print-directory fuzz
	$(MAKE) --no-print-directory test-e2e
	$(MAKE) --no-print-directory bundle-check

# rustfmt and clippy come first: cheap, and they fail fast. One pass for the server's
# target (every crate but the wasm entry, with its tests) and one for the wasm target; the
# wasm target's second pass is the split build, whose pages are compiled differently.
lint:
	cargo fmt --all -- --check
	cargo clippy --workspace --exclude frontend --all-targets --features app/ssr -- -D warnings
	cargo clippy -p frontend --target wasm32-unknown-unknown -- -D warnings
	cargo clippy -p frontend --target wasm32-unknown-unknown --features split -- -D warnings

# Unit tests and the black-box API suite (every scenario on SQLite and on PostgreSQL).
test-api:
	cargo test --workspace --features app/ssr --exclude frontend

# A standard OAuth client (Python's authlib, in target/py) against a throw-away server:
# discovery, password grant, bearer call, refresh, revoke, then refresh and access refused.
test-oauth:
	scripts/oauth/run.sh client

# Shared Signals as an independent receiver reads them (scripts/ssf): every SET of every
# kind checked against RFC 8417, SSF 1.0, CAEP and RISC, with the server test-api built.
test-signals:
	SIGNOUT_SERVER_BIN=$(or $(CARGO_TARGET_DIR),$(CURDIR)/target)/debug/server scripts/ssf/run.sh

# schemathesis against /api/openapi.json and a throw-away server (127.0.0.1 only), with
# the checks not_a_server_error and response_schema_conformance. FUZZ_MAX_EXAMPLES
# (default 100) bounds the examples per operation.
fuzz:
	scripts/oauth/run.sh fuzz

# Playwright in Debian's Chromium against the release server and site of `make build`,
# started on their own as the README says (end2end/scripts/release-suite.mjs).
test-e2e: build
	node end2end/scripts/release-suite.mjs

# The same suite on the debug build, quicker to rebuild while working on the client. It is
# not split, so the tests of the split (split-bundle.spec.ts) are skipped.
test-e2e-debug:
	@rm -rf $(dir $(E2E_DB)) && mkdir -p $(dir $(E2E_DB))
	$(E2E_ENV) UNSPLIT_BUILD=1 cargo leptos end-to-end

# The wasm and the server in two cargo processes, so that the wasm's options stay its own;
# between them, the main wasm gets the name of its bytes (tools/content-names.mjs).
build:
	@scripts/setup.sh release
	$(WASM_ENV) cargo leptos build $(RELEASE) --frontend-only $(WASM_ARGS)
	node tools/content-names.mjs $(SITE_PKG) $(HASH_FILE)
	cargo leptos build $(RELEASE) --server-only
	@node tools/bundle-size.mjs $(SITE_PKG)

# Fails when the release bundle's first load or all its files grew more than 5 % over
# tools/bundle-budget.json, or when the first load is over the goal recorded there.
bundle-check:
	node tools/bundle-size.mjs $(SITE_PKG) --check tools/bundle-budget.json

# Time to interactive of /login on a throttled profile, release build (a measurement, not a test).
tti: build
	node end2end/scripts/time-to-interactive.mjs

# Pictures of every page at 1280 × 800 and 390 × 844 into docs/screenshots/, release build.
screenshots: build
	node end2end/scripts/screenshots.mjs

setup:
	@scripts/setup.sh test

# Throughput and latency of the auth paths on the release build, against real server
# processes on 127.0.0.1 (SQLite and the local PostgreSQL), the server pinned to one core
# and the load on the other. `SIGNOUT_SERVER_BIN=<an older server binary> make bench` puts
# that build beside this one, measured in the same run. Bounded: a few minutes.
bench:
	@scripts/setup.sh bench
	cargo build --release -p notes-api
	cargo bench -p server --bench bench
