#!/usr/bin/env bash
# The long fuzz runs: every target of fuzz/ for SECONDS each (default 1800),
# two at a time, from its seeds (fuzz/seeds/<target>/, hand-made, never
# changed) and its corpus (fuzz/corpus/<target>/, where new inputs go; not
# in git, so it grows on this machine or in a CI cache), then each corpus
# minimized in place (cargo fuzz cmin).
# Needs the nightly toolchain and cargo-fuzz (`cargo install cargo-fuzz`).
# A crash stops its target and leaves the input in fuzz/artifacts/<target>/;
# copy it into fuzz/regressions/<target>/, named for what it caught, so
# `cargo test` replays it from then on (fuzz/regressions/README.md).
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/../fuzz"

seconds=${1:-1800}
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    targets=(runbook config render markdown manifest)
fi
logs=${GTDOCS_FUZZ_LOGS:-target/fuzz-logs}
mkdir -p "$logs"

# AddressSanitizer, except for `render`: it builds the search index for
# every input, 3 runs/s under ASan against 31 without (the code is safe
# Rust; the other targets keep ASan for the unsafe code in dependencies).
sanitizer() {
    case $1 in
        render) echo none ;;
        *) echo address ;;
    esac
}

# cargo fuzz with the target's sanitizer, each sanitizer in its own target
# folder (a build with other flags in the same folder replaces the binary).
fuzz() {
    local cmd=$1 t=$2
    shift 2
    local s
    s=$(sanitizer "$t")
    cargo +nightly fuzz "$cmd" -O -s "$s" --target-dir "target/$s" "$t" "$@"
}

for t in "${targets[@]}"; do
    fuzz build "$t"
done

run() {
    local t=$1
    mkdir -p "corpus/$t"
    # -timeout: an input that runs 10 s is a hang; -rss_limit_mb: 2 GiB is
    # unbounded memory (ASan included); -max_len: 16 KiB inputs keep the
    # corpora small (a whole bundled manifest, 134 KB, made a 39 MB corpus)
    # and still hold every seed.
    if fuzz run "$t" "corpus/$t" "seeds/$t" -- \
        -max_total_time="$seconds" -max_len=16384 -timeout=10 -rss_limit_mb=2048 \
        >"$logs/$t.log" 2>&1; then
        echo "$t: $(grep -E '^Done [0-9]+ runs' "$logs/$t.log" || tail -n 1 "$logs/$t.log")"
    else
        echo "$t: FAILED, see $logs/$t.log and fuzz/artifacts/$t/" >&2
        return 1
    fi
}

status=0
# Two at a time: one per core.
for ((i = 0; i < ${#targets[@]}; i += 2)); do
    pids=()
    for t in "${targets[@]:i:2}"; do
        run "$t" &
        pids+=($!)
    done
    for pid in "${pids[@]}"; do
        wait "$pid" || status=1
    done
done

for t in "${targets[@]}"; do
    fuzz cmin "$t" "corpus/$t" >"$logs/$t.cmin.log" 2>&1
    echo "$t: corpus $(find "corpus/$t" -type f | wc -l) files after cmin"
done
exit $status
