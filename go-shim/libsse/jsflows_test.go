package libsse_test

import (
	"encoding/json"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/grafana/sobek"
	"github.com/libsse/libsse/go-shim/jsapi"
	"github.com/libsse/libsse/go-shim/jsapi/jsapitest"
	"github.com/libsse/libsse/go-shim/libsse"
)

// vu is a fake VU with k6/x/sse on libsse installed as `sse` and the test
// server's URL as `BASE`.
func vu(t *testing.T) (*jsapitest.Host, *jsapi.Instance) {
	t.Helper()
	h := jsapitest.New()
	in, err := jsapitest.Install(h, jsapi.NewRoot(libsse.NewTransport))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(in.Close)
	if err := h.RT.Set("BASE", server.URL); err != nil {
		t.Fatal(err)
	}
	return h, in
}

func run(t testing.TB, h *jsapitest.Host, script string) sobek.Value {
	t.Helper()
	v, err := h.RT.RunString(script)
	if err != nil {
		t.Fatalf("script: %v", err)
	}
	return v
}

// examples/sse.js against the bundled server.
func TestJSSeedGet(t *testing.T) {
	h, _ := vu(t)
	v := run(t, h, `
		const ids = []; let opened = false; const errs = [];
		const response = sse.open(BASE + "/events?count=10&ids=1&interval_ms=5", {
			method: 'GET', headers: {"Authorization": "Bearer XXXX"}, tags: {"my_k6s_tag": "hello sse"},
		}, function (client) {
			client.on('open', function open() { opened = true })
			client.on('event', function (event) {
				ids.push(event.id)
				if (parseInt(event.id) === 4) { client.close() }
			})
			client.on('error', function (e) { errs.push(e.error()) })
		})
		JSON.stringify([ids, opened, errs, response.status, response.headers["Content-Type"]])`)
	if got := v.String(); !strings.HasPrefix(got, `[["1","2","3","4"],true,[],200,"text/event-stream`) {
		t.Fatal(got)
	}
	ev := h.Samples(jsapi.MetricSSEEvent)
	if h.Sum(jsapi.MetricSSEEvent) != 4 || ev[0].Tags["my_k6s_tag"] != "hello sse" || ev[0].Tags["status"] != "200" {
		t.Fatalf("sse_event %+v", ev)
	}
	reqs := h.Samples(jsapi.MetricHTTPReqs)
	if len(reqs) != 1 || reqs[0].Tags["url"] != server.URL+"/events?count=10&ids=1&interval_ms=5" || reqs[0].Tags["method"] != "GET" {
		t.Fatalf("http_reqs %+v", reqs)
	}
	if d := h.Samples(jsapi.MetricHTTPReqDuration); len(d) != 1 || d[0].Value <= 0 {
		t.Fatalf("http_req_duration %+v", d)
	}
	if r := h.Samples(jsapi.MetricDataReceived); len(r) != 1 || r[0].Value <= 0 {
		t.Fatalf("data_received %+v", r)
	}
	if g := h.Samples(jsapi.MetricEventGap); len(g) != 0 {
		t.Fatalf("sse_event_gap without eventGaps: %+v", g)
	}
}

// examples/sse_post.js: POST with a body, seen by /echo.
func TestJSSeedPost(t *testing.T) {
	h, _ := vu(t)
	v := run(t, h, `
		const got = {};
		const r = sse.open(BASE + "/echo", {method: 'POST', body: '{"ping": true}',
				headers: {"content-type": "application/json", "Authorization": "Bearer XXXX"}}, function (client) {
			client.on('event', function (event) { got[event.name] = event.data })
		})
		JSON.stringify([r.status, got.method, got.body, JSON.parse(got.headers)["authorization"] || JSON.parse(got.headers)["Authorization"]])`)
	if v.String() != `[200,"POST","{\"ping\": true}","Bearer XXXX"]` {
		t.Fatal(v.String())
	}
}

