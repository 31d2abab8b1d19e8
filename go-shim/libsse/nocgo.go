//go:build !cgo

package libsse

// The k6/x/sse extension is libsse, a Rust library reached through cgo.
// This line stops a build without cgo with a message that says what to do:
// build with CGO_ENABLED=1 (xk6 builds with cgo off unless told), e.g.
//
//	CGO_ENABLED=1 xk6 build --with github.com/libsse/libsse/go-shim=./go-shim
var _ = libsse_requires_CGO_ENABLED_1__rebuild_with_CGO_ENABLED_1
