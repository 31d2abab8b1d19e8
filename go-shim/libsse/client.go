//go:build cgo

package libsse

/*
#include <stdlib.h>
#include "sse.h"
*/
import "C"

import (
	"errors"
	"runtime"
	"sync"
	"unsafe"

	"github.com/libsse/libsse/go-shim/streamapi"
)

// Client is a libsse connection pool with default options for the streams
// it starts. Safe for concurrent use.
type Client struct {
	mu sync.RWMutex
	c  *C.sse_client
}

var _ streamapi.Transport = (*Client)(nil)

// NewClient makes a client from libsse options JSON (nil or "{}" for the
// defaults); docs/architecture.md lists the keys.
func NewClient(optionsJSON []byte) (*Client, error) {
	js, n := cBytes(optionsJSON)
	defer C.free(js)
	var c *C.sse_client
	var cerr *C.sse_error
	enterC()
	r := C.sse_client_new((*C.uint8_t)(js), n, &c, &cerr)
	leaveC()
	if r != C.SSE_OK {
		defer C.sse_error_free(cerr)
		return nil, resultError(r, cerr)
	}
	cl := &Client{c: c}
	runtime.SetFinalizer(cl, (*Client).Close)
	return cl, nil
}

// NewTransport is NewClient as a jsapi.TransportFactory.
func NewTransport(optionsJSON []byte) (streamapi.Transport, error) {
	c, err := NewClient(optionsJSON)
	if err != nil {
		return nil, err
	}
	return c, nil
}

// Start begins a request (libsse request options JSON) and returns at once;
// only invalid options fail here, connection failures come from WaitOpen.
func (cl *Client) Start(requestJSON []byte) (streamapi.Stream, error) {
	return cl.StartStream(requestJSON)
}

// StartStream is Start with the concrete type.
func (cl *Client) StartStream(requestJSON []byte) (*Stream, error) {
	cl.mu.RLock()
	defer cl.mu.RUnlock()
	if cl.c == nil {
		return nil, errors.New("libsse: client is closed")
	}
	js, n := cBytes(requestJSON)
	defer C.free(js)
	var s *C.sse_stream
	var cerr *C.sse_error
	enterC()
	r := C.sse_start(cl.c, (*C.uint8_t)(js), n, &s, &cerr)
	leaveC()
	runtime.KeepAlive(cl)
	if r != C.SSE_OK {
		defer C.sse_error_free(cerr)
		return nil, resultError(r, cerr)
	}
	return newStream(s)
}

// NowNS reads libsse's monotonic clock (CLOCK_MONOTONIC, ns).
func (cl *Client) NowNS() uint64 { return NowNS() }

// Close frees the client; idempotent. Streams it started keep working.
func (cl *Client) Close() {
	cl.mu.Lock()
	defer cl.mu.Unlock()
	if cl.c != nil {
		enterC()
		C.sse_client_free(cl.c)
		leaveC()
		cl.c = nil
		runtime.SetFinalizer(cl, nil)
	}
}

// NowNS reads libsse's monotonic clock (CLOCK_MONOTONIC, ns).
func NowNS() uint64 { return uint64(C.sse_now_ns()) }

// Version is the linked library's version, e.g. "0.1.0".
func Version() string { return C.GoString(C.sse_version()) }

// cBytes copies b into C memory (freed by the caller with C.free), so that
// C never sees a Go pointer.
func cBytes(b []byte) (unsafe.Pointer, C.size_t) {
	if len(b) == 0 {
		return C.malloc(1), 0
	}
	return C.CBytes(b), C.size_t(len(b))
}

// goBytes copies a borrowed view into a Go string.
func goBytes(b C.sse_bytes) string {
	if b.len == 0 || b.ptr == nil {
		return ""
	}
	return C.GoStringN((*C.char)(unsafe.Pointer(b.ptr)), C.int(b.len))
}

// sameBytes reports whether a view holds exactly s, without copying: event
// types and ids repeat from event to event, so their strings are reused.
func sameBytes(b C.sse_bytes, s string) bool {
	if int(b.len) != len(s) {
		return false
	}
	if b.len == 0 {
		return true
	}
	return unsafe.String((*byte)(unsafe.Pointer(b.ptr)), int(b.len)) == s
}
