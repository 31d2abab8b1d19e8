package jsapi

import (
	"context"
	"fmt"
	"strings"

	"github.com/grafana/sobek"
	"github.com/libsse/libsse/go-shim/streamapi"
)

// How an EventSource's stream reaches the script without a goroutine of
// its own: libsse's poller calls wake (from its goroutine) when the stream
// turns ready; wake spends the stream's registered callback to queue a
// drain on the VU's event loop; the drain registers again, reads once
// (one batch of events, a notice, or the open) and hands it to the
// listeners. A drain that leaves something to read queues the next one
// itself, behind the other streams' drains, so one busy stream does not
// starve the rest. The order of a stream's events is libsse's.

// noop spends a registered callback that has nothing left to do.
func noop() error { return nil }

// watchContext cancels the stream when the VU's context ends (the end of
// the test or of the iteration): the drain that follows closes the
// EventSource without calling listeners.
func watchContext(ctx context.Context, stream streamapi.Stream) func() bool {
	return context.AfterFunc(ctx, stream.Cancel)
}

// arm registers the stream's callback on the VU's event loop, unless one
// is held or the EventSource finished. VU goroutine only (finished is the
// VU goroutine's).
func (es *eventSource) arm() {
	es.mu.Lock()
	defer es.mu.Unlock()
	if !es.finished && es.enqueue == nil {
		es.enqueue = es.in.host.RegisterCallback()
	}
}

// wake queues a drain on the VU's event loop if none is queued. Any
// goroutine (libsse's poller calls it); never blocks.
func (es *eventSource) wake() {
	es.mu.Lock()
	f := es.enqueue
	es.enqueue = nil
	es.mu.Unlock()
	if f != nil {
		f(es.drainFn)
	}
}

// release gives the registered callback back: the iteration no longer
// waits for this stream.
func (es *eventSource) release() {
	es.mu.Lock()
	f := es.enqueue
	es.enqueue = nil
	es.mu.Unlock()
	if f != nil {
		f(noop)
	}
}

// drain runs on the VU's event loop after a wake-up. An error (a listener
// threw) ends the iteration, as an exception in k6's own event listeners
// does; the stream is closed first.
func (es *eventSource) drain() error {
	return es.in.inRuntime(es.read)
}

// read is the drain, inside the runtime.
func (es *eventSource) read() error {
	es.arm()
	if es.finished {
		return nil
	}
	if es.stopped() {
		return nil
	}
	buf := es.in.eventBuffer()
	if !es.opened {
		o := pollOpen(es.stream, buf)
		switch o.step {
		case openWaiting:
			return nil
		case openNotice:
			return es.notice()
		case openFailed:
			return es.openFailed(o.err)
		}
		if err := es.open(); err != nil || !o.read {
			return err
		}
		return es.afterRead(buf[:o.n], o.st)
	}
	n, st := es.stream.TryNext(buf)
	return es.afterRead(buf[:n], st)
}

// stopped closes the EventSource without calling listeners once the VU's
// context is done (the end of the test or of the iteration), as k6's
// WebSocket does.
func (es *eventSource) stopped() bool {
	if es.ctx.Err() == nil {
		return false
	}
	es.stream.Cancel()
	es.finish(false)
	return true
}

// afterRead hands a read's events to the listeners, then acts on the
// stream's state after them.
func (es *eventSource) afterRead(events []streamapi.Event, st streamapi.Status) error {
	if es.finished {
		return nil // open() failed it, or a listener closed it
	}
	if err := es.deliver(events); err != nil || es.finished {
		return err
	}
	switch st {
	case streamapi.More:
		es.wake() // read on, after the other streams' drains
		return nil
	case streamapi.Empty:
		return nil // the next event wakes it
	case streamapi.NoticeNext:
		return es.notice()
	case streamapi.End:
		return es.endOfStream()
	case streamapi.Failed:
		err := es.streamErr()
		return es.fail(err, true)
	default: // Cancelled: the VU's context ended
		es.finish(false)
		return nil
	}
}

// deliver runs the listeners of each event's type ("message" for an event
// without one), in order; a listener that closes the EventSource stops the
// batch, one that throws ends the stream.
func (es *eventSource) deliver(events []streamapi.Event) error {
	if len(events) == 0 {
		return nil
	}
	es.startSamples()
	es.events.deliver(events, es.handleEvent)
	if err := es.listenerErr; err != nil {
		es.listenerErr = nil
		es.abort()
		return err
	}
	return nil
}

func (es *eventSource) handleEvent(e *streamapi.Event, argv []sobek.Value) bool {
	es.lastEventID = e.ID
	typ := e.Type
	if typ == "" {
		typ = "message"
	}
	if err := es.listeners.fire(typ, es.obj, argv); err != nil {
		es.listenerErr = err
		return false
	}
	return es.state != stateClosed
}

// open takes the first response in. A 2xx text/event-stream answer opens
// the EventSource (readyState OPEN, an open event); for other answers the
// read that follows reports libsse's verdict (a non-2xx answer fails with
// its body, a 204 ends the stream, and with reconnecting on a 2xx of
// another content type fails), except the wrong content type without
// reconnecting, which libsse reads as a stream and which fails here, as
// in browsers.
func (es *eventSource) open() error {
	es.opened = true
	es.response(es.stream.Response())
	es.takeCookies()
	if !successStatus(es.status) || es.status == 204 {
		return nil
	}
	if !es.stream.Response().EventStream && es.args.reconnecting() {
		// libsse publishes this response, then fails the stream: the
		// open can be seen before the failure, which the next read reports.
		return nil
	}
	if !es.stream.Response().EventStream {
		return es.fail(&streamapi.Error{Kind: streamapi.KindContentType, Status: es.status,
			Message: fmt.Sprintf("the answer's Content-Type is %q, not text/event-stream: an EventSource stops on it, as browsers do",
				headerValue(es.headers, "content-type"))}, true)
	}
	es.state = stateOpen
	return es.fire("open", es.openEvent())
}

