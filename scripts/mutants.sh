#!/usr/bin/env bash
# Mutation testing of the pure logic: cargo-mutants plants small bugs
# (flipped comparisons, constant returns, removed branches) one at a time and
# checks that some test fails. The share of bugs caught is our measure of test
# strength. Slow (minutes per file), so it is not part of `make test`.
#
#   scripts/mutants.sh                         every file below
#   scripts/mutants.sh shared/src/image/gif.rs just these files
#
# Prints caught / missed / unviable / timeout per file and writes the missed
# mutants to target/mutants-missed.txt. docs/mutants.md keeps the latest figures.
#
# MUTANTS_JOBS (default 1) and MUTANTS_TIMEOUT (seconds per test run, default
# 120) tune the run. MUTANTS_LIB_ONLY=1 runs only the crates' unit tests, not
# shared's property tests: about twice as fast, and a lower bound on the score.
set -euo pipefail
cd "$(dirname "$0")/.."

DEFAULT_FILES=(
    shared/src/image/strip.rs
    shared/src/image/jpeg.rs
    shared/src/image/gif.rs
    shared/src/image/png.rs
    shared/src/image/webp.rs
    shared/src/image/isobmff.rs
    shared/src/image/bmp.rs
    shared/src/image/bytes.rs
    shared/src/image/detect.rs
    shared/src/image/exif.rs
    shared/src/image/format.rs
    shared/src/image/svg.rs
    shared/src/image/mod.rs
    shared/src/api/listing.rs
    shared/src/snippet.rs
    shared/src/names.rs
    shared/src/api/access.rs
    shared/src/api/tokens.rs
    shared/src/keys.rs
    shared/src/thumbnail.rs
    shared/src/units.rs
    api/src/images/domain.rs
    api/src/images/queries.rs
    api/src/images/upload.rs
    api/src/files/range.rs
    api/src/auth.rs
    api/src/trash/domain.rs
    api/src/stats/mod.rs
    api/src/tokens/mod.rs
    api/src/reconcile/domain.rs
    cli/src/export.rs
    cli/src/import.rs
    cli/src/migrate.rs
)

# In the CLI only the pure key and path handling is measured here: the rest
# talks to a server, which only the CLI tests against wrangler dev do.
CLI_FUNCTIONS='local_path|check_key|real_folders|create_fresh|read_file|image_files|allowed_roots|confine|locate' 

command -v cargo-mutants >/dev/null || {
    echo "cargo-mutants is missing: cargo install cargo-mutants --locked" >&2
    exit 1
}
command -v jq >/dev/null || { echo "jq is missing" >&2; exit 1; }

files=("$@")
[ ${#files[@]} -gt 0 ] || files=("${DEFAULT_FILES[@]}")

OUT=target/mutants
MISSED=target/mutants-missed.txt
# Dependencies are built once and kept between runs; only the workspace's
# own crates are rebuilt in each scratch copy.
export CARGO_TARGET_DIR="${MUTANTS_TARGET_DIR:-$PWD/target/mutants-build}"

run() {
    local package=$1
    shift
    local args=() file
    for file in "$@"; do args+=(--file "$file"); done
    [ ${#args[@]} -gt 0 ] || return 0
    echo "== $package: $*"
    # The CLI is a binary: its unit tests are the binary's.
    local unit=--lib
    [ "$package" != imghost-cli ] || unit=--bins
    [ -z "${MUTANTS_LIB_ONLY:-}" ] || args+=("--cargo-arg=$unit")
    [ -z "${MUTANTS_RE:-}" ] || args+=(--re "$MUTANTS_RE")
    local status=0
    cargo mutants --package "$package" "${args[@]}" \
        --jobs "${MUTANTS_JOBS:-1}" --timeout "${MUTANTS_TIMEOUT:-120}" \
        --gitignore true --output "$OUT/$package" || status=$?
    # 2: mutants missed, 3: timeouts; both are results, not failures.
    case $status in
        0 | 2 | 3) ;;
        *) echo "cargo mutants failed for $package (exit $status)" >&2; exit "$status" ;;
    esac
}

shared=() api=() cli=()
for file in "${files[@]}"; do
    [ -f "$file" ] || { echo "no such file: $file" >&2; exit 1; }
    case $file in
        shared/*) shared+=("$file") ;;
        api/*) api+=("$file") ;;
        cli/*) cli+=("$file") ;;
        *) echo "not measured here: $file (only shared/, api/ and cli/)" >&2; exit 1 ;;
    esac
done

rm -rf "$OUT"
mkdir -p "$OUT"
run imghost-shared "${shared[@]}"
run imghost-api "${api[@]}"
MUTANTS_RE="$CLI_FUNCTIONS" run imghost-cli "${cli[@]}"

outcomes=("$OUT"/*/mutants.out/outcomes.json)
echo
printf '%-32s %6s %6s %8s %7s %7s\n' file caught missed unviable timeout score
jq -rs '
    [.[].outcomes[] | select(.scenario | type == "object")
     | {file: .scenario.Mutant.file, summary}]
    | group_by(.file)[]
    | . as $m
    | def n(s): [$m[] | select(.summary == s)] | length;
      [n("CaughtMutant"), n("MissedMutant"), n("Unviable"), n("Timeout")] as [$c, $mi, $u, $t]
    | [$m[0].file, $c, $mi, $u, $t,
       (if $c + $mi + $t == 0 then "-"
        else "\((($c + $t) * 1000 / ($c + $mi + $t) | floor) / 10)%" end)]
    | @tsv' "${outcomes[@]}" |
    while IFS=$'\t' read -r file c m u t score; do
        printf '%-32s %6s %6s %8s %7s %7s\n' "$file" "$c" "$m" "$u" "$t" "$score"
    done
echo "score: viable mutants (all but unviable) not missed; a timeout is a mutant"
echo "that made the code hang, which the tests detect by not finishing"

cat "$OUT"/*/mutants.out/missed.txt 2>/dev/null | sort -V > "$MISSED" || true
echo "$(wc -l < "$MISSED") missed mutants listed in $MISSED"
