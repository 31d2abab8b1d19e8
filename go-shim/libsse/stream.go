//go:build cgo

package libsse

/*
#include <stdlib.h>
#include "sse.h"
*/
import "C"

import (
	"context"
	"os"
	"runtime"
	"sync"
	"syscall"
	"unsafe"

	"github.com/libsse/libsse/go-shim/streamapi"
)

// batchCap is how many events one drain takes from libsse.
const batchCap = 64

// Stream is one started request. Its methods are for one goroutine at a
// time, except Cancel (any goroutine).
type Stream struct {
	mu     sync.Mutex // guards s: Cancel from another goroutine vs Close
	s      *C.sse_stream
	file   *os.File        // dup of libsse's eventfd, registered in Go's netpoller
	raw    syscall.RawConn // file's raw access, used to park until readable
	events *C.sse_event    // C array of batchCap events for sse_next_events
	opened bool
	resp   streamapi.Response
	err    *streamapi.Error
	// Previous event's type and id: reused when they repeat.
	lastType, lastID string
}

var _ streamapi.Stream = (*Stream)(nil)

func newStream(s *C.sse_stream) (*Stream, error) {
	st := &Stream{s: s}
	st.events = (*C.sse_event)(C.malloc(C.size_t(batchCap) * C.size_t(unsafe.Sizeof(C.sse_event{}))))
	// Waiting goes through the netpoller on a duplicate of the stream's fd,
	// so a parked stream holds no thread. libsse owns the original; closing
	// our duplicate never touches it. If that is impossible, waits fall
	// back to short blocking C calls (correct, but one thread per waiter).
	// The syscalls below can stall like C calls do: same gate.
	enterC()
	defer leaveC()
	if fd := int(C.sse_stream_fd(s)); fd >= 0 {
		if dup, err := syscall.Dup(fd); err == nil {
			syscall.CloseOnExec(dup)
			if err := syscall.SetNonblock(dup, true); err == nil {
				st.file = os.NewFile(uintptr(dup), "libsse-stream")
				if raw, err := st.file.SyscallConn(); err == nil {
					st.raw = raw
				}
			} else {
				_ = syscall.Close(dup)
			}
		}
	}
	runtime.SetFinalizer(st, (*Stream).Close)
	return st, nil
}

// park calls try until it reports done, parking the goroutine on the
// stream's fd in between. A done ctx cancels the stream, which makes the fd
// readable and try report the cancellation.
func (st *Stream) park(ctx context.Context, try func(wait int32) bool) {
	if try(0) {
		return
	}
	stop := context.AfterFunc(ctx, st.Cancel)
	defer stop()
	if st.raw != nil {
		err := st.raw.Read(func(uintptr) bool { return try(0) })
		if err == nil {
			return
		}
	}
	for !try(50) {
	}
}

