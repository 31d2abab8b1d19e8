//go:build k6v1

package sse

// The k6 v1.x (build tag k6v1) API the glue uses. This file and k6v2.go
// hold the only imports of k6 in this module and declare the same
// identifiers (internal/gluecheck checks both), so the shared glue
// (register.go, module.go, metrics.go, options.go) is written once for every
// k6 version. Type aliases keep the k6 types' methods and fields.

import (
	"go.k6.io/k6/js/common"
	"go.k6.io/k6/js/modules"
	k6http "go.k6.io/k6/js/modules/k6/http"
	"go.k6.io/k6/lib"
	"go.k6.io/k6/metrics"
)

type (
	k6Module         = modules.Module
	k6Instance       = modules.Instance
	k6VU             = modules.VU
	k6Exports        = modules.Exports
	k6CookieJar      = k6http.CookieJar
	k6Options        = lib.Options
	k6Metric         = metrics.Metric
	k6TagSet         = metrics.TagSet
	k6Sample         = metrics.Sample
	k6Samples        = metrics.Samples
	k6TimeSeries     = metrics.TimeSeries
	k6BuiltinMetrics = metrics.BuiltinMetrics
)

const (
	k6Counter = metrics.Counter
	k6Trend   = metrics.Trend
	k6Time    = metrics.Time
)

var (
	k6Register      = modules.Register
	k6Throw         = common.Throw
	k6PushIfNotDone = metrics.PushIfNotDone
)
