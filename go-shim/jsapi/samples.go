package jsapi

import "github.com/libsse/libsse/go-shim/streamapi"

// eventSamples are the metric samples of one stream's events, collected
// while a drained batch is dispatched and pushed with one Emit per batch:
//
//   - sse_event: one sample per batch whose value is the number of events
//     dispatched (a Counter sums values, so totals and rates are xk6-sse's);
//   - sse_time_to_first_event: one sample, at the first event;
//   - sse_event_gap: one sample per event after the first, only when the
//     script asked (the eventGaps param). k6 keeps every value of a Trend
//     for the end-of-test summary, so a sample per event would make k6's
//     memory grow with the number of events (about 30 bytes each);
//   - sse_reconnects and sse_reconnect_downtime: one sample per reconnect
//     notice, pushed at once (see reconnect).
//
// The zero value is not started: start it (with the stream's tags, once
// they are known) before the first event or notice.
type eventSamples struct {
	host    Host
	clock   wallClock
	tags    map[string]string // shared by every sample of the stream (hosts cache by identity)
	gaps    bool
	startNS uint64 // request start, for the time to first event
	events  int    // events counted so far
	lastNS  uint64 // receive time of the last event counted
	pending int    // events counted since the last push
	batch   []Sample
	llm     *llmTracker // the llm param's reader; nil without it
}

// started reports whether the samples have their tags.
func (m *eventSamples) started() bool { return m.host != nil }

// count adds one dispatched event's samples to the batch.
func (m *eventSamples) count(e *streamapi.Event) {
	if m.events == 0 {
		m.batch = append(m.batch, Sample{Metric: MetricTimeToFirstEvent, Time: m.clock.time(e.TimeNS),
			Value: span(m.startNS, e.TimeNS), Tags: m.tags})
	} else if m.gaps {
		m.batch = append(m.batch, Sample{Metric: MetricEventGap, Time: m.clock.time(e.TimeNS),
			Value: span(m.lastNS, e.TimeNS), Tags: m.tags})
	}
	if m.llm != nil {
		m.batch = m.llm.event(e, m.batch)
	}
	m.events++
	m.pending++
	m.lastNS = e.TimeNS
}

// push emits the batch's samples, if any.
func (m *eventSamples) push() {
	if m.pending == 0 {
		return
	}
	m.batch = append(m.batch, Sample{Metric: MetricSSEEvent, Time: m.clock.time(m.lastNS),
		Value: float64(m.pending), Tags: m.tags})
	m.pending = 0
	m.emit()
}

// emit hands the batch to the host in one container and empties it for
// the next one, keeping its array.
func (m *eventSamples) emit() {
	m.host.Emit(m.batch)
	clear(m.batch)
	m.batch = m.batch[:0]
}

// reconnect pushes the sample of a reconnect notice: sse_reconnects counts
// each attempt (a Reconnecting notice: a new request is coming), and
// sse_reconnect_downtime is the time without a connection, from the loss
// to the new response's headers (a Reconnected notice).
func (m *eventSamples) reconnect(n *streamapi.Notice) {
	m.push()
	s := Sample{Metric: MetricReconnects, Time: m.clock.time(n.TimeNS), Value: 1, Tags: m.tags}
	if n.Kind == streamapi.Reconnected {
		s.Metric, s.Value = MetricReconnectDowntime, nsToMs(n.DowntimeNS())
	}
	m.batch = append(m.batch, s)
	m.emit()
}
