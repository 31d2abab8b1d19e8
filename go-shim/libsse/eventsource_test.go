package libsse_test

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/grafana/sobek"
	"github.com/libsse/libsse/go-shim/jsapi"
	"github.com/libsse/libsse/go-shim/jsapi/jsapitest"
)

// EventSource against the bundled server, run as k6 runs an iteration:
// on the fake VU's event loop, which ends once every stream is closed.

// iteration runs script as one k6 iteration on h's event loop, bounded by
// a deadline that cancels the VU's context (and so every stream), checks
// that it ended by itself with nothing left registered, then evaluates
// result.
func iteration(t *testing.T, h *jsapitest.Host, script, result string) sobek.Value {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	h.Ctx = ctx
	_, err := h.RunIteration(script)
	h.Ctx = context.Background()
	if err != nil {
		t.Fatalf("script: %v", err)
	}
	if ctx.Err() != nil {
		t.Fatal("the iteration ran into the test's deadline: a stream was never closed")
	}
	if n := h.Pending(); n != 0 {
		t.Fatalf("%d callbacks still registered after the iteration", n)
	}
	return run(t, h, result)
}

// Each stream's events arrive in order and once, while 20 streams on one
// VU interleave; a listener closes each stream at its last event.
func TestEventSourceManyStreamsInOrder(t *testing.T) {
	h, _ := vu(t)
	v := iteration(t, h, `
		var got = [], bad = [], log = [];
		for (let s = 0; s < 20; s++) {
			got.push(0);
			const es = new EventSource(BASE + "/events?count=50&ids=1&interval_ms=5&size=24");
			es.addEventListener("message", (e) => {
				const id = parseInt(e.lastEventId);
				if (id !== got[s] + 1 || es.lastEventId !== e.lastEventId || !e.data.startsWith(id + ":")) bad.push(s + ":" + id);
				got[s] = id;
				log.push(s);
				if (id === 50) es.close();
			});
			es.onerror = (e) => bad.push("error " + s + ": " + e.error());
		}`, `
		// Interleaved: some stream's events are split by another's (how
		// finely depends on the machine: each read takes what is queued).
		const last = {};
		let interleaved = false;
		log.forEach((s, i) => { if (last[s] !== undefined && last[s] !== i - 1) interleaved = true; last[s] = i; });
		JSON.stringify({all50: got.every(n => n === 50), bad, interleaved})`)
	if v.String() != `{"all50":true,"bad":[],"interleaved":true}` {
		t.Fatal(v)
	}
	if n := h.Sum(jsapi.MetricSSEEvent); n != 1000 {
		t.Fatalf("sse_event counts %v events", n)
	}
	reqs := h.Samples(jsapi.MetricHTTPReqs)
	if len(reqs) != 20 || reqs[0].Tags["status"] != "200" || reqs[0].Tags["expected_response"] != "true" {
		t.Fatalf("http_reqs %+v", reqs)
	}
	if n := len(h.Samples(jsapi.MetricTimeToFirstEvent)); n != 20 {
		t.Fatalf("%d sse_time_to_first_event samples", n)
	}
}