// examples/llm.js: a streaming chat completion, TTFT from receivedAt.
func TestJSChatCompletion(t *testing.T) {
	h, _ := vu(t)
	v := run(t, h, `
		const payload = {messages: [{role: "user", content: "Say hello"}], model: "m", stream: true,
			stream_options: {include_usage: true}, max_tokens: 16}
		const start = Date.now()
		let first = null, chunks = 0, done = false, last = 0, ordered = true
		const res = sse.open(BASE + "/v1/chat/completions", {method: 'POST', body: JSON.stringify(payload),
				headers: {"content-type": "application/json"}}, function (client) {
			client.on('event', function (event) {
				if (first === null) first = event.receivedAt
				if (event.receivedAt < last) ordered = false
				last = event.receivedAt
				if (event.data === '[DONE]') { done = true; return }
				const chunk = JSON.parse(event.data)
				if (chunk.choices && chunk.choices.length > 0) chunks++
			})
			client.on('error', function (e) { throw e })
		})
		JSON.stringify({status: res.status, done, chunks: chunks > 0, ordered, ttftSane: first >= start - 1 && first <= Date.now() + 1})`)
	if v.String() != `{"status":200,"done":true,"chunks":true,"ordered":true,"ttftSane":true}` {
		t.Fatal(v.String())
	}
	if ttfe := h.Samples(jsapi.MetricTimeToFirstEvent); len(ttfe) != 1 || ttfe[0].Value <= 0 {
		t.Fatalf("sse_time_to_first_event %+v", ttfe)
	}
}

func TestJSConnectionRefusedReachesErrorHandler(t *testing.T) {
	h, _ := vu(t)
	h.Opts.Throw = false
	v := run(t, h, `
		let seen = "";
		const r = sse.open("http://127.0.0.1:1/events", c => c.on('error', e => { seen = e.kind + ":" + (e.error().length > 0) }))
		JSON.stringify([seen, r.status, r.error.length > 0])`)
	if v.String() != `["connect:true",0,true]` {
		t.Fatal(v.String())
	}
	h.Opts.Throw = true
	if _, err := h.RT.RunString(`sse.open("http://127.0.0.1:1/events", c => {})`); err == nil {
		t.Fatal("throw option: connection error not thrown")
	}
	if f := h.Samples(jsapi.MetricHTTPReqFailed); len(f) != 2 || f[0].Value != 1 {
		t.Fatalf("http_req_failed %+v", f)
	}
}

// The seed's llm.js handler shape (it rethrows) on a server that answers
// 429: the handler is not called, the iteration reaches its check, and
// status, error, body and http_req_failed tell what happened. With
// httpStatusErrors the handler sees it.
func TestJSNon2xxAnswerLetsTheIterationGoOn(t *testing.T) {
	h, _ := vu(t)
	v := run(t, h, `
		let calls = 0, checked = null;
		const r = sse.open(BASE + "/status/429?body=rate%20limit", {method: 'POST', body: '{}'}, function (client) {
			client.on('error', function (e) { calls++; throw e; })
		})
		checked = r.status === 200
		JSON.stringify([r.status, calls, checked, r.error.includes("429"), r.body])`)
	if v.String() != `[429,0,false,true,"rate limit"]` {
		t.Fatal(v.String())
	}
	if f := h.Samples(jsapi.MetricHTTPReqFailed); len(f) != 1 || f[0].Value != 1 {
		t.Fatalf("http_req_failed %+v", f)
	}
	v = run(t, h, `
		let seen = "";
		const r2 = sse.open(BASE + "/status/404?body=nope", {httpStatusErrors: true}, c => c.on('error', e => { seen = e.kind + e.status }))
		r2.status + "|" + seen`)
	if v.String() != "404|http_status404" {
		t.Fatal(v.String())
	}
}

// A redirect in front of the stream is followed (k6's default of 10), and
// res.url is where it led; redirects: 0 makes the 302 the answer.
func TestJSRedirectIsFollowed(t *testing.T) {
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, server.URL+"/events?count=3", http.StatusFound)
	}))
	t.Cleanup(front.Close)
	h, _ := vu(t)
	if err := h.RT.Set("FRONT", front.URL); err != nil {
		t.Fatal(err)
	}
	v := run(t, h, `
		let n = 0;
		const r = sse.open(FRONT + "/old", c => c.on('event', () => n++))
		const off = sse.open(FRONT + "/old", {redirects: 0}, c => {})
		JSON.stringify([r.status, n, r.url === BASE + "/events?count=3", off.status, off.url === FRONT + "/old"])`)
	if v.String() != `[200,3,true,302,true]` {
		t.Fatal(v.String())
	}
}

func TestJSTimeout(t *testing.T) {
	h, _ := vu(t)
	v := run(t, h, `
		let kind = "", n = 0;
		sse.open(BASE + "/fault/stall?after=2", {timeout: "300ms"}, c => {
			c.on('event', () => n++)
			c.on('error', e => { kind = e.kind })
		})
		n + "|" + kind`)
	if v.String() != "2|total_timeout" {
		t.Fatal(v.String())
	}
}

