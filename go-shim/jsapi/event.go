package jsapi

import (
	"slices"

	"github.com/grafana/sobek"
	"github.com/libsse/libsse/go-shim/streamapi"
)

// The event object that `client.on('event', fn)` handlers receive: id,
// name, data and comment are xk6-sse's fields; receivedAt (ms on the
// Date.now() clock, sub-ms precision, stamped by libsse when the event's
// last byte was parsed) and retry (only when the block had a valid retry
// field) are ours.
//
// Scripts see an ordinary object: those own, enumerable, writable
// properties in that order, so JSON.stringify(e), Object.keys(e), spreads,
// assignments, additions and deletions behave as on a plain object (the
// test TestEventObjectIsAPlainObject pins this against one). Built as a
// plain object it cost five property insertions into a fresh map per event;
// this is a sobek dynamic object over the Go event instead, whose fields
// become JS values only when a script reads them. Unlike a plain object it
// cannot be frozen or given accessor properties.

// eventKeys are the fields in the order scripts see them; retry is last and
// present only when the event had one.
var eventKeys = [...]string{"id", "name", "data", "comment", "receivedAt", "retry"}

const (
	keyID = iota
	keyName
	keyData
	keyComment
	keyReceivedAt
	keyRetry
	nKeys
)

func keyIndex(key string) int {
	switch key {
	case "id":
		return keyID
	case "name":
		return keyName
	case "data":
		return keyData
	case "comment":
		return keyComment
	case "receivedAt":
		return keyReceivedAt
	case "retry":
		return keyRetry
	}
	return -1
}

// eventObject is the sobek.DynamicObject behind one event.
type eventObject struct {
	rt *sobek.Runtime
	ev streamapi.Event
	at float64         // receivedAt
	w  *eventOverrides // what the script wrote; nil until it writes
}

// eventOverrides are a script's changes: values it gave the fields, fields
// it deleted, and properties it added (in insertion order, which is also
// where a deleted field goes when it is set again, as on a plain object).
type eventOverrides struct {
	set     [nKeys]sobek.Value
	deleted [nKeys]bool
	keys    []string
	added   map[string]sobek.Value
}

// newEventObjects makes the event objects of one batch with one allocation
// for all of them.
func newEventObjects(rt *sobek.Runtime, clock wallClock, events []streamapi.Event) []eventObject {
	objs := make([]eventObject, len(events))
	for i := range events {
		objs[i] = eventObject{rt: rt, ev: events[i], at: clock.ms(events[i].TimeNS)}
	}
	return objs
}

// value is the object handlers receive.
func (o *eventObject) value() *sobek.Object { return o.rt.NewDynamicObject(o) }

// has reports whether field k is one of the object's own properties now.
func (o *eventObject) has(k int) bool {
	if o.w != nil && o.w.deleted[k] {
		return false
	}
	return k != keyRetry || o.ev.Retry >= 0
}

func (o *eventObject) field(k int) sobek.Value {
	if o.w != nil && o.w.set[k] != nil {
		return o.w.set[k]
	}
	switch k {
	case keyID:
		return o.rt.ToValue(o.ev.ID)
	case keyName:
		return o.rt.ToValue(o.ev.Type)
	case keyData:
		return o.rt.ToValue(o.ev.Data)
	case keyComment:
		return o.rt.ToValue(o.ev.Comment)
	case keyReceivedAt:
		return o.rt.ToValue(o.at)
	default:
		return o.rt.ToValue(o.ev.Retry)
	}
}

// Get implements sobek.DynamicObject.
func (o *eventObject) Get(key string) sobek.Value {
	if o.w != nil {
		if v, ok := o.w.added[key]; ok {
			return v
		}
	}
	if k := keyIndex(key); k >= 0 && o.has(k) {
		return o.field(k)
	}
	return nil
}

// Set implements sobek.DynamicObject.
func (o *eventObject) Set(key string, val sobek.Value) bool {
	if o.w == nil {
		o.w = &eventOverrides{}
	}
	if k := keyIndex(key); k >= 0 && o.has(k) {
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
	k := keyIndex(key)
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
	if k := keyIndex(key); k >= 0 && o.has(k) {
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
	keys := make([]string, 0, nKeys)
	for k := range eventKeys {
		if o.has(k) {
			keys = append(keys, eventKeys[k])
		}
	}
	if o.w != nil {
		keys = append(keys, o.w.keys...)
	}
	return keys
}
