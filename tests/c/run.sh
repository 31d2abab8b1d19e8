#!/usr/bin/env bash
# The C/C++ ABI suite: builds libsse and sse-testserver, checks the header,
# compiles every C file as C11 and every C++ file as C++17 with
# -Wall -Wextra -Werror, runs the ABI and reconnect tests, a short soak (flat fds), sse_cat
# and the C++ example against sse-testserver under valgrind, links once
# statically against libsse.a, and installs into a temporary prefix to
# build with pkg-config.
#
# Valgrind reports no definite or indirect leaks and no errors; the tokio
# runtime's worker threads and their buffers live for the whole process by
# design, so they show as "still reachable" and are not counted. The
# suppressions in tests/c/valgrind.supp cover ring's assembly crypto only.
#
# Usage: tests/c/run.sh        (SSE_NO_VALGRIND=1 runs without valgrind)
set -euo pipefail
cd "$(dirname "$0")/../.."
root="$(pwd)"

# shellcheck source=scripts/testserver.sh
. scripts/testserver.sh
tmp="$(mktemp -d)"
server_pids=() # one-shot stubs; the bundled servers are TESTSERVER_PIDS
cleanup() {
  stop_testservers
  for pid in "${server_pids[@]}"; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$tmp"
}
trap cleanup EXIT

step() { echo "== $*"; }
fail() { echo "tests/c/run.sh: FAIL: $*" >&2; exit 1; }

step "build libsse and sse-testserver (release)"
# The workspace build, as every script runs it: one feature set, no rebuild.
cargo build --release
lib="$root/target/release"

step "include/sse.h is up to date"
if git -C "$root" rev-parse --git-dir >/dev/null 2>&1; then
  git -C "$root" diff --exit-code -- include/sse.h || fail "include/sse.h changed when regenerated: commit it"
fi

step "libsse.so exports exactly the functions of include/sse.h"
nm -D --defined-only "$lib/libsse.so" | awk '$2 == "T" {print $3}' | sort >"$tmp/exported"
sed -n 's/^[a-z].*[ *]\(sse_[a-z_]*\)(.*/\1/p' include/sse.h | sort >"$tmp/declared"
[ -s "$tmp/declared" ] || fail "no function declarations found in include/sse.h"
diff -u "$tmp/declared" "$tmp/exported" || fail "exported symbols differ from the header"

cflags=(-std=c11 -Wall -Wextra -Werror -pedantic -I"$root/include")
cxxflags=(-std=c++17 -Wall -Wextra -Werror -pedantic -I"$root/include" -I"$root/examples/cpp")
ldso=(-L"$lib" -lsse -Wl,-rpath,"$lib")

step "the header compiles as C11 and C++17"
printf '#include "sse.h"\nint main(void) { return SSE_OK; }\n' >"$tmp/header.c"
cp "$tmp/header.c" "$tmp/header.cpp"
cc "${cflags[@]}" "$tmp/header.c" -o "$tmp/header_c" "${ldso[@]}"
c++ "${cxxflags[@]}" "$tmp/header.cpp" -o "$tmp/header_cpp" "${ldso[@]}"

step "compile the suite and the examples"
cc "${cflags[@]}" tests/c/test_abi.c -o "$tmp/test_abi" "${ldso[@]}" -pthread
cc "${cflags[@]}" tests/c/test_reconnect.c -o "$tmp/test_reconnect" "${ldso[@]}" -pthread
cc "${cflags[@]}" tests/c/soak.c -o "$tmp/soak" "${ldso[@]}"
cc "${cflags[@]}" examples/c/sse_cat.c -o "$tmp/sse_cat" "${ldso[@]}"
c++ "${cxxflags[@]}" examples/cpp/sse_watch.cpp -o "$tmp/sse_watch" "${ldso[@]}"
# The static link line of docs/c-api.md.
cc "${cflags[@]}" examples/c/sse_cat.c -o "$tmp/sse_cat_static" -L"$lib" -l:libsse.a -lm -ldl -pthread
if ldd "$tmp/sse_cat_static" | grep -q libsse; then fail "sse_cat_static links libsse.so"; fi

