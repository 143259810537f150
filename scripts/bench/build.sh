#!/usr/bin/env bash
# The build benchmark, in one command: gtdocs build (and check) against Hugo +
# Pagefind on the same generated corpora of 1,000 and 10,000 runbooks, fresh,
# in place and incremental, on a journaled ext4 image and on tmpfs (both
# mounted by run.py when run as root; otherwise once in TMPDIR, named in the
# report), then the browser search benchmark (search.mjs) on each size.
#
#   sudo scripts/bench/build.sh                # full run: 2 sizes x 3 rounds x 2 file systems (see run.py's header for the time)
#   scripts/bench/build.sh --quick             # smoke run: sizes 100 1000, 2 rounds
#   SIZES="1000 10000" RUNS=5 scripts/bench/build.sh --fs tmpfs
#   GTDOCS_BIN=/path/to/gtdocs scripts/bench/build.sh   # skip cargo build, measure that binary
#
# Steps: cargo build --release (unless GTDOCS_BIN is set), scripts/bench/install.sh
# (pinned Debian hugo and time, npm pagefind in scripts/bench/node_modules; needs
# root the first time), then scripts/bench/run.py with every argument passed on
# (see its header for what is measured and how). Results: the Markdown report on
# stdout, target/bench/build-<date>.md and .json. Nothing outside the machine is
# contacted while measuring.
set -euo pipefail

BENCH="$(realpath -- "$(dirname -- "${BASH_SOURCE[0]}")")"
REPO="$(realpath -- "$BENCH/../..")"
cd "$REPO"

if [[ -z "${GTDOCS_BIN:-}" ]]; then
  echo "bench: cargo build --release" >&2
  cargo build --release --quiet
  export GTDOCS_BIN="$REPO/target/release/gtdocs"
fi
bash "$BENCH/install.sh" >&2
exec python3 "$BENCH/run.py" "$@"
