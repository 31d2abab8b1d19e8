package jsapi

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/grafana/sobek"
	"github.com/libsse/libsse/go-shim/streamapi"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// The seed sse.js flow: GET with headers and tags, close on event id 4.
func TestSeedGetClosesOnID4(t *testing.T) {
	e := newEnv(t, okStream(10))
	v := e.mustRun(`
		const seen = []; let opened = 0;
		const res = sse.open("http://h/events", {method: 'GET', headers: {"Authorization": "Bearer XXXX"},
				tags: {"my_k6s_tag": "hello sse"}}, function (client) {
			client.on('open', function () { opened++ })
			client.on('event', function (event) {
				seen.push(event.id + "/" + event.name + "/" + event.data)
				if (parseInt(event.id) === 4) { client.close() }
			})
			client.on('error', function (e) { throw new Error("unexpected: " + e.error()) })
		})
		JSON.stringify({seen, opened, status: res.status, url: res.url, ct: res.headers["Content-Type"], err: res.error})`)
	want := `{"seen":["1//1:data","2//2:data","3//3:data","4//4:data"],"opened":1,"status":200,"url":"http://h/events","ct":"text/event-stream","err":""}`
	if v.String() != want {
		t.Fatalf("got %s\nwant %s", v, want)
	}
	req := e.transport.requests[0]
	if req["url"] != "http://h/events" || req["method"] != "GET" {
		t.Fatalf("request %v", req)
	}
	hdrs := headerPairs(req)
	if hdrs["Authorization"] != "Bearer XXXX" || hdrs["User-Agent"] != "k6/test" {
		t.Fatalf("headers %v", hdrs)
	}
	st := e.transport.streams[0]
	if !st.cancelled || st.closed != 1 {
		t.Fatalf("close() must cancel and free the stream: cancelled=%v closed=%d", st.cancelled, st.closed)
	}
	if n := e.eventCount(); n != 4 {
		t.Fatalf("sse_event count: %d", n)
	}
	// One sample per drained batch (the fake drains 2 at a time).
	for _, s := range e.samplesOf(MetricSSEEvent) {
		if s.Tags["my_k6s_tag"] != "hello sse" || s.Tags["url"] != "http://h/events" || s.Tags["method"] != "GET" ||
			s.Tags["status"] != "200" || s.Tags["vu"] != "1" || s.Value != 2 {
			t.Fatalf("sse_event sample %+v", s)
		}
	}
}

func headerPairs(req map[string]any) map[string]string {
	out := map[string]string{}
	for _, p := range req["headers"].([]any) {
		kv := p.([]any)
		out[kv[0].(string)] = kv[1].(string)
	}
	return out
}

// The seed sse_post.js flow: POST with a body; the body is trimmed as in xk6-sse.
func TestSeedPostBody(t *testing.T) {
	e := newEnv(t, okStream(3))
	e.mustRun(`sse.open("http://h/echo", {method: ' POST ', body: ' {"ping": true} ',
		headers: {"content-type": "application/json"}}, function (c) {})`)
	req := e.transport.requests[0]
	if req["method"] != "POST" || req["body"] != `{"ping": true}` {
		t.Fatalf("request %v", req)
	}
	if headerPairs(req)["content-type"] != "application/json" {
		t.Fatalf("headers %v", req["headers"])
	}
	if got := e.eventCount(); got != 3 {
		t.Fatalf("events %d", got)
	}
}

