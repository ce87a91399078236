#!/usr/bin/env bash
# Prints the size of each wasm, raw and gzipped: the Worker's, the main
# page's and the manage page's (tokens, trash, audit log).
#   scripts/sizes.sh          print
#   scripts/sizes.sh --check  also fail if a gzipped size is over its budget
set -euo pipefail
cd "$(dirname "$0")/.."

BUDGET_KB=250
worker=api/build/index_bg.wasm
ui=$(ls web/dist/imghost-web-*_bg.wasm 2>/dev/null | head -n 1 || true)
manage=$(ls web/dist/manage-*_bg.wasm 2>/dev/null | head -n 1 || true)
status=0
kb() { awk -v bytes="$1" 'BEGIN { printf "%.1f", bytes / 1024 }'; }

for pair in "Worker:$worker" "UI:$ui" "Manage:$manage"; do
  name=${pair%%:*}
  file=${pair#*:}
  if [ -z "$file" ] || [ ! -f "$file" ]; then
    echo "$name wasm not found: run make worker web" >&2
    exit 1
  fi
  raw=$(wc -c < "$file")
  gz=$(gzip -9 -c "$file" | wc -c)
  printf '%-7s wasm %8d bytes (%6.1f KB), gzip %8d bytes (%6.1f KB), budget %d KB gzip\n' \
    "$name" "$raw" "$(kb "$raw")" "$gz" "$(kb "$gz")" "$BUDGET_KB"
  if [ "${1:-}" = "--check" ] && [ "$gz" -gt $((BUDGET_KB * 1024)) ]; then
    echo "  over budget" >&2
    status=1
  fi
done
exit $status
