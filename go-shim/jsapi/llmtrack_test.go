package jsapi

import (
	"math"
	"strings"
	"testing"

	"github.com/libsse/libsse/go-shim/llm"
	"github.com/libsse/libsse/go-shim/streamapi"
)

// Chat chunks as api.openai.com sends them (id chatcmpl-AbC).
const (
	chatRole  = `{"id":"chatcmpl-AbC","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}],"usage":null}`
	chatTok   = `{"id":"chatcmpl-AbC","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":" hi"},"finish_reason":null}],"usage":null}`
	chatStop  = `{"id":"chatcmpl-AbC","object":"chat.completion.chunk","choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":null}`
	chatUsage = `{"id":"chatcmpl-AbC","object":"chat.completion.chunk","choices":[],"usage":{"prompt_tokens":12,"completion_tokens":7,"total_tokens":19}}`
)

// startNS is okStream's Timings.Start; at(ms) is a stamp ms after it.
const llmStartNS = 1_000_000

func at(ms float64) uint64 { return llmStartNS + uint64(ms*1e6) }

// llmStream answers 200 with the given events (data, stamp), two per batch.
func llmStream(final streamapi.Status, events ...streamapi.Event) func() *fakeStream {
	return func() *fakeStream {
		s := okStream(0)()
		for i := range events {
			events[i].Retry = -1
		}
		s.events, s.final = events, final
		if final == streamapi.Failed {
			s.err = &streamapi.Error{Kind: streamapi.KindIO, Message: "connection reset"}
			s.timings.End = 0
		}
		return s
	}
}

func chatEvents() []streamapi.Event {
	return []streamapi.Event{
		{Data: chatRole, TimeNS: at(2)}, {Data: chatTok, TimeNS: at(150)}, {Data: chatTok, TimeNS: at(165)},
		{Data: chatTok, TimeNS: at(181)}, {Data: chatStop, TimeNS: at(181)}, {Data: chatUsage, TimeNS: at(181)},
		{Data: "[DONE]", TimeNS: at(181)},
	}
}

// one returns the only sample of metric, failing otherwise.
func (e *env) one(metric string) Sample {
	e.t.Helper()
	s := e.samplesOf(metric)
	if len(s) != 1 {
		e.t.Fatalf("%s: %d samples %+v", metric, len(s), s)
	}
	return s[0]
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-6 }

func TestLLMParamPushesPerRequestFigures(t *testing.T) {
	e := newEnv(t, llmStream(streamapi.End, chatEvents()...))
	var containers [][]Sample
	e.host.onEmit = func(s []Sample) { containers = append(containers, append([]Sample(nil), s...)) }
	v := e.mustRun(`const r = sse.open("http://h/v1/chat/completions", {llm: "openai", tags: {run: "a"}}, c => {}); JSON.stringify(r.llm)`)
	want := `{"id":"chatcmpl-AbC","format":"openai","timeToFirstToken":150,"timePerOutputToken":5.166666,` +
		`"outputTokensPerSecond":38.67403314917127,"contentChunks":3,"outputTokens":7,"tokensSource":"usage",` +
		`"inputTokens":12,"finishReason":"stop","error":""}`
	if v.String() != want {
		t.Fatalf("res.llm\n got %s\nwant %s", v, want)
	}

	// One ITL sample per content chunk after the first, in its batch's
	// container; tags: the request's and llm_format.
	itl := e.samplesOf(llm.MetricITL)
	if len(itl) != 2 || !near(itl[0].Value, 15) || !near(itl[1].Value, 16) {
		t.Fatalf("ITL %+v", itl)
	}
	for _, s := range itl {
		if s.Tags[llm.TagFormat] != "openai" || s.Tags["run"] != "a" || s.Tags["status"] != "200" {
			t.Fatalf("ITL tags %v", s.Tags)
		}
		if _, ok := s.Tags[llm.TagFinishReason]; ok {
			t.Fatalf("ITL samples are pushed before the finish reason is known: %v", s.Tags)
		}
	}
	for _, c := range containers[:len(containers)-1] {
		hasITL, hasEvent := false, false
		for _, s := range c {
			hasITL = hasITL || s.Metric == llm.MetricITL
			hasEvent = hasEvent || s.Metric == MetricSSEEvent
		}
		if hasITL && !hasEvent {
			t.Fatalf("an ITL sample outside its batch's container: %+v", c)
		}
	}

	// The per-request figures come with the http_* samples, at the end.
	last := containers[len(containers)-1]
	inLast := map[string]Sample{}
	for _, s := range last {
		inLast[s.Metric] = s
	}
	for metric, v := range map[string]float64{
		llm.MetricTTFT: 150, llm.MetricTPOT: 31.0 / 6, llm.MetricOutputTokensPerSecond: 7 / 0.181,
		llm.MetricOutputTokens: 7, llm.MetricInputTokens: 12,
	} {
		s, ok := inLast[metric]
		if !ok || !near(s.Value, v) {
			t.Errorf("%s: %+v (in the last container: %v), want %v", metric, s, ok, v)
		}
		if s.Tags[llm.TagFinishReason] != llm.FinishStop || s.Tags[llm.TagFormat] != "openai" || s.Tags["run"] != "a" {
			t.Errorf("%s tags %v", metric, s.Tags)
		}
	}
	if _, ok := inLast[MetricHTTPReqs]; !ok {
		t.Error("the llm figures are not in the request's final container")
	}
	if src := e.one(llm.MetricOutputTokens).Tags[llm.TagTokensSource]; src != "usage" {
		t.Errorf("tokens_source %q", src)
	}
	if n := len(e.samplesOf(llm.MetricStreamErrors)); n != 0 {
		t.Errorf("%d stream errors", n)
	}

	// Every llm_* sample, and only those, carries the response id as metadata.
	for _, s := range e.host.samples {
		id := s.Metadata[llm.MetadataResponseID]
		if strings.HasPrefix(s.Metric, "llm_") != (id == "chatcmpl-AbC") {
			t.Errorf("%s: metadata %v", s.Metric, s.Metadata)
		}
		if _, tagged := s.Tags[llm.MetadataResponseID]; tagged {
			t.Errorf("%s: the response id is a tag", s.Metric)
		}
	}
}

