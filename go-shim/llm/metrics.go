package llm

// Metric names pushed per request when ParamName is set, their k6 kinds and
// what each sample means (doc.go compares them with vLLM's benchmark,
// guidellm and aiperf). Time values are in milliseconds. None of the names
// is one the seed examples/llm.js declares itself, so a script that keeps
// its own llm_* metrics does not collide with these.
const (
	// MetricTTFT is a Trend (time), one sample per request that streamed
	// content: request start → first content chunk (Result.TTFT).
	MetricTTFT = "llm_time_to_first_token"
	// MetricITL is a Trend (time), one sample per content chunk after the
	// first: the gap to the previous content chunk (Step.GapNS).
	MetricITL = "llm_inter_token_latency"
	// MetricTPOT is a Trend (time), one sample per request with at least two
	// output tokens: (last − first content) / (output tokens − 1).
	MetricTPOT = "llm_time_per_output_token"
	// MetricOutputTokens is a Counter: output tokens per request (its rate
	// is the test's output throughput). Tagged TagTokensSource.
	MetricOutputTokens = "llm_output_tokens"
	// MetricInputTokens is a Counter: prompt tokens per request, when the
	// server reports usage.
	MetricInputTokens = "llm_input_tokens"
	// MetricOutputTokensPerSecond is a Trend, one sample per request:
	// output tokens / (last content − request start) in seconds.
	MetricOutputTokensPerSecond = "llm_output_tokens_per_second"
	// MetricStreamErrors is a Counter: error events inside streams (the
	// format's own error event, not transport failures). Tagged TagErrorType.
	MetricStreamErrors = "llm_stream_errors"
)

// Tags the LLM samples carry besides the request's usual ones.
const (
	// TagFormat is the resolved Format's String().
	TagFormat = "llm_format"
	// TagFinishReason is Result.FinishReason (normalized, see Finish*).
	TagFinishReason = "finish_reason"
	// TagTokensSource is "usage" or "chunks" (Result.TokensSource).
	TagTokensSource = "tokens_source"
	// TagErrorType is StreamError.Type, on MetricStreamErrors.
	TagErrorType = "llm_error_type"
)

// MetadataResponseID is the k6 sample metadata key (not a tag: ids are
// unique, tags must not be) carrying Result.ID on every LLM sample, so that
// `sse-testserver calibrate` can pair k6's figures with the server's truth.
const MetadataResponseID = "llm_response_id"

// TokensSource says where Result.OutputTokens came from.
type TokensSource uint8

// Sources of the output token count.
const (
	// TokensFromChunks counts content chunks (a chunk may hold more than
	// one token: a lower bound).
	TokensFromChunks TokensSource = iota
	// TokensFromUsage is the server's usage report.
	TokensFromUsage
)

func (s TokensSource) String() string {
	if s == TokensFromUsage {
		return "usage"
	}
	return "chunks"
}

// Normalized finish reasons (TagFinishReason). Values not listed pass
// through as the server sent them.
const (
	FinishStop          = "stop"           // OpenAI stop; Responses completed; Anthropic end_turn, stop_sequence
	FinishLength        = "length"         // OpenAI length; Responses incomplete max_output_tokens; Anthropic max_tokens
	FinishToolCalls     = "tool_calls"     // OpenAI tool_calls; Anthropic tool_use
	FinishContentFilter = "content_filter" // OpenAI content_filter; Responses incomplete content_filter; Anthropic refusal
	FinishError         = "error"          // the stream carried an error event (or, in k6/x/sse, failed) and no finish reason
	FinishUnknown       = "unknown"        // the stream ended without saying why
)
