package jsapi

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"sync"

	"github.com/grafana/sobek"
)

// EventSource, as a browser has it (WHATWG HTML, "Server-sent events"):
// `new EventSource(url, params)` starts a stream and returns at once; its
// open, events and errors reach the script's listeners through the VU's
// event loop, in order per stream, and many streams run on one VU. This
// file is the JS object; eventsource_stream.go moves the stream.

// readyState values.
const (
	stateConnecting = 0
	stateOpen       = 1
	stateClosed     = 2
)

// eventSource is one EventSource. Everything but wake runs on the VU's
// goroutine.
type eventSource struct {
	*request
	obj         *sobek.Object // what the script holds: a dynamic object over this
	state       int           // readyState
	opened      bool          // libsse's open completed (the response is in)
	lastEventID string
	listeners   eventListeners
	added       []property      // properties the script added to the object, in order
	listenerErr error           // a listener threw during a batch
	ctx         context.Context // the VU's context when the stream started
	stopWatch   func() bool     // stops cancelling the stream when ctx ends

	// The stream's one registered callback on the VU's event loop: held
	// (enqueue set) while the stream waits for its next wake-up, spent
	// while a drain is queued, released when the EventSource finished
	// (finish), so the iteration lasts as long as the stream.
	mu      sync.Mutex
	enqueue func(func() error)
	drainFn func() error // es.drain, made once
}

// ErrEventSourceInit is thrown when an EventSource is made in init code.
var ErrEventSourceInit = errors.New("new EventSource() in the init context is not supported: " +
	"open streams in the default function (or setup/teardown)")

// newEventSourceClass makes the EventSource constructor of one VU's
// runtime, with its prototype: the methods and constants live there, as
// the WebIDL interface has them.
func (in *Instance) newEventSourceClass() (*sobek.Object, error) {
	rt := in.host.Runtime()
	proto := rt.NewObject()
	ctor, ok := rt.ToValue(in.constructEventSource).(*sobek.Object)
	if !ok {
		return nil, errors.New("sse: EventSource constructor is not an object")
	}
	methods := map[string]func(sobek.FunctionCall) sobek.Value{
		"addEventListener":    in.esAddEventListener,
		"removeEventListener": in.esRemoveEventListener,
		"close":               in.esClose,
	}
	for _, name := range sortedKeys(methods) {
		if err := proto.DefineDataProperty(name, rt.ToValue(methods[name]), sobek.FLAG_TRUE, sobek.FLAG_TRUE, sobek.FLAG_TRUE); err != nil {
			return nil, err
		}
	}
	closing := rt.ToValue(func() sobek.Value {
		panic(rt.NewTypeError("EventSource has no CLOSING state (WebSocket has one): its readyState is CONNECTING (0), OPEN (1) or CLOSED (2)"))
	})
	for _, o := range []*sobek.Object{ctor, proto} {
		for name, v := range map[string]int{"CONNECTING": stateConnecting, "OPEN": stateOpen, "CLOSED": stateClosed} {
			if err := o.DefineDataProperty(name, rt.ToValue(v), sobek.FLAG_FALSE, sobek.FLAG_FALSE, sobek.FLAG_TRUE); err != nil {
				return nil, err
			}
		}
		if err := o.DefineAccessorProperty("CLOSING", closing, nil, sobek.FLAG_FALSE, sobek.FLAG_FALSE); err != nil {
			return nil, err
		}
	}
	if err := proto.DefineDataProperty("constructor", ctor, sobek.FLAG_TRUE, sobek.FLAG_FALSE, sobek.FLAG_TRUE); err != nil {
		return nil, err
	}
	if err := proto.SetSymbol(sobek.SymToStringTag, "EventSource"); err != nil {
		return nil, err
	}
	if err := ctor.DefineDataProperty("prototype", proto, sobek.FLAG_FALSE, sobek.FLAG_FALSE, sobek.FLAG_FALSE); err != nil {
		return nil, err
	}
	in.esProto = proto
	return ctor, nil
}

