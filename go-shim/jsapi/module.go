package jsapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/grafana/sobek"
	"github.com/libsse/libsse/go-shim/streamapi"
)

// TransportFactory creates one libsse client from client options JSON.
type TransportFactory func(defaultsJSON []byte) (streamapi.Transport, error)

// Root is shared by every VU of a test run.
type Root struct {
	newTransport TransportFactory
	warned       sync.Map // warning key -> struct{}: each warning is logged once per run
}

// NewRoot returns the shared part of the module.
func NewRoot(newTransport TransportFactory) *Root {
	return &Root{newTransport: newTransport}
}

// warnOnce logs a warning the first time key is seen in this run.
func (r *Root) warnOnce(h Host, key, format string, args ...any) {
	if _, seen := r.warned.LoadOrStore(key, struct{}{}); !seen {
		h.Warnf(format, args...)
	}
}

// Instance is the module of one VU: its exports and its libsse client.
type Instance struct {
	root      *Root
	host      Host
	exports   *sobek.Object
	transport streamapi.Transport
	clock     wallClock
	iteration int64 // iteration the transport belongs to (noVUConnectionReuse)
	mu        sync.Mutex

	// EventSource: the class of this VU's runtime, the event shapes of the
	// origins its streams went to, and the read buffer their drains share.
	eventSource *sobek.Object
	esProto     *sobek.Object
	shapes      map[string]*eventShape
	esBuf       []streamapi.Event
	// inRuntime's JS function, its Go argument, and what it runs.
	enter    sobek.Callable
	enterArg sobek.Value
	entered  struct {
		f   func() error
		err error
	}
}

// NewInstance builds the module object for one VU.
func (r *Root) NewInstance(h Host) (*Instance, error) {
	in := &Instance{root: r, host: h, iteration: -1}
	obj := h.Runtime().NewObject()
	if err := obj.Set("open", in.jsOpen); err != nil {
		return nil, err
	}
	es, err := in.newEventSourceClass()
	if err != nil {
		return nil, err
	}
	if err := obj.Set("EventSource", es); err != nil {
		return nil, err
	}
	in.exports, in.eventSource = obj, es
	return in, nil
}

// Exports is the default export of k6/x/sse: {open, EventSource}.
func (in *Instance) Exports() *sobek.Object { return in.exports }

// Named are the named exports of k6/x/sse: EventSource (import {
// EventSource } from "k6/x/sse").
func (in *Instance) Named() map[string]any {
	return map[string]any{"EventSource": in.eventSource}
}

// Close frees the VU's libsse client.
func (in *Instance) Close() {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.transport != nil {
		in.transport.Close()
		in.transport = nil
	}
}

// transportFor returns the VU's client, creating it on first use (and once
// per iteration under noVUConnectionReuse, so no connection outlives it).
func (in *Instance) transportFor(o Options) (streamapi.Transport, error) {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.transport != nil && o.NoVUConnectionReuse && in.host.Iteration() != in.iteration {
		in.transport.Close()
		in.transport = nil
	}
	if in.transport != nil {
		return in.transport, nil
	}
	defaults, err := json.Marshal(clientDefaults(o))
	if err != nil {
		return nil, err
	}
	t, err := in.root.newTransport(defaults)
	if err != nil {
		return nil, fmt.Errorf("sse: creating the libsse client: %w", err)
	}
	in.transport = t
	in.iteration = in.host.Iteration()
	in.clock = newWallClock(t.NowNS)
	return t, nil
}

// ErrInitContext is thrown when sse.open is called from init code.
var ErrInitContext = errors.New("using sse in the init context is not supported")

func (in *Instance) jsOpen(call sobek.FunctionCall) sobek.Value {
	rt := in.host.Runtime()
	if in.host.InInitContext() {
		panic(rt.NewGoError(ErrInitContext))
	}
	args, err := parseOpenArgs(rt, call.Arguments, in.unknownParam("sse.open()"))
	if err != nil {
		panic(rt.NewGoError(err))
	}
	return in.open(args)
}

// unknownParam warns, once per run and API, that a param is ignored.
func (in *Instance) unknownParam(api string) func(key string) {
	return func(key string) {
		in.root.warnOnce(in.host, api+" param:"+key,
			"%s: unknown param %q is ignored (known: %s)", api, key, paramList())
	}
}

// paramList names every param parseParams reads: knownParams, then the
// libsse options of extraParams.
func paramList() string {
	return strings.Join(append(slices.Clone(knownParams), sortedKeys(extraParams)...), ", ")
}