// close() from a listener: readyState CLOSED at once, none of the events
// already read after it reaches a listener, and adding a listener or a
// handler afterwards is an error. An EventSource closed from another's
// listener before it opened never fires.
func TestEventSourceCloseFromListener(t *testing.T) {
	h, _ := vu(t)
	if err := h.RT.Set("SILENT", silentServer(t)); err != nil {
		t.Fatal(err)
	}
	v := iteration(t, h, `
		var ids = [], states = [], errs = [], other = [];
		const es = new EventSource(BASE + "/events?count=200&ids=1&batch=1");
		const es2 = new EventSource(SILENT);
		es2.onopen = es2.onmessage = es2.onerror = (e) => other.push(e.type);
		es.onopen = () => es2.close();
		es.onmessage = (e) => {
			ids.push(e.lastEventId);
			if (e.lastEventId !== "3") return;
			es.close();
			states.push(es.readyState, es2.readyState);
			try { es.addEventListener("message", () => {}) } catch (x) { errs.push(String(x)) }
			try { es.onerror = () => {} } catch (x) { errs.push(String(x)) }
			es.onmessage = null;
			es.close();
		};`, `JSON.stringify({ids, states, other, errs: errs.map(e => e.includes("after close()"))})`)
	if v.String() != `{"ids":["1","2","3"],"states":[2,2],"other":[],"errs":[true,true]}` {
		t.Fatal(v)
	}
	if n := len(h.Samples(jsapi.MetricHTTPReqs)); n != 2 {
		t.Fatalf("http_reqs %d", n)
	}
	// es2 had no response when it was closed: status 0, counted as failed
	// as k6 counts a request that got no answer; es was not.
	failed := map[string]float64{}
	for _, s := range h.Samples(jsapi.MetricHTTPReqFailed) {
		failed[s.Tags["status"]] = s.Value
	}
	if len(failed) != 2 || failed["0"] != 1 || failed["200"] != 0 {
		t.Fatalf("http_req_failed by status %v", failed)
	}
}

