#!/usr/bin/env bash
# Runs every test of gtdocs, as CI does: installs the pinned outside tools
# (cmark-gfm, check-jsonschema, zizmor, ...), then formatting, lints and the
# test suite.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-test-tools.sh
# shellcheck source=/dev/null
source "${GTDOCS_TOOLS:-$HOME/.cache/gtdocs-tools}/env"

cargo fmt --all -- --check
cargo clippy --locked --all-targets -- -D warnings
cargo test --locked
# The fidelity figures against the published wiki (../shared/reference).
cargo test --locked --test testsuite fidelity -- --show-output 2>&1 | grep -E "^(runbook pages|  kept|index rows|matrix rows)" || true
