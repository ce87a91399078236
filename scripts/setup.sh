#!/usr/bin/env bash
# Installs what imghost needs at the pinned versions, skipping whatever is
# already installed at the right version (so a second run takes seconds).
#   scripts/setup.sh            build and run tools
#   scripts/setup.sh --test     also what the tests use: Chromium (browser
#                               tests), exiftool (an independent EXIF reader),
#                               Xvfb and xclip (a desktop clipboard for the CLI)
set -euo pipefail
cd "$(dirname "$0")/.."

WORKER_BUILD_VERSION=0.8.7
TRUNK_VERSION=0.21.14
# worker-build and trunk both run the wasm-bindgen CLI, which must be the
# exact version of the wasm-bindgen crate in Cargo.lock.
WASM_BINDGEN_VERSION=$(grep -A1 '^name = "wasm-bindgen"$' Cargo.lock | sed -n 's/^version = "\(.*\)"/\1/p')

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
fail() { printf 'setup: %s\n' "$*" >&2; exit 1; }

command -v cargo >/dev/null || fail "Rust is missing: install it with rustup (https://rustup.rs)"
command -v cc >/dev/null || fail "A C compiler is missing (Rust links with it, and the CLI builds libwebp): install build-essential (Debian, Ubuntu), gcc (Fedora) or the Xcode command line tools (macOS)"
command -v node >/dev/null || fail "Node.js 20 or newer is missing"
command -v npm >/dev/null || fail "npm is missing"
node_major=$(node -p 'process.versions.node.split(".")[0]')
[ "$node_major" -ge 20 ] || fail "Node.js 20 or newer is needed (found $(node --version))"

# rust-toolchain.toml pins the compiler; make sure it and the wasm target exist.
rustup show active-toolchain >/dev/null 2>&1 || rustup toolchain install
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "Adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

# The tools are looked for where the Makefile runs them from (cargo's bin
# folder), not on PATH: one elsewhere at the right version would be skipped
# here and missed there.
CARGO_BIN="${CARGO_HOME:-$HOME/.cargo}/bin"
installed_version() { "$CARGO_BIN/$1" --version 2>/dev/null | awk '{print $NF}'; }

# The tools' own run time is a few seconds per build, so they are compiled
# for a quick install rather than for speed: no LTO (trunk asks for fat LTO
# with one codegen unit), opt-level 1, and no TLS stack (they never download
# anything: the Makefile points them at local wasm-bindgen, esbuild and
# wasm-opt). `scripts/bench/setup-cold.sh` measures both ways.
TOOL_PROFILE=(CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16
  CARGO_PROFILE_RELEASE_OPT_LEVEL="${IMGHOST_TOOL_OPT_LEVEL:-1}" CARGO_PROFILE_RELEASE_PANIC=unwind)

cargo_tool() { # binary crate version [cargo install flags...]
  local binary=$1 crate=$2 version=$3
  shift 3
  if [ "$(installed_version "$binary")" = "$version" ]; then
    return
  fi
  say "Installing $crate $version (takes minutes, once)"
  env "${TOOL_PROFILE[@]}" cargo install "$crate" --version "=$version" --no-default-features "$@"
}

# The crates.io index copy can lag behind a tool's lockfile; retry unlocked.
cargo_tool wasm-bindgen wasm-bindgen-cli "$WASM_BINDGEN_VERSION" --locked ||
  cargo_tool wasm-bindgen wasm-bindgen-cli "$WASM_BINDGEN_VERSION"
cargo_tool worker-build worker-build "$WORKER_BUILD_VERSION" --locked ||
  cargo_tool worker-build worker-build "$WORKER_BUILD_VERSION"
# Trunk needs --locked: newer lightningcss/cssparser releases do not build together.
cargo_tool trunk trunk "$TRUNK_VERSION" --locked

# wrangler (with workerd), esbuild, binaryen's wasm-opt, Playwright: pinned
# in package-lock.json.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "Installing npm packages"
  npm ci --no-audit --no-fund
fi

if [ "${1:-}" = "--test" ]; then
  missing=()
  command -v chromium >/dev/null || missing+=(chromium)
  command -v exiftool >/dev/null || missing+=(libimage-exiftool-perl)
  command -v Xvfb >/dev/null || missing+=(xvfb)
  command -v xclip >/dev/null || missing+=(xclip)
  command -v heif-enc >/dev/null || missing+=(libheif-examples)
  if [ ${#missing[@]} -gt 0 ]; then
    say "Installing ${missing[*]} for the tests"
    sudo_if_needed=$([ "$(id -u)" = 0 ] || echo sudo)
    $sudo_if_needed apt-get update -q
    DEBIAN_FRONTEND=noninteractive $sudo_if_needed apt-get install -y -q "${missing[@]}"
  fi
fi
