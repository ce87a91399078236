#!/usr/bin/env bash
# Every check and test, as CI runs them: formatting, lints (native and
# wasm32), native unit tests, size budgets, HTTP tests against `wrangler dev`
# and browser tests in headless Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

scripts/setup.sh --test

say "Formatting"
cargo fmt --all -- --check

say "Lints (native)"
cargo clippy --workspace --all-targets --locked -- -D warnings
say "Lints (wasm32)"
cargo clippy --workspace --exclude imghost-cli --target wasm32-unknown-unknown --locked -- -D warnings

say "Unit tests"
cargo test --workspace --locked

say "Building the Worker, the UI and the command line tool"
make --no-print-directory worker web
cargo build -p imghost-cli --locked

say "Size budgets"
scripts/sizes.sh --check

scripts/suites.sh
