// Package libsse is the cgo binding of libsse's C ABI (include/sse.h):
// a Client (connection pool with default options) and its Streams.
//
// A waiting Stream holds no OS thread: streams are started with sse_start
// and each wait parks the goroutine on a duplicate of the stream's eventfd
// in Go's netpoller, then drains libsse's queue without blocking. Event
// fields are copied into Go strings before the next C call, no Go pointer
// is kept by C, and every handle has an idempotent Close with a finalizer
// as a safety net only.
//
// Client and Stream satisfy streamapi.Transport and streamapi.Stream.
package libsse
