#!/usr/bin/env bash
# Installs libsse for C and C++ users (cargo-c layout):
#   PREFIX/lib/libsse.so  PREFIX/lib/libsse.a  PREFIX/include/sse.h
#   PREFIX/lib/pkgconfig/sse.pc
# Usage: scripts/install.sh [PREFIX]      (default /usr/local)
# Set SSE_SKIP_BUILD=1 to install an existing target/release build.
set -euo pipefail
cd "$(dirname "$0")/.."

prefix="${1:-/usr/local}"
case "$prefix" in /*) ;; *) prefix="$(pwd)/$prefix" ;; esac

if [ "${SSE_SKIP_BUILD:-0}" != 1 ]; then
  cargo build --release -p sse --lib
fi

version="$(sed -n 's/^#define SSE_VERSION_STRING "\(.*\)"$/\1/p' include/sse.h)"
[ -n "$version" ] || { echo "install.sh: no SSE_VERSION_STRING in include/sse.h" >&2; exit 1; }

install -d "$prefix/lib/pkgconfig" "$prefix/include"
install -m 0755 target/release/libsse.so "$prefix/lib/libsse.so"
install -m 0644 target/release/libsse.a "$prefix/lib/libsse.a"
install -m 0644 include/sse.h "$prefix/include/sse.h"
sed -e "s|@PREFIX@|$prefix|g" -e "s|@VERSION@|$version|g" sse.pc.in >"$prefix/lib/pkgconfig/sse.pc"
chmod 0644 "$prefix/lib/pkgconfig/sse.pc"

echo "installed libsse $version into $prefix"
echo "compile: cc app.c \$(PKG_CONFIG_PATH=$prefix/lib/pkgconfig pkg-config --cflags --libs sse)"