func TestEventFieldsAndReceiveTime(t *testing.T) {
	e := newEnv(t, func() *fakeStream {
		s := okStream(0)()
		s.events = []streamapi.Event{
			{Type: "token", Data: "a\nb", ID: "7", Comment: "c1\nc2", Retry: 1500, TimeNS: 5_000_000},
			{Type: "", Data: "x", ID: "7", Retry: -1, TimeNS: 5_250_000},
		}
		return s
	})
	v := e.mustRun(`
		const evs = []
		sse.open("http://h/", c => c.on('event', ev => evs.push(ev)))
		JSON.stringify([evs.map(ev => [ev.id, ev.name, ev.data, ev.comment, ev.retry]),
			evs[1].receivedAt - evs[0].receivedAt, Math.abs(evs[0].receivedAt - Date.now()) < 60000])`)
	want := `[[["7","token","a\nb","c1\nc2",1500],["7","","x","",null]],0.25,true]`
	if v.String() != want {
		t.Fatalf("got %s\nwant %s", v, want)
	}
}

func TestHandlerOrderAndMultipleHandlers(t *testing.T) {
	e := newEnv(t, okStream(3))
	v := e.mustRun(`
		const log = []
		sse.open("http://h/", function (c) {
			c.on('open', () => log.push('open'))
			c.on('event', ev => log.push('a' + ev.id))
			c.on('event', ev => log.push('b' + ev.id))
		})
		log.join(',')`)
	if v.String() != "open,a1,b1,a2,b2,a3,b3" {
		t.Fatal(v.String())
	}
}

func TestCloseInsideHandlerStopsDelivery(t *testing.T) {
	e := newEnv(t, func() *fakeStream { s := okStream(6)(); s.batch = 64; return s })
	v := e.mustRun(`
		let n = 0
		const r = sse.open("http://h/", c => c.on('event', ev => { n++; if (ev.id === "2") c.close() }))
		n + ":" + r.status`)
	if v.String() != "2:200" {
		t.Fatal(v.String())
	}
	if reqs := e.samplesOf(MetricHTTPReqs); len(reqs) != 1 {
		t.Fatalf("http_reqs %d", len(reqs))
	}
	if f := e.samplesOf(MetricHTTPReqFailed); f[0].Value != 0 {
		t.Fatal("a script close is not a failure")
	}
}

func TestThrowingHandlerEndsStreamAndRethrows(t *testing.T) {
	e := newEnv(t, okStream(5))
	_, err := e.run(`sse.open("http://h/", c => c.on('event', ev => { if (ev.id === "2") throw new Error("boom " + ev.id) }))`)
	var ex *sobek.Exception
	if !errors.As(err, &ex) || !strings.Contains(ex.Error(), "boom 2") {
		t.Fatalf("want the handler's exception, got %v", err)
	}
	st := e.transport.streams[0]
	if !st.cancelled || st.closed != 1 {
		t.Fatalf("stream not ended cleanly: cancelled=%v closed=%d", st.cancelled, st.closed)
	}
	// The events dispatched before the throw are counted, in one sample.
	if len(e.samplesOf(MetricHTTPReqs)) != 1 || len(e.samplesOf(MetricSSEEvent)) != 1 || e.eventCount() != 2 {
		t.Fatalf("samples: reqs=%d events=%d", len(e.samplesOf(MetricHTTPReqs)), e.eventCount())
	}
}

func TestThrowInSetupPropagates(t *testing.T) {
	e := newEnv(t, okStream(1))
	_, err := e.run(`sse.open("http://h/", c => { throw new Error("error in setup") })`)
	if err == nil || !strings.Contains(err.Error(), "error in setup") {
		t.Fatalf("got %v", err)
	}
	if e.transport != nil && len(e.transport.streams) != 0 {
		t.Fatal("no request may start when setup throws")
	}
}

func connRefused() *fakeStream {
	return &fakeStream{openErr: &streamapi.Error{Kind: "connect", Message: "connect 127.0.0.1:1: connection refused"},
		timings: streamapi.Timings{Start: 1_000_000}}
}