step "start sse-testserver (HTTP, and HTTPS for --insecure)"
start_testserver base "$tmp/server.out" || fail "sse-testserver"
start_testserver tls_base "$tmp/server_tls.out" --tls || fail "sse-testserver --tls"
echo "servers at $base and $tls_base"

run=()
if [ "${SSE_NO_VALGRIND:-0}" != 1 ]; then
  command -v valgrind >/dev/null || fail "valgrind not installed (or set SSE_NO_VALGRIND=1)"
  run=(valgrind --quiet --leak-check=full --show-leak-kinds=definite,indirect
       --suppressions="$root/tests/c/valgrind.supp"
       --errors-for-leak-kinds=definite,indirect --error-exitcode=99)
fi

step "ABI test suite"
"${run[@]}" "$tmp/test_abi" "$base" | tee "$tmp/abi.out"
grep -Eq '^[0-9]+ passed, 0 failed$' "$tmp/abi.out" || fail "ABI test suite"

step "reconnect suite"
"${run[@]}" "$tmp/test_reconnect" "$base" | tee "$tmp/reconnect.out"
grep -Eq '^[0-9]+ passed, 0 failed$' "$tmp/reconnect.out" || fail "reconnect suite"

step "soak: 1,000 stream lifecycles and a 100,000-event stream under back-pressure"
# The full soak (100,000 cycles, 10M events) is a benchmark: BENCHMARKS.md.
"${run[@]}" "$tmp/soak" "$base" 1000 100000 | tee "$tmp/soak.out"
grep -q '^soak: passed$' "$tmp/soak.out" || fail "soak"

# sse_cat prints the expected JSON lines (file) for the given arguments.
expect_cat() {
  local expected="$1"; shift
  "${run[@]}" "$tmp/sse_cat" "$@" >"$tmp/cat.out" || fail "sse_cat $* exited $?"
  diff -u "$expected" "$tmp/cat.out" || fail "sse_cat $* output"
}

step "sse_cat"
expect_cat tests/c/expected/events_tick.jsonl "$base/events?count=3&size=16&ids=1&event=tick"
expect_cat tests/c/expected/events_default.jsonl "$base/events?count=2&size=9" --timeout 10000
# Escaping both ways: the body goes out in the request JSON and comes back
# as an event; the header value with a quote must reach the server intact.
body=$'q"b\\s\tt\nl\x01é€'
"${run[@]}" "$tmp/sse_cat" "$base/echo" -X PUT -d "$body" -H 'X-Quote: say "hi"' \
  >"$tmp/echo.out" || fail "sse_cat /echo"
grep -E '"type": "(method|body)"' "$tmp/echo.out" | diff -u tests/c/expected/echo_escaped.jsonl - \
  || fail "sse_cat /echo escaping"
grep -qF '\"x-quote\":\"say \\\"hi\\\"\"' "$tmp/echo.out" || fail "sse_cat header with quotes: $(cat "$tmp/echo.out")"
# Errors: non-zero exit and a readable message with kind, status and body.
if "${run[@]}" "$tmp/sse_cat" "$base/status/500?body=oops" >/dev/null 2>"$tmp/err.out"; then
  fail "sse_cat exited 0 on HTTP 500"
fi
grep -q 'http_status' "$tmp/err.out" && grep -q '500' "$tmp/err.out" && grep -q 'oops' "$tmp/err.out" \
  || fail "sse_cat HTTP error message: $(cat "$tmp/err.out")"
port=1 # tcpmux: nothing listens there, so the connection is refused
if "${run[@]}" "$tmp/sse_cat" "http://127.0.0.1:$port/" >/dev/null 2>"$tmp/err.out"; then
  fail "sse_cat exited 0 on a refused connection"
fi
grep -q 'connect' "$tmp/err.out" || fail "sse_cat connect error message: $(cat "$tmp/err.out")"
# --timeout bounds the whole stream: a stalled one fails after it.
if "${run[@]}" "$tmp/sse_cat" "$base/fault/stall?after=1" --timeout 2000 >"$tmp/cat.out" 2>"$tmp/err.out"; then
  fail "sse_cat --timeout exited 0 on a stalled stream"
