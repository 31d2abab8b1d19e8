#!/usr/bin/env bash
# Checks that libsse builds with the oldest Rust that Cargo.toml's
# `rust-version` claims (the library and its build script, with the locked
# dependencies; the tests' dev-dependencies need a newer toolchain and are
# not part of the claim). Installs that toolchain with rustup if missing.
set -euo pipefail
cd "$(dirname "$0")/.."
msrv=$(sed -n 's/^rust-version = "\([0-9.]*\)"$/\1/p' Cargo.toml)
[ -n "$msrv" ] || { echo "check_msrv: no rust-version in Cargo.toml" >&2; exit 1; }
rustup toolchain install "$msrv" --profile minimal --no-self-update >/dev/null
echo "Rust $msrv: $(rustc +"$msrv" --version)"
cargo +"$msrv" check --locked -p sse --lib
