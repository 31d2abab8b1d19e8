#!/usr/bin/env bash
# One command that builds everything and runs the demo:
#   1. builds libsse (target/release/libsse.a) and the bundled test server,
#   2. builds k6 with the k6/x/sse extension (CGO_ENABLED=1 xk6 build; k6 v2
#      unless XK6_FLAGS names a v1.x version),
#   3. starts the bundled OpenAI-compatible server on 127.0.0.1,
#   4. runs examples/llm.js for ~20 s and prints k6's end-of-test summary.
#
# Environment:
#   XK6_FLAGS   extra flags for `xk6 build`. A k6 version among them (`v1.1.0`,
#               `--k6-version v1.1.0`; or K6_VERSION, which xk6 also reads)
#               picks the glue: k6 v1.x builds the module go-shim/k6v1, anything
#               else go-shim (k6 v2). E.g. XK6_FLAGS=v1.1.0, XK6_FLAGS=v2.2.0,
#               or --replace go.k6.io/k6/v2=/path/to/a/k6/checkout
#   K6          use this k6 binary instead of building one
#   DEMO_DURATION, DEMO_VUS   passed to `k6 run` (defaults 20s, 8)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

echo "== building libsse and sse-testserver (release)"
cargo build --release  # the workspace: libsse and sse-testserver

k6=${K6:-}
if [ -z "$k6" ]; then
  if ! command -v xk6 >/dev/null; then
    echo "== installing xk6 (go install go.k6.io/xk6@latest)"
    go install go.k6.io/xk6@latest
    export PATH="$(go env GOPATH)/bin:$PATH"
  fi
  # The k6 version xk6 will build: the first version-like word of XK6_FLAGS
  # (positional or after --k6-version / -k), else K6_VERSION.
  k6_version=${K6_VERSION:-}
  prev=""
  for word in ${XK6_FLAGS:-}; do
    case "$prev|$word" in
      --k6-version\|* | -k\|*) k6_version=$word; break ;;
      *\|--k6-version=*) k6_version=${word#*=}; break ;;
      *\|v[0-9]*) k6_version=$word; break ;;
    esac
    prev=$word
  done
  # One Go module per k6 major (see go-shim/README.md): the k6 v1 glue,
  # go-shim/k6v1, takes the k6-free packages from ./go-shim.
  case "$k6_version" in
    v0.* | v1.*) with=(--with github.com/libsse/libsse/go-shim/k6v1="$root/go-shim/k6v1"
                       --replace github.com/libsse/libsse/go-shim="$root/go-shim") ;;
    *) with=(--with github.com/libsse/libsse/go-shim="$root/go-shim") ;;
  esac
  echo "== building k6 ${k6_version:-(latest v2)} with k6/x/sse (CGO_ENABLED=1 xk6 build)"
  # cgo is needed: the extension links libsse.a (Rust) into the k6 binary.
  # shellcheck disable=SC2086
  CGO_ENABLED=1 xk6 build ${XK6_FLAGS:-} "${with[@]}" --output "$root/k6"
  k6="$root/k6"
fi

echo "== starting the bundled server"
# shellcheck source=scripts/testserver.sh
. "$root/scripts/testserver.sh"
log=$(mktemp)
trap 'stop_testservers; rm -f "$log" "$log.err"' EXIT
url=""
start_testserver url "$log" --ttft-ms 150 --token-interval-ms 15
echo "   server at $url"

echo "== k6 run examples/llm.js"
SERVER_BENCH_URL="$url/v1" "$k6" run \
  --duration "${DEMO_DURATION:-20s}" --vus "${DEMO_VUS:-8}" examples/llm.js
