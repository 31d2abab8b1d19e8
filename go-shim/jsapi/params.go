package jsapi

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/grafana/sobek"
	"github.com/libsse/libsse/go-shim/llm"
)

// openArgs is sse.open's (or new EventSource()'s) arguments after parsing.
type openArgs struct {
	api     string // "sse.open()" or "new EventSource()", for messages
	url     string
	setup   sobek.Callable
	method  string
	body    string
	headers [][2]string // in script order; later wins on the libsse side
	tags    map[string]string
	jar     sobek.Value // undefined = the VU's default jar
	extra   map[string]any
	// statusErrors: non-2xx answers go to the `error` handlers too
	// (param httpStatusErrors; off by default, as xk6-sse never did it).
	statusErrors bool
	// eventGaps: one sse_event_gap sample per event (param eventGaps; off
	// by default, since k6 keeps every Trend value: see eventSamples).
	eventGaps bool
	// llm: read the stream as this LLM format (param llm; nil = off; llmtrack.go).
	llm *llm.Format
}

// libsse options added by this module, as sse.open params (camelCase) →
// libsse request key and how to convert the value.
var extraParams = map[string]struct {
	key     string
	convert func(sobek.Value) (any, error)
}{
	"timeout":        {"total_timeout_ms", durationMs},
	"connectTimeout": {"connect_timeout_ms", durationMs},
	"headerTimeout":  {"header_timeout_ms", durationMs},
	"idleTimeout":    {"idle_timeout_ms", durationMs},
	"httpVersion":    {"http_version", httpVersion},
	"maxLineBytes":   {"max_line_bytes", positiveInt},
	"maxEventBytes":  {"max_event_bytes", positiveInt},
	"queueCapacity":  {"queue_capacity", positiveInt},
	"decompress":     {"decompress", boolean},
	"redirects":      {"max_redirects", nonNegativeInt},
	"reconnect":      {"reconnect", reconnectParam},
}

// knownParams are the keys parseParams understands besides extraParams,
// in the order the unknown-param warning lists them (xk6-sse's first).
var knownParams = []string{"method", "body", "headers", "tags", "jar", "httpStatusErrors", "eventGaps", llm.ParamName}

func parseOpenArgs(rt *sobek.Runtime, args []sobek.Value, warnUnknown func(string)) (*openArgs, error) {
	if len(args) < 2 || len(args) > 3 {
		return nil, errors.New("invalid number of arguments to sse.open")
	}
	a := &openArgs{api: "sse.open()", url: args[0].String(), jar: sobek.Undefined(), extra: map[string]any{}}
	setup, ok := sobek.AssertFunction(args[len(args)-1])
	if !ok {
		return nil, errors.New("last argument to sse.open must be a function")
	}
	a.setup = setup
	if len(args) == 3 && !isNullish(args[1]) {
		if err := a.parseParams(rt, args[1].ToObject(rt), warnUnknown); err != nil {
			return nil, err
		}
	}
	return a, nil
}

func (a *openArgs) parseParams(rt *sobek.Runtime, params *sobek.Object, warnUnknown func(string)) error {
	for _, k := range params.Keys() {
		v := params.Get(k)
		if x, ok := extraParams[k]; ok {
			if isNullish(v) {
				continue
			}
			val, err := x.convert(v)
			if err != nil {
				return fmt.Errorf("invalid %s %s: %w", a.api, k, err)
			}
			a.extra[x.key] = val
			continue
		}
		if !slices.Contains(knownParams, k) {
			warnUnknown(k)
			continue
		}
		if isNullish(v) {
			continue
		}
		switch k {
		case "method":
			// Trimmed like xk6-sse does.
			a.method = strings.TrimSpace(v.String())
		case "body":
			a.body = strings.TrimSpace(v.String())
		case "headers":
			h := v.ToObject(rt)
			for _, name := range h.Keys() {
				a.headers = append(a.headers, [2]string{name, h.Get(name).String()})
			}
		case "tags":
			tags, err := userTags(rt, v)
			if err != nil {
				return fmt.Errorf("invalid %s metric tags: %w", a.api, err)
			}
			a.tags = tags
		case "jar":
			a.jar = v
		case "httpStatusErrors":
			a.statusErrors = v.ToBoolean()
		case "eventGaps":
			a.eventGaps = v.ToBoolean()
		case llm.ParamName:
			f, err := parseLLMParam(a.api, v)
			if err != nil {
				return err
			}
			a.llm = f
		}
	}
	return nil
}

// userTags accepts string, number and boolean values, as k6 does.
func userTags(rt *sobek.Runtime, v sobek.Value) (map[string]string, error) {
	obj := v.ToObject(rt)
	tags := make(map[string]string, len(obj.Keys()))
	for _, k := range obj.Keys() {
		tv := obj.Get(k)
		switch tv.ExportType().Kind().String() {
		case "string", "int64", "float64", "bool":
			tags[k] = tv.String()
		default:
			return nil, fmt.Errorf("tag %q: value of type %s is not a string, number or boolean", k, tv.ExportType())
		}
	}
	return tags, nil
}

func isNullish(v sobek.Value) bool { return v == nil || sobek.IsUndefined(v) || sobek.IsNull(v) }

