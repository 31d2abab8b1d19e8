package jsapi

import (
	"slices"

	"github.com/grafana/sobek"
	"github.com/libsse/libsse/go-shim/streamapi"
)

// The event object that handlers receive, in one of two shapes:
//
//   - sse.open's `client.on('event', fn)`: id, name, data and comment are
//     xk6-sse's fields; receivedAt (ms on the Date.now() clock, sub-ms
//     precision, stamped by libsse when the event's last byte was parsed)
//     and retry (only when the block had a valid retry field) are ours.
//   - EventSource's listeners: a browser MessageEvent's type (the event's
//     name, "message" when it had none), data, lastEventId and origin,
//     then our comment, receivedAt and retry.
//
// Scripts see an ordinary object: those own, enumerable, writable
// properties in that order, so JSON.stringify(e), Object.keys(e), spreads,
// assignments, additions and deletions behave as on a plain object (the
// test TestEventObjectIsAPlainObject pins this against one). Built as a
// plain object it cost five property insertions into a fresh map per event;
// this is a sobek dynamic object over the Go event instead, whose fields
// become JS values only when a script reads them. Unlike a plain object it
// cannot be frozen or given accessor properties.

// eventField is where a key's value comes from.
type eventField uint8

const (
	fieldID         eventField = iota // the last event ID
	fieldName                         // the event type as sent ("" for none)
	fieldType                         // the event type, "message" for none
	fieldData                         // data
	fieldOrigin                       // the stream's origin (scheme://host:port)
	fieldComment                      // the block's comment lines
	fieldReceivedAt                   // receive time, ms on the Date.now() clock
	fieldRetry                        // retry in ms, only when the block had one
)

// maxKeys bounds a shape's keys (the overrides are arrays of this size).
const maxKeys = 7

// eventShape is the keys an event object shows, in order, and where each
// value comes from.
type eventShape struct {
	keys   []string
	fields []eventField
	origin string // fieldOrigin's value
}

// openEventShape is sse.open's event: xk6-sse's fields, then ours.
var openEventShape = &eventShape{
	keys:   []string{"id", "name", "data", "comment", "receivedAt", "retry"},
	fields: []eventField{fieldID, fieldName, fieldData, fieldComment, fieldReceivedAt, fieldRetry},
}

// messageEventShape is an EventSource event for a stream of this origin:
// a MessageEvent's fields, then ours.
func messageEventShape(origin string) *eventShape {
	return &eventShape{
		keys:   []string{"type", "data", "lastEventId", "origin", "comment", "receivedAt", "retry"},
		fields: []eventField{fieldType, fieldData, fieldID, fieldOrigin, fieldComment, fieldReceivedAt, fieldRetry},
		origin: origin,
	}
}

// index is the position of key in the shape, -1 when it has none.
func (s *eventShape) index(key string) int {
	for i, k := range s.keys {
		if k == key {
			return i
		}
	}
	return -1
}

// eventObject is the sobek.DynamicObject behind one event. Its runtime and
// shape are its delivery's (one pointer: a batch's objects are allocated
// together, and a larger object would take the next size class).
type eventObject struct {
	d  *eventDelivery
	ev streamapi.Event
	at float64         // receivedAt
	w  *eventOverrides // what the script wrote; nil until it writes
}

// eventOverrides are a script's changes: values it gave the fields, fields
// it deleted, and properties it added (in insertion order, which is also
// where a deleted field goes when it is set again, as on a plain object).
type eventOverrides struct {
	set     [maxKeys]sobek.Value
	deleted [maxKeys]bool
	keys    []string
	added   map[string]sobek.Value
}

// newEventObjects makes the event objects of one batch with one allocation
// for all of them.
func newEventObjects(d *eventDelivery, events []streamapi.Event) []eventObject {
	objs := make([]eventObject, len(events))
	for i := range events {
		objs[i] = eventObject{d: d, ev: events[i], at: d.clock.ms(events[i].TimeNS)}
	}
	return objs
}

// value is the object handlers receive.
func (o *eventObject) value() *sobek.Object { return o.d.rt.NewDynamicObject(o) }

// has reports whether key k is one of the object's own properties now.
func (o *eventObject) has(k int) bool {
	if o.w != nil && o.w.deleted[k] {
		return false
	}
	return o.d.shape.fields[k] != fieldRetry || o.ev.Retry >= 0
}

func (o *eventObject) field(k int) sobek.Value {
	if o.w != nil && o.w.set[k] != nil {
		return o.w.set[k]
	}
	rt := o.d.rt
	switch o.d.shape.fields[k] {
	case fieldID:
		return rt.ToValue(o.ev.ID)
	case fieldName:
		return rt.ToValue(o.ev.Type)
	case fieldType:
		if o.ev.Type == "" {
			return rt.ToValue("message")
		}
		return rt.ToValue(o.ev.Type)
	case fieldData:
		return rt.ToValue(o.ev.Data)
	case fieldOrigin:
		return rt.ToValue(o.d.shape.origin)
	case fieldComment:
		return rt.ToValue(o.ev.Comment)
	case fieldReceivedAt:
		return rt.ToValue(o.at)
	default:
		return rt.ToValue(o.ev.Retry)
	}
}

// Get implements sobek.DynamicObject.
func (o *eventObject) Get(key string) sobek.Value {
	if o.w != nil {
		if v, ok := o.w.added[key]; ok {
			return v
		}
	}
	if k := o.d.shape.index(key); k >= 0 && o.has(k) {
		return o.field(k)
	}
	return nil
}

// Set implements sobek.DynamicObject.
func (o *eventObject) Set(key string, val sobek.Value) bool {
	if o.w == nil {
		o.w = &eventOverrides{}
	}
	if k := o.d.shape.index(key); k >= 0 && o.has(k) {
		o.w.set[k] = val
		return true
	}
	if o.w.added == nil {
		o.w.added = map[string]sobek.Value{}
	}
	if _, ok := o.w.added[key]; !ok {
		o.w.keys = append(o.w.keys, key)
	}
	o.w.added[key] = val
	return true
}

// Has implements sobek.DynamicObject.
func (o *eventObject) Has(key string) bool {
	if o.w != nil {
		if _, ok := o.w.added[key]; ok {
			return true
		}
	}
	k := o.d.shape.index(key)
	return k >= 0 && o.has(k)
}

// Delete implements sobek.DynamicObject.
func (o *eventObject) Delete(key string) bool {
	if o.w != nil {
		if _, ok := o.w.added[key]; ok {
			delete(o.w.added, key)
			o.w.keys = slices.DeleteFunc(o.w.keys, func(k string) bool { return k == key })
			return true
		}
	}
	if k := o.d.shape.index(key); k >= 0 && o.has(k) {
		if o.w == nil {
			o.w = &eventOverrides{}
		}
		o.w.deleted[k] = true
		o.w.set[k] = nil
	}
	return true
}

// Keys implements sobek.DynamicObject.
func (o *eventObject) Keys() []string {
	keys := make([]string, 0, len(o.d.shape.keys))
	for k, key := range o.d.shape.keys {
		if o.has(k) {
			keys = append(keys, key)
		}
	}
	if o.w != nil {
		keys = append(keys, o.w.keys...)
	}
	return keys
}
