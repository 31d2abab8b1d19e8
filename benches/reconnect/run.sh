#!/usr/bin/env bash
# The reconnect benchmark: one stream whose connection sse-testserver resets
# (RST, mid-event) every 5 events, KILLS times, RESET_MS (default 5) after
# the half event; the server's `retry: RETRY_MS` (default 1) sets the wait. libsse (tests/c/bench_reconnect.c, release build, C ABI)
# and the peer, npm `eventsource` 5.1.5 on Node (peer_eventsource.mjs,
# installed into a temporary folder), run alternately RUNS times against one
# server; each prints events, reconnects, lost and duplicated events, the
# elapsed time, the gap across each kill (median, p99) and its CPU time,
# and the medians over the runs close the output. Not run by CI (the
# correctness half is tests/engine_reconnect_truth.rs). Figures go to
# BENCHMARKS.md ("Reconnect").
# Usage: [RESET_MS=5] [RETRY_MS=1] benches/reconnect/run.sh [KILLS] [RUNS]
set -euo pipefail
cd "$(dirname "$0")/../.."
kills="${1:-1000}"
runs="${2:-5}"
count=$(((kills + 1) * 5))

# shellcheck source=scripts/testserver.sh
. scripts/testserver.sh
bench_setup
cc -std=c11 -O2 -Wall -Wextra -Werror -Iinclude tests/c/bench_reconnect.c -o "$tmp/bench_reconnect" \
  -L"$lib" -lsse -Wl,-rpath,"$lib"
npm install --silent --prefix "$tmp/peer" eventsource@5.1.5 >/dev/null
export EVENTSOURCE_MODULE="$tmp/peer/node_modules/eventsource/dist/index.js"

start_testserver base "$tmp/server.out"
url="$base/fault/reset?after=5&ids=1&count=$count&size=48&reset_ms=${RESET_MS:-5}&retry=${RETRY_MS:-1}"

for _ in $(seq 1 "$runs"); do
  "$tmp/bench_reconnect" "$url" "$count" | tee -a "$tmp/lines"
  node benches/reconnect/peer_eventsource.mjs "$url" "$count" | tee -a "$tmp/lines"
done

echo "medians over $runs runs ($kills kills each):"
for client in libsse eventsource; do
  line="$client:"
  for key in lost dup elapsed_ms gap_p50_ms gap_p99_ms cpu_ms; do
    median="$(grep "^$client:" "$tmp/lines" | sed -n "s/.* $key=\([0-9.]*\).*/\1/p" | sort -g \
      | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}')"
    line="$line $key=$median"
  done
  echo "$line"
done