// When the VU's context ends (the end of the test), endless streams are
// closed and the iteration ends; no listener runs after that.
func TestEventSourceEndsWithTheVU(t *testing.T) {
	h, _ := vu(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	h.Ctx = ctx
	if err := h.RT.Set("stopped", func() bool { return ctx.Err() != nil }); err != nil {
		t.Fatal(err)
	}
	time.AfterFunc(300*time.Millisecond, cancel)
	began := time.Now()
	_, err := h.RunIteration(`
		var n = 0, late = 0;
		for (let s = 0; s < 5; s++) {
			const es = new EventSource(BASE + "/events?count=0&interval_ms=5");
			es.onmessage = () => { n++; if (stopped()) late++ };
		}`)
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(began); d > 10*time.Second {
		t.Fatalf("the iteration took %v after the VU's context ended", d)
	}
	if n := h.Pending(); n != 0 {
		t.Fatalf("%d callbacks still registered", n)
	}
	if v := run(t, h, `JSON.stringify([n > 0, late])`); v.String() != `[true,0]` {
		t.Fatal(v)
	}
	if n := len(h.Samples(jsapi.MetricHTTPReqs)); n != 5 {
		t.Fatalf("http_reqs %d", n)
	}
}

// A connection cut mid-event is reconnected: an error event (readyState
// CONNECTING, the attempt coming, lastEventId the last one seen), then a
// new open, and the stream resumes after that ID (the server starts from
// Last-Event-ID): every event once, in order. Each reconnect is counted
// and its downtime measured; the stream is one request.
func TestEventSourceReconnects(t *testing.T) {
	h, _ := vu(t)
	v := iteration(t, h, `
		var out = [], kinds = [];
		const es = new EventSource(BASE + "/fault/reset?after=3&ids=1&count=10&retry=10&reset_ms=1");
		es.onopen = () => out.push("open" + es.readyState);
		es.onmessage = (e) => { out.push(e.lastEventId); if (e.lastEventId === "10") es.close() };
		es.onerror = (e) => { out.push("error" + es.readyState + "@" + es.lastEventId + "#" + e.attempt); kinds.push(e.kind) };`,
		`JSON.stringify([out.join(" "), kinds.every(k => k === "io" || k === "protocol")])`)
	want := `["open1 1 2 3 error0@3#1 open1 4 5 6 error0@6#1 open1 7 8 9 error0@9#1 open1 10",true]`
	if v.String() != want {
		t.Fatalf("got  %s\nwant %s", v, want)
	}
	if n := h.Sum(jsapi.MetricReconnects); n != 3 {
		t.Fatalf("sse_reconnects %v", n)
	}
	down := h.Samples(jsapi.MetricReconnectDowntime)
	if len(down) != 3 {
		t.Fatalf("sse_reconnect_downtime %+v", down)
	}
	for _, d := range down {
		if d.Value < 10 || d.Tags["status"] != "200" {
			t.Fatalf("downtime %v ms (the wait alone is 10 ms), tags %v", d.Value, d.Tags)
		}
	}
	if n := len(h.Samples(jsapi.MetricHTTPReqs)); n != 1 {
		t.Fatalf("http_reqs %d", n)
	}
	if n := h.Sum(jsapi.MetricSSEEvent); n != 10 {
		t.Fatalf("sse_event %v", n)
	}
}

// Answers that stop an EventSource for good, as in browsers: a non-2xx
// status, a 204, a 2xx that is not text/event-stream (with or without
// reconnecting). Each gives one error event with readyState CLOSED, and
// no open.
func TestEventSourceStopsOnAnswers(t *testing.T) {
	h, _ := vu(t)
	v := iteration(t, h, `
		var out = {};
		for (const [name, path, reconnect] of [
				["500", "/status/500?body=boom", true], ["204", "/status/204", true],
				["type", "/fault/content-type", true], ["type, no reconnect", "/fault/content-type", false]]) {
			const es = new EventSource(BASE + path, {reconnect});
			out[name] = [];
			es.onopen = es.onmessage = (e) => out[name].push(e.type);
			es.onerror = (e) => out[name].push([es.readyState, e.kind, e.status, e.error().length > 0].join());
		}`, `JSON.stringify(out)`)
	want := `{"204":["2,http_status,204,true"],"500":["2,http_status,500,true"],` +
		`"type":["2,content_type,0,true"],"type, no reconnect":["2,content_type,200,true"]}`
	if v.String() != want {
		t.Fatalf("got  %s\nwant %s", v, want)
	}
	failed := map[string]float64{}
	for _, s := range h.Samples(jsapi.MetricHTTPReqFailed) {
		failed[s.Tags["url"][len(server.URL):]] += s.Value
	}
	if failed["/status/500?body=boom"] != 1 || failed["/status/204"] != 0 || failed["/fault/content-type"] != 2 {
		t.Fatalf("http_req_failed by URL %v", failed)
	}
}

// flakyServer closes its first `refuse` connections as soon as their
// request is in, then answers each with an event stream of `count` events
// (ids 1..count) held open until the client goes. It stops with the test.
func flakyServer(t *testing.T, refuse, count int) string {
	t.Helper()
	return rawServer(t, func(n int, c net.Conn) {
		defer c.Close()
		r := bufio.NewReader(c)
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return
			}
			if line == "\r\n" {
				break
			}
		}
		if n < refuse {
			return
		}
		var b strings.Builder
		b.WriteString("HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\nconnection: close\r\n\r\n")
		for i := 1; i <= count; i++ {
			fmt.Fprintf(&b, "id: %d\ndata: %d\n\n", i, i)
		}
		if _, err := c.Write([]byte(b.String())); err != nil {
			return
		}
		_, _ = r.ReadByte() // until the client closes
	}) + "/"
}

// Attempts that fail before the first response come first, as error
// events while CONNECTING; then the open.
func TestEventSourceFirstAttemptsFail(t *testing.T) {
	h, _ := vu(t)
	if err := h.RT.Set("FLAKY", flakyServer(t, 2, 2)); err != nil {
		t.Fatal(err)
	}
	v := iteration(t, h, `
		var out = [];
		const es = new EventSource(FLAKY, {reconnect: {retry: 5}});
		es.onopen = () => out.push("open" + es.readyState);
		es.onmessage = (e) => { out.push(e.data); if (e.data === "2") es.close() };
		es.onerror = (e) => out.push("error" + es.readyState + "#" + e.attempt);`, `out.join(" ")`)
	if v.String() != "error0#1 error0#2 open1 1 2" {
		t.Fatal(v)
	}
	if n := h.Sum(jsapi.MetricReconnects); n != 2 {
		t.Fatalf("sse_reconnects %v", n)
	}
	if d := h.Samples(jsapi.MetricReconnectDowntime); len(d) != 1 || d[0].Value < 10 {
		t.Fatalf("sse_reconnect_downtime %+v (two waits of 5 ms)", d)
	}
}