// constructEventSource is `new EventSource(url, params)`.
func (in *Instance) constructEventSource(call sobek.ConstructorCall) *sobek.Object {
	rt := in.host.Runtime()
	if in.host.InInitContext() {
		panic(rt.NewGoError(ErrEventSourceInit))
	}
	a, err := parseEventSourceArgs(rt, call.Arguments, in.unknownParam("new EventSource()"))
	if err != nil {
		panic(rt.NewGoError(err))
	}
	r, err := in.newRequest(a, in.messageShape(a.url))
	if err != nil {
		panic(rt.NewGoError(err))
	}
	es := &eventSource{request: r}
	es.drainFn = es.drain
	es.obj = rt.NewDynamicObject(es)
	if err := es.obj.SetPrototype(in.esProto); err != nil {
		panic(rt.NewGoError(err))
	}
	// Registered before the start: the first wake-up may come at once.
	es.arm()
	stream, err := es.start(es.wake)
	if err != nil {
		es.release()
		panic(rt.NewGoError(scriptError{err}))
	}
	es.stream = stream
	es.ctx = in.host.Context()
	es.stopWatch = watchContext(es.ctx, stream)
	return es.obj
}

// parseEventSourceArgs reads (url, params): sse.open's params; reconnect
// defaults to on, as in browsers.
func parseEventSourceArgs(rt *sobek.Runtime, args []sobek.Value, warnUnknown func(string)) (*openArgs, error) {
	if len(args) == 0 || isNullish(args[0]) {
		return nil, errors.New("new EventSource() needs a URL")
	}
	if len(args) > 2 {
		return nil, errors.New("new EventSource() takes (url, params)")
	}
	a := &openArgs{api: "new EventSource()", url: args[0].String(), jar: sobek.Undefined(), extra: map[string]any{}}
	if len(args) == 2 && !isNullish(args[1]) {
		if err := a.parseParams(rt, args[1].ToObject(rt), warnUnknown); err != nil {
			return nil, err
		}
	}
	if _, set := a.extra["reconnect"]; !set {
		// As a browser, except with the llm param: an LLM response ends,
		// and reconnecting would send the prompt again.
		a.extra["reconnect"] = a.llm == nil
	}
	return a, nil
}

// messageShape is the event shape of a stream to rawURL: its origin's,
// shared by the VU's streams to that origin.
func (in *Instance) messageShape(rawURL string) *eventShape {
	origin := ""
	if u, err := url.Parse(rawURL); err == nil && u.Host != "" {
		origin = u.Scheme + "://" + u.Host
	}
	if in.shapes == nil {
		in.shapes = map[string]*eventShape{}
	}
	s, ok := in.shapes[origin]
	if !ok {
		s = messageEventShape(origin)
		in.shapes[origin] = s
	}
	return s
}

// thisEventSource is the EventSource a prototype method was called on.
func (in *Instance) thisEventSource(call sobek.FunctionCall, method string) *eventSource {
	if es, ok := call.This.Export().(*eventSource); ok {
		return es
	}
	panic(in.host.Runtime().NewTypeError("EventSource.prototype.%s called on something that is not an EventSource", method))
}

// addEventListener(type, listener, options): options may be {once: true}
// (or a boolean, the DOM's capture flag, which has no meaning here).
func (in *Instance) esAddEventListener(call sobek.FunctionCall) sobek.Value {
	es := in.thisEventSource(call, "addEventListener")
	rt := es.rt
	typ := call.Argument(0).String()
	val := call.Argument(1)
	if isNullish(val) {
		return sobek.Undefined()
	}
	fn, ok := sobek.AssertFunction(val)
	if !ok {
		panic(rt.NewTypeError("EventSource.addEventListener(%q, listener): the listener must be a function", typ))
	}
	if es.state == stateClosed {
		panic(rt.NewGoError(fmt.Errorf("EventSource.addEventListener(%q) after close(): the stream is closed and the listener would never run", typ)))
	}
	once := false
	if opts, ok := call.Argument(2).(*sobek.Object); ok {
		once = opts.Get("once") != nil && opts.Get("once").ToBoolean()
	}
	es.listeners.add(typ, val, fn, once)
	return sobek.Undefined()
}

