#!/usr/bin/env bash
# The suites that run against a live stack: HTTP, the command line tool and
# the browser. Expects the Worker, the UI and the CLI to be built.
# The files are named one by one (a glob, not the folder): Node.js 21 and
# later take a folder given to `node --test` for a file to run.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

say "HTTP tests against wrangler dev ($(node --version))"
node --test --test-concurrency=2 tests/api/*.test.mjs

say "Command line tool against wrangler dev"
node --test --test-concurrency=2 tests/cli/*.test.mjs

say "Browser tests"
playwright test