// Listeners as in the DOM: events named by the server go to listeners of
// their name (never to message), in the order added; the same function
// added twice runs once; {once: true}; a listener removed during a
// dispatch does not run; an on<type> handler keeps the place where it was
// first set; this is the EventSource. The request's params reach the
// server (/echo answers with named events: method, headers, body).
func TestEventSourceListenerRules(t *testing.T) {
	h, _ := vu(t)
	v := iteration(t, h, `
		var calls = [], seen = {};
		const es = new EventSource(BASE + "/echo", {method: "POST", body: "hi", reconnect: false,
			headers: {Authorization: "Bearer x"}});
		const twice = (e) => calls.push("twice:" + e.type);
		const later = () => calls.push("later");
		es.onerror = () => calls.push("onerror1");
		es.addEventListener("error", (e) => calls.push("error:" + e.kind));
		es.onerror = function () { calls.push("onerror2:" + (this === es)) };
		es.addEventListener("message", () => calls.push("message"));
		es.addEventListener("method", twice);
		es.addEventListener("method", twice);
		es.addEventListener("method", () => { calls.push("remover"); es.removeEventListener("method", later) });
		es.addEventListener("method", later);
		es.addEventListener("headers", (e) => { seen.auth = JSON.parse(e.data)["authorization"]; seen.origin = e.origin === BASE });
		es.addEventListener("body", (e) => { calls.push("body:" + e.data + ":" + e.type) }, {once: true});
		es.addEventListener("method", function (e) { seen.method = e.data; seen.self = this === es });
		var ticks = [];
		const es2 = new EventSource(BASE + "/events?count=3&event=tick&ids=1", {reconnect: false});
		es2.addEventListener("tick", (e) => ticks.push("once" + e.lastEventId), {once: true});
		es2.addEventListener("tick", (e) => ticks.push(e.type + e.lastEventId));
		es2.onmessage = () => ticks.push("message");`,
		`JSON.stringify({calls, seen, ticks})`)
	want := `{"calls":["twice:method","remover","body:hi:body","onerror2:true","error:none"],` +
		`"seen":{"method":"POST","self":true,"auth":"Bearer x","origin":true},` +
		`"ticks":["once1","tick1","tick2","tick3"]}`
	if v.String() != want {
		t.Fatalf("got  %s\nwant %s", v, want)
	}
}

