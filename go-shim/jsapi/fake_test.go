package jsapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"sync"
	"testing"

	"github.com/grafana/sobek"
	"github.com/libsse/libsse/go-shim/jsapi/jsapitest/eventloop"
	"github.com/libsse/libsse/go-shim/streamapi"
)

// fakeStream plays a script: an open outcome, then events in batches, then
// a final state, which comes with the last batch (as libsse delivers it)
// unless finalApart is set.
type fakeStream struct {
	openErr    error
	resp       streamapi.Response
	events     []streamapi.Event
	batch      int
	final      streamapi.Status
	finalApart bool
	err        *streamapi.Error
	timings    streamapi.Timings
	pos        int
	cancelled  bool
	closed     int
	ready      chan struct{}
}

func (f *fakeStream) WaitOpen(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return f.openErr
}

func (f *fakeStream) TryOpen() (bool, error) { return true, f.openErr }

func (f *fakeStream) Response() streamapi.Response { return f.resp }

func (f *fakeStream) Next(ctx context.Context, out []streamapi.Event) (int, streamapi.Status) {
	if ctx.Err() != nil {
		f.cancelled = true
	}
	return f.TryNext(out)
}

func (f *fakeStream) TryNext(out []streamapi.Event) (int, streamapi.Status) {
	if f.cancelled {
		return 0, streamapi.Cancelled
	}
	if f.pos >= len(f.events) {
		return 0, f.final
	}
	n := f.batch
	if n <= 0 {
		n = 2
	}
	n = copy(out[:min(n, len(out))], f.events[f.pos:])
	f.pos += n
	if f.pos == len(f.events) && !f.finalApart {
		return n, f.final
	}
	return n, streamapi.More
}

func (f *fakeStream) Ready() <-chan struct{} {
	if f.ready == nil {
		f.ready = make(chan struct{}, 1)
	}
	return f.ready
}

func (f *fakeStream) Notice() streamapi.Notice   { return streamapi.Notice{} }
func (f *fakeStream) Err() *streamapi.Error      { return f.err }
func (f *fakeStream) Timings() streamapi.Timings { return f.timings }
func (f *fakeStream) Cancel()                    { f.cancelled = true }
func (f *fakeStream) Close()                     { f.closed++ }

// fakeTransport hands out scripted streams and records the requests.
type fakeTransport struct {
	mu       sync.Mutex
	defaults []byte
	requests []map[string]any
	streams  []*fakeStream
	next     func() *fakeStream
	startErr error
	now      uint64
	closed   bool
}

func (t *fakeTransport) Start(js []byte) (streamapi.Stream, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	var req map[string]any
	if err := json.Unmarshal(js, &req); err != nil {
		return nil, err
	}
	t.requests = append(t.requests, req)
	if t.startErr != nil {
		return nil, t.startErr
	}
	s := t.next()
	t.streams = append(t.streams, s)
	return s, nil
}

// StartNotify is Start for EventSource: the stream is ready at once (as a
// stream attached to libsse's poller, whose token is queued at once).
func (t *fakeTransport) StartNotify(js []byte, ready func()) (streamapi.Stream, error) {
	s, err := t.Start(js)
	if err != nil {
		return nil, err
	}
	ready()
	return s, nil
}

func (t *fakeTransport) NowNS() uint64 { t.now += 1000; return t.now }
func (t *fakeTransport) Close()        { t.closed = true }

// fakeHost is a VU without k6.
type fakeHost struct {
	*eventloop.Loop
	rt        *sobek.Runtime
	ctx       context.Context
	init      bool
	opts      Options
	vuTags    map[string]string
	samples   []Sample
	warnings  []string
	jar       http.CookieJar
	iteration int64
	onEmit    func([]Sample)
}

