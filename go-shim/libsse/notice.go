//go:build cgo

package libsse

/*
#include "sse.h"
*/
import "C"

import (
	"time"

	"github.com/libsse/libsse/go-shim/streamapi"
)

// readNotice copies the reconnect notice the last read reported
// (SSE_NOTICE) into st.notice, under st.mu. A Reconnected notice makes the
// new connection's response the stream's (libsse switches it with this
// read), so the response is read again.
func (st *Stream) readNotice() {
	var n C.sse_notice
	enterC()
	r := C.sse_stream_notice(st.s, &n)
	leaveC()
	if r != C.SSE_OK {
		// Not reachable after SSE_NOTICE from this stream's own read; kept
		// a notice of an unknown reason rather than a crash.
		st.notice = streamapi.Notice{Kind: streamapi.Reconnecting,
			Reason: &streamapi.Error{Kind: streamapi.KindInternal, Message: "libsse: notice unreadable: " + resultName(r)}}
		return
	}
	st.notice = streamapi.Notice{
		Attempt:     int(n.attempt),
		Wait:        time.Duration(n.wait_ms) * time.Millisecond,
		Status:      int(n.status),
		SinceNS:     uint64(n.since_ns),
		TimeNS:      uint64(n.time_ns),
		LastEventID: goBytes(n.last_event_id),
	}
	if n.reason != C.SSE_ERROR_NONE {
		st.notice.Reason = &streamapi.Error{Kind: kindName(C.int(n.reason)), Message: goBytes(n.message)}
	}
	if n.kind == C.SSE_NOTICE_RECONNECTED {
		st.notice.Kind = streamapi.Reconnected
		st.readResponse()
	} else {
		st.notice.Kind = streamapi.Reconnecting
	}
}

// Notice is what the last read that returned streamapi.NoticeNext reported.
func (st *Stream) Notice() streamapi.Notice { return st.notice }
