package llm

import "fmt"

// Format is the streaming API a response speaks. Scripts choose it with the
// ParamName param of sse.open: ParamName: "openai" | "openai-responses" |
// "anthropic" | "auto".
type Format uint8

// The formats. FormatAuto decides on the first event it can read (an
// `event:` name or data `type` starting with "response." is the Responses
// API, one of Anthropic's event types is Anthropic, anything else OpenAI).
const (
	FormatAuto Format = iota
	// FormatOpenAI is chat completions (`choices[].delta`) and legacy
	// completions (`choices[].text`): `data: {json}` chunks, `data: [DONE]`.
	FormatOpenAI
	// FormatOpenAIResponses is the Responses API (`response.output_text.delta`, …).
	FormatOpenAIResponses
	// FormatAnthropic is Anthropic Messages (`content_block_delta`, …).
	FormatAnthropic
)

// ParamName is the sse.open param that turns the LLM reader on.
const ParamName = "llm"

var formatNames = [...]string{"auto", "openai", "openai-responses", "anthropic"}

// String is the param value (and the TagFormat tag value) of f.
func (f Format) String() string {
	if int(f) < len(formatNames) {
		return formatNames[f]
	}
	return "unknown"
}

// ParseFormat reads a ParamName param value.
func ParseFormat(s string) (Format, error) {
	for i, n := range formatNames {
		if s == n {
			return Format(i), nil
		}
	}
	return FormatAuto, fmt.Errorf("llm: unknown format %q (want \"openai\", \"openai-responses\", \"anthropic\" or \"auto\")", s)
}
