# The two commands: `make dev` runs imghost locally, `make test` runs every test.
SHELL := /bin/bash
.DEFAULT_GOAL := help

CARGO_BIN := $(or $(CARGO_HOME),$(HOME)/.cargo)/bin
export PATH := $(CURDIR)/node_modules/.bin:$(CARGO_BIN):$(PATH)
# worker-build and trunk use these local tools instead of downloading them.
export WASM_BINDGEN_BIN := $(CARGO_BIN)/wasm-bindgen
export ESBUILD_BIN := $(CURDIR)/node_modules/.bin/esbuild
export WASM_OPT_BIN := $(CURDIR)/node_modules/.bin/wasm-opt
# Keep wrangler from calling Cloudflare during local runs.
export WRANGLER_SEND_METRICS := false
export CLOUDFLARE_CF_FETCH_ENABLED := false

# The wasm features worker-build enables; wasm-opt must accept what it emitted.
WASM_FEATURES := $(foreach f,mutable-globals sign-ext nontrapping-float-to-int bulk-memory multivalue reference-types exception-handling,--enable-$(f))

RUST_SOURCES := Cargo.toml Cargo.lock $(shell find shared api web -name '*.rs' -o -name Cargo.toml -o -name '*.html' -o -name '*.css' | grep -v -e /build/ -e /dist/)

.PHONY: help dev test test-node-lts bench bench-images bench-memory load setup worker web deploy clean mutants bench-move bench-gallery bench-tokens bench-heic bench-responsive bench-organise

help:
	@echo "make dev    run imghost locally (installs what is missing first)"
	@echo "make test   run every test"

dev: setup worker web
	@scripts/dev.sh

test:
	@scripts/test.sh

# The HTTP, CLI and browser suites again under the current Node.js LTS.
test-node-lts:
	@scripts/test-node-lts.sh

# Side by side with the original Worker: REFERENCE_WORKER=<its checkout> make bench
bench: setup worker web
	@command -v oha >/dev/null || cargo install oha --locked
	node scripts/bench/bench.mjs

# Sizes after stripping and browser WebP, and the Worker's CPU per upload.
bench-images:
	@scripts/setup.sh --test
	node scripts/bench/image-processing.mjs

# The Worker's peak wasm memory for 1, 5 and 20 MiB uploads, 1 and 4 at once.
bench-memory: setup worker web
	node scripts/bench/memory.mjs

# 200 uploads from 16 clients while others list and delete; then R2 = D1?
load: setup worker web
	node scripts/bench/load.mjs

setup:
	@scripts/setup.sh

worker: api/build/index.js

api/build/index.js: $(filter-out web/%,$(RUST_SOURCES))
	cd api && worker-build --release
	@# worker-build keeps the wasm's names section (about 40 KB gzipped) for
	@# readable stack traces; the Worker ships without it.
	wasm-opt -Oz --strip-debug --strip-producers $(WASM_FEATURES) api/build/index_bg.wasm -o api/build/index_bg.wasm
	@touch $@

web: web/dist/index.html web/dist/manage.html

# Two pages, each with its own wasm: the main page and the manage page
# (tokens, trash, audit log). Trunk builds one page per run and replaces its
# dist folder, so the manage page is built apart and copied in; _headers is
# then written again to cover both pages' inline scripts.
web/dist/index.html web/dist/manage.html &: $(filter-out api/%,$(RUST_SOURCES)) Trunk.toml scripts/ui-headers.mjs web/heic/worker.js package-lock.json
	trunk build --release --offline
	rm -rf target/manage-dist
	trunk build --release --offline --dist target/manage-dist web/manage.html
	cp target/manage-dist/index.html web/dist/manage.html
	cp target/manage-dist/manage-*.js target/manage-dist/manage-*_bg.wasm target/manage-dist/*.css web/dist/
	node scripts/ui-headers.mjs web/dist
	@# The HEIC decoder (libheif, LGPL-3.0, with its licence), fetched by
	@# the upload page only when a HEIC photo is dropped.
	mkdir -p web/dist/heic
	cp web/heic/worker.js $(addprefix node_modules/libheif-js/libheif-wasm/,libheif.js libheif.wasm LICENSE) web/dist/heic/
	@touch web/dist/index.html web/dist/manage.html

# Needs `npx wrangler login` and the setup in README's deploy section.
deploy: setup worker web
	wrangler deploy

clean:
	rm -rf api/build web/dist target

# Mutation testing of the pure logic (slow; not part of `make test`).
# A subset: make mutants FILES="shared/src/image/gif.rs"
mutants:
	@command -v cargo-mutants >/dev/null || cargo install cargo-mutants --locked
	@command -v jq >/dev/null || { apt-get update -q && apt-get install -y -q jq; }
	@scripts/mutants.sh $(FILES)

# Export and import of 1,000 and 10,000 images: throughput and the CLI's peak memory.
# Converting a 12 MP HEIC photo: in the CLI and in the page (Chromium).
bench-heic: setup worker web
	@scripts/setup.sh --test
	cargo build --release -p imghost-cli
	node scripts/bench/heic.mjs

# What a reader downloads for a post of six phone photos, plain against
# responsive snippets, on a phone and a desktop (Chromium).
bench-responsive: setup worker web
	@scripts/setup.sh --test
	cargo build --release -p imghost-cli
	node scripts/bench/responsive.mjs

bench-move: setup worker web
	cargo build --release -p imghost-cli
	node scripts/bench/move.mjs

# The first screen with 50 phone photos (bytes, time) after each way of getting
# thumbnails; galleries of 200 and 10,000 images scrolled: DOM nodes and frame times.
bench-gallery: setup worker web
	@scripts/setup.sh --test
	cargo build --release -p imghost-cli
	node scripts/bench/first-screen.mjs
	node scripts/bench/gallery.mjs

# The latency a named token adds over ADMIN_TOKEN (its D1 lookup), and the
# rows that lookup reads.
bench-tokens: setup worker web
	node scripts/bench/tokens.mjs

# Pages of 50 filtered by album and tag at 100,000 images: D1 rows read, time.
bench-organise: setup worker web
	node scripts/bench/organise.mjs
