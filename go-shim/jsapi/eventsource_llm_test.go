package jsapi

import (
	"strings"
	"testing"

	"github.com/libsse/libsse/go-shim/llm"
	"github.com/libsse/libsse/go-shim/streamapi"
)

// runEventSourceIteration runs script as an iteration (on the fake VU's
// event loop) with EventSource as a global; streams come from e's transport.
func runEventSourceIteration(t *testing.T, e *env, script string) error {
	t.Helper()
	if err := e.host.rt.Set("EventSource", e.inst.Named()["EventSource"]); err != nil {
		t.Fatal(err)
	}
	err := e.host.Start(func() error { _, err := e.host.rt.RunString(script); return err })
	if e.host.Pending() != 0 {
		t.Fatal("a callback is still registered")
	}
	return err
}

// The llm param on EventSource feeds the same tracker as sse.open's, from
// the shared batch dispatch: the ITL samples as the events come, the
// per-request figures with the http_* samples when the stream ends.
func TestEventSourceLLMParam(t *testing.T) {
	e := newEnv(t, llmStream(streamapi.End, chatEvents()...))
	err := runEventSourceIteration(t, e, `
		var messages = 0;
		const es = new EventSource("http://h/v1/chat/completions",
			{method: "POST", body: "{}", llm: "openai", tags: {run: "a"}});
		es.onmessage = () => messages++;`)
	if err != nil {
		t.Fatal(err)
	}
	// With the llm param EventSource does not reconnect unless asked to:
	// the one request went out without the option.
	if len(e.transport.requests) != 1 || e.transport.requests[0]["reconnect"] != false {
		t.Fatalf("requests %v", e.transport.requests)
	}
	if n := e.mustRun("messages").ToInteger(); n != 7 {
		t.Fatalf("%d messages", n)
	}
	itl := e.samplesOf(llm.MetricITL)
	if len(itl) != 2 || !near(itl[0].Value, 15) || !near(itl[1].Value, 16) {
		t.Fatalf("ITL %+v", itl)
	}
	for metric, v := range map[string]float64{
		llm.MetricTTFT: 150, llm.MetricTPOT: 31.0 / 6, llm.MetricOutputTokens: 7, llm.MetricInputTokens: 12,
	} {
		s := e.one(metric)
		if !near(s.Value, v) {
			t.Errorf("%s = %v, want %v", metric, s.Value, v)
		}
		if s.Tags[llm.TagFinishReason] != llm.FinishStop || s.Tags[llm.TagFormat] != "openai" || s.Tags["run"] != "a" {
			t.Errorf("%s tags %v", metric, s.Tags)
		}
		if s.Metadata[llm.MetadataResponseID] != "chatcmpl-AbC" {
			t.Errorf("%s metadata %v", metric, s.Metadata)
		}
	}
	if len(e.samplesOf(MetricHTTPReqs)) != 1 {
		t.Fatal("no http_reqs sample")
	}
}

// With the llm param, an explicit reconnect still wins.
func TestEventSourceLLMParamReconnectWhenAsked(t *testing.T) {
	e := newEnv(t, llmStream(streamapi.End, chatEvents()...))
	if err := runEventSourceIteration(t, e, `const es = new EventSource("http://h/", {llm: "openai", reconnect: true});
		es.onmessage = (m) => { if (m.data === "[DONE]") es.close() }`); err != nil {
		t.Fatal(err)
	}
	if len(e.transport.requests) != 1 || e.transport.requests[0]["reconnect"] != true {
		t.Fatalf("requests %v", e.transport.requests)
	}
}

// Without the param nothing llm_* is pushed; a bad format names EventSource.
func TestEventSourceLLMParamOffAndInvalid(t *testing.T) {
	e := newEnv(t, llmStream(streamapi.End, chatEvents()...))
	if err := runEventSourceIteration(t, e, `new EventSource("http://h/", {reconnect: false})`); err != nil {
		t.Fatal(err)
	}
	for _, s := range e.host.samples {
		if strings.HasPrefix(s.Metric, "llm_") {
			t.Fatalf("llm sample without the param: %+v", s)
		}
	}
	e = newEnv(t, llmStream(streamapi.End, chatEvents()...))
	err := runEventSourceIteration(t, e, `new EventSource("http://h/", {llm: "gpt"})`)
	if err == nil || !strings.Contains(err.Error(), "invalid new EventSource() llm") {
		t.Fatalf("err %v", err)
	}
}
