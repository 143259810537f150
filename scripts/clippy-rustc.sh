#!/bin/sh
# The compiler of gtdocs's own crates in scripts/test.sh (cargo's
# RUSTC_WORKSPACE_WRAPPER): clippy's driver is rustc with clippy's lints, so
# one build both lints (as `cargo clippy --all-targets -- -D warnings`)
# and compiles the tests, instead of a second pass over every dependency.
# Cargo calls it as `clippy-rustc.sh <rustc> <args>`; dependencies are built
# by rustc itself, with their lints capped.
exec "${GTDOCS_CLIPPY_DRIVER:-clippy-driver}" "$@" -D warnings
