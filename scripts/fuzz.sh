#!/usr/bin/env bash
# Coverage-guided fuzzing of image detection and metadata stripping
# (cargo-fuzz, libFuzzer), seeded with the test images. Prints how many
# inputs each target ran without a crash.
#   scripts/fuzz.sh [seconds per target, default 60]
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_TARGET=${1:-60}

rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked

for target in detect strip; do
  corpus=fuzz/corpus/$target
  mkdir -p "$corpus"
  cp tests/fixtures/*.png tests/fixtures/*.jpg tests/fixtures/*.gif tests/fixtures/*.webp "$corpus"/
  log=$(mktemp)
  (cd fuzz && cargo +nightly fuzz run "$target" -- -max_total_time="$SECONDS_PER_TARGET" -max_len=65536) 2>&1 | tee "$log" | grep -E 'Done|ERROR|panicked' || true
  runs=$(grep -oE 'Done [0-9]+ runs' "$log" | tail -n 1 | grep -oE '[0-9]+')
  if grep -q 'ERROR' "$log" || [ -z "$runs" ]; then
    echo "$target: crashed; see fuzz/artifacts/$target" >&2
    exit 1
  fi
  printf '%s: %s inputs in %s s, no crash\n' "$target" "$runs" "$SECONDS_PER_TARGET"
  rm -f "$log"
done