func (in *Instance) esRemoveEventListener(call sobek.FunctionCall) sobek.Value {
	es := in.thisEventSource(call, "removeEventListener")
	es.listeners.remove(call.Argument(0).String(), call.Argument(1))
	return sobek.Undefined()
}

// close(): readyState CLOSED at once, no more events; the stream is
// cancelled and its request's samples pushed. Closing again does nothing.
func (in *Instance) esClose(call sobek.FunctionCall) sobek.Value {
	in.thisEventSource(call, "close").close()
	return sobek.Undefined()
}

// The object's own properties: the WebIDL attributes (read-only but the
// handlers), then what the script added.
var esOwnKeys = []string{"url", "readyState", "lastEventId", "withCredentials", "onopen", "onmessage", "onerror"}

// handlerType is the event type of an on<type> property, "" for others.
func handlerType(key string) string {
	switch key {
	case "onopen":
		return "open"
	case "onmessage":
		return "message"
	case "onerror":
		return "error"
	}
	return ""
}

// Get implements sobek.DynamicObject.
func (es *eventSource) Get(key string) sobek.Value {
	switch key {
	case "url":
		return es.rt.ToValue(es.args.url)
	case "readyState":
		return es.rt.ToValue(es.state)
	case "lastEventId":
		return es.rt.ToValue(es.lastEventID)
	case "withCredentials":
		return es.rt.ToValue(false)
	}
	if typ := handlerType(key); typ != "" {
		return es.listeners.handler(typ)
	}
	if i := es.addedIndex(key); i >= 0 {
		return es.added[i].val
	}
	return nil // not an own property: the prototype is asked
}

// property is one property a script added to an EventSource: few per
// object, so a slice.
type property struct {
	key string
	val sobek.Value
}

func (es *eventSource) addedIndex(key string) int {
	for i := range es.added {
		if es.added[i].key == key {
			return i
		}
	}
	return -1
}

// Set implements sobek.DynamicObject: the attributes are read-only, with
// an error that says what to do instead.
func (es *eventSource) Set(key string, val sobek.Value) bool {
	switch key {
	case "readyState":
		panic(es.rt.NewTypeError("EventSource.readyState is read-only: it follows the stream (CONNECTING, OPEN, CLOSED); call close() to close it"))
	case "url", "lastEventId", "withCredentials":
		panic(es.rt.NewTypeError("EventSource.%s is read-only", key))
	}
	if typ := handlerType(key); typ != "" {
		if _, fn := sobek.AssertFunction(val); fn && es.state == stateClosed {
			panic(es.rt.NewGoError(fmt.Errorf("EventSource.%s set after close(): the stream is closed and the handler would never run", key)))
		}
		es.listeners.setHandler(typ, val)
		return true
	}
	if i := es.addedIndex(key); i >= 0 {
		es.added[i].val = val
	} else {
		es.added = append(es.added, property{key, val})
	}
	return true
}

// Has implements sobek.DynamicObject.
func (es *eventSource) Has(key string) bool {
	for _, k := range esOwnKeys {
		if k == key {
			return true
		}
	}
	return es.addedIndex(key) >= 0
}

// Delete implements sobek.DynamicObject: the script's own additions only.
func (es *eventSource) Delete(key string) bool {
	if i := es.addedIndex(key); i >= 0 {
		es.added = append(es.added[:i:i], es.added[i+1:]...)
		return true
	}
	return !es.Has(key)
}

// Keys implements sobek.DynamicObject.
func (es *eventSource) Keys() []string {
	keys := append(make([]string, 0, len(esOwnKeys)+len(es.added)), esOwnKeys...)
	for _, p := range es.added {
		keys = append(keys, p.key)
	}
	return keys
}

// openEvent and errorEvent are the events of the open and error listeners:
// {type} and, for errors, the error object of sse.open's error handlers
// (error(), message, kind, status) with its type.
func (es *eventSource) openEvent() sobek.Value {
	o := es.rt.NewObject()
	_ = o.Set("type", "open")
	return o
}

func (es *eventSource) errorEvent(o *sobek.Object) sobek.Value {
	_ = o.Set("type", "error")
	return o
}