fi
head -1 tests/c/expected/events_default.jsonl | sed 's/1:xxxxxxx/1:xxxxxxxxxxxxxx/' | diff -u - "$tmp/cat.out" \
  || fail "sse_cat --timeout: the event before the stall"
grep -q 'total_timeout' "$tmp/err.out" || fail "sse_cat --timeout message: $(cat "$tmp/err.out")"
# TLS: the self-signed certificate passes only with --insecure.
expect_cat tests/c/expected/events_tick.jsonl "$tls_base/events?count=3&size=16&ids=1&event=tick" --insecure
if "${run[@]}" "$tmp/sse_cat" "$tls_base/events?count=1" >/dev/null 2>"$tmp/err.out"; then
  fail "sse_cat accepted a self-signed certificate without --insecure"
fi
grep -q 'tls error' "$tmp/err.out" || fail "sse_cat TLS error message: $(cat "$tmp/err.out")"
# -i: a response line first, then events with name, comment, retry and a
# read time (a clock reading, so only its shape is compared). The stream id
# and date headers vary per run.
normalize() {
  sed -E 's/"time_ns": [0-9]+/"time_ns": T/; s/"x-stream-id": "[0-9]+"/"x-stream-id": "N"/;
          s/"date": "[^"]*"/"date": "D"/'
}
"${run[@]}" "$tmp/sse_cat" -i "$base/events?count=2&size=9&event=tick&comment_every=2" \
  >"$tmp/cat.out" || fail "sse_cat -i exited $?"
normalize <"$tmp/cat.out" | diff -u tests/c/expected/include_events.jsonl - || fail "sse_cat -i output"
# -i on a non-2xx status: the response line on stdout, then the error.
if "${run[@]}" "$tmp/sse_cat" --include "$base/status/500?body=oops" >"$tmp/cat.out" 2>"$tmp/err.out"; then
  fail "sse_cat -i exited 0 on HTTP 500"
fi
normalize <"$tmp/cat.out" | diff -u tests/c/expected/include_500.jsonl - || fail "sse_cat -i HTTP 500 output"
grep -q 'http_status' "$tmp/err.out" || fail "sse_cat -i HTTP error message: $(cat "$tmp/err.out")"
# Both on one pipe: the status line still comes first (stdout is flushed
# before the error goes to stderr).
"${run[@]}" "$tmp/sse_cat" -i "$base/status/503?body=busy" 2>&1 | head -1 >"$tmp/first.out" || true
grep -q '^{"status": 503' "$tmp/first.out" || fail "sse_cat -i status line first: $(cat "$tmp/first.out")"
# A 2xx that is not text/event-stream: a warning naming the type; events
# in it are still printed (exit 0), none is an error (exit 1).
"${run[@]}" "$tmp/sse_cat" "$base/fault/content-type" >"$tmp/cat.out" 2>"$tmp/err.out" \
  || fail "sse_cat on a text/plain body with an event exited $?"
grep -q '"data": "not an event stream"' "$tmp/cat.out" || fail "sse_cat text/plain event: $(cat "$tmp/cat.out")"
grep -q 'warning: HTTP 200 with Content-Type "text/plain' "$tmp/err.out" \
  || fail "sse_cat text/plain warning: $(cat "$tmp/err.out")"
if "${run[@]}" "$tmp/sse_cat" "$base/status/200?body=%7B%22error%22%3A1%7D" >"$tmp/cat.out" 2>"$tmp/err.out"; then
  fail "sse_cat exited 0 on a JSON answer with no events"
fi
[ ! -s "$tmp/cat.out" ] || fail "sse_cat printed events for a JSON answer: $(cat "$tmp/cat.out")"
grep -q 'warning: HTTP 200' "$tmp/err.out" && grep -q 'held no events' "$tmp/err.out" \
  || fail "sse_cat JSON answer message: $(cat "$tmp/err.out")"
