// Package jsapi is the JavaScript API of k6/x/sse — sse.open, the client
// object, EventSource, events, errors, the response and the metrics —
// written against a small Host interface instead of k6, so that it runs
// (and is tested) in a plain sobek runtime. The k6 glue in the module root
// implements Host on a k6 VU; nothing in this package imports k6 or cgo.
package jsapi

import (
	"context"
	"net/http"
	"time"

	"github.com/grafana/sobek"
)

// Host is what the JS layer needs from the JavaScript environment (a k6 VU,
// or a fake in tests).
type Host interface {
	// Runtime is the VU's sobek runtime; open() runs on its goroutine.
	Runtime() *sobek.Runtime
	// Context is done when the VU must stop (end of test, interrupt).
	Context() context.Context
	// InInitContext is true while the script's init code runs, where
	// opening streams is not allowed.
	InInitContext() bool
	// Options are the k6 options that shape requests.
	Options() Options
	// Tags returns a fresh copy of the VU's current metric tags.
	Tags() map[string]string
	// Emit pushes metric samples in order, as one container. It must not
	// keep the slice after it returns: the caller reuses it.
	Emit(samples []Sample)
	// Warnf logs a warning on the VU's logger.
	Warnf(format string, args ...any)
	// CookieJar resolves the `jar` param; undefined means the VU's default
	// jar, which may be nil (no cookies).
	CookieJar(jar sobek.Value) (http.CookieJar, error)
	// Iteration is the VU's iteration counter (noVUConnectionReuse).
	Iteration() int64
	// RegisterCallback reserves one run of a function on the VU's event
	// loop, as k6's modules.VU.RegisterCallback: called on the VU's
	// goroutine, it returns a function that any goroutine calls exactly
	// once with the work to run on the VU's goroutine. Until then the
	// iteration does not end (EventSource keeps one per open stream).
	RegisterCallback() func(func() error)
}

// Options are the k6 options the module honours, already in plain Go types.
type Options struct {
	UserAgent             string
	Throw                 bool
	InsecureSkipTLSVerify bool
	TLSAuth               []TLSAuth
	TLSVersionMin         string // "1.2", "1.3" or "" (libsse default)
	TLSVersionMax         string
	Hosts                 map[string]string // hostname or *.pattern -> "ip[:port]"
	BlacklistIPs          []string          // IPs or CIDRs
	BlockHostnames        []string          // hostnames or *.patterns
	NoConnectionReuse     bool
	NoVUConnectionReuse   bool
	// MaxRedirects is k6's maxRedirects; nil leaves libsse's default (10,
	// k6's too). The `redirects` param overrides it per request.
	MaxRedirects *int64
	// SystemTags lists the enabled k6 system tags ("url", "method",
	// "status", "name", "expected_response", ...).
	SystemTags map[string]bool
}

// TLSAuth is one client certificate and the domains it is sent to.
type TLSAuth struct {
	Domains []string
	CertPEM string
	KeyPEM  string
}

// Sample is one metric value. Metric is a k6 metric name (see metrics.go).
// Tags and Metadata maps are shared between samples and never modified
// once handed to Emit, so a host may cache what it derives from them by
// the map's identity.
type Sample struct {
	Metric string
	Time   time.Time
	Value  float64
	Tags   map[string]string
	// Metadata is k6 sample metadata (not indexed, unlike tags: for unique
	// values such as a response id), added to the VU's own; nil for none.
	Metadata map[string]string
}