// A listener that throws ends the iteration with its exception; the
// VU's other streams are closed as the iteration ends (k6 cancels its
// context), and nothing stays registered.
func TestEventSourceListenerThrows(t *testing.T) {
	h, _ := vu(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	h.Ctx = ctx
	_, err := h.RunIteration(`
		const endless = new EventSource(BASE + "/events?count=0&interval_ms=5");
		const es = new EventSource(BASE + "/events?count=10&ids=1");
		es.onmessage = (e) => { if (e.lastEventId === "2") throw new Error("stop at 2") };`)
	if err == nil || !strings.Contains(err.Error(), "stop at 2") {
		t.Fatalf("got %v", err)
	}
	if ctx.Err() != nil {
		t.Fatal("the iteration ran into the test's deadline")
	}
	if n := h.Pending(); n != 0 {
		t.Fatalf("%d callbacks still registered", n)
	}
	if n := len(h.Samples(jsapi.MetricHTTPReqs)); n != 2 {
		t.Fatalf("http_reqs %d", n)
	}
}

// Clear errors for what a browser would let pass silently or what has no
// meaning here.
func TestEventSourceBadUse(t *testing.T) {
	h, _ := vu(t)
	h.Init = true
	if _, err := h.RT.RunString(`new EventSource(BASE + "/events")`); err == nil || !strings.Contains(err.Error(), "init context") {
		t.Fatalf("init context: %v", err)
	}
	h.Init = false
	v := iteration(t, h, `
		var out = [];
		const es = new EventSource(BASE + "/fault/stall?after=0");
		const tryIt = (f) => { try { f(); out.push("no error") } catch (e) { out.push(String(e)) } };
		tryIt(() => { es.readyState = EventSource.CLOSED });
		tryIt(() => EventSource.CLOSING);
		tryIt(() => es.CLOSING);
		tryIt(() => es.addEventListener("message", 42));
		tryIt(() => new EventSource());
		tryIt(() => new EventSource(BASE, {reconnect: {bogus: 1}}));
		tryIt(() => new EventSource("ftp://example.com/"));
		out.push([EventSource.CONNECTING, EventSource.OPEN, es.CLOSED, es instanceof EventSource,
			Object.prototype.toString.call(es), es.url === BASE + "/fault/stall?after=0", es.withCredentials].join());
		es.mine = 1; es.more = 2; es.mine = 3;
		const keys = Object.keys(es).join();
		delete es.mine;
		out.push(["own:", es.more, es.mine, "mine" in es, keys, Object.keys(es).join()].join("|"));
		es.close();`, `JSON.stringify(out, null, 1)`)
	for _, want := range []string{
		"TypeError: EventSource.readyState is read-only",
		"TypeError: EventSource has no CLOSING state",
		"TypeError: EventSource has no CLOSING state",
		"TypeError: EventSource.addEventListener(\\\"message\\\", listener): the listener must be a function",
		"needs a URL",
		"invalid new EventSource() reconnect: unknown key \\\"bogus\\\" (known: jitter, maxAttempts, maxRetry, retry)",
		"ftp",
		"0,1,2,true,[object EventSource],true,false",
		"own:|2||false|url,readyState,lastEventId,withCredentials,onopen,onmessage,onerror,mine,more|url,readyState,lastEventId,withCredentials,onopen,onmessage,onerror,more",
	} {
		if !strings.Contains(v.String(), want) {
			t.Fatalf("%s\nlacks %s", v, want)
		}
	}
	if strings.Contains(v.String(), "no error") {
		t.Fatalf("a misuse passed: %s", v)
	}
}

// 10 VUs × 100 streams, each VU on its own goroutine with its own event
// loop: while every stream waits, the process holds few OS threads and
// goroutines (no thread or goroutine per stream).
func TestEventSourceThousandStreamsFewThreads(t *testing.T) {
	const vus, perVU = 10, 100
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var mu sync.Mutex
	firstEvents := 0
	allIn := make(chan struct{})
	var wg sync.WaitGroup
	errs := make(chan error, vus)
	for i := 0; i < vus; i++ {
		h, _ := vu(t)
		h.Ctx = ctx
		if err := h.RT.Set("gotFirst", func() {
			mu.Lock()
			defer mu.Unlock()
			if firstEvents++; firstEvents == vus*perVU {
				close(allIn)
			}
		}); err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := h.RunIteration(fmt.Sprintf(`
				for (let s = 0; s < %d; s++) {
					const es = new EventSource(BASE + "/fault/stall?after=1");
					es.onmessage = () => gotFirst();
				}`, perVU))
			errs <- err
		}()
	}
	select {
	case <-allIn:
	case <-ctx.Done():
		t.Fatal("not every stream got its first event within 60s")
	}
	time.Sleep(200 * time.Millisecond) // let every loop go idle
	n, g := threads(t), runtime.NumGoroutine()
	cancel()
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("%d streams on %d VUs: %d OS threads %v, %d goroutines", vus*perVU, vus, n, threadNames(), g)
	if n >= 64 {
		t.Fatalf("%d OS threads for %d waiting streams, want < 64", n, vus*perVU)
	}
	if g > 4*vus+50 {
		t.Fatalf("%d goroutines for %d streams on %d VUs: a goroutine per stream?", g, vus*perVU, vus)
	}
}
