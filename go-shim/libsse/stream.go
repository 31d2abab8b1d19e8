//go:build cgo

package libsse

/*
#include "sse.h"
*/
import "C"

import (
	"context"
	"runtime"
	"sync"
	"unsafe"

	"github.com/libsse/libsse/go-shim/streamapi"
)

// Stream is one started request. WaitOpen, TryOpen, Next and TryNext are
// for one goroutine at a time; Cancel, Close and Timings for any.
type Stream struct {
	// mu guards s: every C call on the stream runs under it, so Close
	// (from any goroutine) never frees the stream under a running call.
	// A reader holds it only for its non-blocking read, never while parked.
	mu     sync.Mutex
	s      *C.sse_stream
	token  uint64        // the stream's token in the process's poller
	wake   chan struct{} // the poller's wake-ups (capacity 1); Close sends one too
	idle   bool          // the last read reported Empty: wait for a wake-up before reading
	n      C.size_t      // sse_stream_read's count, under mu (a field: a local passed to C would be allocated per call)
	opened bool
	resp   streamapi.Response
	notice streamapi.Notice // the last read's, when it returned Notice
	err    *streamapi.Error
	strs   stringCache
}

var _ streamapi.Stream = (*Stream)(nil)

// newStream attaches a started stream to the process's poller.
func newStream(s *C.sse_stream, p *poller, notify func()) *Stream {
	st := &Stream{s: s, wake: make(chan struct{}, 1)}
	st.token = p.attach(s, waker{ch: st.wake, notify: notify})
	runtime.SetFinalizer(st, (*Stream).Close)
	return st
}

// Ready receives a value each time the stream turns ready (see
// streamapi.Stream); a parked WaitOpen or Next waits on it.
func (st *Stream) Ready() <-chan struct{} { return st.wake }

// park waits for the stream's next wake-up. A done ctx cancels the stream
// instead, which the read that follows reports. Nothing is allocated or
// registered: a select on two channels.
func (st *Stream) park(ctx context.Context) {
	select {
	case <-st.wake:
	case <-ctx.Done():
		st.Cancel()
	}
}

// cancelIfDone cancels the stream when ctx is done, without parking: a
// stream whose events never stop coming still notices the end of its VU.
func (st *Stream) cancelIfDone(ctx context.Context) {
	select {
	case <-ctx.Done():
		st.Cancel()
	default:
	}
}

// WaitOpen parks until the response headers are in or the request failed.
func (st *Stream) WaitOpen(ctx context.Context) error {
	st.cancelIfDone(ctx)
	for {
		done, err := st.TryOpen()
		if done {
			if err != nil && ctx.Err() != nil {
				return ctx.Err()
			}
			return err
		}
		st.park(ctx)
	}
}

// TryOpen reports whether the open completed, and how, without parking.
func (st *Stream) TryOpen() (bool, error) {
	if st.opened {
		return true, nil
	}
	if st.err != nil {
		return true, st.err
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.s == nil {
		return true, failure(int(C.SSE_CANCELLED))
	}
	enterC()
	r := C.sse_stream_wait_open(st.s, 0)
	leaveC()
	switch r {
	case C.SSE_TIMEOUT:
		return false, nil
	case C.SSE_OK:
		st.opened = true
		st.readResponse()
		return true, nil
	}
	st.err = resultError(r, C.sse_stream_error(st.s))
	return true, st.err
}

// readResponse copies the status and headers (under st.mu).
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
	var name, value C.sse_bytes
	for i := 0; i < n; i++ {
		if C.sse_stream_header(st.s, C.size_t(i), &name, &value) == C.SSE_OK {
			st.resp.Headers = append(st.resp.Headers, streamapi.Header{Name: goBytes(name), Value: goBytes(value)})
		}
	}
}

// Response is the status and headers; valid once WaitOpen returned nil.
func (st *Stream) Response() streamapi.Response { return st.resp }

// Next parks until events are queued or the stream stopped, then returns
// up to len(out) of them (at most 64) with the state after them. A
// wake-up costs one C call, which brings the events and the state.
func (st *Stream) Next(ctx context.Context, out []streamapi.Event) (int, streamapi.Status) {
	st.cancelIfDone(ctx)
	for {
		if st.idle {
			st.park(ctx)
		}
		n, status := st.TryNext(out)
		if n > 0 || status.Final() || status == streamapi.NoticeNext {
			return n, status
		}
	}
}

// TryNext reads what is queued without parking: one sse_stream_read.
func (st *Stream) TryNext(out []streamapi.Event) (int, streamapi.Status) {
	capacity := min(len(out), batchCap)
	if capacity == 0 {
		return 0, streamapi.More
	}
	views := getViews()
	defer putViews(views)
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.s == nil {
		return 0, streamapi.Cancelled
	}
	enterC()
	r := C.sse_stream_read(st.s, 0, views, C.size_t(capacity), &st.n)
	leaveC()
	n := st.n
	if r == C.SSE_OK || r == C.SSE_TIMEOUT || r == C.SSE_END || r == C.SSE_ERR_STREAM || r == C.SSE_CANCELLED {
		st.strs.copyEvents(out[:n], unsafe.Slice(views, n))
	} else {
		n = 0
	}
	st.idle = r == C.SSE_TIMEOUT
	switch r {
	case C.SSE_OK:
		return int(n), streamapi.More
	case C.SSE_NOTICE:
		st.readNotice()
		return 0, streamapi.NoticeNext
	case C.SSE_TIMEOUT:
		return int(n), streamapi.Empty
	case C.SSE_END:
		return int(n), streamapi.End
	case C.SSE_CANCELLED:
		return int(n), streamapi.Cancelled
	case C.SSE_ERR_STREAM:
		if st.err == nil {
			st.err = resultError(r, C.sse_stream_error(st.s))
		}
		return int(n), streamapi.Failed
	default:
		st.err = failure(int(r))
		return 0, streamapi.Failed
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
	return streamapi.Timings{
		Start: uint64(t.start_ns), DNSDone: uint64(t.dns_done_ns), ConnectDone: uint64(t.connect_done_ns),
		TLSDone: uint64(t.tls_done_ns), RequestSent: uint64(t.request_sent_ns), Headers: uint64(t.headers_ns),
		FirstByte: uint64(t.first_byte_ns), FirstEvent: uint64(t.first_event_ns), End: uint64(t.end_ns),
		BytesRead: uint64(t.bytes_read), BytesWritten: uint64(t.bytes_written), Events: uint64(t.events),
		ReusedConnection: bool(t.reused_connection),
	}
}

// Cancel interrupts the stream (its reader sees Cancelled); any goroutine,
// idempotent, a no-op after Close.
func (st *Stream) Cancel() {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.s != nil {
		enterC()
		C.sse_cancel(st.s)
		leaveC()
	}
}

// Close cancels the stream if it still runs and frees it; idempotent, any
// goroutine. A goroutine parked in WaitOpen or Next wakes and sees
// Cancelled.
func (st *Stream) Close() {
	st.mu.Lock()
	if st.s == nil {
		st.mu.Unlock()
		return
	}
	enterC()
	C.sse_close(st.s) // withdraws the stream's token from the poller
	leaveC()
	st.s = nil
	st.mu.Unlock()
	thePoller.remove(st.token)
	select {
	case st.wake <- struct{}{}:
	default:
	}
	runtime.SetFinalizer(st, nil)
}
