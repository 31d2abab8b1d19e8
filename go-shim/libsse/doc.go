// Package libsse is the cgo binding of libsse's C ABI (include/sse.h):
// a Client (connection pool with default options) and its Streams.
//
// A waiting Stream holds no OS thread, no fd and no goroutine of its own.
// Every stream is attached to one process-wide libsse poller (poller.go);
// while streams are open, one goroutine waits on the poller's fd in Go's
// netpoller and wakes the streams that turned ready: a parked reader
// (WaitOpen, Next) receives on the stream's channel, a non-blocking one
// reads Ready or gets its StartNotify function called. A wake-up costs the
// reader one C call, sse_stream_read, which brings a batch of events and
// the stream's state (the end or failure comes with the last batch).
//
// Event fields are copied into Go strings (one allocation per batch)
// before the next C call; Go memory lent to C (request JSON, counts) is
// never kept by C; every handle has an idempotent Close with a finalizer
// as a safety net only. Client and Stream satisfy streamapi.Transport,
// streamapi.Notifier and streamapi.Stream.
package libsse
