# Sourced by the test and benchmark scripts: start the bundled server.
#
#   start_testserver VAR LOG [ARGS...]
#     runs target/release/sse-testserver --port 0 ARGS in the background
#     (output to LOG and LOG.err), waits up to 10 s for its
#     "listening on URL" line, stores URL in VAR and adds the pid to
#     TESTSERVER_PIDS; returns 1, printing its stderr, if it did not start.
#   stop_testservers
#     stops every server started so (call it from the caller's EXIT trap).
#   bench_setup
#     for the benchmark scripts: builds libsse and sse-testserver (release),
#     sets lib (target/release) and tmp (a temporary folder), and on exit
#     stops the servers and removes tmp.
TESTSERVER_PIDS=()
TESTSERVER_BIN="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/target/release/sse-testserver"

start_testserver() {
  # Prefixed locals: a local named like the caller's VAR would take the
  # printf -v below in its place.
  local _ts_var="$1" _ts_log="$2" _ts_url=""
  shift 2
  # LOG exists before the first read below, whenever the background job
  # gets to open it (a failed read would end a `set -e` caller).
  : >"$_ts_log"
  "$TESTSERVER_BIN" --port 0 "$@" >"$_ts_log" 2>"$_ts_log.err" &
  TESTSERVER_PIDS+=("$!")
  for _ in $(seq 1 100); do
    _ts_url="$(sed -n 's/^listening on \(https\{0,1\}:\/\/127\.0\.0\.1:[0-9]*\)$/\1/p' "$_ts_log")"
    [ -n "$_ts_url" ] && break
    sleep 0.1
  done
  if [ -z "$_ts_url" ]; then
    echo "sse-testserver $* did not start: $(cat "$_ts_log.err")" >&2
    return 1
  fi
  printf -v "$_ts_var" '%s' "$_ts_url"
}

bench_setup() {
  # The workspace build, as every script runs it: one feature set, no rebuild.
  cargo build --release
  lib="$(pwd)/target/release"
  tmp="$(mktemp -d)"
  trap 'stop_testservers; rm -rf "$tmp"' EXIT
}

stop_testservers() {
  local pid
  for pid in "${TESTSERVER_PIDS[@]}"; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  TESTSERVER_PIDS=()
}