func TestConnectionErrorReachesSetupHandlersAndThrows(t *testing.T) {
	e := newEnv(t, connRefused)
	_, err := e.run(`
		var msgs = [];
		sse.open("http://127.0.0.1:1/", c => c.on('error', e => msgs.push(e.error() + "|" + e.kind)))`)
	if err == nil || !strings.Contains(err.Error(), "connection refused") {
		t.Fatalf("throw option: want an exception, got %v", err)
	}
	v := e.mustRun(`msgs.join(";")`)
	if v.String() != "connect 127.0.0.1:1: connection refused|connect" {
		t.Fatal(v.String())
	}
	f := e.samplesOf(MetricHTTPReqFailed)
	if len(f) != 1 || f[0].Value != 1 || f[0].Tags["status"] != "0" || f[0].Tags["expected_response"] != "false" {
		t.Fatalf("http_req_failed %+v", f)
	}
}

func TestConnectionErrorWithoutThrowReturnsResponseError(t *testing.T) {
	e := newEnv(t, connRefused)
	e.host.opts.Throw = false
	v := e.mustRun(`const r = sse.open("http://127.0.0.1:1/", c => {}); r.status + "|" + r.error`)
	if v.String() != "0|connect 127.0.0.1:1: connection refused" {
		t.Fatal(v.String())
	}
}

func TestStreamErrorGoesToHandlerNotThrown(t *testing.T) {
	e := newEnv(t, func() *fakeStream {
		s := okStream(2)()
		s.final = streamapi.Failed
		s.err = &streamapi.Error{Kind: streamapi.KindIO, Message: "connection reset"}
		return s
	})
	v := e.mustRun(`let m = ""; const r = sse.open("http://h/", c => c.on('error', e => { m = e.error() })); m + "|" + r.status`)
	if v.String() != "connection reset|200" {
		t.Fatal(v.String())
	}
	if f := e.samplesOf(MetricHTTPReqFailed); f[0].Value != 1 {
		t.Fatal("a broken stream counts as failed")
	}
}

// A stream that fails without saying why (Err nil) still reaches the
// error handlers with a kind and a message.
func TestStreamFailureWithoutErrorIsAnIOError(t *testing.T) {
	e := newEnv(t, func() *fakeStream {
		s := okStream(2)()
		s.final = streamapi.Failed
		return s
	})
	v := e.mustRun(`let m = ""; sse.open("http://h/", c => c.on('error', e => { m = e.kind + ": " + e.error() })); m`)
	if v.String() != "io: stream failed" {
		t.Fatal(v.String())
	}
}

// non2xx is a stream whose answer was `status` with `body`, as libsse
// reports it (response in, then a failed stream) or, viaOpenErr, as a
// failed open.
func non2xx(status int, body string, viaOpenErr bool) func() *fakeStream {
	return func() *fakeStream {
		e := &streamapi.Error{Kind: streamapi.KindHTTPStatus, Status: status, Body: body,
			Message: fmt.Sprintf("HTTP %d: the server refused the stream (body: %s)", status, body)}
		if viaOpenErr {
			return &fakeStream{openErr: e}
		}
		return &fakeStream{resp: streamapi.Response{Status: status}, final: streamapi.Failed, err: e}
	}
}

// The seed's llm.js, unchanged, against an overloaded server that answers
// 429: as on xk6-sse, its rethrowing error handler is not called, so the
// iteration goes on to its check and the code after it (its sleep), and
// the failure shows in the check, res.status, res.error, res.body and
// http_req_failed.
func TestSeedLLMScriptOnA429RunsItsCheck(t *testing.T) {
	for _, viaOpenErr := range []bool{false, true} {
		e := newEnv(t, non2xx(429, `{"error":{"message":"rate limit"}}`, viaOpenErr))
		e.host.opts.Throw = true // a status is an answer, never thrown
		v := e.mustRun(`
			const checks = {}; let handlerCalls = 0, afterCheck = false
			const check = (res, sets) => { for (const k in sets) checks[k] = sets[k](res) }
			const console = {log: () => {}}
			const params = {method: 'POST', body: JSON.stringify({stream: true})}
			const res = sse.open("http://h/v1/chat/completions", params, function (client) {
				client.on('event', function (event) { JSON.parse(event.data) })
				client.on('error', function (e) {
					handlerCalls++
					console.log('An unexpected error occurred: ', e.error());
					throw e;
				})
			})
			check(res, {'success completion': (r) => r.status === 200})
			afterCheck = true // the seed sleeps here
			JSON.stringify({checks, handlerCalls, afterCheck, status: res.status,
				error: res.error.includes("429"), body: res.body})`)
		want := `{"checks":{"success completion":false},"handlerCalls":0,"afterCheck":true,"status":429,` +
			`"error":true,"body":"{\"error\":{\"message\":\"rate limit\"}}"}`
		if v.String() != want {
			t.Fatalf("viaOpenErr=%v:\ngot  %s\nwant %s", viaOpenErr, v, want)
		}
		f := e.samplesOf(MetricHTTPReqFailed)
		if len(f) != 1 || f[0].Value != 1 || f[0].Tags["status"] != "429" || f[0].Tags["expected_response"] != "false" {
			t.Fatalf("http_req_failed %+v", f)
		}
	}
}

