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
// For the k6 wiring: the script opts in with the sse.open param ParamName
// (`llm: "openai"`, ParseFormat reads it; the same param suits the
// non-blocking API). Push an ITL sample as each content chunk arrives; at the
// end push a figure only when its method says ok (a stream without content
// has no TTFT, fewer than two tokens no TPOT), MetricInputTokens only when
// res.InputTokens >= 0, and MetricStreamErrors (tag TagErrorType) when
// res.Err is set. TagFormat is res.Format.String() (the format read, also
// under "auto"); TagFinishReason is res.FinishReason.
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
// # Definitions, next to other tools
//
//	metric                        here                                  vLLM bench_serving        guidellm 0.8             aiperf
//	llm_time_to_first_token       start → first content chunk           TTFT (same)               time_to_first_token_ms   time_to_first_token
//	llm_inter_token_latency       gap between consecutive content       ITL (per chunk, same)     — (only the mean:        inter_chunk_latency
//	                              chunks, one sample per gap                                      inter_token_latency_ms)
//	llm_time_per_output_token     (last − first content)/(tokens − 1)   TPOT (same)               inter_token_latency_ms   inter_token_latency
//	                                                                                              (same formula)
//	llm_output_tokens             usage's output tokens, else chunks    output_lens               output_tokens            output_sequence_length
//	llm_output_tokens_per_second  tokens / (last content − start)       — (aggregate only)        output_tokens_per_second output_token_throughput_per_user
//	                                                                                              (÷ whole latency)        (1 / ITL)
//
// Start is the request's start on libsse's clock (streamapi.Timings.Start:
// before connecting when no pooled connection is free). Events that arrive in
// one socket read share one stamp, so a gap can be 0.
package llm
