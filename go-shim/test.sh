#!/usr/bin/env bash
# Everything CI runs for the Go shim (k6/x/sse). k6 itself is never needed:
# the k6 glue in this directory's root package is not compiled here (see
# README.md, "Why go vet ./... fails here"); the k6-free packages are tested
# by path, with the race detector, then again with GOGC=1 to flush lifetime
# bugs between Go and C.
set -euo pipefail
cd "$(dirname "$0")"

# libsse.a and the test server: cargo is a no-op when they are up to date.
# One workspace build (both packages, one feature set), as every script runs it.
(cd .. && cargo build --release)
export SSE_TESTSERVER="${SSE_TESTSERVER:-$PWD/../target/release/sse-testserver}"
export CGO_ENABLED=1

pkgs=(./streamapi/... ./jsapi/... ./libsse/... ./llm/... ./internal/...)

echo "== gofmt (go-shim)"
unformatted=$(gofmt -l .)
if [ -n "$unformatted" ]; then
  echo "gofmt needed:"; echo "$unformatted"; exit 1
fi

echo "== go vet ${pkgs[*]}"
go vet "${pkgs[@]}"

echo "== go test -race"
go test -race -count=1 "${pkgs[@]}"

echo "== go test -race, GOGC=1"
GOGC=1 go test -race -count=1 "${pkgs[@]}"

echo "== a build without cgo fails with a clear message"
if out=$(CGO_ENABLED=0 go build ./libsse/ 2>&1); then
  echo "CGO_ENABLED=0 build unexpectedly succeeded"; exit 1
fi
grep -q "libsse_requires_CGO_ENABLED_1" <<<"$out"
echo "ok"
