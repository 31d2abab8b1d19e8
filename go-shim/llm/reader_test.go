package llm

import (
	"math"
	"testing"
	"time"

	"github.com/libsse/libsse/go-shim/streamapi"
)

// ms is a stamp n milliseconds after the request start (start = 1 s).
func ms(n float64) uint64 { return startNS + uint64(n*1e6) }

const startNS = uint64(time.Second)

// ev is one event: SSE event name (empty for OpenAI), data, stamp in ms.
type ev struct {
	name, data string
	at         float64
}

type want struct {
	id          string
	steps       []StepKind // per event
	ttftMS      float64    // -1: no content
	gapsMS      []float64
	tokens      int
	source      TokensSource
	inputTokens int
	finish      string
	done        bool
	errType     string
	malformed   int
}

func run(t *testing.T, f Format, events []ev, w want) {
	t.Helper()
	r := NewReader(f, startNS)
	var gaps []float64
	for i, e := range events {
		st := r.Event(&streamapi.Event{Type: e.name, Data: e.data, TimeNS: ms(e.at)})
		if i < len(w.steps) && st.Kind != w.steps[i] {
			t.Errorf("event %d (%s): step %d, want %d", i, e.data, st.Kind, w.steps[i])
		}
		if st.Kind == StepContent && !st.First {
			gaps = append(gaps, float64(st.GapNS)/1e6)
		}
	}
	res := r.Result()
	if res.ID != w.id {
		t.Errorf("id %q, want %q", res.ID, w.id)
	}
	ttft, ok := res.TTFT()
	switch {
	case w.ttftMS < 0 && ok:
		t.Errorf("TTFT %v, want none", ttft)
	case w.ttftMS >= 0 && (!ok || ttft != time.Duration(w.ttftMS*1e6)):
		t.Errorf("TTFT %v %v, want %vms", ttft, ok, w.ttftMS)
	}
	if len(gaps) != len(w.gapsMS) {
		t.Errorf("gaps %v, want %v", gaps, w.gapsMS)
	} else {
		for i := range gaps {
			if gaps[i] != w.gapsMS[i] {
				t.Errorf("gaps %v, want %v", gaps, w.gapsMS)
				break
			}
		}
	}
	if res.OutputTokens != w.tokens || res.TokensSource != w.source {
		t.Errorf("tokens %d from %s, want %d from %s", res.OutputTokens, res.TokensSource, w.tokens, w.source)
	}
	if res.InputTokens != w.inputTokens {
		t.Errorf("input tokens %d, want %d", res.InputTokens, w.inputTokens)
	}
	if res.FinishReason != w.finish {
		t.Errorf("finish %q (raw %q), want %q", res.FinishReason, res.RawFinishReason, w.finish)
	}
	if res.Done != w.done {
		t.Errorf("done %v, want %v", res.Done, w.done)
	}
	switch {
	case w.errType == "" && res.Err != nil:
		t.Errorf("unexpected error %v", res.Err)
	case w.errType != "" && (res.Err == nil || res.Err.Type != w.errType):
		t.Errorf("error %v, want type %q", res.Err, w.errType)
	}
	if res.Malformed != w.malformed {
		t.Errorf("malformed %d, want %d", res.Malformed, w.malformed)
	}
}

const (
	O = StepOther
	C = StepContent
	D = StepDone
	E = StepError
	M = StepMalformed
)

