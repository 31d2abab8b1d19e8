package jsapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/grafana/sobek"
	"github.com/libsse/libsse/go-shim/streamapi"
)

// eventBatch is how many events one wake-up drains from libsse.
const eventBatch = 64

// session is one sse.open call. It lives on the VU's goroutine: every
// handler runs there, in the order libsse delivered the events.
type session struct {
	in        *Instance
	rt        *sobek.Runtime
	args      *openArgs
	opts      Options
	clock     wallClock
	handlers  map[string][]sobek.Callable
	closed    bool
	stream    streamapi.Stream
	transport streamapi.Transport
	tags      requestTags
	startNS   uint64
	status    int
	headers   []streamapi.Header
	finalURL  string // where redirects led, once the response is in
	body      string // first bytes of a non-2xx answer's body
	samples   eventSamples
	llm       *llmTracker    // the llm param's reader (llmtrack.go); nil without it
	argv      [1]sobek.Value // the handlers' argument, reused for every event
	finished  bool
}

func hostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return u.Hostname()
}

func (in *Instance) open(a *openArgs) sobek.Value {
	h := in.host
	rt := h.Runtime()
	o := h.Options()
	transport, err := in.transportFor(o)
	if err != nil {
		panic(rt.NewGoError(err))
	}
	jar, err := h.CookieJar(a.jar)
	if err != nil {
		panic(rt.NewGoError(fmt.Errorf("invalid sse.open() jar: %w", err)))
	}
	s := &session{
		in: in, rt: rt, args: a, opts: o, clock: in.clock, transport: transport,
		handlers: map[string][]sobek.Callable{},
		tags:     requestTags{base: h.Tags(), system: map[string]string{}},
		llm:      newLLMTracker(a.llm),
	}
	for k, v := range a.tags {
		s.tags.base[k] = v
	}
	method := a.method
	if method == "" {
		method = http.MethodGet
	}
	s.tags.setSystem(o.SystemTags, "url", a.url)
	s.tags.setSystem(o.SystemTags, "name", a.url)
	s.tags.setSystem(o.SystemTags, "method", method)

	// The setup function runs before the request starts, so that handlers
	// it registers see connection errors too.
	if _, err := a.setup(sobek.Undefined(), s.clientObject()); err != nil {
		panic(err)
	}

	u, _ := url.Parse(a.url)
	var cookies []*http.Cookie
	if jar != nil && u != nil {
		cookies = jar.Cookies(u)
	}
	reqJSON, err := json.Marshal(a.request(o, cookies))
	if err != nil {
		panic(rt.NewGoError(err))
	}
	s.startNS = transport.NowNS()
	stream, err := transport.Start(reqJSON)
	if err != nil {
		return s.failOpen(err)
	}
	s.stream = stream
	defer stream.Close()

	if err := stream.WaitOpen(h.Context()); err != nil {
		if e, ok := streamapi.AsError(err); ok && e.Kind == streamapi.KindHTTPStatus && e.Status != 0 {
			// A non-2xx answer is a response, not a failed connection.
			s.status = e.Status
			s.callHandlers("open")
			return s.statusAnswer(e)
		}
		return s.failOpen(err)
	}
	resp := stream.Response()
	s.status, s.headers, s.finalURL = resp.Status, resp.Headers, resp.URL
	s.setConnectionTags(resp)
	if jar != nil && u != nil {
		jar.SetCookies(u, setCookies(resp.Headers))
	}
	s.callHandlers("open")
	return s.loop()
}

// setConnectionTags adds the system tags `ip` (as xk6-sse) and `proto`
// (as k6's HTTP module) when enabled and libsse reported them.
func (s *session) setConnectionTags(resp streamapi.Response) {
	if resp.RemoteIP != "" {
		s.tags.setSystem(s.opts.SystemTags, "ip", resp.RemoteIP)
	}
	if resp.Proto != "" {
		s.tags.setSystem(s.opts.SystemTags, "proto", resp.Proto)
	}
}

// loop delivers events until the stream ends, fails, or the script closes it.
func (s *session) loop() sobek.Value {
	ctx := s.in.host.Context()
	buf := make([]streamapi.Event, eventBatch)
	for !s.closed {
		n, st := s.stream.Next(ctx, buf)
		s.dispatch(buf[:n])
		if s.closed || !st.Final() {
			continue
		}
		switch st {
		case streamapi.Failed:
			err := s.stream.Err()
			if err == nil {
				err = &streamapi.Error{Kind: streamapi.KindIO, Message: "stream failed"}
			}
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
	if s.samples.events == 0 {
		s.startSamples()
	}
	objs := newEventObjects(s.rt, s.clock, events)
	for i := range objs {
		if s.closed {
			break
		}
		s.samples.count(&events[i])
		s.argv[0] = objs[i].value()
		s.callHandlers("event", s.argv[:]...)
	}
	s.argv[0] = nil
	s.samples.push()
}

// startSamples prepares the event samples at the first event: their tags
// are the request's with the status known at open, one map shared by every
// event sample of the stream (never modified afterwards).
func (s *session) startSamples() {
	s.tags.setSystem(s.opts.SystemTags, "status", fmt.Sprint(s.status))
	tags, start := s.tags.all(), s.requestStart()
	s.samples = eventSamples{host: s.in.host, clock: s.clock, tags: tags,
		gaps: s.args.eventGaps, startNS: start, llm: s.llm.begin(s.clock, tags, start)}
}

func (s *session) requestStart() uint64 {
	if s.stream != nil {
		if t := s.stream.Timings(); t.Start != 0 {
			return t.Start
		}
	}
	return s.startNS
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
	return s.response(nil, err.Error(), phases{})
}

// response builds what sse.open returns: the URL redirects led to (the
// requested one until a response is in).
func (s *session) response(headers []streamapi.Header, errMsg string, p phases) *sobek.Object {
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
	s.samples.push() // the events a throwing handler's batch dispatched
	var t streamapi.Timings
	if s.stream != nil {
		t = s.stream.Timings()
	}
	if t.Start == 0 {
		t.Start = s.startNS
	}
	end := s.transport.NowNS()
	p := breakdown(t, end)
	if !s.finished {
		s.finished = true
		endNS := t.End
		if endNS == 0 {
			endNS = end
		}
		at := s.clock.time(endNS)
		s.in.host.Emit(s.llm.final(finalSamples(t, end, at, s.status, failed, &s.tags, s.opts.SystemTags), at, failed))
	}
	return s.response(s.headers, errMsg, p)
}

func setCookies(headers []streamapi.Header) []*http.Cookie {
	h := http.Header{}
	for _, hd := range headers {
		if strings.EqualFold(hd.Name, "set-cookie") {
			h.Add("Set-Cookie", hd.Value)
		}
	}
	return (&http.Response{Header: h}).Cookies()
}