// Scripts that want non-2xx answers in their error handlers ask for them.
func TestHTTPStatusErrorsParamSendsNon2xxToTheErrorHandlers(t *testing.T) {
	for _, viaOpenErr := range []bool{false, true} {
		e := newEnv(t, non2xx(503, "busy", viaOpenErr))
		v := e.mustRun(`let k = ""; const r = sse.open("http://h/", {httpStatusErrors: true},
			c => c.on('error', e => { k = e.kind + e.status })); r.status + "|" + k + "|" + r.body`)
		if v.String() != "503|http_status503|busy" {
			t.Fatalf("viaOpenErr=%v: %s", viaOpenErr, v)
		}
		// A handler that rethrows then ends the iteration, as asked.
		_, err := e.run(`sse.open("http://h/", {httpStatusErrors: true}, c => c.on('error', e => { throw e }))`)
		if err == nil || !strings.Contains(err.Error(), "503") {
			t.Fatalf("viaOpenErr=%v: the rethrow must reach the script: %v", viaOpenErr, err)
		}
	}
}

// A 3xx that was not followed (max redirects reached, no Location) is the
// answer; k6 counts 3xx as expected, so the request is not failed.
func TestAnUnfollowedRedirectIsAnAnswerNotAFailure(t *testing.T) {
	e := newEnv(t, non2xx(302, "", false))
	v := e.mustRun(`let n = 0; const r = sse.open("http://h/", c => c.on('error', () => n++)); r.status + "|" + n`)
	if v.String() != "302|0" {
		t.Fatal(v.String())
	}
	if f := e.samplesOf(MetricHTTPReqFailed); len(f) != 1 || f[0].Value != 0 {
		t.Fatalf("http_req_failed %+v", f)
	}
}

// The old path: a stream that ends cleanly after a non-2xx status.
func TestNon2xxThatEndsWithoutAnError(t *testing.T) {
	e := newEnv(t, func() *fakeStream { return &fakeStream{resp: streamapi.Response{Status: 404}, final: streamapi.End} })
	v := e.mustRun(`let n = 0; const r = sse.open("http://h/", c => c.on('error', () => n++)); r.status + "|" + n + "|" + r.error`)
	if v.String() != "404|0|unexpected HTTP status 404" {
		t.Fatal(v.String())
	}
}