// Chunks as api.openai.com sends them (role chunk with refusal, usage null
// with include_usage, usage chunk with empty choices).
const (
	oaRole    = `{"id":"chatcmpl-AbC","object":"chat.completion.chunk","created":1732000000,"model":"gpt-4o-mini","system_fingerprint":"fp_1","choices":[{"index":0,"delta":{"role":"assistant","content":"","refusal":null},"logprobs":null,"finish_reason":null}],"usage":null}`
	oaTok     = `{"id":"chatcmpl-AbC","object":"chat.completion.chunk","created":1732000000,"model":"gpt-4o-mini","system_fingerprint":"fp_1","choices":[{"index":0,"delta":{"content":" hello"},"logprobs":null,"finish_reason":null}],"usage":null}`
	oaEmpty   = `{"id":"chatcmpl-AbC","object":"chat.completion.chunk","created":1732000000,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"content":""},"logprobs":null,"finish_reason":null}],"usage":null}`
	oaStop    = `{"id":"chatcmpl-AbC","object":"chat.completion.chunk","created":1732000000,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}],"usage":null}`
	oaLength  = `{"id":"chatcmpl-AbC","object":"chat.completion.chunk","created":1732000000,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"length"}],"usage":null}`
	oaUsage   = `{"id":"chatcmpl-AbC","object":"chat.completion.chunk","created":1732000000,"model":"gpt-4o-mini","choices":[],"usage":{"prompt_tokens":12,"completion_tokens":7,"total_tokens":19,"prompt_tokens_details":{"cached_tokens":0},"completion_tokens_details":{"reasoning_tokens":0}}}`
	oaError   = `{"error":{"message":"The server had an error while processing your request.","type":"server_error","param":null,"code":null}}`
	vllmError = `{"object":"error","message":"Engine loop is not running","type":"InternalServerError","param":null,"code":500}`
	cmplTok   = `{"id":"cmpl-9x","object":"text_completion","created":1732000000,"choices":[{"text":" world","index":0,"logprobs":null,"finish_reason":null}],"model":"gpt-3.5-turbo-instruct"}`
	cmplStop  = `{"id":"cmpl-9x","object":"text_completion","created":1732000000,"choices":[{"text":"","index":0,"logprobs":null,"finish_reason":"length"}],"model":"gpt-3.5-turbo-instruct"}`
	vllmThink = `{"id":"chatcmpl-v1","object":"chat.completion.chunk","created":1,"model":"qwen3","choices":[{"index":0,"delta":{"reasoning_content":"Let me think"},"logprobs":null,"finish_reason":null}]}`
)

func TestOpenAI(t *testing.T) {
	cases := []struct {
		name   string
		events []ev
		w      want
	}{{
		name:   "role-only first chunk long before the first token is not a token",
		events: []ev{{"", oaRole, 2}, {"", oaTok, 150}, {"", oaTok, 165}, {"", oaTok, 181}, {"", oaStop, 181}, {"", oaUsage, 181}, {"", "[DONE]", 181}},
		w: want{id: "chatcmpl-AbC", steps: []StepKind{O, C, C, C, O, O, D}, ttftMS: 150, gapsMS: []float64{15, 16},
			tokens: 7, source: TokensFromUsage, inputTokens: 12, finish: FinishStop, done: true},
	}, {
		name:   "empty deltas are not tokens",
		events: []ev{{"", oaRole, 1}, {"", oaEmpty, 2}, {"", oaEmpty, 3}, {"", oaTok, 100}, {"", oaEmpty, 110}, {"", oaTok, 120}, {"", oaStop, 120}, {"", "[DONE]", 120}},
		w: want{id: "chatcmpl-AbC", steps: []StepKind{O, O, O, C, O, C, O, D}, ttftMS: 100, gapsMS: []float64{20},
			tokens: 2, source: TokensFromChunks, inputTokens: -1, finish: FinishStop, done: true},
	}, {
		name:   "usage chunk and no [DONE]",
		events: []ev{{"", oaTok, 50}, {"", oaLength, 50}, {"", oaUsage, 50}},
		w: want{id: "chatcmpl-AbC", steps: []StepKind{C, O, O}, ttftMS: 50, tokens: 7, source: TokensFromUsage,
			inputTokens: 12, finish: FinishLength},
	}, {
		name:   "error chunk mid-stream",
		events: []ev{{"", oaRole, 1}, {"", oaTok, 10}, {"", oaTok, 20}, {"", oaError, 25}},
		w: want{id: "chatcmpl-AbC", steps: []StepKind{O, C, C, E}, ttftMS: 10, gapsMS: []float64{10}, tokens: 2,
			source: TokensFromChunks, inputTokens: -1, finish: FinishError, errType: "server_error"},
	}, {
		name:   "vLLM error object and an `event: error` event",
		events: []ev{{"", oaTok, 10}, {"", vllmError, 12}, {"error", `{"message":"bye"}`, 13}},
		w: want{id: "chatcmpl-AbC", steps: []StepKind{C, E, E}, ttftMS: 10, tokens: 1, source: TokensFromChunks,
			inputTokens: -1, finish: FinishError, errType: "error"},
	}, {
		name:   "no content at all",
		events: []ev{{"", oaRole, 100}, {"", oaStop, 100}, {"", oaUsage, 100}, {"", "[DONE]", 100}},
		w: want{id: "chatcmpl-AbC", steps: []StepKind{O, O, O, D}, ttftMS: -1, tokens: 7, source: TokensFromUsage,
			inputTokens: 12, finish: FinishStop, done: true},
	}, {
		name:   "legacy completions text chunks",
		events: []ev{{"", cmplTok, 40}, {"", cmplTok, 55}, {"", cmplStop, 55}, {"", "[DONE]", 55}},
		w: want{id: "cmpl-9x", steps: []StepKind{C, C, O, D}, ttftMS: 40, gapsMS: []float64{15}, tokens: 2,
			source: TokensFromChunks, inputTokens: -1, finish: FinishLength, done: true},
	}, {
		name:   "reasoning deltas are tokens",
		events: []ev{{"", vllmThink, 30}, {"", vllmThink, 31}},
		w: want{id: "chatcmpl-v1", steps: []StepKind{C, C}, ttftMS: 30, gapsMS: []float64{1}, tokens: 2,
			source: TokensFromChunks, inputTokens: -1, finish: FinishUnknown},
	}, {
		name:   "malformed chunks are counted, not fatal",
		events: []ev{{"", `{"id":"chatcmpl-z","choices":[{"delta":{"content":"a"`, 5}, {"", `not json`, 6}, {"", oaTok, 7}},
		w: want{id: "chatcmpl-z", steps: []StepKind{M, M, C}, ttftMS: 7, tokens: 1, source: TokensFromChunks,
			inputTokens: -1, finish: FinishUnknown, malformed: 2},
	}}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { run(t, FormatOpenAI, c.events, c.w) })
	}
}

