package jsapi

import (
	"testing"
	"time"

	"github.com/grafana/sobek"
	"github.com/libsse/libsse/go-shim/streamapi"
)

// plainEventObject builds the event as a plain JS object, field by field:
// what handlers received before the event object became a dynamic object,
// and the reference it must stay indistinguishable from.
func plainEventObject(rt *sobek.Runtime, clock wallClock, e *streamapi.Event) *sobek.Object {
	o := rt.NewObject()
	_ = o.Set("id", e.ID)
	_ = o.Set("name", e.Type)
	_ = o.Set("data", e.Data)
	_ = o.Set("comment", e.Comment)
	_ = o.Set("receivedAt", clock.ms(e.TimeNS))
	if e.Retry >= 0 {
		_ = o.Set("retry", e.Retry)
	}
	return o
}

// What a script can observe of an event object, read-only and after
// writes, is the same for the dynamic object as for a plain object.
func TestEventObjectIsAPlainObject(t *testing.T) {
	clock := wallClock{monoNS: 1_000_000, wall: time.Unix(1_700_000_000, 0)}
	events := []streamapi.Event{
		{Type: "token", Data: `{"t":"hé"}`, ID: "7", Comment: "c1\nc2", Retry: 1500, TimeNS: 5_000_123},
		{Type: "", Data: "x", ID: "", Retry: -1, TimeNS: 6_000_000},
		{Type: "", Data: "", ID: "", Retry: 0, TimeNS: 1_000_000},
	}
	// Function bodies, each run on fresh objects; the results are compared
	// as strings.
	cases := []string{
		`return JSON.stringify(e)`,
		`return JSON.stringify(Object.keys(e))`,
		`return JSON.stringify(Object.entries(e))`,
		`return JSON.stringify(Object.getOwnPropertyNames(e))`,
		`return JSON.stringify({...e})`,
		`return JSON.stringify(Object.assign({}, e))`,
		`return (() => { const k = []; for (const x in e) k.push(x); return JSON.stringify(k) })()`,
		`return JSON.stringify(["data" in e, "retry" in e, e.hasOwnProperty("retry"), e.retry === undefined, "nope" in e])`,
		`return JSON.stringify([typeof e, typeof e.receivedAt, typeof e.data, typeof e.retry, e.receivedAt])`,
		`return JSON.stringify(Object.getOwnPropertyDescriptor(e, "data"))`,
		`return String(e) + (e instanceof Object) + (Object.getPrototypeOf(e) === Object.prototype) + e.toString()`,
		`return e.data === e.data && e.id === e.id`,
		`e.data = JSON.parse('{"a":1}'); e.extra = [1]; return JSON.stringify([e, Object.keys(e), e.data.a])`,
		`delete e.comment; return JSON.stringify([e, Object.keys(e), e.comment, "comment" in e])`,
		`delete e.comment; e.comment = "back"; return JSON.stringify([e, Object.keys(e)])`,
		`e.retry = 5; e.z = 1; e.a = 2; delete e.z; e.z = 3; return JSON.stringify([e, Object.keys(e)])`,
		`delete e.retry; delete e.nothing; return JSON.stringify([e, Object.keys(e), e.retry])`,
		`e.name = undefined; return JSON.stringify([e, Object.keys(e), e.name === undefined, "name" in e])`,
		`Object.defineProperty(e, "id", {value: "9"}); return JSON.stringify(e)`,
		`const c = Object.create(e); return JSON.stringify([c.data, c.id, Object.keys(c)])`,
	}
	rt := sobek.New()
	for i := range events {
		for _, code := range cases {
			fn, err := rt.RunString(`(e) => { ` + code + ` }`)
			if err != nil {
				t.Fatalf("%s: %v", code, err)
			}
			call, _ := sobek.AssertFunction(fn)
			objs := newEventObjects(&eventDelivery{rt: rt, clock: clock, shape: openEventShape}, events[i:i+1])
			got, err := call(sobek.Undefined(), objs[0].value())
			if err != nil {
				t.Fatalf("event %d, %s: %v", i, code, err)
			}
			want, err := call(sobek.Undefined(), plainEventObject(rt, clock, &events[i]))
			if err != nil {
				t.Fatalf("event %d, %s (plain): %v", i, code, err)
			}
			if got.String() != want.String() {
				t.Fatalf("event %d, %s:\n got %s\nwant %s", i, code, got, want)
			}
		}
	}
}