// WaitOpen parks until the response headers are in or the request failed.
func (st *Stream) WaitOpen(ctx context.Context) error {
	if st.opened {
		return nil
	}
	var r C.enum_sse_result
	st.park(ctx, func(wait int32) bool {
		if wait != 0 {
			r = C.sse_stream_wait_open(st.s, C.int32_t(wait)) // blocking fallback: outside the gate
		} else {
			enterC()
			r = C.sse_stream_wait_open(st.s, 0)
			leaveC()
		}
		runtime.KeepAlive(st)
		return r != C.SSE_TIMEOUT
	})
	if r == C.SSE_OK {
		st.opened = true
		st.readResponse()
		return nil
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if e := copyError(C.sse_stream_error(st.s)); e != nil {
		runtime.KeepAlive(st)
		st.err = e
		return e
	}
	return failure(int(r))
}

func (st *Stream) readResponse() {
	enterC()
	defer leaveC()
	st.resp.Status = int(C.sse_stream_status(st.s))
	st.resp.EventStream = bool(C.sse_stream_is_event_stream(st.s))
	var text C.sse_bytes
	if C.sse_stream_remote_addr(st.s, &text) == C.SSE_OK {
		st.resp.RemoteIP = goBytes(text)
	}
	if C.sse_stream_http_version(st.s, &text) == C.SSE_OK {
		st.resp.Proto = goBytes(text)
	}
	if C.sse_stream_url(st.s, &text) == C.SSE_OK {
		st.resp.URL = goBytes(text)
	}
	n := int(C.sse_stream_header_count(st.s))
	st.resp.Headers = make([]streamapi.Header, 0, n)
	for i := 0; i < n; i++ {
		var name, value C.sse_bytes
		if C.sse_stream_header(st.s, C.size_t(i), &name, &value) == C.SSE_OK {
			st.resp.Headers = append(st.resp.Headers, streamapi.Header{Name: goBytes(name), Value: goBytes(value)})
		}
	}
	runtime.KeepAlive(st)
}

// Response is the status and headers; valid once WaitOpen returned nil.
func (st *Stream) Response() streamapi.Response { return st.resp }

// Next parks until events are queued, then copies up to len(out) of them
// (at most 64 per call) into out.
func (st *Stream) Next(ctx context.Context, out []streamapi.Event) (int, streamapi.Status) {
	if st.s == nil {
		return 0, streamapi.Cancelled
	}
	capacity := min(len(out), batchCap)
	if capacity == 0 {
		return 0, streamapi.More
	}
	var r C.enum_sse_result
	var n C.size_t
	st.park(ctx, func(wait int32) bool {
		if wait != 0 {
			// The blocking fallback waits outside the gate.
			r = C.sse_next_events(st.s, C.int32_t(wait), st.events, C.size_t(capacity), &n)
		} else {
			enterC()
			r = C.sse_next_events(st.s, 0, st.events, C.size_t(capacity), &n)
			leaveC()
		}
		if r == C.SSE_OK {
			st.copyEvents(out[:n])
		}
		runtime.KeepAlive(st)
		return r != C.SSE_TIMEOUT
	})
	switch r {
	case C.SSE_OK:
		return int(n), streamapi.More
	case C.SSE_END:
		return 0, streamapi.End
	case C.SSE_CANCELLED:
		return 0, streamapi.Cancelled
	case C.SSE_ERR_STREAM:
		st.err = copyError(C.sse_stream_error(st.s))
		runtime.KeepAlive(st)
		if st.err == nil {
			st.err = failure(int(r))
		}
		return 0, streamapi.Failed
	default:
		st.err = failure(int(r))
		return 0, streamapi.Failed
	}
}

// copyEvents copies the borrowed views of the drained events into Go
// strings before any other call on the stream can invalidate them.
func (st *Stream) copyEvents(out []streamapi.Event) {
	events := unsafe.Slice(st.events, len(out))
	for i := range out {
		ev := &events[i]
		if !sameBytes(ev._type, st.lastType) {
			st.lastType = goBytes(ev._type)
		}
		if !sameBytes(ev.id, st.lastID) {
			st.lastID = goBytes(ev.id)
		}
		out[i] = streamapi.Event{
			Type:    st.lastType,
			Data:    goBytes(ev.data),
			ID:      st.lastID,
			Comment: goBytes(ev.comment),
			Retry:   int64(ev.retry_ms),
			TimeNS:  uint64(ev.time_ns),
		}
	}
}

// Err is the failure after Next returned Failed or WaitOpen an error.
func (st *Stream) Err() *streamapi.Error { return st.err }

// Timings is a snapshot of the stream's timings and byte counts.
func (st *Stream) Timings() streamapi.Timings {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.s == nil {
		return streamapi.Timings{}
	}
	var t C.sse_timings
	enterC()
	C.sse_stream_timings(st.s, &t)
	leaveC()
	runtime.KeepAlive(st)
	return streamapi.Timings{
		Start: uint64(t.start_ns), DNSDone: uint64(t.dns_done_ns), ConnectDone: uint64(t.connect_done_ns),
		TLSDone: uint64(t.tls_done_ns), RequestSent: uint64(t.request_sent_ns), Headers: uint64(t.headers_ns),
		FirstByte: uint64(t.first_byte_ns), FirstEvent: uint64(t.first_event_ns), End: uint64(t.end_ns),
		BytesRead: uint64(t.bytes_read), BytesWritten: uint64(t.bytes_written), Events: uint64(t.events),
		ReusedConnection: bool(t.reused_connection),
	}
}

// Cancel interrupts the stream (waiters see Cancelled); any goroutine,
// idempotent, a no-op after Close.
func (st *Stream) Cancel() {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.s != nil {
		enterC()
		C.sse_cancel(st.s)
		leaveC()
		runtime.KeepAlive(st)
	}
}

// Close cancels the stream if it still runs and frees it; idempotent.
func (st *Stream) Close() {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.s == nil {
		return
	}
	enterC()
	if st.file != nil {
		_ = st.file.Close()
		st.file, st.raw = nil, nil
	}
	C.sse_close(st.s)
	leaveC()
	st.s = nil
	C.free(unsafe.Pointer(st.events))
	st.events = nil
	runtime.SetFinalizer(st, nil)
}
