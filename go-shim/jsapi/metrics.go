package jsapi

import (
	"strconv"
	"time"

	"github.com/libsse/libsse/go-shim/streamapi"
)

// Metric names. The http_* and data_* ones are k6 built-ins; the sse_* ones
// are registered by the glue (sse_event is xk6-sse's counter).
const (
	MetricSSEEvent          = "sse_event"               // Counter
	MetricTimeToFirstEvent  = "sse_time_to_first_event" // Trend, time
	MetricEventGap          = "sse_event_gap"           // Trend, time
	MetricReconnects        = "sse_reconnects"          // Counter
	MetricReconnectDowntime = "sse_reconnect_downtime"  // Trend, time
	MetricHTTPReqs          = "http_reqs"               // Counter
	MetricHTTPReqFailed     = "http_req_failed"         // Rate
	MetricHTTPReqDuration   = "http_req_duration"       // Trend, time
	MetricHTTPReqBlocked    = "http_req_blocked"
	MetricHTTPReqConnecting = "http_req_connecting"
	MetricHTTPReqTLS        = "http_req_tls_handshaking"
	MetricHTTPReqSending    = "http_req_sending"
	MetricHTTPReqWaiting    = "http_req_waiting"
	MetricHTTPReqReceiving  = "http_req_receiving"
	MetricDataSent          = "data_sent"     // Counter, bytes
	MetricDataReceived      = "data_received" // Counter, bytes
)

// MetricKind is how the glue registers one of the module's own metrics.
type MetricKind uint8

// The kinds of the module's own metrics.
const (
	Counter   MetricKind = iota
	Trend                // a Trend of plain values
	TrendTime            // a Trend of durations, in ms
)

// MetricDef is one metric the module registers itself (k6's built-in
// http_* and data_* metrics are not listed: the glue looks those up).
type MetricDef struct {
	Name string
	Kind MetricKind
}

// ModuleMetrics are the metrics the glue registers for every VU: the sse_*
// ones and the llm_* ones (llmMetrics, llmtrack.go).
func ModuleMetrics() []MetricDef {
	return append([]MetricDef{
		{MetricSSEEvent, Counter},
		{MetricTimeToFirstEvent, TrendTime},
		{MetricEventGap, TrendTime},
		{MetricReconnects, Counter},
		{MetricReconnectDowntime, TrendTime},
	}, llmMetrics...)
}

// phases is the k6 breakdown of one request, in milliseconds.
type phases struct {
	blocked, connecting, tls, sending, waiting, receiving float64
}

func (p phases) duration() float64 { return p.sending + p.waiting + p.receiving }

func nsToMs(ns uint64) float64 { return float64(ns) / 1e6 }

// span is b-a in ms when both happened and b is not before a, else 0.
func span(a, b uint64) float64 {
	if a == 0 || b == 0 || b < a {
		return 0
	}
	return nsToMs(b - a)
}

// breakdown maps libsse timings onto k6's meanings: blocked is everything
// before the TCP connect started (DNS included, as k6 counts it), waiting
// ends at the response headers (time to first response byte), receiving
// runs from there to the end of the stream. end is used when libsse has not
// stamped one (a stream we cancelled).
func breakdown(t streamapi.Timings, end uint64) phases {
	if t.End != 0 {
		end = t.End
	}
	connStart := t.Start
	if t.DNSDone != 0 {
		connStart = t.DNSDone
	}
	p := phases{blocked: span(t.Start, connStart)}
	sendStart := connStart
	if t.ConnectDone != 0 {
		p.connecting = span(connStart, t.ConnectDone)
		sendStart = t.ConnectDone
	}
	if t.TLSDone != 0 {
		p.tls = span(sendStart, t.TLSDone)
		sendStart = t.TLSDone
	}
	if t.RequestSent == 0 {
		return p
	}
	p.sending = span(sendStart, t.RequestSent)
	if t.Headers == 0 {
		p.waiting = span(t.RequestSent, end)
		return p
	}
	p.waiting = span(t.RequestSent, t.Headers)
	p.receiving = span(t.Headers, end)
	return p
}

// requestTags are the tags of the http_* samples of one stream.
type requestTags struct {
	base   map[string]string // VU tags + user tags
	system map[string]string // url, method, name, status, expected_response, ip, proto when enabled
}

func (r requestTags) all() map[string]string {
	out := make(map[string]string, len(r.base)+len(r.system))
	for k, v := range r.base {
		out[k] = v
	}
	for k, v := range r.system {
		if _, user := r.base[k]; user && k == "name" {
			continue // a user-given name tag wins, as in k6
		}
		out[k] = v
	}
	return out
}

func (r *requestTags) setSystem(enabled map[string]bool, name, value string) {
	if enabled[name] {
		r.system[name] = value
	}
}

// expectedStatus is k6's default expected response: 200..399.
func expectedStatus(status int) bool { return status >= 200 && status < 400 }

// finalSamples are the samples of a finished (or failed) request.
func finalSamples(t streamapi.Timings, end uint64, at time.Time, status int, failed bool,
	tags *requestTags, enabled map[string]bool,
) []Sample {
	tags.setSystem(enabled, "status", strconv.Itoa(status))
	ok := !failed && expectedStatus(status)
	tags.setSystem(enabled, "expected_response", strconv.FormatBool(ok))
	all := tags.all()
	p := breakdown(t, end)
	failedValue := 0.0
	if !ok {
		failedValue = 1
	}
	s := []Sample{
		{Metric: MetricHTTPReqs, Value: 1},
		{Metric: MetricHTTPReqFailed, Value: failedValue},
		{Metric: MetricHTTPReqDuration, Value: p.duration()},
		{Metric: MetricHTTPReqBlocked, Value: p.blocked},
		{Metric: MetricHTTPReqConnecting, Value: p.connecting},
		{Metric: MetricHTTPReqTLS, Value: p.tls},
		{Metric: MetricHTTPReqSending, Value: p.sending},
		{Metric: MetricHTTPReqWaiting, Value: p.waiting},
		{Metric: MetricHTTPReqReceiving, Value: p.receiving},
	}
	for i := range s {
		s[i].Time = at
		s[i].Tags = all
	}
	// Bytes carry only the VU and user tags, like k6's own dialer counts.
	s = append(s,
		Sample{Metric: MetricDataSent, Time: at, Value: float64(t.BytesWritten), Tags: tags.base},
		Sample{Metric: MetricDataReceived, Time: at, Value: float64(t.BytesRead), Tags: tags.base},
	)
	return s
}
