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
	"time"
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
// one goroutine, except Cancel and Close, which any goroutine may call
// (Close also wakes a goroutine parked in WaitOpen or Next).
//
// A stream is read either by a goroutine that parks in WaitOpen and Next,
// or without ever parking: TryOpen and TryNext, called again each time the
// stream turns ready (Ready, or the function given to StartNotify).
type Stream interface {
	// WaitOpen parks until the response headers are in (nil) or the request
	// failed (*Error). A done ctx cancels the stream and returns ctx.Err().
	WaitOpen(ctx context.Context) error
	// TryOpen is WaitOpen without parking: false while the headers are not
	// in yet; then true and WaitOpen's result.
	TryOpen() (bool, error)
	// Response returns the status and headers once WaitOpen returned nil.
	Response() Response
	// Next parks until events are queued or the stream stopped, then copies
	// up to len(out) events into out and returns how many, with the
	// stream's state after them: More or Empty (keep reading), or the final
	// End, Failed (see Err) or Cancelled, which come with the last events.
	// It never returns (0, More) or (0, Empty); (0, NoticeNext) comes for each
	// reconnect notice (the reconnect option only). A done ctx cancels the
	// stream.
	Next(ctx context.Context, out []Event) (int, Status)
	// TryNext is Next without parking: (0, Empty) when nothing is queued.
	// After Empty, the stream's next turn to ready signals Ready (and calls
	// the StartNotify function); after More or NoticeNext, call again at once.
	// Before the open it reports the notices of attempts that failed
	// before the first response (and Empty while there are none).
	TryNext(out []Event) (int, Status)
	// Notice is what the last read that returned NoticeNext reported. After a
	// Reconnected notice, Response describes the new connection.
	Notice() Notice
	// Ready receives a value when the stream turns ready: its open completed,
	// events were queued after a read that reported Empty, or it stopped.
	// A value may be stale (a read already took what it announced): read,
	// and wait again on Empty.
	Ready() <-chan struct{}
	// Err is the failure once Next returned Failed.
	Err() *Error
	// Timings returns a snapshot of the stream's timings and byte counts.
	Timings() Timings
	// Cancel interrupts the stream from any goroutine; idempotent.
	Cancel()
	// Close frees the stream; idempotent; any goroutine.
	Close()
}

// Notifier is a Transport whose streams can report readiness by calling a
// function instead of (as well as) through Ready: for a consumer that runs
// many streams on one event loop and never parks a goroutine per stream.
type Notifier interface {
	// StartNotify is Start with ready called, from another goroutine, each
	// time the stream turns ready (when Ready would receive). ready must
	// not block; it may run once more after Close returned.
	StartNotify(optionsJSON []byte, ready func()) (Stream, error)
}

// Status is a stream's state after a read.
type Status int

// Read outcomes.
const (
	// More events may be queued: read again now.
	More Status = iota
	// End: the stream ended cleanly; no more events.
	End
	// Failed: the stream failed; Err tells why.
	Failed
	// Cancelled: Cancel or Close was called, or Next's ctx was done.
	Cancelled
	// Empty: nothing more is queued now.
	Empty
	// NoticeNext: no event; a reconnect notice is next (Stream.Notice).
	// Only streams started with the reconnect option have them. Read on.
	NoticeNext
)

// Final reports whether no event can follow.
func (s Status) Final() bool { return s == End || s == Failed || s == Cancelled }

// NoticeKind says which step of a reconnect a Notice reports.
type NoticeKind int

// Notice kinds, as libsse's sse_notice_kind.
const (
	// Reconnecting: the connection ended or failed, or an attempt to open
	// one failed; attempt Attempt starts after Wait.
	Reconnecting NoticeKind = iota + 1
	// Reconnected: attempt Attempt got a response (Status); its events
	// follow.
	Reconnected
)

// Notice is one step of a stream's reconnect loop, reported in order among
// its events.
type Notice struct {
	Kind NoticeKind
	// Reason is why the connection was lost (for Reconnecting, the latest
	// failure; for Reconnected, what began the outage); nil when the
	// server ended the stream cleanly.
	Reason  *Error
	Attempt int           // 1 = the first attempt after a loss; failed attempts in a row
	Wait    time.Duration // Reconnecting: the wait before the attempt
	Status  int           // Reconnected: the new response's status
	// SinceNS is when the outage began and TimeNS when this notice was
	// made (Reconnected: the new response's headers), on the
	// Transport.NowNS clock.
	SinceNS, TimeNS uint64
	LastEventID     string // the Last-Event-ID the attempt sends ("" = none)
}

// DowntimeNS is the time without a connection: from the loss to this
// notice (for Reconnected, to the new response's headers).
func (n *Notice) DowntimeNS() uint64 {
	if n.TimeNS < n.SinceNS {
		return 0
	}
	return n.TimeNS - n.SinceNS
}

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
	KindNone        ErrorKind = "none"         // no failure: a notice's reason when the server ended the stream
	KindHTTPStatus  ErrorKind = "http_status"  // a non-2xx answer; see Error.Status and Error.Body
	KindContentType ErrorKind = "content_type" // a 2xx answer that is not text/event-stream
	KindIO          ErrorKind = "io"           // a failure that names no other kind
	KindCancelled   ErrorKind = "cancelled"    // the stream was cancelled
	KindInternal    ErrorKind = "internal"     // a bug in libsse or the binding
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
