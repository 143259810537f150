#!/usr/bin/env bash
# Runs every test of gtdocs, as CI does: installs the outside tools
# (scripts/install-test-tools.sh: pinned where their version changes
# results), then formatting, lints and the test suite; at the end, the
# fidelity figures against the published GT wiki corpus, or, where that
# corpus is absent, the tests that did not run and where to get it.
#
# Needs a Rust toolchain, Node.js >= 20 with npm, Java, Python 3 with venv,
# git >= 2.31, and root only when a Debian tool is missing (the install
# script names it, with the command).
#   GTDOCS_REFERENCE          the corpus (default ../shared/reference)
#   GTDOCS_REQUIRE_REFERENCE  1: a missing corpus fails the run (CI: .ci/run)
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-test-tools.sh
# shellcheck source=/dev/null
source "${GTDOCS_TOOLS:-$HOME/.cache/gtdocs-tools}/env"

cargo fmt --all -- --check
# Lints and the test build in one compilation (scripts/clippy-rustc.sh):
# `cargo clippy` would check every dependency a second time (90 s of a
# fresh clone's run on 2 cores). Every cargo call below keeps this
# setting, so nothing is compiled twice; a plain `cargo test` afterwards
# recompiles gtdocs's own crates once (about 45 s).
command -v "${GTDOCS_CLIPPY_DRIVER:-clippy-driver}" >/dev/null || {
  echo "scripts/test.sh: clippy is missing (rustup component add clippy)" >&2
  exit 1
}
export RUSTC_WORKSPACE_WRAPPER="$PWD/scripts/clippy-rustc.sh"

log="$(mktemp)"
trap 'rm -f -- "$log"' EXIT
cargo test --locked 2>&1 | tee "$log"

reference="${GTDOCS_REFERENCE:-../shared/reference}"
if grep -q '^gtdocs tests: NOT RUN: ' "$log"; then
  # Said once more where it cannot be missed: the tests' own notice, then
  # every test that returned without running.
  mapfile -t not_run < <(sed -n 's/^gtdocs tests: NOT RUN: \([^ ]*\) (no reference corpus)$/\1/p' "$log" | sort -u)
  {
    echo
    awk '/^=+$/ && length($0) == 78 { n++; print; if (n == 2) exit; next } n == 1' "$log"
    printf '%s test(s) did NOT RUN for want of the corpus at %s:\n' "${#not_run[@]}" "$reference"
    printf '  %s\n' "${not_run[@]}"
    echo "Every other test ran. With the corpus in place, run scripts/test.sh again."
  } >&2
else
  # The fidelity figures against the published wiki: every kind is printed,
  # or the run fails.
  figures="$(cargo test --locked --test testsuite fidelity:: -- --show-output 2>&1 \
    | grep -E '^(runbook pages|  kept|index rows|matrix rows)')" || true
  for kind in "runbook pages" "index rows" "matrix rows"; do
    grep -q "^$kind" <<<"$figures" || {
      echo "scripts/test.sh: the fidelity tests printed no '$kind' figure" >&2
      exit 1
    }
  done
  printf '%s\n' "$figures"
fi
