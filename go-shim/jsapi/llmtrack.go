package jsapi

import (
	"fmt"
	"time"

	"github.com/grafana/sobek"
	"github.com/libsse/libsse/go-shim/llm"
	"github.com/libsse/libsse/go-shim/streamapi"
)

// The `llm` param (`sse.open(url, {llm: "openai"}, fn)`) makes the module
// read the stream as a streaming LLM response with package llm — in Go, as
// the events are dispatched, so a script parses no chunk — and push the
// llm_* metrics of each request:
//
//   - llm_inter_token_latency: one sample per content chunk after the first,
//     with the batch the chunk came in (tags: the request's + llm_format);
//   - at the end of the request, with the http_* samples: time to first
//     token, time per output token, output tokens per second, output tokens
//     (tag tokens_source), input tokens (when the server reported usage),
//     and llm_stream_errors when the stream carried an error event (tag
//     llm_error_type); tags: the request's + llm_format + finish_reason.
//
// Every llm_* sample carries the response id as k6 sample metadata
// (llm.MetadataResponseID: a tag would make one time series per request),
// which is how `sse-testserver calibrate` pairs k6's figures with the
// server's truth. sse.open's response gets the request's figures as
// `res.llm` (llmObject).

// llmMetrics are the llm_* metrics, registered with the module's own
// (ModuleMetrics); what each sample means is in package llm.
var llmMetrics = []MetricDef{
	{llm.MetricTTFT, TrendTime},
	{llm.MetricITL, TrendTime},
	{llm.MetricTPOT, TrendTime},
	{llm.MetricOutputTokens, Counter},
	{llm.MetricInputTokens, Counter},
	{llm.MetricOutputTokensPerSecond, Trend},
	{llm.MetricStreamErrors, Counter},
}

// parseLLMParam reads the llm param of api (sse.open or EventSource): a
// format name ("openai", "openai-responses", "anthropic", "auto"); false
// leaves the reader off.
func parseLLMParam(api string, v sobek.Value) (*llm.Format, error) {
	if on, ok := v.Export().(bool); ok && !on {
		return nil, nil
	}
	f, err := llm.ParseFormat(v.String())
	if err != nil {
		return nil, fmt.Errorf("invalid %s %w", api, err)
	}
	return &f, nil
}

// llmTracker is one request's LLM reader and the samples it turns into.
// A nil tracker (the param not given) does nothing.
type llmTracker struct {
	format llm.Format // as the param gave it
	reader llm.Reader
	clock  wallClock
	base   map[string]string // the request's tags, from its first event; nil before
	itl    map[string]string // base + llm_format: the ITL samples' tags
	meta   map[string]string // {llm_response_id: id}, once the id is known
	res    *llm.Result       // the figures, once final ran
}

func newLLMTracker(f *llm.Format) *llmTracker {
	if f == nil {
		return nil
	}
	t := &llmTracker{format: *f}
	t.reader.Reset(*f, 0)
	return t
}

// begin is called at the stream's first event with the tags every sample
// of the stream carries and the request's start stamp (libsse's, the
// clock of the events' stamps): TTFT counts from there.
func (t *llmTracker) begin(clock wallClock, tags map[string]string, startNS uint64) *llmTracker {
	if t == nil {
		return nil
	}
	t.clock, t.base = clock, tags
	t.reader.Reset(t.format, startNS)
	return t
}

// event reads one dispatched event and appends its ITL sample, if any.
func (t *llmTracker) event(e *streamapi.Event, batch []Sample) []Sample {
	st := t.reader.Event(e)
	if st.Kind != llm.StepContent || st.First {
		return batch
	}
	if t.itl == nil {
		// The format is known by now, also under "auto": a content chunk
		// came before this one.
		t.itl = withTags(t.base, llm.TagFormat, t.reader.Format().String())
	}
	return append(batch, Sample{Metric: llm.MetricITL, Time: t.clock.time(e.TimeNS),
		Value: nsToMs(st.GapNS), Tags: t.itl, Metadata: t.metadata()})
}

