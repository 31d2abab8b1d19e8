package llm

import (
	"strings"
	"time"

	"github.com/libsse/libsse/go-shim/streamapi"
)

// Reader reads one response's events for one Format and keeps that
// request's figures. Feed it every event in order with Event; read the
// figures with Result once the stream ended. Not safe for concurrent use;
// Reset reuses it for the next request without allocating.
type Reader struct {
	format  Format // as configured (may be FormatAuto)
	startNS uint64
	res     Result
	// usage-reported counts; -1 until a usage report is seen.
	usageOut, usageIn int64
	finishRaw         string
}

// Step says what one event was.
type Step struct {
	Kind StepKind
	// First is true for the first content chunk of the response.
	First bool
	// GapNS is, for a content chunk after the first, the time since the
	// previous content chunk (one MetricITL sample); 0 otherwise.
	GapNS uint64
}

// StepKind classifies an event.
type StepKind uint8

// Event kinds.
const (
	// StepOther is an event that carries no token: role chunks, empty
	// deltas, `response.created`, `ping`, usage-only chunks, ….
	StepOther StepKind = iota
	// StepContent is a chunk with at least one output character (content,
	// completion text, or reasoning/thinking text).
	StepContent
	// StepDone is the format's terminal event (`[DONE]`,
	// `response.completed`/`incomplete`/`failed`, `message_stop`).
	StepDone
	// StepError is an error event inside the stream (Result.Err is set).
	StepError
	// StepMalformed is an event this format cannot read (Result.Malformed).
	StepMalformed
)

// StreamError is an error the server reported inside the stream.
type StreamError struct {
	Type    string // "server_error", "overloaded_error", …; "error" when the event gave none
	Code    string // code when given (OpenAI, Responses)
	Message string
}

func (e *StreamError) Error() string { return "llm stream error (" + e.Type + "): " + e.Message }

// Result is one request's figures. Times are on the clock of Event.TimeNS.
type Result struct {
	Format Format // the format read (resolved when FormatAuto)
	ID     string // the response id the server gave (chatcmpl-…, resp_…, msg_…)

	StartNS        uint64 // request start, as given to NewReader / Reset
	FirstContentNS uint64 // 0 when no content arrived
	LastContentNS  uint64
	ContentChunks  int

	OutputTokens int
	TokensSource TokensSource
	InputTokens  int // -1 when the server reported none

	FinishReason    string // normalized (Finish*); FinishUnknown when none
	RawFinishReason string // as the server sent it
	Done            bool   // the terminal event arrived
	Err             *StreamError
	Malformed       int // events that could not be read
}

// NewReader starts reading a response to a request started at startNS.
func NewReader(f Format, startNS uint64) *Reader {
	r := &Reader{}
	r.Reset(f, startNS)
	return r
}

// Reset starts over for a new request.
func (r *Reader) Reset(f Format, startNS uint64) {
	*r = Reader{format: f, startNS: startNS, usageOut: -1, usageIn: -1}
	r.res.Format = f
	r.res.StartNS = startNS
}

// Event reads one event.
func (r *Reader) Event(ev *streamapi.Event) Step {
	if r.res.Format == FormatAuto {
		r.res.Format = detect(ev)
	}
	var st Step
	switch r.res.Format {
	case FormatOpenAIResponses:
		st.Kind = r.responsesEvent(ev)
	case FormatAnthropic:
		st.Kind = r.anthropicEvent(ev)
	default:
		st.Kind = r.openAIEvent(ev)
	}
	switch st.Kind {
	case StepContent:
		r.res.ContentChunks++
		if r.res.FirstContentNS == 0 {
			r.res.FirstContentNS = ev.TimeNS
			st.First = true
		} else if ev.TimeNS > r.res.LastContentNS {
			st.GapNS = ev.TimeNS - r.res.LastContentNS
		}
		r.res.LastContentNS = ev.TimeNS
	case StepDone:
		r.res.Done = true
	case StepMalformed:
		r.res.Malformed++
	}
	return st
}