// Events as the Responses API sends them (`event:` name = data type).
const (
	rCreated = `{"type":"response.created","sequence_number":0,"response":{"id":"resp_67cc","object":"response","created_at":1741487325,"status":"in_progress","error":null,"incomplete_details":null,"model":"gpt-4o","output":[],"usage":null}}`
	rProg    = `{"type":"response.in_progress","sequence_number":1,"response":{"id":"resp_67cc","object":"response","status":"in_progress","output":[],"usage":null}}`
	rItem    = `{"type":"response.output_item.added","sequence_number":2,"output_index":0,"item":{"id":"msg_67cc","status":"in_progress","type":"message","role":"assistant","content":[]}}`
	rPart    = `{"type":"response.content_part.added","sequence_number":3,"item_id":"msg_67cc","output_index":0,"content_index":0,"part":{"type":"output_text","text":"","annotations":[]}}`
	rDelta   = `{"type":"response.output_text.delta","sequence_number":4,"item_id":"msg_67cc","output_index":0,"content_index":0,"delta":"In","logprobs":[]}`
	rEmpty   = `{"type":"response.output_text.delta","sequence_number":4,"item_id":"msg_67cc","output_index":0,"content_index":0,"delta":"","logprobs":[]}`
	rTextEnd = `{"type":"response.output_text.done","sequence_number":6,"item_id":"msg_67cc","output_index":0,"content_index":0,"text":"In a","logprobs":[]}`
	rDone    = `{"type":"response.completed","sequence_number":9,"response":{"id":"resp_67cc","object":"response","status":"completed","error":null,"incomplete_details":null,"output":[{"id":"msg_67cc","type":"message","status":"completed","role":"assistant","content":[{"type":"output_text","text":"In a","annotations":[]}]}],"usage":{"input_tokens":37,"input_tokens_details":{"cached_tokens":0},"output_tokens":11,"output_tokens_details":{"reasoning_tokens":0},"total_tokens":48}}}`
	rIncompl = `{"type":"response.incomplete","sequence_number":9,"response":{"id":"resp_67cc","object":"response","status":"incomplete","incomplete_details":{"reason":"max_output_tokens"},"usage":{"input_tokens":37,"output_tokens":2,"total_tokens":39}}}`
	rError   = `{"type":"error","code":"server_error","message":"Something went wrong","param":null,"sequence_number":5}`
	rFailed  = `{"type":"response.failed","sequence_number":5,"response":{"id":"resp_67cc","object":"response","status":"failed","error":{"code":"server_error","message":"The model failed"},"incomplete_details":null,"usage":null}}`
)