// metadata is the samples' metadata: nil until an event gave the id, then
// one map shared by every later sample of the request.
func (t *llmTracker) metadata() map[string]string {
	if t.meta == nil && t.reader.ID() != "" {
		t.meta = map[string]string{llm.MetadataResponseID: t.reader.ID()}
	}
	return t.meta
}

// final reads the request's figures once it ended and appends their
// samples to out (once; later calls append nothing). failed says the
// request failed (http_req_failed): a failed stream that gave no finish
// reason gets finish_reason "error", not "unknown".
func (t *llmTracker) final(out []Sample, at time.Time, failed bool) []Sample {
	if t == nil || t.res != nil {
		return out
	}
	res := t.reader.Result()
	if failed && res.FinishReason == llm.FinishUnknown {
		res.FinishReason = llm.FinishError
	}
	t.res = &res
	if t.base == nil {
		return out // no event came: nothing was measured
	}
	tags := withTags(t.base, llm.TagFormat, res.Format.String(), llm.TagFinishReason, res.FinishReason)
	meta := t.metadata()
	add := func(metric string, v float64, tags map[string]string) {
		out = append(out, Sample{Metric: metric, Time: at, Value: v, Tags: tags, Metadata: meta})
	}
	if d, ok := res.TTFT(); ok {
		add(llm.MetricTTFT, msOf(d), tags)
	}
	if d, ok := res.TimePerOutputToken(); ok {
		add(llm.MetricTPOT, msOf(d), tags)
	}
	if v, ok := res.OutputTokensPerSecond(); ok {
		add(llm.MetricOutputTokensPerSecond, v, tags)
	}
	add(llm.MetricOutputTokens, float64(res.OutputTokens), withTags(tags, llm.TagTokensSource, res.TokensSource.String()))
	if res.InputTokens >= 0 {
		add(llm.MetricInputTokens, float64(res.InputTokens), tags)
	}
	if res.Err != nil {
		add(llm.MetricStreamErrors, 1, withTags(tags, llm.TagErrorType, res.Err.Type))
	}
	return out
}

// object is `res.llm`: the request's figures for the script (checks,
// its own metrics), or nil without the param. Times in ms; null where the
// figure does not exist (no content: no time to first token).
func (t *llmTracker) object(rt *sobek.Runtime) *sobek.Object {
	if t == nil || t.res == nil {
		return nil
	}
	res := t.res
	orNull := func(d time.Duration, ok bool) sobek.Value {
		if !ok {
			return sobek.Null()
		}
		return rt.ToValue(msOf(d))
	}
	o := rt.NewObject()
	_ = o.Set("id", res.ID)
	_ = o.Set("format", res.Format.String())
	_ = o.Set("timeToFirstToken", orNull(res.TTFT()))
	_ = o.Set("timePerOutputToken", orNull(res.TimePerOutputToken()))
	if v, ok := res.OutputTokensPerSecond(); ok {
		_ = o.Set("outputTokensPerSecond", v)
	} else {
		_ = o.Set("outputTokensPerSecond", sobek.Null())
	}
	_ = o.Set("contentChunks", res.ContentChunks)
	_ = o.Set("outputTokens", res.OutputTokens)
	_ = o.Set("tokensSource", res.TokensSource.String())
	if res.InputTokens >= 0 {
		_ = o.Set("inputTokens", res.InputTokens)
	} else {
		_ = o.Set("inputTokens", sobek.Null())
	}
	_ = o.Set("finishReason", res.FinishReason)
	errMsg := ""
	if res.Err != nil {
		errMsg = res.Err.Error()
	}
	_ = o.Set("error", errMsg)
	return o
}

func msOf(d time.Duration) float64 { return nsToMs(uint64(d)) }

// withTags is a copy of base with the pairs k, v, … added.
func withTags(base map[string]string, kv ...string) map[string]string {
	m := make(map[string]string, len(base)+len(kv)/2)
	for k, v := range base {
		m[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return m
}