func TestRedirectsParamOptionAndFinalURL(t *testing.T) {
	e := newEnv(t, func() *fakeStream {
		s := okStream(1)()
		s.resp.URL = "http://h/final"
		return s
	})
	limit := int64(3)
	e.host.opts.MaxRedirects = &limit
	v := e.mustRun(`const a = sse.open("http://h/start", c => {}); const b = sse.open("http://h/start", {redirects: 0}, c => {});
		a.url + "|" + b.url`)
	if v.String() != "http://h/final|http://h/final" {
		t.Fatal(v.String())
	}
	if !strings.Contains(string(e.transport.defaults), `"max_redirects":3`) {
		t.Fatalf("k6 maxRedirects must reach the client defaults: %s", e.transport.defaults)
	}
	if _, has := e.transport.requests[0]["max_redirects"]; has {
		t.Fatal("no redirects param, no per-request key")
	}
	if e.transport.requests[1]["max_redirects"] != float64(0) {
		t.Fatalf("redirects: 0 → max_redirects 0: %v", e.transport.requests[1])
	}
	if d := e.samplesOf(MetricHTTPReqDuration)[0]; d.Tags["url"] != "http://h/start" {
		t.Fatalf("the url tag stays the requested URL: %v", d.Tags)
	}
	if _, err := e.run(`sse.open("http://h/", {redirects: -1}, c => {})`); err == nil ||
		!strings.Contains(err.Error(), "invalid sse.open() redirects") {
		t.Fatalf("negative redirects: %v", err)
	}
}

// libsse names its options as its request JSON does; scripts read them as
// their sse.open params.
func TestErrorMessagesNameTheScriptsParams(t *testing.T) {
	msg := "a line of the event stream is longer than 1024 bytes; raise max_line_bytes if this is expected"
	e := newEnv(t, func() *fakeStream {
		s := okStream(0)()
		s.final = streamapi.Failed
		s.err = &streamapi.Error{Kind: "limit_exceeded", Message: msg}
		return s
	})
	v := e.mustRun(`let m = "", k = ""; sse.open("http://h/", c => c.on('error', e => { m = e.error(); k = e.kind })); k + "|" + m`)
	want := "limit_exceeded|a line of the event stream is longer than 1024 bytes; raise maxLineBytes if this is expected"
	if v.String() != want {
		t.Fatalf("got %s\nwant %s", v, want)
	}
	for in, out := range map[string]string{
		"no data for idle_timeout_ms (5 ms)":         "no data for idleTimeout (5 ms)",
		"ran longer than total_timeout_ms (9 ms)":    "ran longer than timeout (9 ms)",
		"raise max_event_bytes; see max_redirects":   "raise maxEventBytes; see redirects (k6 option maxRedirects)",
		"connect_timeout_ms and header_timeout_ms":   "connectTimeout and headerTimeout",
		"decompress and queue_capacity are separate": "decompress and queueCapacity are separate",
	} {
		if got := scriptMessage(in); got != out {
			t.Fatalf("scriptMessage(%q) = %q, want %q", in, got, out)
		}
	}
}

func TestTimeoutAndExtraParams(t *testing.T) {
	e := newEnv(t, okStream(0))
	e.mustRun(`sse.open("http://h/", {timeout: "1m30s", connectTimeout: 250, idleTimeout: "2s", httpVersion: "http2",
		maxLineBytes: 4096}, c => {})`)
	req := e.transport.requests[0]
	for k, want := range map[string]float64{"total_timeout_ms": 90000, "connect_timeout_ms": 250, "idle_timeout_ms": 2000, "max_line_bytes": 4096} {
		if req[k] != want {
			t.Fatalf("%s = %v, want %v", k, req[k], want)
		}
	}
	if req["http_version"] != "http2" {
		t.Fatal(req["http_version"])
	}
	if _, err := e.run(`sse.open("http://h/", {timeout: "soon"}, c => {})`); err == nil || !strings.Contains(err.Error(), "invalid sse.open() timeout") {
		t.Fatalf("bad timeout: %v", err)
	}
}

func TestTimeoutErrorReachesHandler(t *testing.T) {
	e := newEnv(t, func() *fakeStream {
		s := okStream(1)()
		s.final = streamapi.Failed
		s.err = &streamapi.Error{Kind: "total_timeout", Message: "total timeout of 100ms reached"}
		return s
	})
	v := e.mustRun(`let k = ""; sse.open("http://h/", {timeout: "100ms"}, c => c.on('error', e => { k = e.kind })); k`)
	if v.String() != "total_timeout" {
		t.Fatal(v.String())
	}
}