func TestOpenAIResponses(t *testing.T) {
	open := []ev{{"response.created", rCreated, 1}, {"response.in_progress", rProg, 1}, {"response.output_item.added", rItem, 1}, {"response.content_part.added", rPart, 1}}
	with := func(rest ...ev) []ev { return append(append([]ev{}, open...), rest...) }
	cases := []struct {
		name   string
		events []ev
		w      want
	}{{
		name:   "a whole response; usage from response.completed",
		events: with(ev{"response.output_text.delta", rDelta, 150}, ev{"response.output_text.delta", rDelta, 165}, ev{"response.output_text.done", rTextEnd, 165}, ev{"response.completed", rDone, 165}),
		w: want{id: "resp_67cc", steps: []StepKind{O, O, O, O, C, C, O, D}, ttftMS: 150, gapsMS: []float64{15},
			tokens: 11, source: TokensFromUsage, inputTokens: 37, finish: FinishStop, done: true},
	}, {
		name:   "empty delta first; max_output_tokens is length",
		events: with(ev{"response.output_text.delta", rEmpty, 20}, ev{"response.output_text.delta", rDelta, 90}, ev{"response.incomplete", rIncompl, 90}),
		w: want{id: "resp_67cc", steps: []StepKind{O, O, O, O, O, C, D}, ttftMS: 90, tokens: 2, source: TokensFromUsage,
			inputTokens: 37, finish: FinishLength, done: true},
	}, {
		name:   "error event mid-stream",
		events: with(ev{"response.output_text.delta", rDelta, 30}, ev{"error", rError, 40}),
		w: want{id: "resp_67cc", steps: []StepKind{O, O, O, O, C, E}, ttftMS: 30, tokens: 1, source: TokensFromChunks,
			inputTokens: -1, finish: FinishError, errType: "server_error"},
	}, {
		name:   "response.failed",
		events: with(ev{"response.failed", rFailed, 40}),
		w: want{id: "resp_67cc", steps: []StepKind{O, O, O, O, D}, ttftMS: -1, tokens: 0, source: TokensFromChunks,
			inputTokens: -1, finish: FinishError, done: true, errType: "response.failed"},
	}, {
		name:   "no content at all",
		events: with(ev{"response.completed", rDone, 40}),
		w: want{id: "resp_67cc", steps: []StepKind{O, O, O, O, D}, ttftMS: -1, tokens: 11, source: TokensFromUsage,
			inputTokens: 37, finish: FinishStop, done: true},
	}}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { run(t, FormatOpenAIResponses, c.events, c.w) })
	}
}

// Events as api.anthropic.com sends them.
const (
	aStart  = `{"type":"message_start","message":{"id":"msg_01XFDUDYJgAACzvnptvVoYEL","type":"message","role":"assistant","content":[],"model":"claude-sonnet-4-5","stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":25,"output_tokens":1}}}`
	aBlock  = `{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}`
	aPing   = `{"type": "ping"}`
	aDelta  = `{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hello"}}`
	aEmpty  = `{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":""}}`
	aThink  = `{"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"Let me"}}`
	aBStop  = `{"type":"content_block_stop","index":0}`
	aMDelta = `{"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":15}}`
	aMaxTok = `{"type":"message_delta","delta":{"stop_reason":"max_tokens","stop_sequence":null},"usage":{"output_tokens":2}}`
	aStop   = `{"type":"message_stop"}`
	aError  = `{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}`
)

func TestAnthropic(t *testing.T) {
	open := []ev{{"message_start", aStart, 1}, {"content_block_start", aBlock, 1}, {"ping", aPing, 1}}
	with := func(rest ...ev) []ev { return append(append([]ev{}, open...), rest...) }
	cases := []struct {
		name   string
		events []ev
		w      want
	}{{
		name:   "a whole message; usage from message_delta, not message_start",
		events: with(ev{"content_block_delta", aDelta, 150}, ev{"content_block_delta", aDelta, 166}, ev{"content_block_stop", aBStop, 166}, ev{"message_delta", aMDelta, 166}, ev{"message_stop", aStop, 166}),
		w: want{id: "msg_01XFDUDYJgAACzvnptvVoYEL", steps: []StepKind{O, O, O, C, C, O, O, D}, ttftMS: 150, gapsMS: []float64{16},
			tokens: 15, source: TokensFromUsage, inputTokens: 25, finish: FinishStop, done: true},
	}, {
		name:   "empty text delta, then thinking; max_tokens is length; no message_stop",
		events: with(ev{"content_block_delta", aEmpty, 5}, ev{"content_block_delta", aThink, 60}, ev{"message_delta", aMaxTok, 60}),
		w: want{id: "msg_01XFDUDYJgAACzvnptvVoYEL", steps: []StepKind{O, O, O, O, C, O}, ttftMS: 60, tokens: 2,
			source: TokensFromUsage, inputTokens: 25, finish: FinishLength},
	}, {
		name:   "error event mid-stream",
		events: with(ev{"content_block_delta", aDelta, 20}, ev{"error", aError, 30}),
		w: want{id: "msg_01XFDUDYJgAACzvnptvVoYEL", steps: []StepKind{O, O, O, C, E}, ttftMS: 20, tokens: 1,
			source: TokensFromChunks, inputTokens: 25, finish: FinishError, errType: "overloaded_error"},
	}, {
		name:   "no content at all",
		events: with(ev{"content_block_stop", aBStop, 9}, ev{"message_delta", `{"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":0}}`, 9}, ev{"message_stop", aStop, 9}),
		w: want{id: "msg_01XFDUDYJgAACzvnptvVoYEL", steps: []StepKind{O, O, O, O, O, D}, ttftMS: -1, tokens: 0,
			source: TokensFromUsage, inputTokens: 25, finish: FinishStop, done: true},
	}}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { run(t, FormatAnthropic, c.events, c.w) })
	}
}

