// Package jsapitest is a jsapi.Host without k6, for tests that run the JS
// layer in a plain sobek runtime: it records samples and warnings, and has
// a real event loop (package eventloop) that RunIteration runs as k6 runs
// an iteration.
package jsapitest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"sync"

	"github.com/grafana/sobek"
	"github.com/libsse/libsse/go-shim/jsapi"
	"github.com/libsse/libsse/go-shim/jsapi/jsapitest/eventloop"
)

// Host is a fake VU. Its event loop runs callbacks on the goroutine that
// calls RunIteration.
type Host struct {
	*eventloop.Loop
	RT     *sobek.Runtime
	Ctx    context.Context
	Init   bool
	Opts   jsapi.Options
	VUTags map[string]string
	Jar    http.CookieJar
	Iter   int64
	// OnEmit, when set, gets the samples instead of the host keeping them
	// (a long benchmark would otherwise hold every sample in memory).
	OnEmit   func([]jsapi.Sample)
	mu       sync.Mutex
	samples  []jsapi.Sample
	warnings []string
}

// New returns a host with a fresh runtime, a cookie jar, k6's default
// system tags for requests and throw enabled.
func New() *Host {
	jar, _ := cookiejar.New(nil)
	return &Host{
		Loop: eventloop.New(),
		RT:   sobek.New(), Ctx: context.Background(), Jar: jar,
		VUTags: map[string]string{"vu": "1", "scenario": "default"},
		Opts: jsapi.Options{UserAgent: "k6-test/1.0", Throw: true, SystemTags: map[string]bool{
			"url": true, "method": true, "status": true, "name": true, "expected_response": true,
		}},
	}
}

func (h *Host) Runtime() *sobek.Runtime  { return h.RT }
func (h *Host) Context() context.Context { return h.Ctx }
func (h *Host) InInitContext() bool      { return h.Init }
func (h *Host) Options() jsapi.Options   { return h.Opts }
func (h *Host) Iteration() int64         { return h.Iter }

func (h *Host) Tags() map[string]string {
	m := make(map[string]string, len(h.VUTags))
	for k, v := range h.VUTags {
		m[k] = v
	}
	return m
}

func (h *Host) Emit(s []jsapi.Sample) {
	if h.OnEmit != nil {
		h.OnEmit(s)
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.samples = append(h.samples, s...)
}

func (h *Host) Warnf(format string, args ...any) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.warnings = append(h.warnings, fmt.Sprintf(format, args...))
}

func (h *Host) CookieJar(v sobek.Value) (http.CookieJar, error) {
	if v == nil || sobek.IsUndefined(v) || sobek.IsNull(v) {
		return h.Jar, nil
	}
	if j, ok := v.Export().(http.CookieJar); ok {
		return j, nil
	}
	return nil, errors.New("not a cookie jar")
}

// Samples returns the samples of one metric, in emission order.
func (h *Host) Samples(metric string) []jsapi.Sample {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []jsapi.Sample
	for _, s := range h.samples {
		if s.Metric == metric {
			out = append(out, s)
		}
	}
	return out
}

// Take returns every sample emitted so far, in emission order, and forgets
// them: a test (or a load loop) takes each request's samples after it.
func (h *Host) Take() []jsapi.Sample {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := h.samples
	h.samples = nil
	return out
}

// Sum is the sum of one metric's sample values: for sse_event, which has
// one sample per drained batch, the number of events.
func (h *Host) Sum(metric string) float64 {
	sum := 0.0
	for _, s := range h.Samples(metric) {
		sum += s.Value
	}
	return sum
}

// Warnings returns the logged warnings.
func (h *Host) Warnings() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.warnings...)
}

// RunIteration runs script as k6 runs an iteration: on the event loop,
// which returns once every registered callback ran (every EventSource the
// script opened is closed) or a callback failed; then the iteration's
// context is cancelled and what is still registered runs to its end. The
// iteration's context is a child of Ctx: give Ctx a deadline to bound a
// test.
func (h *Host) RunIteration(script string) (sobek.Value, error) {
	return h.Iterate(func() (sobek.Value, error) { return h.RT.RunString(script) })
}

// Iterate is RunIteration for an iteration given as a Go function (a
// script's default function, called through sobek).
func (h *Host) Iterate(iteration func() (sobek.Value, error)) (sobek.Value, error) {
	parent := h.Ctx
	ctx, cancel := context.WithCancel(parent)
	h.Ctx = ctx
	defer func() { h.Ctx = parent }()
	var v sobek.Value
	err := h.Start(func() error {
		var err error
		v, err = iteration()
		return err
	})
	cancel()
	h.WaitOnRegistered()
	return v, err
}

// Install builds a module instance on h and sets its exports as globals:
// the default export as `sse`, and each named export (EventSource) by its
// name.
func Install(h *Host, root *jsapi.Root) (*jsapi.Instance, error) {
	in, err := root.NewInstance(h)
	if err != nil {
		return nil, err
	}
	if err := h.RT.Set("sse", in.Exports()); err != nil {
		return nil, err
	}
	for name, v := range in.Named() {
		if err := h.RT.Set(name, v); err != nil {
			return nil, err
		}
	}
	return in, nil
}