func TestUnknownParamWarnedOnce(t *testing.T) {
	e := newEnv(t, okStream(0))
	e.mustRun(`for (let i = 0; i < 3; i++) sse.open("http://h/", {retries: 3, method: "GET"}, c => c.on('message', () => {}))`)
	if len(e.host.warnings) != 2 || !strings.Contains(e.host.warnings[0], `"retries"`) || !strings.Contains(e.host.warnings[1], `"message"`) {
		t.Fatalf("warnings %q", e.host.warnings)
	}
	// The warning names the params there are, both kinds.
	for _, param := range []string{"method", "jar", "llm", "timeout", "redirects", "reconnect"} {
		if !strings.Contains(e.host.warnings[0], " "+param+",") && !strings.HasSuffix(e.host.warnings[0], " "+param+")") {
			t.Fatalf("the warning does not name %s: %q", param, e.host.warnings[0])
		}
	}
}

func TestArgumentErrors(t *testing.T) {
	e := newEnv(t, okStream(0))
	for script, want := range map[string]string{
		`sse.open("http://h/")`:                             "invalid number of arguments",
		`sse.open("http://h/", {}, 3)`:                      "must be a function",
		`sse.open("http://h/", {tags: {a: {b: 1}}}, c=>{})`: "invalid sse.open() metric tags",
	} {
		if _, err := e.run(script); err == nil || !strings.Contains(err.Error(), want) {
			t.Fatalf("%s: got %v", script, err)
		}
	}
	e.host.init = true
	if _, err := e.run(`sse.open("http://h/", c=>{})`); err == nil || !strings.Contains(err.Error(), "init context") {
		t.Fatalf("init context: %v", err)
	}
}

func TestHTTPMetricsFromTimings(t *testing.T) {
	e := newEnv(t, okStream(3))
	e.mustRun(`sse.open("http://h/", c => {})`)
	want := map[string]float64{
		MetricHTTPReqs: 1, MetricHTTPReqFailed: 0,
		MetricHTTPReqBlocked: 0.1, MetricHTTPReqConnecting: 0.2, MetricHTTPReqTLS: 0,
		MetricHTTPReqSending: 0.1, MetricHTTPReqWaiting: 0.5, MetricHTTPReqReceiving: 7.1,
		MetricHTTPReqDuration: 7.7, MetricDataReceived: 1234, MetricDataSent: 99,
		MetricTimeToFirstEvent: 1.0,
	}
	for m, v := range want {
		got := e.samplesOf(m)
		if len(got) != 1 || math.Abs(got[0].Value-v) > 1e-9 {
			t.Fatalf("%s: %+v, want %v", m, got, v)
		}
	}
	if gaps := e.samplesOf(MetricEventGap); len(gaps) != 0 {
		t.Fatalf("gaps without eventGaps: %+v", gaps)
	}
	d := e.samplesOf(MetricHTTPReqDuration)[0]
	if d.Tags["status"] != "200" || d.Tags["expected_response"] != "true" || d.Tags["name"] != "http://h/" {
		t.Fatalf("tags %v", d.Tags)
	}
	if _, has := e.samplesOf(MetricDataReceived)[0].Tags["url"]; has {
		t.Fatal("data_received carries VU tags only")
	}
}

