package jsapi

import "github.com/grafana/sobek"

// The listeners of an EventSource, with the DOM's rules for an
// EventTarget: listeners of a type run in the order they were added; the
// same function added twice for a type is one listener; an `on<type>`
// handler is a listener too, in the place where it was first set, which
// keeps that place when the handler is replaced and leaves the list when
// it is set to null; a dispatch walks the list as it was when the event
// came, skipping listeners removed meanwhile.

// listener is one function listening for a type.
type listener struct {
	fn      sobek.Callable
	val     sobek.Value // the function as given, for identity
	once    bool        // removed before its first run
	handler bool        // the on<type> handler
	removed bool
}

// eventListeners are the listeners by event type: a few types per
// EventSource, so a slice (a map cost more memory per stream, with
// thousands of streams per VU). A type's list is replaced on every change,
// never changed in place, so a dispatch keeps the list it started with.
type eventListeners struct {
	types []typeListeners
}

type typeListeners struct {
	typ  string
	list []*listener
}

// of is the list of typ (nil when none).
func (l *eventListeners) of(typ string) []*listener {
	for i := range l.types {
		if l.types[i].typ == typ {
			return l.types[i].list
		}
	}
	return nil
}

// set replaces the list of typ.
func (l *eventListeners) set(typ string, list []*listener) {
	for i := range l.types {
		if l.types[i].typ == typ {
			l.types[i].list = list
			return
		}
	}
	l.types = append(l.types, typeListeners{typ: typ, list: list})
}

// add appends fn to the listeners of typ, unless it listens already.
func (l *eventListeners) add(typ string, val sobek.Value, fn sobek.Callable, once bool) {
	for _, x := range l.of(typ) {
		if !x.handler && x.val.SameAs(val) {
			return
		}
	}
	l.append(typ, &listener{fn: fn, val: val, once: once})
}

func (l *eventListeners) append(typ string, x *listener) {
	list := l.of(typ)
	l.set(typ, append(list[:len(list):len(list)], x))
}

// remove takes fn out of the listeners of typ (not the on<type> handler).
func (l *eventListeners) remove(typ string, val sobek.Value) {
	for _, x := range l.of(typ) {
		if !x.handler && x.val.SameAs(val) {
			l.drop(typ, x)
			return
		}
	}
}

func (l *eventListeners) drop(typ string, x *listener) {
	x.removed = true
	list := l.of(typ)
	kept := make([]*listener, 0, len(list))
	for _, y := range list {
		if y != x {
			kept = append(kept, y)
		}
	}
	l.set(typ, kept)
}

// handler is the on<type> handler, or null.
func (l *eventListeners) handler(typ string) sobek.Value {
	for _, x := range l.of(typ) {
		if x.handler {
			return x.val
		}
	}
	return sobek.Null()
}

// setHandler sets the on<type> handler; anything but a function removes it.
func (l *eventListeners) setHandler(typ string, val sobek.Value) {
	fn, ok := sobek.AssertFunction(val)
	for _, x := range l.of(typ) {
		if x.handler {
			if ok {
				x.fn, x.val = fn, val
			} else {
				l.drop(typ, x)
			}
			return
		}
	}
	if ok {
		l.append(typ, &listener{fn: fn, val: val, handler: true})
	}
}

// fire runs the listeners of typ with this and argv, in order. A listener
// that throws stops the dispatch and its error is returned.
func (l *eventListeners) fire(typ string, this sobek.Value, argv []sobek.Value) error {
	for _, x := range l.of(typ) {
		if x.removed {
			continue
		}
		if x.once {
			l.drop(typ, x)
		}
		if _, err := x.fn(this, argv...); err != nil {
			return err
		}
	}
	return nil
}
