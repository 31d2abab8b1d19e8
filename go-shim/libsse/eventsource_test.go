package libsse_test

import (
	"context"
	"testing"
	"time"

	"github.com/grafana/sobek"
	"github.com/libsse/libsse/go-shim/jsapi/jsapitest"
)

// iteration runs script as one k6 iteration on h's event loop, bounded by
// a deadline that cancels the VU's context (and so every stream), then
// evaluates result.
func iteration(t *testing.T, h *jsapitest.Host, script, result string) sobek.Value {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	h.Ctx = ctx
	_, err := h.RunIteration(script)
	if err != nil {
		t.Fatalf("script: %v", err)
	}
	if ctx.Err() != nil {
		t.Fatal("the iteration ran into the test's deadline")
	}
	if n := h.Pending(); n != 0 {
		t.Fatalf("%d callbacks still registered after the iteration", n)
	}
	return run(t, h, result)
}

func TestEventSourceSmoke(t *testing.T) {
	h, _ := vu(t)
	v := iteration(t, h, `
		var out = {};
		for (let s = 0; s < 3; s++) {
			const es = new EventSource(BASE + "/events?count=10&ids=1&interval_ms=2");
			out[s] = [];
			es.onopen = () => out[s].push("open:" + es.readyState);
			es.onmessage = (e) => { out[s].push(e.lastEventId); if (e.lastEventId === "5") es.close() };
			es.onerror = (e) => out[s].push("error:" + e.error());
		}`, `JSON.stringify(out)`)
	t.Log(v)
}

func TestEventSourceReconnectSmoke(t *testing.T) {
	h, _ := vu(t)
	v := iteration(t, h, `
		var out = [];
		const es = new EventSource(BASE + "/fault/reset?after=3&ids=1&count=10&retry=10&reset_ms=1");
		es.onopen = () => out.push("open:" + es.readyState);
		es.onmessage = (e) => { out.push(e.lastEventId); if (e.lastEventId === "10") es.close() };
		es.onerror = (e) => out.push("error:" + es.readyState + ":" + e.kind + ":" + e.attempt + ":" + es.lastEventId);
		`, `JSON.stringify(out)`)
	t.Log(v)
	for _, m := range []string{"sse_reconnects", "sse_reconnect_downtime", "http_reqs"} {
		t.Log(m, h.Samples(m))
	}
	v = iteration(t, h, `
		var out2 = [];
		const es2 = new EventSource("http://127.0.0.1:1/x", {reconnect: {maxAttempts: 2, retry: 5}});
		es2.onopen = () => out2.push("open:" + es2.readyState);
		es2.onerror = (e) => out2.push("error:" + es2.readyState + ":" + e.kind + ":" + e.error());
		`, `JSON.stringify(out2)`)
	t.Log(v)
	v = iteration(t, h, `
		var out3 = [];
		for (const u of ["/status/500?body=boom", "/status/204", "/fault/content-type", "/events?count=2"]) {
			for (const r of [true, false]) {
				const es3 = new EventSource(BASE + u, {reconnect: r});
				es3.onopen = () => out3.push(u + r + " open:" + es3.readyState);
				let n = 0;
				es3.onmessage = (e) => { out3.push(u + r + " msg " + e.data); if (++n == 3) es3.close() };
				es3.onerror = (e) => out3.push(u + r + " error:" + es3.readyState + ":" + e.kind + ":" + e.status + ":" + e.error());
			}
		}
		`, `JSON.stringify(out3, null, 1)`)
	t.Log(v)
}

func TestOpenReconnectSmoke(t *testing.T) {
	h, _ := vu(t)
	h.Opts.Throw = false
	v := run(t, h, `
		var out = [];
		const r = sse.open(BASE + "/fault/reset?after=3&ids=1&count=10&retry=10&reset_ms=1", {reconnect: true}, (c) => {
			c.on('open', () => out.push("open"));
			c.on('event', (e) => { out.push(e.id); if (e.id === "10") c.close() });
			c.on('error', (e) => out.push("error:" + e.kind + ":" + e.attempt + ":" + e.delay));
		});
		out.push(r.status)
		const r2 = sse.open("http://127.0.0.1:1/", {reconnect: {maxAttempts: 2, retry: "5ms"}}, (c) => {
			c.on('open', () => out.push("open2"));
			c.on('error', (e) => out.push("error2:" + e.kind + ":" + e.attempt));
		});
		out.push(r2.status, r2.error)
		JSON.stringify(out)`)
	t.Log(v)
}
