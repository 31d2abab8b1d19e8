package jsapi

import (
	"fmt"
	"testing"
	"time"

	"github.com/grafana/sobek"
	"github.com/libsse/libsse/go-shim/streamapi"
)

// The JS layer alone (no libsse, no server): a fake stream hands out
// 100,000 token-sized events in batches of 64, as libsse's reads do, to a
// handler that counts them. Run with -benchmem: allocs/op over 100,000 is
// the allocations per event.
func BenchmarkOpenCountingHandler(b *testing.B) {
	const events = 100000
	benchOpen(b, tokenEvents(events), `var n = 0; sse.open("http://h/", c => c.on('event', e => { n += e.data.length > 0 ? 1 : 0 }))`,
		countIs(b, events))
}

// tokenEvents are n token-sized events with IDs 0, 1, …, 1 µs apart.
func tokenEvents(n int) []streamapi.Event {
	evs := make([]streamapi.Event, n)
	for i := range evs {
		evs[i] = streamapi.Event{ID: fmt.Sprint(i), Data: `{"t":"token 48 bytes of data, more or less.."}`,
			Retry: -1, TimeNS: 2_000_000 + uint64(i)*1000}
	}
	return evs
}

// countIs checks that the script's global n is events after a run.
func countIs(b *testing.B, events int64) func(*env) {
	return func(e *env) {
		if v := e.mustRun("n"); v.ToInteger() != events {
			b.Fatalf("%v events", v)
		}
	}
}

// benchOpen runs script, which opens one stream (sse.open, or an
// EventSource: the run is an iteration on the VU's event loop), b.N times
// on a VU whose every stream answers 200 with evs in batches of 64 (as
// libsse's reads hand them out), and reports events/s and ns per event;
// check, when given, looks at the VU after each run.
func benchOpen(b *testing.B, evs []streamapi.Event, script string, check func(*env)) {
	e := newEnv(b, func() *fakeStream {
		s := okStream(0)()
		s.events, s.batch = evs, eventBatch
		return s
	})
	if err := e.host.rt.Set("EventSource", e.inst.Named()["EventSource"]); err != nil {
		b.Fatal(err)
	}
	prog, err := sobek.Compile("bench", script, false)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		e.host.samples = e.host.samples[:0]
		if err := e.host.Start(func() error { _, err := e.host.rt.RunProgram(prog); return err }); err != nil {
			b.Fatal(err)
		}
		if check != nil {
			check(e)
		}
	}
	n := float64(b.N * len(evs))
	b.ReportMetric(n/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/n, "ns/event")
}

// The event object's options, each handed to the same counting handler
// from inside a JS call (as sse.open does): a plain object built field by
// field (what handlers got before), and the dynamic object over the Go
// event (what they get now).
func BenchmarkEventObject(b *testing.B) {
	clock := wallClock{monoNS: 1, wall: time.Now()}
	ev := streamapi.Event{ID: "12345", Data: "0123456789abcdef", Retry: -1, TimeNS: 5_000}
	batch := make([]streamapi.Event, 64)
	for i := range batch {
		batch[i] = ev
	}
	for _, c := range []struct {
		name string
		make func(rt *sobek.Runtime, i int, objs *[]eventObject) sobek.Value
	}{
		{"plain", func(rt *sobek.Runtime, _ int, _ *[]eventObject) sobek.Value {
			return plainEventObject(rt, clock, &ev)
		}},
		{"dynamic", func(rt *sobek.Runtime, i int, objs *[]eventObject) sobek.Value {
			if i%len(batch) == 0 {
				*objs = newEventObjects(&eventDelivery{rt: rt, clock: clock, shape: openEventShape}, batch)
			}
			return (*objs)[i%len(batch)].value()
		}},
	} {
		b.Run(c.name, func(b *testing.B) {
			rt := sobek.New()
			v, err := rt.RunString(`let n = 0; (e) => { n += e.data.length > 0 ? 1 : 0 }`)
			if err != nil {
				b.Fatal(err)
			}
			handler, _ := sobek.AssertFunction(v)
			var objs []eventObject
			argv := make([]sobek.Value, 1)
			_ = rt.Set("loop", func() {
				for i := 0; i < b.N; i++ {
					argv[0] = c.make(rt, i, &objs)
					if _, err := handler(sobek.Undefined(), argv...); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.ReportAllocs()
			b.ResetTimer()
			if _, err := rt.RunString("loop()"); err != nil {
				b.Fatal(err)
			}
		})
	}
}

// The llm param on the JS layer alone: 100,000 chat chunks (~200 bytes, as
// api.openai.com sends them) in batches of 64, a handler that does nothing,
// with and without the param. The difference per event is what reading the
// chunk and its ITL sample cost the JS layer (k6's ingestion not included).
func BenchmarkOpenLLMParam(b *testing.B) {
	const events = 100000
	evs := make([]streamapi.Event, events)
	for i := range evs {
		evs[i] = streamapi.Event{Data: chatTok, Retry: -1, TimeNS: 2_000_000 + uint64(i)*1000}
	}
	for _, c := range []struct{ name, params string }{{"off", "{}"}, {"llm", `{llm: "openai"}`}} {
		b.Run(c.name, func(b *testing.B) {
			benchOpen(b, evs, `sse.open("http://h/", `+c.params+`, c => {})`, nil)
		})
	}
}
