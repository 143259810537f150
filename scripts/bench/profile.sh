#!/usr/bin/env bash
# Where a 10,000-runbook build spends its time: for each gtdocs binary given,
# an in-place build timed with GNU time, then one profiled with perf (Debian's
# `linux-perf`), summarised as samples per thread, samples per second of all
# threads (at 499 Hz, 998 means both cores busy) and the top symbols.
#
#   scripts/bench/profile.sh OLD_BINARY NEW_BINARY      # e.g. two builds of gtdocs
#   N=1000 scripts/bench/profile.sh target/release/gtdocs
#
# The corpus (scripts/bench/corpus.py N) and the outputs go to TMPDIR (use a
# tmpfs such as /dev/shm, or a journaled ext4 file system, and name it).
set -euo pipefail
BENCH="$(realpath -- "$(dirname -- "${BASH_SOURCE[0]}")")"
N="${N:-10000}"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/gtdocs-profile.XXXXXX")"
trap 'rm -rf -- "$WORK"' EXIT
python3 "$BENCH/corpus.py" "$N" "$WORK/corpus"
echo "corpus: $N runbooks in $WORK ($(stat -f -c %T "$WORK"))"
k=0
for bin in "$@"; do
  k=$((k + 1))
  out="$WORK/out-$k"
  data="$WORK/perf-$k.data"
  echo "== $bin"
  "$bin" build --root "$WORK/corpus" --out "$out" -q >/dev/null 2>&1 # the site to rebuild in place
  /usr/bin/time -f "in place: %e s wall, %U user + %S sys, %M KB peak RSS" \
    "$bin" build --root "$WORK/corpus" --out "$out" -q 2>&1 | tail -1
  perf record -q -F 499 -o "$data" "$bin" build --root "$WORK/corpus" --out "$out" -v 2>&1 |
    grep -E "^built|validate" || true
  echo "samples per thread:"
  perf script -i "$data" -F comm,tid 2>/dev/null | sort | uniq -c | sort -rn | head -8 || true
  echo "samples per second, all threads:"
  perf script -i "$data" -F time 2>/dev/null |
    awk '{split($1, a, "."); c[a[1]]++} END {for (s in c) print s, c[s]}' | sort -n |
    awk '{printf "%s ", $2} END {print ""}' || true
  echo "top symbols:"
  perf report -i "$data" --no-children --sort dso,sym --stdio 2>/dev/null |
    grep -v "^#" | grep -v "^$" | head -12 || true # head closes the pipe early
done
