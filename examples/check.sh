#!/usr/bin/env bash
# Checks the examples without k6:
#  1. every k6 script parses as an ES module (node --check);
#  2. the synthetic dataset is what its generator writes and passes llm.js's filters;
#  3. each script runs under node against the bundled server, with stand-ins
#     for the k6 modules (examples/node-shim), and its checks and thresholds
#     pass. The k6/x/sse stand-in goes through libsse's C ABI: it runs the
#     sse_cat example (examples/c/sse_cat.c, built here against
#     target/release/libsse.so) and dispatches the events libsse parsed;
#     requests with the `llm` param (llm_native.js) run through the module's
#     own JS layer (go-shim/internal/jsvu, built here), whose llm_* samples
#     the thresholds then judge.
# Needs node, python3, a C compiler, cargo and go. Prints "examples: N passed, M failed".
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
fail=0
passed=0
ok() { passed=$((passed + 1)); echo "ok: $1"; }
ko() { fail=$((fail + 1)); echo "FAIL: $1" >&2; }

for js in "$here"/*.js; do
    if node --check --input-type=module < "$js"; then ok "parse $(basename "$js")"; else ko "parse $(basename "$js")"; fi
done

if python3 "$here/data/generate.py" --check; then ok "dataset is up to date"; else ko "dataset is stale"; fi

# The dataset passes llm.js's filters (same tokenizer and limits as llm.js).
if node --input-type=module -e '
import {readFileSync} from "node:fs"
const tokenizer = (m) => m.split(/[\s,'"'"'".?]/)
const data = JSON.parse(readFileSync(process.argv[1], "utf8"))
const kept = data.filter(d => d.conversations.length >= 2 && d.conversations[0].from === "human")
  .map(d => [tokenizer(d.conversations[0].value).length, tokenizer(d.conversations[1].value).length])
  .filter(([p, c]) => p >= 4 && c >= 4 && p <= 1024 && p + c <= 2048)
if (kept.length < 200) { console.error(`only ${kept.length} usable conversations`); process.exit(1) }
' "$here/data/sharegpt_synthetic.json"; then ok "dataset passes llm.js filters"; else ko "dataset filters"; fi

# Run the scripts against a fresh server.
# shellcheck source=scripts/testserver.sh
. "$root/scripts/testserver.sh"
tmp="$(mktemp -d)"
cleanup() {
    stop_testservers
    rm -rf "$tmp"
}
trap cleanup EXIT
lib="$root/target/release"
# The same release builds as tests/c/run.sh, so one of them reuses the other's.
if ! (cd "$root" && cargo build -q --release); then
    ko "build libsse and sse-testserver"
elif ! cc -std=c11 -Wall -Wextra -Werror -I"$root/include" "$here/c/sse_cat.c" \
        -L"$lib" -lsse -Wl,-rpath,"$lib" -o "$tmp/sse_cat"; then
    ko "build sse_cat"
elif ! (cd "$root/go-shim" && CGO_ENABLED=1 go build -o "$tmp/jsvu" ./internal/jsvu); then
    ko "build jsvu"
else
    ok "build sse_cat against libsse.so, and jsvu"
    export SSE_CAT="$tmp/sse_cat" SSE_JSVU="$tmp/jsvu"
    url=""
    if ! start_testserver url "$tmp/server.out" --token-interval-ms 1; then
        ko "server did not print its URL"
    else
        if timeout 120 node "$here/node-shim/selfcheck.mjs" "$url"; then
            ok "k6/x/sse stand-in (sse_cat -i)"
        else
            ko "k6/x/sse stand-in (sse_cat -i)"
        fi
        mkdir -p "$tmp/node_modules"
        ln -s "$here/node-shim/k6" "$tmp/node_modules/k6"
        run() { # script iterations
            cp "$here/$1" "$tmp/${1%.js}.mjs"
            if timeout 300 node "$here/node-shim/run.mjs" "$tmp/${1%.js}.mjs" "$here" "$2" > "$tmp/$1.log" 2>&1; then
                ok "run $1 ($(tail -n 1 "$tmp/$1.log"))"
            else
                cat "$tmp/$1.log" >&2
                ko "run $1"
            fi
        }
        SSE_URL="$url/events?count=10&interval_ms=10&ids=1" run sse.js 2
        SSE_POST_URL="$url/echo" run sse_post.js 2
        SSE_URL="$url/events?count=20&interval_ms=10&ids=1" run eventsource.js 2
        SERVER_BENCH_URL="$url/v1" run llm.js 8
        SERVER_BENCH_URL="$url/v1" run llm_native.js 8
    fi
fi

echo "examples: $passed passed, $fail failed"
[ "$fail" -eq 0 ]