// durationMs takes a Go duration string ("30s", "1m30s", like xk6-sse's
// timeout) or a number of milliseconds, and gives whole ms (at least 1).
func durationMs(v sobek.Value) (any, error) {
	d, err := durationOf(v)
	if err != nil {
		return nil, err
	}
	if d <= 0 {
		return nil, fmt.Errorf("must be positive, got %s", d)
	}
	return max(d.Milliseconds(), 1), nil
}

// nonNegativeDurationMs is durationMs that takes 0 too (no wait, no
// jitter).
func nonNegativeDurationMs(v sobek.Value) (any, error) {
	d, err := durationOf(v)
	if err != nil {
		return nil, err
	}
	if d < 0 {
		return nil, fmt.Errorf("must be 0 or more, got %s", d)
	}
	if d == 0 {
		return int64(0), nil
	}
	return max(d.Milliseconds(), 1), nil
}

func durationOf(v sobek.Value) (time.Duration, error) {
	switch n := v.Export().(type) {
	case int64:
		return time.Duration(n) * time.Millisecond, nil
	case float64:
		return time.Duration(n * float64(time.Millisecond)), nil
	}
	return time.ParseDuration(v.String())
}

func httpVersion(v sobek.Value) (any, error) {
	switch s := strings.ToLower(v.String()); s {
	case "auto", "http1", "http2":
		return s, nil
	case "1.1", "http/1.1":
		return "http1", nil
	case "2", "http/2", "h2":
		return "http2", nil
	default:
		return nil, fmt.Errorf("%q is not one of auto, http1, http2", v.String())
	}
}

func positiveInt(v sobek.Value) (any, error) {
	n := v.ToInteger()
	if n <= 0 {
		return nil, fmt.Errorf("must be a positive integer, got %s", v.String())
	}
	return n, nil
}

// nonNegativeInt takes 0 too (redirects: 0 follows none).
func nonNegativeInt(v sobek.Value) (any, error) {
	n := v.ToInteger()
	if n < 0 {
		return nil, fmt.Errorf("must be 0 or more, got %s", v.String())
	}
	return n, nil
}

func boolean(v sobek.Value) (any, error) { return v.ToBoolean(), nil }

// requestJSON builds the libsse request options of one stream.
func (a *openArgs) request(o Options, cookies []*http.Cookie) map[string]any {
	method := a.method
	if method == "" {
		method = http.MethodGet
	}
	headers := make([][2]string, 0, len(a.headers)+2)
	if o.UserAgent != "" {
		headers = append(headers, [2]string{"User-Agent", o.UserAgent})
	}
	if len(cookies) > 0 {
		parts := make([]string, len(cookies))
		for i, c := range cookies {
			parts[i] = c.Name + "=" + c.Value
		}
		headers = append(headers, [2]string{"Cookie", strings.Join(parts, "; ")})
	}
	headers = append(headers, dedupeHeaders(a.headers)...)
	req := map[string]any{"url": a.url, "method": method, "headers": headers}
	if a.body != "" {
		req["body"] = a.body
	}
	if tls := tlsOptions(o, a.url); len(tls) > 0 {
		req["tls"] = tls
	}
	for k, v := range a.extra {
		req[k] = v
	}
	return req
}

// dedupeHeaders keeps the last value of each header name (case-insensitive),
// matching xk6-sse's header.Set semantics, in first-seen order.
func dedupeHeaders(in [][2]string) [][2]string {
	last := map[string]int{}
	for i, h := range in {
		last[strings.ToLower(h[0])] = i
	}
	out := make([][2]string, 0, len(last))
	for i, h := range in {
		if last[strings.ToLower(h[0])] == i {
			out = append(out, h)
		}
	}
	return out
}

// clientDefaults are the libsse client options derived from k6 options.
func clientDefaults(o Options) map[string]any {
	d := map[string]any{}
	if len(o.Hosts) > 0 {
		d["hosts"] = o.Hosts
	}
	if len(o.BlacklistIPs) > 0 {
		d["deny_ips"] = o.BlacklistIPs
	}
	if len(o.BlockHostnames) > 0 {
		d["deny_hosts"] = o.BlockHostnames
	}
	if o.NoConnectionReuse {
		d["no_connection_reuse"] = true
	}
	if o.MaxRedirects != nil {
		d["max_redirects"] = *o.MaxRedirects
	}
	return d
}

// tlsOptions builds the request's tls object: k6's skip-verify and version
// range, plus the tlsAuth certificate whose domains match the URL's host.
func tlsOptions(o Options, rawURL string) map[string]any {
	t := map[string]any{}
	if o.InsecureSkipTLSVerify {
		t["insecure_skip_verify"] = true
	}
	if o.TLSVersionMin != "" {
		t["min_version"] = o.TLSVersionMin
	}
	if o.TLSVersionMax != "" {
		t["max_version"] = o.TLSVersionMax
	}
	if auth := matchTLSAuth(o.TLSAuth, hostOf(rawURL)); auth != nil {
		t["client_cert_pem"] = auth.CertPEM
		t["client_key_pem"] = auth.KeyPEM
	}
	return t
}

func matchTLSAuth(auths []TLSAuth, host string) *TLSAuth {
	host = strings.ToLower(host)
	for i := range auths {
		for _, d := range auths[i].Domains {
			d = strings.ToLower(d)
			if d == host || (strings.HasPrefix(d, "*.") && strings.HasSuffix(host, d[1:])) {
				return &auths[i]
			}
		}
	}
	return nil
}

// sortedKeys makes warnings and JSON deterministic.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
