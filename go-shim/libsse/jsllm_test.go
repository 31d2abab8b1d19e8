package libsse_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/libsse/libsse/go-shim/jsapi"
	"github.com/libsse/libsse/go-shim/llm"
)

// llmOpenJS opens one streaming completion in FORMAT (chat, completions,
// responses, anthropic) with the llm param, the server's knobs given as body
// fields (max: the request's max tokens), and returns res.status and res.llm.
const llmOpenJS = `
function llmOpen(format, knobs) {
	const [path, llmFormat] = {chat: ["/v1/chat/completions", "openai"], completions: ["/v1/completions", "openai"],
		responses: ["/v1/responses", "openai-responses"], anthropic: ["/v1/messages", "anthropic"]}[format]
	const body = Object.assign({model: "m", stream: true, ttft_ms: 20, token_interval_ms: 1}, knobs)
	const max = body.max || 8
	delete body.max
	const messages = [{role: "user", content: "Say hello"}]
	switch (format) {
	case "chat": Object.assign(body, {messages, max_tokens: max, stream_options: {include_usage: true}}); break
	case "completions": Object.assign(body, {prompt: "Say hello", max_tokens: max, stream_options: {include_usage: true}}); break
	case "responses": Object.assign(body, {input: "Say hello", max_output_tokens: max}); break
	case "anthropic": Object.assign(body, {messages, max_tokens: max}); break
	}
	const r = sse.open(BASE + path, {method: "POST", body: JSON.stringify(body),
		headers: {"content-type": "application/json"}, llm: llmFormat}, c => c.on("error", e => { throw e }))
	return JSON.stringify({status: r.status, llm: r.llm})
}`

// llmRes is res.llm as the script got it.
type llmRes struct {
	Status int
	LLM    struct {
		ID, Format, TokensSource, FinishReason, Error string
		TimeToFirstToken                              *float64
		ContentChunks, OutputTokens                   int
		InputTokens                                   *int
	}
}

// idPrefix is each format's response id prefix.
var idPrefix = map[string]string{"chat": "chatcmpl-", "completions": "cmpl-", "responses": "resp_", "anthropic": "msg_"}

