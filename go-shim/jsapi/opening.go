package jsapi

import "github.com/libsse/libsse/go-shim/streamapi"

// openStep is what a starting stream did, read without parking.
type openStep int

const (
	// openWaiting: nothing yet; poll again at the stream's next wake-up.
	openWaiting openStep = iota
	// openNotice: a reconnect notice came before the first response
	// (Stream.Notice): an attempt failed, or, Reconnected, one answered
	// after failed attempts. Handle it, then poll again.
	openNotice
	// openDone: the response is in (Stream.Response); then the events and
	// state of opening.n and opening.st when opening.read is set.
	openDone
	// openFailed: the request failed before a response (opening.err).
	openFailed
)

// opening is pollOpen's result.
type opening struct {
	step openStep
	err  error
	read bool             // openDone: a read came with the open, its result:
	n    int              // events read into the buffer, to deliver after the open
	st   streamapi.Status // the stream's state after them
}

// pollOpen reads a starting stream without parking, for sse.open with the
// reconnect option and for EventSource. With that option the notices of
// attempts that failed before the first response are queued ahead of it,
// and asking only whether the stream opened would announce the open before
// them: so the stream is read first, and asked whether it opened only
// when nothing is queued (a read before the open returns only those
// notices, a failure or nothing). Only a failed attempt and a successful
// one both completing between the two calls here could still put the open
// first. An open seen here by asking can be followed by the Reconnected
// notice of the same connection: the callers announce it once.
func pollOpen(s streamapi.Stream, buf []streamapi.Event) opening {
	n, st := s.TryNext(buf)
	if st == streamapi.NoticeNext {
		return opening{step: openNotice}
	}
	done, err := s.TryOpen()
	switch {
	case !done:
		return opening{step: openWaiting}
	case err != nil:
		return opening{step: openFailed, err: err}
	}
	o := opening{step: openDone}
	if n > 0 || st != streamapi.Empty {
		// The response came between the two calls and its events (or its
		// end) were read: they go after the open.
		o.read, o.n, o.st = true, n, st
	}
	return o
}
