#!/usr/bin/env bash
# The C ABI benchmark: per-event cost of sse_next_event / sse_try_next_event
# / sse_next_events from C, next to the same loops in Rust on the engine
# directly (benches/abi.rs, the no-ABI baseline), against one sse-testserver
# in the same run. Figures go to BENCHMARKS.md ("C ABI").
# Usage: tests/c/bench.sh [EVENTS] [RUNS]
set -euo pipefail
cd "$(dirname "$0")/../.."
events="${1:-20000}"
runs="${2:-21}"

# shellcheck source=scripts/testserver.sh
. scripts/testserver.sh
bench_setup
# The baseline uses the release profile too, so both sides run the same code.
cargo bench --profile release --bench abi --no-run
cc -std=c11 -O2 -Wall -Wextra -Werror -Iinclude tests/c/bench_abi.c -o "$tmp/bench_abi" \
  -L"$lib" -lsse -Wl,-rpath,"$lib"

start_testserver base "$tmp/server.out"

"$tmp/bench_abi" "$base" "$events" "$runs"
SSE_BENCH_URL="$base" cargo bench --profile release --bench abi -- "$events" "$runs"
