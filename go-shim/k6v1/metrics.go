// Code generated from go-shim/metrics.go by go-shim/internal/gluecheck; DO NOT EDIT.
// Edit go-shim/metrics.go, then run in go-shim: go test ./internal/gluecheck -update

package sse

import (
	"errors"
	"fmt"

	"github.com/libsse/libsse/go-shim/jsapi"
	"go.k6.io/k6/js/modules"
	"go.k6.io/k6/metrics"
)

// sseMetrics are the module's own metrics (declared once per run by the
// registry, looked up per VU) plus the root tag set samples derive from.
type sseMetrics struct {
	own      map[string]*metrics.Metric // jsapi.ModuleMetrics by name
	rootTags *metrics.TagSet
}

func registerMetrics(vu modules.VU) (*sseMetrics, error) {
	env := vu.InitEnv()
	if env == nil || env.Registry == nil {
		return nil, errors.New("k6/x/sse: no metrics registry (module loaded outside the init context?)")
	}
	r := env.Registry
	defs := jsapi.ModuleMetrics()
	m := sseMetrics{own: make(map[string]*metrics.Metric, len(defs)), rootTags: r.RootTagSet()}
	for _, d := range defs {
		var (
			metric *metrics.Metric
			err    error
		)
		switch d.Kind {
		case jsapi.Counter:
			metric, err = r.NewMetric(d.Name, metrics.Counter)
		case jsapi.Trend:
			metric, err = r.NewMetric(d.Name, metrics.Trend)
		case jsapi.TrendTime:
			metric, err = r.NewMetric(d.Name, metrics.Trend, metrics.Time)
		default:
			err = fmt.Errorf("k6/x/sse: metric %s has an unknown kind %d", d.Name, d.Kind)
		}
		if err != nil {
			return nil, err
		}
		m.own[d.Name] = metric
	}
	return &m, nil
}

// lookup maps a jsapi metric name to the k6 metric.
func (m *sseMetrics) lookup(b *metrics.BuiltinMetrics, name string) *metrics.Metric {
	if metric, ok := m.own[name]; ok {
		return metric
	}
	switch name {
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
