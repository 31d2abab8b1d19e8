package jsapi

import (
	"fmt"

	"github.com/grafana/sobek"
	"github.com/libsse/libsse/go-shim/streamapi"
)

// session is one sse.open call. It lives on the VU's goroutine: every
// handler runs there, in the order libsse delivered the events.
type session struct {
	*request
	handlers map[string][]sobek.Callable
	closed   bool
	opened   bool // the open handlers ran for the first response
	// connected: the open handlers ran for the connection being read; a
	// Reconnected notice of a connection whose open was seen by asking
	// the stream (pollOpen) does not run them again.
	connected bool
	body      string // first bytes of a non-2xx answer's body
}

func (in *Instance) open(a *openArgs) sobek.Value {
	rt := in.host.Runtime()
	r, err := in.newRequest(a, openEventShape)
	if err != nil {
		panic(rt.NewGoError(err))
	}
	s := &session{request: r, handlers: map[string][]sobek.Callable{}}

	// The setup function runs before the request starts, so that handlers
	// it registers see connection errors too.
	if _, err := a.setup(sobek.Undefined(), s.clientObject()); err != nil {
		panic(err)
	}

	stream, err := s.start(nil)
	if err != nil {
		return s.failOpen(err)
	}
	s.stream = stream
	defer stream.Close()

	buf := make([]streamapi.Event, eventBatch)
	if a.reconnecting() {
		return s.openReconnecting(buf)
	}
	if err := stream.WaitOpen(in.host.Context()); err != nil {
		return s.openFailed(err)
	}
	s.open()
	return s.loop(buf, 0, 0, false)
}

// openReconnecting opens a stream that has the reconnect option: the
// notices of attempts that fail before the first response reach the
// handlers before the open, in order (pollOpen).
func (s *session) openReconnecting(buf []streamapi.Event) sobek.Value {
	ctx := s.in.host.Context()
	for {
		o := pollOpen(s.stream, buf)
		switch o.step {
		case openWaiting:
			select {
			case <-s.stream.Ready():
			case <-ctx.Done():
				s.stream.Cancel()
			}
		case openNotice:
			s.notice()
			if s.closed {
				s.stream.Cancel()
				return s.finish(false, "")
			}
		case openFailed:
			return s.openFailed(o.err)
		default:
			s.open()
			return s.loop(buf, o.n, o.st, o.read)
		}
	}
}

// openFailed handles a stream that got no response, or an answer libsse
// reported as the open's failure.
func (s *session) openFailed(err error) sobek.Value {
	if e, ok := streamapi.AsError(err); ok && e.Kind == streamapi.KindHTTPStatus && e.Status != 0 {
		// A non-2xx answer is a response, not a failed connection.
		s.status = e.Status
		s.callHandlers("open")
		return s.statusAnswer(e)
	}
	return s.failOpen(err)
}

// open takes the response in (status, headers, tags, cookies) and runs the
// open handlers.
func (s *session) open() {
	s.opened, s.connected = true, true
	s.response(s.stream.Response())
	s.takeCookies()
	s.callHandlers("open")
}

// notice reports a reconnect notice: its sample, then the error handlers
// for a lost connection or a failed attempt (with the attempt coming), or
// the open handlers for a new connection (those of the first response run
// from open, after the notices that came before it).
func (s *session) notice() {
	n := s.stream.Notice()
	s.reconnectSample(&n)
	if n.Kind == streamapi.Reconnecting {
		s.connected = false
		s.callHandlers("error", noticeError(s.rt, &n))
		return
	}
	if s.opened && !s.connected {
		s.connected = true
		s.response(s.stream.Response())
		s.callHandlers("open")
	}
}

