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

// request is what sse.open and EventSource keep alike about one stream:
// the request, the response being read, the tags, and the samples. It
// lives on the VU's goroutine.
type request struct {
	in        *Instance
	rt        *sobek.Runtime
	args      *openArgs
	opts      Options
	transport streamapi.Transport
	stream    streamapi.Stream // nil until started, or when the start failed
	tags      requestTags
	jar       http.CookieJar // nil: no cookies
	reqURL    *url.URL       // the URL parsed, for the jar; nil when it does not parse
	startNS   uint64
	status    int
	headers   []streamapi.Header
	finalURL  string // where redirects led, once the response is in
	events    eventDelivery
	llm       *llmTracker // the llm param's reader (llmtrack.go); nil without it
	finished  bool        // the request's samples were pushed
}

// newRequest prepares a stream's request from parsed arguments: the VU's
// libsse client, the cookie jar, the tags. Nothing is sent yet.
func (in *Instance) newRequest(a *openArgs, shape *eventShape) (*request, error) {
	h := in.host
	o := h.Options()
	transport, err := in.transportFor(o)
	if err != nil {
		return nil, err
	}
	jar, err := h.CookieJar(a.jar)
	if err != nil {
		return nil, fmt.Errorf("invalid %s jar: %w", a.api, err)
	}
	r := &request{
		in: in, rt: h.Runtime(), args: a, opts: o, transport: transport, jar: jar,
		tags:   requestTags{base: h.Tags(), system: map[string]string{}},
		events: eventDelivery{rt: h.Runtime(), clock: in.clock, shape: shape},
		llm:    newLLMTracker(a.llm),
	}
	for k, v := range a.tags {
		r.tags.base[k] = v
	}
	method := a.method
	if method == "" {
		method = http.MethodGet
	}
	r.tags.setSystem(o.SystemTags, "url", a.url)
	r.tags.setSystem(o.SystemTags, "name", a.url)
	r.tags.setSystem(o.SystemTags, "method", method)
	r.reqURL, _ = url.Parse(a.url)
	return r, nil
}

// start sends the request (with the jar's cookies): through the VU's
// client, or, given ready, through its Notifier with ready called each
// time the stream turns ready. An error means libsse rejected the options.
func (r *request) start(ready func()) (streamapi.Stream, error) {
	var cookies []*http.Cookie
	if r.jar != nil && r.reqURL != nil {
		cookies = r.jar.Cookies(r.reqURL)
	}
	reqJSON, err := json.Marshal(r.args.request(r.opts, cookies))
	if err != nil {
		return nil, err
	}
	r.startNS = r.transport.NowNS()
	if ready == nil {
		return r.transport.Start(reqJSON)
	}
	n, ok := r.transport.(streamapi.Notifier)
	if !ok {
		return nil, fmt.Errorf("%s: the libsse client cannot notify (a bug in k6/x/sse)", r.args.api)
	}
	return n.StartNotify(reqJSON, ready)
}

// response records the response of the connection being read.
func (r *request) response(resp streamapi.Response) {
	r.status, r.headers, r.finalURL = resp.Status, resp.Headers, resp.URL
	r.setConnectionTags(resp)
}

// takeCookies stores the response's cookies in the jar.
func (r *request) takeCookies() {
	if r.jar != nil && r.reqURL != nil {
		r.jar.SetCookies(r.reqURL, setCookies(r.headers))
	}
}

// setConnectionTags adds the system tags `ip` (as xk6-sse) and `proto`
// (as k6's HTTP module) when enabled and libsse reported them.
func (r *request) setConnectionTags(resp streamapi.Response) {
	if resp.RemoteIP != "" {
		r.tags.setSystem(r.opts.SystemTags, "ip", resp.RemoteIP)
	}
	if resp.Proto != "" {
		r.tags.setSystem(r.opts.SystemTags, "proto", resp.Proto)
	}
}

// startSamples prepares the event samples at the first event or notice:
// their tags are the request's with the status known then, one map shared
// by every event sample of the stream (never modified afterwards).
func (r *request) startSamples() {
	if r.events.samples.started() {
		return
	}
	r.tags.setSystem(r.opts.SystemTags, "status", fmt.Sprint(r.status))
	tags, start := r.tags.all(), r.requestStart()
	r.events.samples = eventSamples{host: r.in.host, clock: r.events.clock, tags: tags,
		gaps: r.args.eventGaps, startNS: start, llm: r.llm.begin(r.events.clock, tags, start)}
}

func (r *request) requestStart() uint64 {
	if r.stream != nil {
		if t := r.stream.Timings(); t.Start != 0 {
			return t.Start
		}
	}
	return r.startNS
}

// reconnectSample pushes the sample of the reconnect notice just read.
func (r *request) reconnectSample(n *streamapi.Notice) {
	r.startSamples()
	r.events.samples.reconnect(n)
}

// streamErr is why the stream failed, once a read returned Failed.
func (r *request) streamErr() *streamapi.Error {
	if err := r.stream.Err(); err != nil {
		return err
	}
	return &streamapi.Error{Kind: streamapi.KindIO, Message: "stream failed"}
}

// end pushes the request's samples once (the events counted and not
// pushed yet, then http_reqs and the rest) and returns its phases.
func (r *request) end(failed bool) phases {
	r.events.samples.push() // the events a throwing handler's batch dispatched
	var t streamapi.Timings
	if r.stream != nil {
		t = r.stream.Timings()
	}
	if t.Start == 0 {
		t.Start = r.startNS
	}
	end := r.transport.NowNS()
	if !r.finished {
		r.finished = true
		endNS := t.End
		if endNS == 0 {
			endNS = end
		}
		at := r.events.clock.time(endNS)
		r.in.host.Emit(r.llm.final(finalSamples(t, end, at, r.status, failed, &r.tags, r.opts.SystemTags), at, failed))
	}
	return breakdown(t, end)
}

func hostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return u.Hostname()
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