// With eventGaps, each event after the first adds an sse_event_gap sample
// (its receive time minus the previous event's), in the same Emit as its
// batch's sse_event sample: one Emit per batch, whatever the batch size.
func TestEventGapsOptIn(t *testing.T) {
	for _, batch := range []int{1, 2, 64} {
		e := newEnv(t, func() *fakeStream { s := okStream(5)(); s.batch = batch; return s })
		var emits int
		e.host.onEmit = func([]Sample) { emits++ }
		e.mustRun(`sse.open("http://h/", {eventGaps: true}, c => {})`)
		gaps := e.samplesOf(MetricEventGap)
		if len(gaps) != 4 {
			t.Fatalf("batch %d: gaps %+v", batch, gaps)
		}
		for _, g := range gaps {
			if g.Value != 0.5 || g.Tags["status"] != "200" {
				t.Fatalf("batch %d: gap %+v", batch, g)
			}
		}
		batches := (5 + batch - 1) / batch
		if n := len(e.samplesOf(MetricSSEEvent)); n != batches || e.eventCount() != 5 {
			t.Fatalf("batch %d: %d sse_event samples counting %d", batch, n, e.eventCount())
		}
		if emits != batches+1 { // + the request's samples at the end
			t.Fatalf("batch %d: %d Emit calls, want %d", batch, emits, batches+1)
		}
	}
}

func TestCookieJar(t *testing.T) {
	e := newEnv(t, func() *fakeStream {
		s := okStream(0)()
		s.resp.Headers = append(s.resp.Headers, streamapi.Header{Name: "set-cookie", Value: "session=abc; Path=/"})
		return s
	})
	u, _ := url.Parse("http://h/")
	e.host.jar.SetCookies(u, []*http.Cookie{{Name: "pre", Value: "1"}})
	e.mustRun(`sse.open("http://h/", c => {}); sse.open("http://h/", c => {})`)
	if got := headerPairs(e.transport.requests[0])["Cookie"]; got != "pre=1" {
		t.Fatalf("first cookie header %q", got)
	}
	if got := headerPairs(e.transport.requests[1])["Cookie"]; got != "pre=1; session=abc" && got != "session=abc; pre=1" {
		t.Fatalf("second cookie header %q", got)
	}
}

func TestK6OptionsMapping(t *testing.T) {
	e := newEnv(t, okStream(0))
	e.host.opts.InsecureSkipTLSVerify = true
	e.host.opts.TLSVersionMin = "1.2"
	e.host.opts.TLSAuth = []TLSAuth{{Domains: []string{"*.example.com"}, CertPEM: "CERT", KeyPEM: "KEY"}}
	e.host.opts.Hosts = map[string]string{"api.example.com": "127.0.0.1:8080"}
	e.host.opts.BlacklistIPs = []string{"10.0.0.0/8"}
	e.host.opts.BlockHostnames = []string{"*.evil.com"}
	e.host.opts.NoConnectionReuse = true
	e.mustRun(`sse.open("https://api.example.com/", c => {}); sse.open("https://other.org/", c => {})`)
	d := string(e.transport.defaults)
	for _, want := range []string{`"hosts":{"api.example.com":"127.0.0.1:8080"}`, `"deny_ips":["10.0.0.0/8"]`,
		`"deny_hosts":["*.evil.com"]`, `"no_connection_reuse":true`} {
		if !strings.Contains(d, want) {
			t.Fatalf("client defaults %s lack %s", d, want)
		}
	}
	tls0 := e.transport.requests[0]["tls"].(map[string]any)
	if tls0["insecure_skip_verify"] != true || tls0["min_version"] != "1.2" || tls0["client_cert_pem"] != "CERT" {
		t.Fatalf("tls %v", tls0)
	}
	if _, has := e.transport.requests[1]["tls"].(map[string]any)["client_cert_pem"]; has {
		t.Fatal("client cert sent to a domain it is not for")
	}
}

func TestOneTransportPerVUUnlessNoVUConnectionReuse(t *testing.T) {
	e := newEnv(t, okStream(0))
	e.mustRun(`sse.open("http://h/", c => {})`)
	e.host.iteration++
	e.mustRun(`sse.open("http://h/", c => {})`)
	if e.transports != 1 {
		t.Fatalf("transports %d", e.transports)
	}
	e.host.opts.NoVUConnectionReuse = true
	first := e.transport
	e.host.iteration++
	e.mustRun(`sse.open("http://h/", c => {})`)
	if e.transports != 2 || !first.closed {
		t.Fatalf("transports %d, first closed %v", e.transports, first.closed)
	}
	e.inst.Close()
	if !e.transport.closed {
		t.Fatal("Instance.Close must free the client")
	}
}

