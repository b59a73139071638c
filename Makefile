# The two commands of the README: `make dev` and `make test`. Both install what is
# missing first (scripts/setup.sh), idempotently.

SHELL := /bin/bash
export PATH := $(HOME)/.cargo/bin:$(PATH)

# The end-to-end run gets its own throw-away SQLite database and no rate limits (the
# suite signs up many users from one IP); the API tests cover the limits.
E2E_DB := $(CURDIR)/target/e2e/e2e.db

.PHONY: dev test test-api test-e2e lint build setup

dev:
	@scripts/setup.sh build
	cargo leptos watch

test:
	@scripts/setup.sh test
	$(MAKE) --no-print-directory lint
	$(MAKE) --no-print-directory test-api
	$(MAKE) --no-print-directory test-e2e

# rustfmt and clippy for both builds (ssr, and hydrate on wasm32) come first: cheap, and
# they fail fast.

# Unit tests and the black-box API suite (every scenario on SQLite and on PostgreSQL).
test-api:
	cargo test --workspace --features app/ssr --exclude frontend

# Playwright in Debian's Chromium against the real server, built by cargo-leptos.
test-e2e:
	@rm -rf $(dir $(E2E_DB)) && mkdir -p $(dir $(E2E_DB))
	DATABASE_URL="sqlite://$(E2E_DB)?mode=rwc" RATE_LIMITS=off JWT_SECRET=e2e-secret-e2e-secret-e2e-secret-123 \
		cargo leptos end-to-end

lint:
	cargo fmt --all -- --check
	cargo clippy -p app -p server --all-targets --features app/ssr -- -D warnings
	cargo clippy -p app -p frontend --target wasm32-unknown-unknown --features app/hydrate -- -D warnings

build:
	@scripts/setup.sh release
	cargo leptos build --release

setup:
	@scripts/setup.sh test