// The stream shapes of issue 12, in every format, through the JS layer on
// libsse against the bundled server: what the script gets in res.llm and
// which llm_* samples k6 would get. No timing is asserted beyond causality:
// the server writes the first token ttft_ms after it got the request, so no
// client can measure less.
func TestJSLLMStreamShapesInEveryFormat(t *testing.T) {
	type check func(t *testing.T, r llmRes, s map[string][]jsapi.Sample)
	tokens := func(n int, source string) check {
		return func(t *testing.T, r llmRes, s map[string][]jsapi.Sample) {
			if r.LLM.OutputTokens != n || r.LLM.TokensSource != source {
				t.Errorf("output tokens %d from %s, want %d from %s", r.LLM.OutputTokens, r.LLM.TokensSource, n, source)
			}
			if o := s[llm.MetricOutputTokens]; len(o) != 1 || int(o[0].Value) != n || o[0].Tags[llm.TagTokensSource] != source {
				t.Errorf("llm_output_tokens %+v", o)
			}
		}
	}
	finish := func(reason string) check {
		return func(t *testing.T, r llmRes, s map[string][]jsapi.Sample) {
			if r.LLM.FinishReason != reason {
				t.Errorf("finish reason %q, want %q", r.LLM.FinishReason, reason)
			}
			for _, x := range s[llm.MetricOutputTokens] {
				if x.Tags[llm.TagFinishReason] != reason {
					t.Errorf("finish_reason tag %q", x.Tags[llm.TagFinishReason])
				}
			}
		}
	}
	content := func(chunks int) check {
		return func(t *testing.T, r llmRes, s map[string][]jsapi.Sample) {
			if r.LLM.ContentChunks != chunks {
				t.Errorf("%d content chunks, want %d", r.LLM.ContentChunks, chunks)
			}
			if n := len(s[llm.MetricITL]); n != max(chunks-1, 0) {
				t.Errorf("%d ITL samples for %d chunks", n, chunks)
			}
			ttft := s[llm.MetricTTFT]
			if chunks == 0 {
				if len(ttft) != 0 || r.LLM.TimeToFirstToken != nil {
					t.Errorf("a time to first token without content: %+v %v", ttft, r.LLM.TimeToFirstToken)
				}
				return
			}
			// Causality: the first token was written ttft_ms (20) after the
			// server got the request, which came after our start.
			if len(ttft) != 1 || r.LLM.TimeToFirstToken == nil || ttft[0].Value != *r.LLM.TimeToFirstToken || ttft[0].Value < 20 {
				t.Errorf("time to first token %+v, res.llm %v", ttft, r.LLM.TimeToFirstToken)
			}
		}
	}
	noErrors := func(t *testing.T, r llmRes, s map[string][]jsapi.Sample) {
		if len(s[llm.MetricStreamErrors]) != 0 || r.LLM.Error != "" {
			t.Errorf("stream errors %+v %q", s[llm.MetricStreamErrors], r.LLM.Error)
		}
	}
	cases := []struct {
		name   string
		knobs  string
		checks []check
	}{{
		name:  "opening events long before the first token are not a token",
		knobs: `{role_ms: 0, ttft_ms: 40, completion_tokens: 3}`,
		checks: []check{content(3), tokens(3, "usage"), finish(llm.FinishStop), noErrors,
			func(t *testing.T, r llmRes, s map[string][]jsapi.Sample) {
				// The opening events came 40 ms before the first token:
				// the time to first event is theirs, not the token's.
				ttfe, ttft := s[jsapi.MetricTimeToFirstEvent], s[llm.MetricTTFT]
				if len(ttfe) != 1 || len(ttft) != 1 || ttft[0].Value < 40 || ttfe[0].Value > ttft[0].Value {
					t.Errorf("first event %+v, first token %+v", ttfe, ttft)
				}
			}},
	}, {
		name:   "empty deltas are not tokens",
		knobs:  `{empty_deltas: 2, completion_tokens: 3}`,
		checks: []check{content(3), tokens(3, "usage"), finish(llm.FinishStop), noErrors},
	}, {
		name:   "usage, then no terminator",
		knobs:  `{done: 0, completion_tokens: 4}`,
		checks: []check{content(4), tokens(4, "usage"), finish(llm.FinishStop), noErrors},
	}, {
		name:   "cut by max tokens: finish reason length",
		knobs:  `{completion_tokens: 20, max: 5}`,
		checks: []check{content(5), tokens(5, "usage"), finish(llm.FinishLength), noErrors},
	}, {
		name:  "an error event mid-stream",
		knobs: `{error_after: 2, completion_tokens: 5}`,
		checks: []check{content(2), tokens(2, "chunks"), finish(llm.FinishError),
			func(t *testing.T, r llmRes, s map[string][]jsapi.Sample) {
				e := s[llm.MetricStreamErrors]
				if len(e) != 1 || e[0].Value != 1 || e[0].Tags[llm.TagErrorType] == "" || r.LLM.Error == "" {
					t.Errorf("stream errors %+v, res.llm.error %q", e, r.LLM.Error)
				}
			}},
	}, {
		name:   "no content at all",
		knobs:  `{completion_tokens: 0}`,
		checks: []check{content(0), tokens(0, "usage"), finish(llm.FinishStop), noErrors},
	}}
	h, _ := vu(t)
	run(t, h, llmOpenJS)
	for _, format := range []string{"chat", "completions", "responses", "anthropic"} {
		for _, c := range cases {
			t.Run(format+"/"+c.name, func(t *testing.T) {
				h.Take()
				v := run(t, h, fmt.Sprintf("llmOpen(%q, %s)", format, c.knobs))
				var r llmRes
				if err := json.Unmarshal([]byte(v.String()), &r); err != nil {
					t.Fatal(err)
				}
				if r.Status != 200 || !strings.HasPrefix(r.LLM.ID, idPrefix[format]) {
					t.Fatalf("%s", v)
				}
				samples := map[string][]jsapi.Sample{}
				for _, s := range h.Take() {
					samples[s.Metric] = append(samples[s.Metric], s)
					if strings.HasPrefix(s.Metric, "llm_") && s.Metadata[llm.MetadataResponseID] != r.LLM.ID {
						t.Errorf("%s: metadata %v, want the response id %s", s.Metric, s.Metadata, r.LLM.ID)
					}
				}
				for _, check := range c.checks {
					check(t, r, samples)
				}
				if t.Failed() {
					t.Logf("res: %s", v)
				}
			})
		}
	}
}