// notice acts on a reconnect notice, then reads on: a lost connection or
// a failed attempt makes the EventSource CONNECTING with an error event;
// a new connection makes it OPEN with an open event — except the first
// response after failed attempts, whose open comes from open() once the
// drain sees the stream opened, and a connection whose open was announced
// already (see pollOpen).
func (es *eventSource) notice() error {
	n := es.stream.Notice()
	es.reconnectSample(&n)
	var err error
	switch {
	case n.Kind == streamapi.Reconnecting:
		es.state = stateConnecting
		err = es.fire("error", es.errorEvent(noticeError(es.rt, &n)))
	case es.opened && es.state != stateOpen:
		es.response(es.stream.Response())
		es.state = stateOpen
		err = es.fire("open", es.openEvent())
	}
	es.wake()
	return err
}

// openFailed: the request failed before a response.
func (es *eventSource) openFailed(err error) error {
	e, ok := streamapi.AsError(err)
	if !ok {
		e = &streamapi.Error{Kind: streamapi.KindIO, Message: err.Error()}
	}
	if e.Kind == streamapi.KindCancelled {
		es.finish(false)
		return nil
	}
	if e.Kind == streamapi.KindHTTPStatus && e.Status != 0 {
		es.status = e.Status
	}
	return es.fail(e, true)
}

// endOfStream: libsse ended the stream cleanly. Reconnecting, it does so
// only for a 204 answer (browsers fail the connection on it, which the
// server asks with a 204); without reconnecting the server ended it and
// nothing reconnects. Either way the EventSource is CLOSED, with an error
// event that says why.
func (es *eventSource) endOfStream() error {
	switch {
	case !successStatus(es.status):
		return es.fail(&streamapi.Error{Kind: streamapi.KindHTTPStatus, Status: es.status,
			Message: fmt.Sprintf("unexpected HTTP status %d", es.status)}, true)
	case es.status == 204 || es.args.reconnecting():
		return es.fail(&streamapi.Error{Kind: streamapi.KindHTTPStatus, Status: 204,
			Message: "the server answered 204 No Content: the EventSource does not reconnect"}, false)
	default:
		return es.fail(&streamapi.Error{Kind: streamapi.KindNone,
			Message: "the server ended the stream and reconnect is off"}, false)
	}
}

// fail closes the EventSource as a browser "fails the connection":
// readyState CLOSED, the request's samples pushed, then an error event.
func (es *eventSource) fail(e *streamapi.Error, failed bool) error {
	es.stream.Cancel()
	es.finish(failed)
	return es.fire("error", es.errorEvent(errorObject(es.rt, e)))
}

// fire runs the listeners of typ with ev; a listener that throws ends the
// stream and its exception ends the iteration.
func (es *eventSource) fire(typ string, ev sobek.Value) error {
	if err := es.listeners.fire(typ, es.obj, []sobek.Value{ev}); err != nil {
		es.abort()
		return err
	}
	return nil
}

// abort ends the stream after a listener threw (counted as failed, as
// sse.open counts a throwing handler).
func (es *eventSource) abort() {
	es.stream.Cancel()
	es.finish(true)
}

// close is the script's close(): CLOSED at once, no more events.
func (es *eventSource) close() {
	if es.finished {
		return
	}
	es.stream.Cancel()
	es.finish(false)
}

// finish closes the EventSource once: readyState CLOSED, the request's
// samples pushed, the stream freed, the registered callback given back.
func (es *eventSource) finish(failed bool) {
	es.state = stateClosed
	if es.finished {
		return
	}
	es.end(failed)
	es.stopWatch()
	es.stream.Close()
	es.release()
}

// inRuntime runs f inside one call into the VU's runtime, so that the
// listeners f calls run nested in it. sobek drops its value stack each
// time control returns to Go from the top level: calling each listener
// from the event loop directly allocated a new stack per event (half the
// JS layer's cost per event). Promise jobs the listeners queue run when
// the call returns, after the batch (as with sse.open's handlers, which
// run inside sse.open).
func (in *Instance) inRuntime(f func() error) error {
	if in.enter == nil {
		rt := in.host.Runtime()
		v, err := rt.RunString("(function (f) { return f() })")
		if err != nil {
			return err
		}
		in.enter, _ = sobek.AssertFunction(v)
		in.enterArg = rt.ToValue(func(sobek.FunctionCall) sobek.Value {
			in.entered.err = in.entered.f()
			return sobek.Undefined()
		})
	}
	in.entered.f = f
	_, err := in.enter(sobek.Undefined(), in.enterArg)
	if err == nil {
		err = in.entered.err
	}
	in.entered.f, in.entered.err = nil, nil
	return err
}

// eventBuffer is the VU's read buffer for its EventSources: their drains
// run one at a time on the VU's goroutine, so one is enough, and a waiting
// stream holds none.
func (in *Instance) eventBuffer() []streamapi.Event {
	if in.esBuf == nil {
		in.esBuf = make([]streamapi.Event, eventBatch)
	}
	return in.esBuf
}

// headerValue is the first value of a header (names compared without
// case).
func headerValue(headers []streamapi.Header, name string) string {
	for _, h := range headers {
		if strings.EqualFold(h.Name, name) {
			return h.Value
		}
	}
	return ""
}