func TestAutoDetectsEachFormat(t *testing.T) {
	cases := []struct {
		first ev
		want  Format
	}{
		{ev{"", oaRole, 1}, FormatOpenAI},
		{ev{"response.created", rCreated, 1}, FormatOpenAIResponses},
		{ev{"", rCreated, 1}, FormatOpenAIResponses}, // no event name: data type
		{ev{"message_start", aStart, 1}, FormatAnthropic},
		{ev{"", aStart, 1}, FormatAnthropic},
	}
	for _, c := range cases {
		r := NewReader(FormatAuto, startNS)
		r.Event(&streamapi.Event{Type: c.first.name, Data: c.first.data, TimeNS: ms(c.first.at)})
		if got := r.Result().Format; got != c.want {
			t.Errorf("%.40s: format %v, want %v", c.first.data, got, c.want)
		}
	}
	// An error first decides nothing, and is still an error.
	r := NewReader(FormatAuto, startNS)
	if st := r.Event(&streamapi.Event{Type: "error", Data: aError}); st.Kind != StepError {
		t.Errorf("error event: step %d", st.Kind)
	}
	if r.Result().Format != FormatAuto || r.Result().Err.Type != "overloaded_error" {
		t.Errorf("after an error: %+v", r.Result())
	}
}

func TestDerivedFigures(t *testing.T) {
	r := NewReader(FormatOpenAI, startNS)
	for _, at := range []float64{100, 110, 120, 130} {
		r.Event(&streamapi.Event{Data: oaTok, TimeNS: ms(at)})
	}
	res := r.Result()
	if d, ok := res.TimePerOutputToken(); !ok || d != 10*time.Millisecond {
		t.Errorf("TPOT %v %v", d, ok)
	}
	if v, ok := res.OutputTokensPerSecond(); !ok || math.Abs(v-4/0.130) > 1e-9 {
		t.Errorf("tokens/s %v %v", v, ok)
	}
	r.Reset(FormatOpenAI, startNS)
	if _, ok := r.Result().TimePerOutputToken(); ok {
		t.Error("TPOT without tokens")
	}
	if _, ok := r.Result().OutputTokensPerSecond(); ok {
		t.Error("tokens/s without tokens")
	}
}

func TestFormatNames(t *testing.T) {
	for _, f := range []Format{FormatAuto, FormatOpenAI, FormatOpenAIResponses, FormatAnthropic} {
		got, err := ParseFormat(f.String())
		if err != nil || got != f {
			t.Errorf("%v: %v %v", f, got, err)
		}
	}
	if _, err := ParseFormat("gemini"); err == nil {
		t.Error("unknown format accepted")
	}
}

// The seed examples/llm.js declares its own llm_* metrics; ours must not
// take any of their names (k6 refuses a name registered twice).
func TestMetricNamesDoNotCollideWithTheSeedScript(t *testing.T) {
	seed := map[string]bool{
		"llm_prompt_tokens": true, "llm_completion_tokens": true, "llm_tokens_second": true,
		"llm_prompt_processing_second": true, "llm_emit_first_token_second": true,
		"llm_prompt_tokens_total_counter": true, "llm_completion_tokens_total_counter": true,
		"llm_completions_truncated_rate": true, "llm_completions_stop_rate": true,
	}
	for _, n := range []string{MetricTTFT, MetricITL, MetricTPOT, MetricOutputTokens, MetricInputTokens,
		MetricOutputTokensPerSecond, MetricStreamErrors} {
		if seed[n] {
			t.Errorf("%s is the seed script's", n)
		}
	}
}

func TestEventDoesNotAllocate(t *testing.T) {
	r := NewReader(FormatOpenAI, startNS)
	evs := []streamapi.Event{{Data: oaRole}, {Data: oaTok}, {Data: oaUsage}, {Data: "[DONE]"}}
	r.Event(&evs[1]) // the id is copied once, on the first event
	allocs := testing.AllocsPerRun(200, func() {
		for i := range evs {
			r.Event(&evs[i])
		}
	})
	if allocs != 0 {
		t.Errorf("%v allocations per 4 events", allocs)
	}
}
