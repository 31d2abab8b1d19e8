// Package sse is the k6 extension k6/x/sse: a drop-in for
// phymbert/xk6-sse running on libsse (exact WHATWG parsing, native
// timestamps, thousands of streams per process).
//
// This root package is the k6 glue, compiled only by xk6 inside a user's k6
// build. It is written once for k6 v2 (the default) and k6 v1.x (build tag
// k6v1): k6v2.go and k6v1.go hold the only imports of k6 and give the shared
// code the same names. The JavaScript API lives in ./jsapi and the cgo
// binding in ./libsse, both free of k6. See README.md, "Changing the glue".
package sse
