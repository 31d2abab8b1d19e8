//go:build cgo

package libsse

/*
#include <stdlib.h>
#include "sse.h"
*/
import "C"

import (
	"github.com/libsse/libsse/go-shim/streamapi"
)

// Error kinds are named by libsse (sse_error_kind_name): Go keeps no table
// of them, so a kind libsse adds reaches scripts with its own name.

// kindName is libsse's name for an sse_error_kind value.
func kindName(kind C.int) streamapi.ErrorKind {
	return streamapi.ErrorKind(C.GoString(C.sse_error_kind_name(kind)))
}

// namedKinds are the kinds Go code names as constants, with their C
// values: TestGoKindConstantsAreLibsseNames checks the two agree.
var namedKinds = map[streamapi.ErrorKind]C.int{
	streamapi.KindNone:        C.SSE_ERROR_NONE,
	streamapi.KindHTTPStatus:  C.SSE_ERROR_HTTP_STATUS,
	streamapi.KindContentType: C.SSE_ERROR_CONTENT_TYPE,
	streamapi.KindIO:          C.SSE_ERROR_IO,
	streamapi.KindCancelled:   C.SSE_ERROR_CANCELLED,
	streamapi.KindInternal:    C.SSE_ERROR_INTERNAL,
}

// copyError copies a libsse error into Go memory; nil for NULL.
func copyError(e *C.sse_error) *streamapi.Error {
	if e == nil {
		return nil
	}
	enterC()
	defer leaveC()
	n := C.sse_error_message(e, nil, 0)
	buf := C.malloc(n + 1)
	defer C.free(buf)
	C.sse_error_message(e, (*C.char)(buf), n+1)
	out := &streamapi.Error{
		Kind:    kindName(C.int(C.sse_error_kind_of(e))),
		Status:  int(C.sse_error_status(e)),
		Message: C.GoStringN((*C.char)(buf), C.int(n)),
	}
	var body C.sse_bytes
	if C.sse_error_body(e, &body) == C.SSE_OK {
		out.Body = goBytes(body)
	}
	return out
}

// resultError is the Go error of a failed call: libsse's error when it
// gave one, else one made from the result code.
func resultError(r C.enum_sse_result, e *C.sse_error) *streamapi.Error {
	if ge := copyError(e); ge != nil {
		return ge
	}
	return failure(int(r))
}

// failure is the error of a call that failed without an error object; its
// result code (an sse_result value) decides the kind.
func failure(result int) *streamapi.Error {
	r := C.enum_sse_result(result)
	return &streamapi.Error{Kind: kindName(kindOfResult(r)), Message: "libsse: " + resultName(r)}
}

// kindOfResult is the error kind of a result code that came without an
// error object.
func kindOfResult(r C.enum_sse_result) C.int {
	switch r {
	case C.SSE_CANCELLED:
		return C.SSE_ERROR_CANCELLED
	case C.SSE_ERR_NULL, C.SSE_ERR_INVALID:
		return C.SSE_ERROR_INVALID_REQUEST
	default:
		// SSE_ERR_PANIC (a bug caught at the boundary), SSE_ERR_STATE (a
		// call the binding should not have made), and a failed open or
		// stream whose error libsse did not keep: all bugs.
		return C.SSE_ERROR_INTERNAL
	}
}

func resultName(r C.enum_sse_result) string {
	switch r {
	case C.SSE_OK:
		return "ok"
	case C.SSE_TIMEOUT:
		return "timeout"
	case C.SSE_END:
		return "end of stream"
	case C.SSE_ERR_STREAM:
		return "stream failed"
	case C.SSE_CANCELLED:
		return "cancelled"
	case C.SSE_ERR_NULL:
		return "NULL argument"
	case C.SSE_ERR_INVALID:
		return "invalid argument"
	case C.SSE_ERR_OPEN:
		return "open failed"
	case C.SSE_ERR_PANIC:
		return "internal panic (please report)"
	case C.SSE_ERR_STATE:
		return "call not valid now"
	default:
		return "unknown result"
	}
}