func TestLLMParamOffPushesNothing(t *testing.T) {
	for _, params := range []string{`{}`, `{llm: false}`, `{llm: null}`} {
		e := newEnv(t, llmStream(streamapi.End, chatEvents()...))
		v := e.mustRun(`const r = sse.open("http://h/", ` + params + `, c => {}); typeof r.llm`)
		if v.String() != "undefined" {
			t.Errorf("%s: res.llm is %s", params, v)
		}
		for _, s := range e.host.samples {
			if strings.HasPrefix(s.Metric, "llm_") || s.Metadata != nil {
				t.Errorf("%s: %+v", params, s)
			}
		}
	}
}

func TestLLMParamRejectsUnknownFormats(t *testing.T) {
	for _, v := range []string{`"gemini"`, `true`, `""`, `1`} {
		e := newEnv(t, llmStream(streamapi.End, chatEvents()...))
		_, err := e.run(`sse.open("http://h/", {llm: ` + v + `}, c => {})`)
		if err == nil || !strings.Contains(err.Error(), "invalid sse.open() llm: unknown format") ||
			!strings.Contains(err.Error(), `"openai-responses"`) {
			t.Errorf("llm: %s: %v", v, err)
		}
		if e.transport != nil && len(e.transport.requests) != 0 {
			t.Errorf("llm: %s: a request was sent", v)
		}
	}
}

// "auto" reads the format from the first event; the tag says which.
func TestLLMAutoFormat(t *testing.T) {
	e := newEnv(t, llmStream(streamapi.End,
		streamapi.Event{Type: "message_start", Data: `{"type":"message_start","message":{"id":"msg_1","usage":{"input_tokens":5,"output_tokens":1}}}`, TimeNS: at(1)},
		streamapi.Event{Type: "content_block_delta", Data: `{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hi"}}`, TimeNS: at(40)},
		streamapi.Event{Type: "content_block_delta", Data: `{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"!"}}`, TimeNS: at(50)},
		streamapi.Event{Type: "message_delta", Data: `{"type":"message_delta","delta":{"stop_reason":"max_tokens"},"usage":{"output_tokens":2}}`, TimeNS: at(50)},
		streamapi.Event{Type: "message_stop", Data: `{"type":"message_stop"}`, TimeNS: at(50)},
	))
	v := e.mustRun(`const r = sse.open("http://h/", {llm: "auto"}, c => {}); r.llm.format + "|" + r.llm.finishReason + "|" + r.llm.id`)
	if v.String() != "anthropic|length|msg_1" {
		t.Fatal(v)
	}
	ttft := e.one(llm.MetricTTFT)
	if !near(ttft.Value, 40) || ttft.Tags[llm.TagFormat] != "anthropic" || ttft.Tags[llm.TagFinishReason] != "length" {
		t.Fatalf("%+v", ttft)
	}
	if itl := e.one(llm.MetricITL); itl.Tags[llm.TagFormat] != "anthropic" || !near(itl.Value, 10) {
		t.Fatalf("%+v", itl)
	}
}

