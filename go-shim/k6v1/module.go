// Code generated from go-shim/module.go by go-shim/internal/gluecheck; DO NOT EDIT.
// Edit go-shim/module.go, then run in go-shim: go test ./internal/gluecheck -update

package sse

import (
	"context"
	"errors"
	"net/http"
	"sync"

	"github.com/grafana/sobek"
	"github.com/libsse/libsse/go-shim/jsapi"
	"github.com/libsse/libsse/go-shim/libsse"
	"go.k6.io/k6/js/common"
	"go.k6.io/k6/js/modules"
	k6http "go.k6.io/k6/js/modules/k6/http"
)

// RootModule is shared by all VUs.
type RootModule struct {
	root *jsapi.Root
}

// ModuleInstance is the module of one VU.
type ModuleInstance struct {
	in *jsapi.Instance
}

var (
	_ modules.Module   = &RootModule{}
	_ modules.Instance = &ModuleInstance{}
)

// New returns the root module; each VU gets its own libsse client.
func New() *RootModule {
	return &RootModule{root: jsapi.NewRoot(libsse.NewTransport)}
}

// NewModuleInstance builds the VU's module.
func (r *RootModule) NewModuleInstance(vu modules.VU) modules.Instance {
	m, err := registerMetrics(vu)
	if err != nil {
		common.Throw(vu.Runtime(), err)
	}
	h := &vuHost{vu: vu, metrics: m}
	in, err := r.root.NewInstance(h)
	if err != nil {
		common.Throw(vu.Runtime(), err)
	}
	return &ModuleInstance{in: in}
}

// Exports is the module's default export, {open, EventSource}, and the
// named export EventSource.
func (mi *ModuleInstance) Exports() modules.Exports {
	return modules.Exports{Default: mi.in.Exports(), Named: mi.in.Named()}
}

// vuHost is jsapi.Host on a k6 VU.
type vuHost struct {
	vu      modules.VU
	metrics *sseMetrics

	optsOnce sync.Once
	opts     jsapi.Options

	tags sampleTags // Emit's conversions of jsapi's tag and metadata maps
}

func (h *vuHost) Runtime() *sobek.Runtime  { return h.vu.Runtime() }
func (h *vuHost) Context() context.Context { return h.vu.Context() }
func (h *vuHost) InInitContext() bool      { return h.vu.State() == nil }

// RegisterCallback is the VU's: EventSource queues its streams' work on
// the VU's event loop with it.
func (h *vuHost) RegisterCallback() func(func() error) { return h.vu.RegisterCallback() }

func (h *vuHost) Iteration() int64 {
	if s := h.vu.State(); s != nil {
		return s.Iteration
	}
	return 0
}

func (h *vuHost) Options() jsapi.Options {
	h.optsOnce.Do(func() { h.opts = mapOptions(h.vu.State().Options, h.Warnf) })
	return h.opts
}

func (h *vuHost) Tags() map[string]string {
	return h.vu.State().Tags.GetCurrentValues().Tags.Map()
}

func (h *vuHost) Warnf(format string, args ...any) {
	if s := h.vu.State(); s != nil && s.Logger != nil {
		s.Logger.Warnf(format, args...)
	} else if env := h.vu.InitEnv(); env != nil && env.Logger != nil {
		env.Logger.Warnf(format, args...)
	}
}

func (h *vuHost) CookieJar(v sobek.Value) (http.CookieJar, error) {
	if v == nil || sobek.IsUndefined(v) || sobek.IsNull(v) {
		if jar := h.vu.State().CookieJar; jar != nil {
			return jar, nil
		}
		return nil, nil
	}
	if j, ok := v.Export().(*k6http.CookieJar); ok && j.Jar != nil {
		return j.Jar, nil
	}
	return nil, errors.New("jar must be a k6/http CookieJar (new http.CookieJar() or http.cookieJar())")
}