func TestVUStopCancelsQuietly(t *testing.T) {
	e := newEnv(t, okStream(4))
	ctx, cancel := context.WithCancel(context.Background())
	e.host.ctx = ctx
	_ = e.host.rt.Set("stopVU", cancel)
	v := e.mustRun(`let n = 0; const r = sse.open("http://h/", c => c.on('event', () => { n++; stopVU() })); n + "|" + r.status + "|" + r.error`)
	if v.String() != "2|200|" { // the first batch of 2 was already drained
		t.Fatal(v.String())
	}
}

func TestIPAndProtoSystemTags(t *testing.T) {
	connected := func() *fakeStream {
		s := okStream(2)()
		s.resp.RemoteIP, s.resp.Proto = "::1", "HTTP/2.0"
		return s
	}
	e := newEnv(t, connected)
	e.host.opts.SystemTags["ip"] = true
	e.host.opts.SystemTags["proto"] = true
	e.mustRun(`sse.open("http://h/", {eventGaps: true}, c => {})`)
	for _, m := range []string{MetricHTTPReqs, MetricHTTPReqDuration, MetricSSEEvent, MetricTimeToFirstEvent, MetricEventGap} {
		samples := e.samplesOf(m)
		if len(samples) == 0 {
			t.Fatalf("no %s samples", m)
		}
		for _, s := range samples {
			if s.Tags["ip"] != "::1" || s.Tags["proto"] != "HTTP/2.0" {
				t.Fatalf("%s tags %v", m, s.Tags)
			}
		}
	}
	if tags := e.samplesOf(MetricDataReceived)[0].Tags; tags["ip"] != "" || tags["proto"] != "" {
		t.Fatalf("data_received carries VU tags only: %v", tags)
	}

	// Not enabled (newEnv's default set): neither tag appears.
	e = newEnv(t, connected)
	e.mustRun(`sse.open("http://h/", c => {})`)
	for _, s := range e.host.samples {
		if _, has := s.Tags["ip"]; has {
			t.Fatalf("ip tag while disabled: %s %v", s.Metric, s.Tags)
		}
		if _, has := s.Tags["proto"]; has {
			t.Fatalf("proto tag while disabled: %s %v", s.Metric, s.Tags)
		}
	}
}

// The final state may come with the last batch (as libsse delivers it) or
// in a read of its own: either way every event runs its handlers first,
// in order, and then the error handlers see a failure.
func TestFinalStateWithOrAfterTheLastBatch(t *testing.T) {
	for _, apart := range []bool{false, true} {
		for _, final := range []streamapi.Status{streamapi.End, streamapi.Failed} {
			e := newEnv(t, func() *fakeStream {
				s := okStream(5)()
				s.batch, s.final, s.finalApart = 3, final, apart
				s.err = &streamapi.Error{Kind: streamapi.KindIO, Message: "reset"}
				return s
			})
			v := e.mustRun(`
				const log = []
				const r = sse.open("http://h/", c => {
					c.on('event', ev => log.push(ev.id))
					c.on('error', err => log.push("error:" + err.error()))
				})
				log.join(",") + "|" + r.status`)
			want := "1,2,3,4,5|200"
			if final == streamapi.Failed {
				want = "1,2,3,4,5,error:reset|200"
			}
			if v.String() != want {
				t.Fatalf("apart=%v final=%v: %s, want %s", apart, final, v, want)
			}
			if n := e.eventCount(); n != 5 {
				t.Fatalf("apart=%v final=%v: sse_event counts %d", apart, final, n)
			}
			if f := e.samplesOf(MetricHTTPReqFailed); len(f) != 1 || (f[0].Value == 1) != (final == streamapi.Failed) {
				t.Fatalf("apart=%v final=%v: http_req_failed %+v", apart, final, f)
			}
		}
	}
}
