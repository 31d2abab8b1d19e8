#!/usr/bin/env bash
# Runs every test of the project:
#   1. Rust: parser, engine, C ABI unit tests, test server (cargo test),
#      and the engine's wake-up tests again with the pipe wake-up
#   2. the C/C++ ABI suite, a short soak, sse_cat and the C++ example under
#      valgrind
#   3. the Go shim (k6/x/sse JS layer and cgo binding), with -race and GOGC=1
#   4. the example k6 scripts parse and the bundled dataset is valid
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== 1/4 Rust tests (cargo test --workspace)"
cargo test --workspace
# The pipe wake-up (what macOS uses) on Linux: the wake-up, poller, queue
# and stream tests again with the `pipe-wakeup` feature.
cargo test -p sse --features pipe-wakeup --lib client::
cargo test -p sse --features pipe-wakeup --test engine_poller --test engine_stream

echo "== 2/4 C and C++ ABI suite (tests/c/run.sh)"
bash tests/c/run.sh

echo "== 3/4 Go shim (go-shim/test.sh)"
bash go-shim/test.sh

echo "== 4/4 examples (examples/check.sh)"
bash examples/check.sh

echo "all test stages passed"