// A stream that fails after content: its figures are pushed, and its
// finish reason is "error" (http_req_failed says the same), not "unknown".
func TestLLMStreamThatFailsMidway(t *testing.T) {
	evs := chatEvents()[:3]
	e := newEnv(t, llmStream(streamapi.Failed, evs...))
	v := e.mustRun(`let kind = ""; const r = sse.open("http://h/", {llm: "openai"}, c => c.on("error", x => { kind = x.kind }));
		[kind, r.llm.finishReason, r.llm.outputTokens, r.llm.tokensSource, r.llm.inputTokens].join("|")`)
	if v.String() != "io|error|2|chunks|" {
		t.Fatal(v)
	}
	if s := e.one(llm.MetricTTFT); s.Tags[llm.TagFinishReason] != llm.FinishError {
		t.Fatalf("%+v", s)
	}
	if n := len(e.samplesOf(llm.MetricInputTokens)); n != 0 {
		t.Fatalf("input tokens without usage: %d samples", n)
	}
	if n := len(e.samplesOf(llm.MetricStreamErrors)); n != 0 {
		t.Fatalf("a transport failure counted as a stream error event: %d", n)
	}
}

// An error event inside the stream counts in llm_stream_errors with its type.
func TestLLMErrorEvent(t *testing.T) {
	evs := append(chatEvents()[:2], streamapi.Event{Data: `{"error":{"message":"boom","type":"server_error","param":null,"code":null}}`, TimeNS: at(160)})
	e := newEnv(t, llmStream(streamapi.End, evs...))
	v := e.mustRun(`const r = sse.open("http://h/", {llm: "openai"}, c => {}); r.llm.finishReason + "|" + r.llm.error`)
	if v.String() != "error|llm stream error (server_error): boom" {
		t.Fatal(v)
	}
	s := e.one(llm.MetricStreamErrors)
	if s.Value != 1 || s.Tags[llm.TagErrorType] != "server_error" || s.Metadata[llm.MetadataResponseID] != "chatcmpl-AbC" {
		t.Fatalf("%+v", s)
	}
}

// The script's close() stops the reader with the handlers: what was not
// dispatched is not read; the end is "unknown".
func TestLLMCloseInHandler(t *testing.T) {
	e := newEnv(t, llmStream(streamapi.End, chatEvents()...))
	v := e.mustRun(`let n = 0; const r = sse.open("http://h/", {llm: "openai"}, c => c.on("event", () => { if (++n === 2) c.close() }));
		[r.llm.contentChunks, r.llm.finishReason, r.llm.timeToFirstToken].join("|")`)
	if v.String() != "1|unknown|150" {
		t.Fatal(v)
	}
	if n := len(e.samplesOf(llm.MetricITL)); n != 0 {
		t.Fatalf("%d ITL samples after close", n)
	}
	if s := e.one(llm.MetricTTFT); s.Tags[llm.TagFinishReason] != llm.FinishUnknown {
		t.Fatalf("%+v", s)
	}
}

// No response at all: res.llm is there (scripts read it unguarded), with
// nulls where nothing was measured, and no llm_* sample is pushed.
func TestLLMNoResponse(t *testing.T) {
	e := newEnv(t, func() *fakeStream {
		return &fakeStream{openErr: &streamapi.Error{Kind: "connect", Message: "refused"}}
	})
	e.host.opts.Throw = false
	v := e.mustRun(`const r = sse.open("http://h/", {llm: "openai"}, c => {}); JSON.stringify(r.llm)`)
	want := `{"id":"","format":"openai","timeToFirstToken":null,"timePerOutputToken":null,"outputTokensPerSecond":null,` +
		`"contentChunks":0,"outputTokens":0,"tokensSource":"chunks","inputTokens":null,"finishReason":"error","error":""}`
	if v.String() != want {
		t.Fatalf("\n got %s\nwant %s", v, want)
	}
	for _, s := range e.host.samples {
		if strings.HasPrefix(s.Metric, "llm_") {
			t.Fatalf("%+v", s)
		}
	}
}

// The glue registers every metric a sample can name.
func TestModuleMetricsCoverTheLLMNames(t *testing.T) {
	have := map[string]MetricKind{}
	for _, d := range ModuleMetrics() {
		if _, dup := have[d.Name]; dup {
			t.Errorf("%s listed twice", d.Name)
		}
		have[d.Name] = d.Kind
	}
	for name, kind := range map[string]MetricKind{
		llm.MetricTTFT: TrendTime, llm.MetricITL: TrendTime, llm.MetricTPOT: TrendTime,
		llm.MetricOutputTokens: Counter, llm.MetricInputTokens: Counter,
		llm.MetricOutputTokensPerSecond: Trend, llm.MetricStreamErrors: Counter,
		MetricSSEEvent: Counter, MetricTimeToFirstEvent: TrendTime, MetricEventGap: TrendTime,
	} {
		if k, ok := have[name]; !ok || k != kind {
			t.Errorf("%s: kind %v registered %v, want %v", name, k, ok, kind)
		}
	}
}
