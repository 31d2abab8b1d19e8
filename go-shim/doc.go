// Package sse is the k6 extension k6/x/sse: a drop-in for
// phymbert/xk6-sse running on libsse (exact WHATWG parsing, native
// timestamps, thousands of streams per process).
//
// This root package is the k6 glue and the only code importing k6; it is
// compiled only by xk6 inside a user's k6 build (k6 v2 by default, k6 v1.x
// with the build tag k6v1). The JavaScript API lives in ./jsapi and the cgo
// binding in ./libsse, both free of k6. See README.md.
package sse
