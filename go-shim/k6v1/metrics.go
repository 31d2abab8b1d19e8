// Code generated from go-shim/metrics.go by go-shim/internal/gluecheck; DO NOT EDIT.
// Edit go-shim/metrics.go, then run in go-shim: go test ./internal/gluecheck -update

package sse

import (
	"errors"

	"github.com/libsse/libsse/go-shim/jsapi"
	"go.k6.io/k6/js/modules"
	"go.k6.io/k6/metrics"
)

// sseMetrics are the module's own metrics (declared once per run by the
// registry, looked up per VU) plus the root tag set samples derive from.
type sseMetrics struct {
	event, firstEvent, gap        *metrics.Metric
	reconnects, reconnectDowntime *metrics.Metric
	rootTags                      *metrics.TagSet
}

func registerMetrics(vu modules.VU) (*sseMetrics, error) {
	env := vu.InitEnv()
	if env == nil || env.Registry == nil {
		return nil, errors.New("k6/x/sse: no metrics registry (module loaded outside the init context?)")
	}
	r := env.Registry
	var m sseMetrics
	var err error
	if m.event, err = r.NewMetric(jsapi.MetricSSEEvent, metrics.Counter); err != nil {
		return nil, err
	}
	if m.firstEvent, err = r.NewMetric(jsapi.MetricTimeToFirstEvent, metrics.Trend, metrics.Time); err != nil {
		return nil, err
	}
	if m.gap, err = r.NewMetric(jsapi.MetricEventGap, metrics.Trend, metrics.Time); err != nil {
		return nil, err
	}
	if m.reconnects, err = r.NewMetric(jsapi.MetricReconnects, metrics.Counter); err != nil {
		return nil, err
	}
	if m.reconnectDowntime, err = r.NewMetric(jsapi.MetricReconnectDowntime, metrics.Trend, metrics.Time); err != nil {
		return nil, err
	}
	m.rootTags = r.RootTagSet()
	return &m, nil
}

// lookup maps a jsapi metric name to the k6 metric.
func (m *sseMetrics) lookup(b *metrics.BuiltinMetrics, name string) *metrics.Metric {
	switch name {
	case jsapi.MetricSSEEvent:
		return m.event
	case jsapi.MetricTimeToFirstEvent:
		return m.firstEvent
	case jsapi.MetricEventGap:
		return m.gap
	case jsapi.MetricReconnects:
		return m.reconnects
	case jsapi.MetricReconnectDowntime:
		return m.reconnectDowntime
	case jsapi.MetricHTTPReqs:
		return b.HTTPReqs
	case jsapi.MetricHTTPReqFailed:
		return b.HTTPReqFailed
	case jsapi.MetricHTTPReqDuration:
		return b.HTTPReqDuration
	case jsapi.MetricHTTPReqBlocked:
		return b.HTTPReqBlocked
	case jsapi.MetricHTTPReqConnecting:
		return b.HTTPReqConnecting
	case jsapi.MetricHTTPReqTLS:
		return b.HTTPReqTLSHandshaking
	case jsapi.MetricHTTPReqSending:
		return b.HTTPReqSending
	case jsapi.MetricHTTPReqWaiting:
		return b.HTTPReqWaiting
	case jsapi.MetricHTTPReqReceiving:
		return b.HTTPReqReceiving
	case jsapi.MetricDataSent:
		return b.DataSent
	case jsapi.MetricDataReceived:
		return b.DataReceived
	}
	return nil
}