func TestJSThrowingHandler(t *testing.T) {
	h, _ := vu(t)
	_, err := h.RT.RunString(`sse.open(BASE + "/events?count=50", c => c.on('event', e => { if (e.data.startsWith("3:")) throw new Error("stop at 3") }))`)
	if err == nil || !strings.Contains(err.Error(), "stop at 3") {
		t.Fatalf("got %v", err)
	}
	if n := h.Sum(jsapi.MetricSSEEvent); n != 3 {
		t.Fatalf("events before the throw: %v", n)
	}
	if n := len(h.Samples(jsapi.MetricHTTPReqs)); n != 1 {
		t.Fatalf("http_reqs %d", n)
	}
	// The VU keeps working after the exception.
	if v := run(t, h, `let k = 0; sse.open(BASE + "/events?count=2", c => c.on('event', () => k++)); k`); v.ToInteger() != 2 {
		t.Fatal(v)
	}
}

func TestJSSpecExactParsing(t *testing.T) {
	h, _ := vu(t)
	v := run(t, h, `
		const d = [];
		sse.open(BASE + "/events?count=2&lines=2&size=8&eol=cr&comment_every=1", c => c.on('event', e => d.push(e.data)))
		JSON.stringify(d)`)
	if got := v.String(); !strings.Contains(got, `\n`) || strings.Contains(got, `\r`) || strings.Count(got, `"`) != 4 {
		t.Fatal(got)
	}
}

// eventGaps: each event after the first pushes its gap to the previous
// one, taken from libsse's receive stamps.
func TestJSEventGapsOptIn(t *testing.T) {
	h, _ := vu(t)
	v := run(t, h, `
		const at = [];
		sse.open(BASE + "/events?count=6&interval_ms=5", {eventGaps: true}, c => c.on('event', e => at.push(e.receivedAt)))
		JSON.stringify(at.slice(1).map((t, i) => t - at[i]))`)
	var want []float64
	if err := json.Unmarshal([]byte(v.String()), &want); err != nil || len(want) != 5 {
		t.Fatalf("script gaps %s: %v", v, err)
	}
	gaps := h.Samples(jsapi.MetricEventGap)
	if len(gaps) != 5 {
		t.Fatalf("sse_event_gap %+v", gaps)
	}
	for i, g := range gaps {
		if g.Value <= 0 || math.Abs(g.Value-want[i]) > 0.001 {
			t.Fatalf("gap %d: %v ms, receivedAt says %v", i, g.Value, want[i])
		}
	}
}

// sse.open reconnects only when asked (the reconnect param): a cut
// connection calls the error handlers (with the attempt coming and its
// delay), then the open handlers again, and the stream resumes after the
// last event ID; attempts that fail before the first response come before
// the first open. Each attempt counts in sse_reconnects.
func TestJSOpenReconnectsWhenAsked(t *testing.T) {
	h, _ := vu(t)
	if err := h.RT.Set("FLAKY", flakyServer(t, 1, 2)); err != nil {
		t.Fatal(err)
	}
	v := run(t, h, `
		const out = [];
		const r = sse.open(BASE + "/fault/reset?after=3&ids=1&count=6&retry=10&reset_ms=1", {reconnect: true}, (c) => {
			c.on('open', () => out.push("open"));
			c.on('event', (e) => { out.push(e.id); if (e.id === "6") c.close() });
			c.on('error', (e) => out.push("error#" + e.attempt + "/" + e.delay));
		});
		const r2 = sse.open(FLAKY, {reconnect: {retry: "5ms"}}, (c) => {
			c.on('open', () => out.push("open2"));
			c.on('event', (e) => { out.push("2:" + e.id); if (e.id === "2") c.close() });
			c.on('error', (e) => out.push("error2#" + e.attempt));
		});
		let plain = 0;
		const r3 = sse.open(BASE + "/fault/reset?after=3&ids=1&count=6&reset_ms=1", (c) => {
			c.on('event', () => plain++);
			c.on('error', (e) => out.push("error3:" + e.attempt));
		});
		JSON.stringify([out.join(" "), r.status, r2.status, plain])`)
	want := `["open 1 2 3 error#1/10 open 4 5 6 error2#1 open2 2:1 2:2 error3:undefined",200,200,3]`
	if v.String() != want {
		t.Fatalf("got  %s\nwant %s", v, want)
	}
	if n := h.Sum(jsapi.MetricReconnects); n != 2 {
		t.Fatalf("sse_reconnects %v", n)
	}
}
