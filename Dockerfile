# k6 with the k6/x/sse extension built in: a runner image for the k6-operator,
# or for splitting one test over machines with --execution-segment
# (docs/distributed.md).
#
#   docker build -t k6-sse .                                     # k6 v2.2.0
#   docker build --build-arg K6_VERSION=v1.1.0 -t k6-sse:k6v1 .  # k6 v1.x
#   docker run --rm -v "$PWD/examples:/scripts" k6-sse run /scripts/sse.js
#
# Build arguments:
#   K6_VERSION   the k6 release to build: v2.x (default) or v1.x. Its major
#                picks the glue module: go-shim (k6 v2) or go-shim/k6v1.
#   SSE_VERSION  the k6/x/sse version the image carries. The extension is built
#                from the build context: check that version out (or build from
#                the repository's URL with #<tag>). When set, the build stops
#                unless Cargo.toml has that version. Default: the context's.
#   XK6_VERSION  the xk6 release that builds k6 (v1.4.0 or later knows k6 v2).
#   RUST_VERSION, GO_VERSION, DEBIAN_VERSION: base image tags. The three stages
#                share one Debian release, so the runtime's glibc is the one
#                libsse.a and k6 were built against.

ARG RUST_VERSION=1.95
ARG GO_VERSION=1.25
ARG DEBIAN_VERSION=bookworm

# 1. libsse.a: the Rust library, linked statically into k6.
FROM rust:${RUST_VERSION}-${DEBIAN_VERSION} AS libsse
ARG SSE_VERSION=
WORKDIR /src
COPY . .
RUN version=$(grep -m 1 '^version = ' Cargo.toml) && version=${version#version = \"} && version=${version%\"} \
 && if [ -n "$SSE_VERSION" ] && [ "${SSE_VERSION#v}" != "$version" ]; then \
      echo "SSE_VERSION=$SSE_VERSION but the build context is k6/x/sse $version: check out $SSE_VERSION" >&2; \
      exit 1; \
    fi \
 && cargo build --release --locked --lib -p sse

# 2. k6 with the extension: xk6 needs cgo on to link libsse.a.
FROM golang:${GO_VERSION}-${DEBIAN_VERSION} AS k6
ARG XK6_VERSION=v1.4.11
ARG K6_VERSION=v2.2.0
RUN go install "go.k6.io/xk6@${XK6_VERSION}"
WORKDIR /src
COPY go-shim ./go-shim
COPY --from=libsse /src/include ./include
COPY --from=libsse /src/target/release/libsse.a ./target/release/libsse.a
# The same commands as README.md, "Building k6 with the extension".
RUN case "$K6_VERSION" in \
      v1.*) set -- --with github.com/libsse/libsse/go-shim/k6v1=./go-shim/k6v1 \
                   --replace github.com/libsse/libsse/go-shim=./go-shim ;; \
      v2.*) set -- --with github.com/libsse/libsse/go-shim=./go-shim ;; \
      *) echo "K6_VERSION must be v1.x or v2.x, not $K6_VERSION" >&2; exit 1 ;; \
    esac \
 && CGO_ENABLED=1 xk6 build "$K6_VERSION" "$@" --output /k6 \
 && /k6 version

# 3. Runtime: k6 and the C runtime it links (glibc, libgcc_s), plus the shell
# and coreutils the k6-operator's initializer runs `k6 archive`/`k6 inspect`
# with. libsse itself is inside the k6 binary.
FROM debian:${DEBIAN_VERSION}-slim
ARG K6_VERSION=v2.2.0
ARG SSE_VERSION=
LABEL org.opencontainers.image.title="k6 with k6/x/sse" \
      org.opencontainers.image.description="k6 ${K6_VERSION} with the k6/x/sse extension (libsse)" \
      org.opencontainers.image.version="${SSE_VERSION}" \
      org.opencontainers.image.licenses="Apache-2.0 (k6/x/sse); AGPL-3.0 (k6)"
# Versions come from the pinned Debian release; CA roots for https targets.
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --uid 12345 --create-home --home-dir /home/k6 k6
COPY --from=k6 /k6 /usr/bin/k6
USER 12345
WORKDIR /home/k6
ENTRYPOINT ["k6"]