# -i joins a repeated header's values with ", " (the bundled server sends
# none, so a one-shot stub on 127.0.0.1 does; it stops after one request
# or 30 s).
python3 - "$tmp/stub.port" <<'PY' &
import os, socket, sys
body = b": hi\nretry: 250\nevent: e\ndata: x\n\n"
head = (b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nSet-Cookie: a=1\r\n"
        b"X-Multi: one\r\nSet-Cookie: b=\"2\"\r\nContent-Length: %d\r\n"
        b"Connection: close\r\n\r\n" % len(body))
srv = socket.create_server(("127.0.0.1", 0))
srv.settimeout(30)
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write(str(srv.getsockname()[1]))
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
conn, _ = srv.accept()
conn.settimeout(30)
data = b""
while b"\r\n\r\n" not in data:
    chunk = conn.recv(4096)
    if not chunk:
        break
    data += chunk
conn.sendall(head + body)
conn.close()
srv.close()
PY
server_pids+=("$!")
for _ in $(seq 1 100); do [ -s "$tmp/stub.port" ] && break; sleep 0.1; done
[ -s "$tmp/stub.port" ] || fail "the repeated-header stub did not start"
"${run[@]}" "$tmp/sse_cat" -i "http://127.0.0.1:$(cat "$tmp/stub.port")/" >"$tmp/cat.out" \
  || fail "sse_cat -i against the stub exited $?"
normalize <"$tmp/cat.out" | diff -u tests/c/expected/include_repeated.jsonl - \
  || fail "sse_cat -i repeated headers"
"$tmp/sse_cat_static" "$base/events?count=3&size=16&ids=1&event=tick" >"$tmp/cat.out"
diff -u tests/c/expected/events_tick.jsonl "$tmp/cat.out" || fail "statically linked sse_cat"

step "C++ example"
"${run[@]}" "$tmp/sse_watch" "$base/events?count=2&size=5&event=tick" >"$tmp/cpp.out"
printf 'tick: 1:xxx\ntick: 2:xxx\n2 events\n' | diff -u - "$tmp/cpp.out" || fail "sse_watch output"
# The error paths throw through the RAII handles: still no leaks.
if "${run[@]}" "$tmp/sse_watch" "$base/status/404?body=gone" >/dev/null 2>"$tmp/cpp.err"; then
  fail "sse_watch exited 0 on HTTP 404"
fi
grep -q 'HTTP 404' "$tmp/cpp.err" && grep -q 'gone' "$tmp/cpp.err" || fail "sse_watch error: $(cat "$tmp/cpp.err")"
if "${run[@]}" "$tmp/sse_watch" "http://127.0.0.1:$port/" >/dev/null 2>"$tmp/cpp.err"; then
  fail "sse_watch exited 0 on a refused connection"
fi
grep -q 'connect error' "$tmp/cpp.err" || fail "sse_watch connect error: $(cat "$tmp/cpp.err")"

step "install into a temporary prefix and build with pkg-config"
SSE_SKIP_BUILD=1 scripts/install.sh "$tmp/prefix" >/dev/null
export PKG_CONFIG_PATH="$tmp/prefix/lib/pkgconfig"
# shellcheck disable=SC2046 # pkg-config output is meant to be word-split
cc "${cflags[@]}" examples/c/sse_cat.c -o "$tmp/sse_cat_pc" $(pkg-config --cflags --libs sse)
LD_LIBRARY_PATH="$tmp/prefix/lib" "$tmp/sse_cat_pc" "$base/events?count=3&size=16&ids=1&event=tick" >"$tmp/cat.out"
diff -u tests/c/expected/events_tick.jsonl "$tmp/cat.out" || fail "sse_cat built with pkg-config"
# shellcheck disable=SC2046
cc "${cflags[@]}" examples/c/sse_cat.c -o "$tmp/sse_cat_pc_static" $(pkg-config --cflags sse) \
  -L"$(pkg-config --variable=libdir sse)" -l:libsse.a -lm -ldl -pthread
"$tmp/sse_cat_pc_static" "$base/events?count=3&size=16&ids=1&event=tick" >"$tmp/cat.out"
diff -u tests/c/expected/events_tick.jsonl "$tmp/cat.out" || fail "static sse_cat from the install"

echo "tests/c/run.sh: all passed"
