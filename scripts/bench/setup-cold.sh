#!/usr/bin/env bash
# The first `make dev` on a machine that has never built imghost: a fresh
# clone, an empty cargo home and npm cache (the Rust toolchain itself is
# taken as installed, as the README asks). Prints the time to each tool and
# to the URL `make dev` prints, then stops the server.
#   scripts/bench/setup-cold.sh            the tool profile setup.sh uses
#   IMGHOST_TOOL_OPT_LEVEL=3 scripts/...   another opt-level for the tools
# Takes 10 to 20 minutes of both cores; not part of `make test`.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
scratch=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$scratch"' EXIT
git clone -q "$repo" "$scratch/imghost"
export CARGO_HOME="$scratch/cargo" npm_config_cache="$scratch/npm-cache" PORT=18787
mkdir -p "$CARGO_HOME"
# The toolchain stays where rustup put it; only tools and registries are
# new, and nothing of the old cargo home is on PATH but rustup itself.
mkdir -p "$scratch/rust-bin"
ln -s "$(rustup which cargo | xargs dirname)"/* "$scratch/rust-bin/"
ln -s "$(command -v rustup)" "$scratch/rust-bin/rustup"
old_bin="$(dirname "$(command -v rustup)")"
PATH=$(printf '%s' "$PATH" | tr ':' '\n' | grep -vx "$old_bin" | paste -sd:)
export PATH="$CARGO_HOME/bin:$scratch/rust-bin:$PATH"
cd "$scratch/imghost"
start=$(date +%s)
log="$scratch/make-dev.log"
make dev > "$log" 2>&1 &
while ! grep -q 'imghost is running' "$log"; do
  if ! kill -0 $! 2>/dev/null; then cat "$log"; echo "make dev failed" >&2; exit 1; fi
  sleep 2
done
total=$(( $(date +%s) - start ))
grep -E 'Installing (wasm-bindgen-cli|worker-build|trunk) |Finished `release`|Installing npm' "$log" || true
printf 'first make dev, cold: %d min %02d s to the printed URL (tool opt-level %s)\n' \
  $((total / 60)) $((total % 60)) "${IMGHOST_TOOL_OPT_LEVEL:-1}"
