#!/usr/bin/env bash
# The suites that run against a live stack (scripts/suites.sh) under the
# current Node.js LTS, taken from the npm registry into .tools/, beside the
# Node.js that `make test` uses: the README asks for Node.js 20 or newer,
# and both ends must hold.
set -euo pipefail
cd "$(dirname "$0")/.."
NODE_LTS=26

platform=$(node -p '(process.platform === "win32" ? "win" : process.platform) + "-" + process.arch')
dir=.tools/node-lts
bin="$PWD/$dir/node_modules/node-$platform/bin"
if ! "$bin/node" --version 2>/dev/null | grep -q "^v$NODE_LTS\."; then
  printf '\033[1m==> Installing Node.js %s (node-%s from the npm registry)\033[0m\n' "$NODE_LTS" "$platform"
  npm install --no-save --no-audit --no-fund --prefix "$dir" "node-$platform@$NODE_LTS"
fi

scripts/setup.sh --test
export PATH="$bin:$PWD/node_modules/.bin:${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
make --no-print-directory worker web
cargo build -p imghost-cli --locked
scripts/suites.sh