// loop delivers events until the stream ends, fails, or the script closes
// it. read says that buf[:n] and st are a read already made (with the
// open) to start with.
func (s *session) loop(buf []streamapi.Event, n int, st streamapi.Status, read bool) sobek.Value {
	ctx := s.in.host.Context()
	for !s.closed {
		if !read {
			n, st = s.stream.Next(ctx, buf)
		}
		read = false
		s.dispatch(buf[:n])
		if !s.closed && st == streamapi.NoticeNext {
			s.notice()
		}
		if s.closed || !st.Final() {
			continue
		}
		switch st {
		case streamapi.Failed:
			err := s.streamErr()
			if err.Kind == streamapi.KindHTTPStatus && !successStatus(s.status) {
				return s.statusAnswer(err)
			}
			s.reportError(err)
			return s.finish(true, "")
		case streamapi.End:
			if !successStatus(s.status) {
				// libsse did not read a non-2xx body as events; say why there were none.
				return s.statusAnswer(&streamapi.Error{Kind: streamapi.KindHTTPStatus, Status: s.status,
					Message: fmt.Sprintf("unexpected HTTP status %d", s.status)})
			}
			return s.finish(false, "")
		default: // Cancelled: the VU is stopping
			return s.finish(false, "")
		}
	}
	s.stream.Cancel()
	return s.finish(false, "")
}

// dispatch runs the event handlers on one drained batch, in order, until
// a handler closes the client, then pushes the batch's samples at once.
func (s *session) dispatch(events []streamapi.Event) {
	if len(events) == 0 {
		return
	}
	s.startSamples()
	s.events.deliver(events, s.handleEvent)
}

// handleEvent runs the event handlers on one event; false once the client
// is closed.
func (s *session) handleEvent(_ *streamapi.Event, argv []sobek.Value) bool {
	s.callHandlers("event", argv...)
	return !s.closed
}

// callHandlers runs the handlers of one event name in registration order.
// A handler that throws ends the stream cleanly (metrics pushed, stream
// freed) and the exception continues to the script, as in xk6-sse.
func (s *session) callHandlers(name string, args ...sobek.Value) {
	for _, fn := range s.handlers[name] {
		if _, err := fn(sobek.Undefined(), args...); err != nil {
			if s.stream != nil {
				s.stream.Cancel()
			}
			s.finish(true, "")
			panic(err)
		}
	}
}

func (s *session) reportError(err error) {
	s.callHandlers("error", errorObject(s.rt, err))
}

func successStatus(status int) bool { return status >= 200 && status <= 299 }

// statusAnswer ends a stream whose answer was a non-2xx status. As in
// xk6-sse, the `error` handlers do not see it unless the script asked with
// the httpStatusErrors param: scripts written for xk6-sse (its llm.js
// among them) rethrow in their error handler, and a throw would skip the
// rest of the iteration — its checks and its sleep — so a failing server
// would be hammered. sse.open returns the status, the error message and the
// first bytes of the body; the request counts as failed as k6 counts it
// (any status outside 200–399).
func (s *session) statusAnswer(e *streamapi.Error) sobek.Value {
	if s.args.statusErrors {
		s.reportError(e)
	}
	s.body = e.Body
	return s.finish(!expectedStatus(s.status), e.Message)
}

// failOpen handles a request that got no response: the error handlers see
// it, then it is thrown (k6 option throw) or returned in response.error.
func (s *session) failOpen(err error) sobek.Value {
	s.reportError(err)
	s.finish(true, err.Error())
	if s.opts.Throw {
		panic(s.rt.NewGoError(scriptError{err}))
	}
	return s.responseObject(nil, err.Error(), phases{})
}

// responseObject builds what sse.open returns: the URL redirects led to
// (the requested one until a response is in).
func (s *session) responseObject(headers []streamapi.Header, errMsg string, p phases) *sobek.Object {
	url := s.args.url
	if s.finalURL != "" {
		url = s.finalURL
	}
	o := responseObject(s.rt, url, s.status, headers, scriptMessage(errMsg), s.body, p)
	if l := s.llm.object(s.rt); l != nil {
		_ = o.Set("llm", l)
	}
	return o
}

// finish pushes the request's samples once and builds the response.
func (s *session) finish(failed bool, errMsg string) sobek.Value {
	p := s.end(failed)
	return s.responseObject(s.headers, errMsg, p)
}
