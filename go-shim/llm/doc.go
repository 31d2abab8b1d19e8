// Package llm reads streaming LLM responses — OpenAI chat completions and
// legacy completions, the OpenAI Responses API, Anthropic Messages — from
// their Server-Sent Events and measures each request the way LLM benchmarks
// do, from libsse's native event stamps (streamapi.Event.TimeNS) rather than
// from when a callback ran. It imports neither k6 nor cgo: the k6 glue and
// the JS layer feed it events and push its figures as k6 samples.
//
// # Use
//
//	r := llm.NewReader(format, timings.Start) // the request's start stamp
//	for each event ev, in order:
//	    st := r.Event(&ev)
//	    if st.Kind == llm.StepContent && !st.First { push MetricITL = st.GapNS }
//	res := r.Result()                         // once the stream ended
//	push MetricTTFT (res.TTFT), MetricTPOT, MetricOutputTokens, …
//	with tags TagFormat, TagFinishReason, TagTokensSource
//	and metadata MetadataResponseID = res.ID on every sample.
//
// k6/x/sse wires it in go-shim/jsapi/llmtrack.go: the script opts in with
// the sse.open param ParamName (`llm: "openai"`, read by ParseFormat); an ITL
// sample is pushed as each content chunk arrives, and at the end a figure
// only when its method says ok (a stream without content has no TTFT, fewer
// than two tokens no TPOT), MetricInputTokens only when res.InputTokens >= 0,
// and MetricStreamErrors (tag TagErrorType) when res.Err is set.
//
// Event reads only the fields it needs with an in-place scanner: no
// reflection and no allocation per event (the response id is copied once).
//
// # What counts as a token
//
// A content chunk is an event whose delta carries at least one character of
// output text: `delta.content` (or `reasoning_content` / `reasoning`) or a
// completions `text`; a Responses `response.output_text.delta` (or
// `refusal.delta`, `reasoning_text.delta`); an Anthropic
// `content_block_delta` with a `text_delta` or `thinking_delta`. Role-only
// chunks, empty deltas, usage chunks, `ping`, and the opening and closing
// events are not tokens. Reasoning text counts, as in vLLM's benchmark and
// guidellm's TTFT (guidellm's TTFOT would leave it out).
//
// # Definitions
//
// The metrics (metrics.go) are defined for users in go-shim/README.md, "LLM
// metrics", next to what vLLM's benchmark, guidellm and aiperf call the same
// things. Start is the request's start on libsse's clock
// (streamapi.Timings.Start: when the request was handed to libsse, before a
// pooled connection was taken or a new one connected), as vLLM's benchmark
// and aiperf start theirs. Events that arrive in one socket read share one
// stamp, so a gap can be 0.
package llm