// setID keeps the first id seen (copied: it must not pin the event's data).
func (r *Reader) setID(raw string) {
	if r.res.ID == "" && raw != "" {
		r.res.ID = strings.Clone(unquote(raw))
	}
}

func (r *Reader) setError(typ, code, msg string) {
	if typ == "" {
		typ = "error"
	}
	r.res.Err = &StreamError{Type: unquote(typ), Code: unquote(code), Message: unquote(msg)}
}

// ID is the response id seen so far ("" until an event carried one): what
// Result().ID will be, without building a Result.
func (r *Reader) ID() string { return r.res.ID }

// Format is the format being read: the configured one, or under FormatAuto
// the one detected (FormatAuto until an event decided it).
func (r *Reader) Format() Format { return r.res.Format }

// Result returns the figures so far (complete once the stream ended).
func (r *Reader) Result() Result {
	res := r.res
	res.OutputTokens, res.TokensSource = res.ContentChunks, TokensFromChunks
	if r.usageOut >= 0 {
		res.OutputTokens, res.TokensSource = int(r.usageOut), TokensFromUsage
	}
	res.InputTokens = int(r.usageIn)
	res.RawFinishReason = r.finishRaw
	res.FinishReason = normalizeFinish(r.finishRaw)
	if res.FinishReason == FinishUnknown && res.Err != nil {
		res.FinishReason = FinishError
	}
	return res
}

// TTFT is request start → first content chunk; false when no content came.
func (res Result) TTFT() (time.Duration, bool) {
	if res.FirstContentNS == 0 || res.FirstContentNS < res.StartNS {
		return 0, false
	}
	return time.Duration(res.FirstContentNS - res.StartNS), true
}

// TimePerOutputToken is (last − first content) / (output tokens − 1), as
// vLLM's benchmark defines TPOT; false with fewer than two tokens.
func (res Result) TimePerOutputToken() (time.Duration, bool) {
	if res.OutputTokens < 2 || res.LastContentNS < res.FirstContentNS || res.FirstContentNS == 0 {
		return 0, false
	}
	return time.Duration((res.LastContentNS - res.FirstContentNS) / uint64(res.OutputTokens-1)), true
}

// OutputTokensPerSecond is output tokens / (last content − request start).
func (res Result) OutputTokensPerSecond() (float64, bool) {
	if res.OutputTokens == 0 || res.LastContentNS <= res.StartNS {
		return 0, false
	}
	return float64(res.OutputTokens) / (float64(res.LastContentNS-res.StartNS) / 1e9), true
}

func normalizeFinish(raw string) string {
	switch raw {
	case "":
		return FinishUnknown
	case "stop", "end_turn", "stop_sequence", "completed":
		return FinishStop
	case "length", "max_tokens", "max_output_tokens":
		return FinishLength
	case "tool_calls", "function_call", "tool_use":
		return FinishToolCalls
	case "content_filter", "refusal":
		return FinishContentFilter
	}
	return raw
}

// anthropicTypes are the event types only Anthropic's stream uses.
func isAnthropicType(t string) bool {
	switch t {
	case "message_start", "content_block_start", "content_block_delta", "content_block_stop",
		"message_delta", "message_stop", "ping":
		return true
	}
	return false
}

// detect picks the format from an event's name or its data's "type".
func detect(ev *streamapi.Event) Format {
	t := ev.Type
	if t == "" || t == "message" {
		t = topLevelType(ev.Data)
	}
	switch {
	case strings.HasPrefix(t, "response."):
		return FormatOpenAIResponses
	case isAnthropicType(t):
		return FormatAnthropic
	case t == "error":
		return FormatAuto // the same in every format: decide later
	}
	return FormatOpenAI
}

// topLevelType is the raw "type" member of a JSON object, "" when none.
func topLevelType(data string) string {
	p := scanner{s: data}
	if !p.open('{') {
		return ""
	}
	for first := true; ; first = false {
		k, ok := p.key(first)
		if !ok {
			return ""
		}
		if k == "type" {
			t, _ := p.str()
			return t
		}
		p.skip()
	}
}
