// Package sse is the k6 extension k6/x/sse: a drop-in for
// phymbert/xk6-sse running on libsse (exact WHATWG parsing, native
// timestamps, thousands of streams per process).
//
// This package is the k6 glue, the only code that imports k6, compiled only
// by xk6 inside a user's k6 build. Each k6 major has its own Go module,
// because xk6 resolves an extension with go get / go mod tidy, which read
// every file whatever its build tags: github.com/libsse/libsse/go-shim (the
// source, for k6 v2) and github.com/libsse/libsse/go-shim/k6v1 (for k6 v1.x,
// a copy generated from the source with the k6 import paths rewritten). Both
// run on go-shim's k6-free packages jsapi (the JavaScript API) and libsse
// (the cgo binding). See go-shim/README.md, "Changing the glue".
package sse