func (h *fakeHost) Runtime() *sobek.Runtime  { return h.rt }
func (h *fakeHost) Context() context.Context { return h.ctx }
func (h *fakeHost) InInitContext() bool      { return h.init }
func (h *fakeHost) Options() Options         { return h.opts }
func (h *fakeHost) Tags() map[string]string {
	m := map[string]string{}
	for k, v := range h.vuTags {
		m[k] = v
	}
	return m
}
func (h *fakeHost) Emit(s []Sample) {
	h.samples = append(h.samples, s...)
	if h.onEmit != nil {
		h.onEmit(s)
	}
}
func (h *fakeHost) Warnf(f string, args ...any) {
	h.warnings = append(h.warnings, fmt.Sprintf(f, args...))
}
func (h *fakeHost) Iteration() int64 { return h.iteration }
func (h *fakeHost) CookieJar(v sobek.Value) (http.CookieJar, error) {
	if isNullish(v) {
		return h.jar, nil
	}
	if j, ok := v.Export().(http.CookieJar); ok {
		return j, nil
	}
	return nil, fmt.Errorf("not a cookie jar")
}

// env is one VU with the module installed as global `sse`.
type env struct {
	t          testing.TB
	host       *fakeHost
	transport  *fakeTransport
	transports int
	inst       *Instance
}

func newEnv(t testing.TB, next func() *fakeStream) *env {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	h := &fakeHost{
		Loop: eventloop.New(),
		rt:   sobek.New(), ctx: context.Background(), jar: jar,
		vuTags: map[string]string{"vu": "1", "scenario": "default"},
		opts: Options{UserAgent: "k6/test", Throw: true,
			SystemTags: map[string]bool{"url": true, "method": true, "status": true, "name": true, "expected_response": true}},
	}
	e := &env{t: t, host: h}
	root := NewRoot(func(defaults []byte) (streamapi.Transport, error) {
		e.transports++
		e.transport = &fakeTransport{defaults: defaults, next: next, now: 1_000_000}
		return e.transport, nil
	})
	inst, err := root.NewInstance(h)
	if err != nil {
		t.Fatal(err)
	}
	e.inst = inst
	if err := h.rt.Set("sse", inst.Exports()); err != nil {
		t.Fatal(err)
	}
	return e
}

func (e *env) run(script string) (sobek.Value, error) { return e.host.rt.RunString(script) }

func (e *env) mustRun(script string) sobek.Value {
	e.t.Helper()
	v, err := e.run(script)
	if err != nil {
		e.t.Fatalf("script failed: %v", err)
	}
	return v
}

// eventCount is the sum of the sse_event samples' values: one sample per
// batch counts the batch's events.
func (e *env) eventCount() int {
	n := 0
	for _, s := range e.samplesOf(MetricSSEEvent) {
		n += int(s.Value)
	}
	return n
}

func (e *env) samplesOf(metric string) []Sample {
	var out []Sample
	for _, s := range e.host.samples {
		if s.Metric == metric {
			out = append(out, s)
		}
	}
	return out
}

// okStream answers 200 with n events whose ids are 1..n.
func okStream(n int) func() *fakeStream {
	return func() *fakeStream {
		evs := make([]streamapi.Event, n)
		for i := range evs {
			evs[i] = streamapi.Event{ID: fmt.Sprint(i + 1), Data: fmt.Sprintf("%d:data", i+1), Retry: -1,
				TimeNS: 2_000_000 + uint64(i)*500_000}
		}
		return &fakeStream{
			resp: streamapi.Response{Status: 200, EventStream: true,
				Headers: []streamapi.Header{{Name: "content-type", Value: "text/event-stream"}}},
			events: evs, final: streamapi.End,
			timings: streamapi.Timings{Start: 1_000_000, DNSDone: 1_100_000, ConnectDone: 1_300_000,
				RequestSent: 1_400_000, Headers: 1_900_000, FirstByte: 1_900_000, End: 9_000_000,
				BytesRead: 1234, BytesWritten: 99},
		}
	}
}
