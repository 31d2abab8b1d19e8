//go:build cgo

package libsse

/*
#include <stdlib.h>
#include "sse.h"
*/
import "C"

import (
	"sync"
	"unsafe"

	"github.com/libsse/libsse/go-shim/streamapi"
)

// batchCap is how many events one read takes from libsse.
const batchCap = 64

// viewArrays hands out the arrays sse_stream_read fills with borrowed
// views, for the length of one read, so a waiting stream holds none. They
// are C memory: a Go array would be scanned by cgo's pointer check on every
// call (its views are pointer-typed), which cost more than the read. An
// array is never freed, only reused: there are at most as many as reads
// that ever ran at the same moment.
var viewArrays struct {
	mu   sync.Mutex
	free []*C.sse_event
}

func getViews() *C.sse_event {
	viewArrays.mu.Lock()
	defer viewArrays.mu.Unlock()
	if n := len(viewArrays.free); n > 0 {
		a := viewArrays.free[n-1]
		viewArrays.free = viewArrays.free[:n-1]
		return a
	}
	return (*C.sse_event)(C.malloc(C.size_t(batchCap) * C.size_t(unsafe.Sizeof(C.sse_event{}))))
}

func putViews(a *C.sse_event) {
	viewArrays.mu.Lock()
	viewArrays.free = append(viewArrays.free, a)
	viewArrays.mu.Unlock()
}

// stringCache turns a batch's views into Go strings with one allocation
// per batch: the bytes of every field are copied into one buffer that the
// strings share. A string a script keeps therefore keeps its batch's buffer
// alive (at most 64 events' fields). An event type or id equal to the
// previous event's reuses its string, so the usual repeated ones are not
// copied at all.
type stringCache struct {
	lastType, lastID string
}

func (c *stringCache) copyEvents(out []streamapi.Event, views []C.sse_event) {
	size := 0
	typ, id := c.lastType, c.lastID
	for i := range views {
		v := &views[i]
		size += int(v.data.len) + int(v.comment.len)
		if !sameBytes(v._type, typ) {
			size += int(v._type.len)
			typ = viewString(v._type)
		}
		if !sameBytes(v.id, id) {
			size += int(v.id.len)
			id = viewString(v.id)
		}
	}
	buf := make([]byte, 0, size)
	for i := range views {
		v := &views[i]
		if !sameBytes(v._type, c.lastType) {
			c.lastType, buf = appendString(buf, v._type)
		}
		if !sameBytes(v.id, c.lastID) {
			c.lastID, buf = appendString(buf, v.id)
		}
		e := &out[i]
		e.Type, e.ID = c.lastType, c.lastID
		e.Data, buf = appendString(buf, v.data)
		e.Comment, buf = appendString(buf, v.comment)
		e.Retry = int64(v.retry_ms)
		e.TimeNS = uint64(v.time_ns)
	}
}

// appendString copies a view to the end of buf (which has room: no
// reallocation, so earlier strings stay valid) and returns it as a string
// sharing buf's memory.
func appendString(buf []byte, b C.sse_bytes) (string, []byte) {
	if b.len == 0 {
		return "", buf
	}
	start := len(buf)
	buf = append(buf, viewString(b)...)
	return unsafe.String(&buf[start], int(b.len)), buf
}

// viewString is a borrowed view as a string without copying: valid only
// until the stream's next read.
func viewString(b C.sse_bytes) string {
	if b.len == 0 {
		return ""
	}
	return unsafe.String((*byte)(unsafe.Pointer(b.ptr)), int(b.len))
}

// sameBytes reports whether a view holds exactly s, without copying.
func sameBytes(b C.sse_bytes, s string) bool {
	return int(b.len) == len(s) && viewString(b) == s
}
