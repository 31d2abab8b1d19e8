// Package streamapi holds the types shared by the cgo binding (package
// libsse) and the JavaScript layer (package jsapi): a transport that opens
// streams, the stream itself, its events, timings and errors.
//
// It exists so that the JavaScript layer never imports cgo: jsapi is tested
// against a fake transport, and the binding satisfies these interfaces
// directly, with no adapter in between.
package streamapi

import (
	"context"
	"errors"
)

// Transport starts streams. One Transport is one libsse client: a
// connection pool with default options.
type Transport interface {
	// Start begins a request described by a libsse options JSON document
	// (docs/architecture.md, "Request and client options"). It returns at
	// once; an error here means the options were rejected.
	Start(optionsJSON []byte) (Stream, error)
	// NowNS reads the transport's monotonic clock, the one Event.TimeNS and
	// Timings use.
	NowNS() uint64
	// Close releases the client. Streams already started keep working.
	Close()
}

// Stream is one request and its event stream. Its methods are called from
// one goroutine, except Cancel, which any goroutine may call.
type Stream interface {
	// WaitOpen parks until the response headers are in (nil) or the request
	// failed (*Error). A done ctx cancels the stream and returns ctx.Err().
	WaitOpen(ctx context.Context) error
	// Response returns the status and headers once WaitOpen returned nil.
	Response() Response
	// Next parks until at least one event is queued, then copies up to
	// len(out) of them into out. It returns the number copied and, when n is
	// 0, why the stream stopped: End, Failed (see Err), or Cancelled.
	// A done ctx cancels the stream.
	Next(ctx context.Context, out []Event) (int, Status)
	// Err is the failure once Next returned Failed.
	Err() *Error
	// Timings returns a snapshot of the stream's timings and byte counts.
	Timings() Timings
	// Cancel interrupts the stream from any goroutine; idempotent.
	Cancel()
	// Close frees the stream; idempotent.
	Close()
}

// Status says why Next returned no event.
type Status int

// Next outcomes.
const (
	More Status = iota
	End
	Failed
	Cancelled
)

// Header is one response header line. libsse groups headers by name:
// names in the order each first arrived, a repeated name's values together
// in the order received.
type Header struct {
	Name, Value string
}

// Response is the status line and headers, and the connection it came on.
type Response struct {
	URL         string // the request's URL as given or, after redirects, where they led
	Status      int
	Headers     []Header
	EventStream bool
	RemoteIP    string // peer IP without port ("127.0.0.1", "::1"); through a proxy, the proxy's
	Proto       string // "HTTP/1.1" or "HTTP/2.0", as Go's http.Response.Proto
}

// Event is one dispatched Server-Sent Event, copied into Go memory.
type Event struct {
	Type    string // as sent; empty means "message"
	Data    string
	ID      string // last event ID at dispatch
	Comment string // comment lines of the event's block, LF-joined
	Retry   int64  // -1 when the block had no valid retry field
	TimeNS  uint64 // Transport.NowNS clock: when the event's last byte was parsed
}

// Timings are monotonic readings in ns on the Transport.NowNS clock; 0 means
// the step did not happen (for example a reused connection has no connect).
type Timings struct {
	Start, DNSDone, ConnectDone, TLSDone, RequestSent uint64
	Headers, FirstByte, FirstEvent, End               uint64
	BytesRead, BytesWritten, Events                   uint64
	ReusedConnection                                  bool
}

// ErrorKind is the snake_case name of a failure's kind ("connect",
// "http_status", ...), as libsse names it: the binding reads the names
// through the C ABI (sse_error_kind_name), so Go keeps no copy of libsse's
// table. Scripts see it as error.kind.
type ErrorKind string

// The kinds Go code itself branches on or reports; the binding's tests
// check each against libsse's name for its C value.
const (
	KindHTTPStatus ErrorKind = "http_status" // a non-2xx answer; see Error.Status and Error.Body
	KindIO         ErrorKind = "io"          // a failure that names no other kind
	KindCancelled  ErrorKind = "cancelled"   // the stream was cancelled
	KindInternal   ErrorKind = "internal"    // a bug in libsse or the binding
)

// Error is a libsse failure copied into Go memory.
type Error struct {
	Kind    ErrorKind
	Status  int    // HTTP status for KindHTTPStatus, else 0
	Message string // human-readable, from libsse
	Body    string // first bytes of a non-2xx body
}

func (e *Error) Error() string { return e.Message }

// AsError returns err as *Error when it is one.
func AsError(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}
