package jsapi

import (
	"fmt"
	"strings"

	"github.com/grafana/sobek"
	"github.com/libsse/libsse/go-shim/streamapi"
)

// The reconnect param: libsse's reconnect option (docs/c-api.md,
// "Reconnecting") in script terms. EventSource reconnects by default, as a
// browser does; sse.open only when its params ask.

// reconnectKeys maps the keys of a reconnect object to libsse's, with how
// each value converts.
var reconnectKeys = map[string]struct {
	key     string
	convert func(sobek.Value) (any, error)
}{
	"maxAttempts": {"max_attempts", positiveInt},
	"retry":       {"default_retry_ms", nonNegativeDurationMs},
	"maxRetry":    {"max_retry_ms", nonNegativeDurationMs},
	"jitter":      {"jitter_ms", nonNegativeDurationMs},
}

// reconnectParam converts the param: true, false, or an object of
// reconnectKeys (which turns reconnecting on).
func reconnectParam(v sobek.Value) (any, error) {
	if b, ok := v.Export().(bool); ok {
		return b, nil
	}
	obj, ok := v.(*sobek.Object)
	if !ok {
		return nil, fmt.Errorf("must be true, false or an object {%s}, got %s", strings.Join(sortedKeys(reconnectKeys), ", "), v.String())
	}
	out := map[string]any{}
	for _, k := range obj.Keys() {
		x, known := reconnectKeys[k]
		if !known {
			return nil, fmt.Errorf("unknown key %q (known: %s)", k, strings.Join(sortedKeys(reconnectKeys), ", "))
		}
		val := obj.Get(k)
		if isNullish(val) {
			continue
		}
		conv, err := x.convert(val)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", k, err)
		}
		out[x.key] = conv
	}
	return out, nil
}

// noticeError is what a Reconnecting notice gives the script's error
// handlers: an error object (error(), message, kind, status) for the
// connection's loss (kind "none" when the server ended the stream), with
// the attempt that is coming and its delay in ms.
func noticeError(rt *sobek.Runtime, n *streamapi.Notice) *sobek.Object {
	reason := n.Reason
	if reason == nil {
		reason = &streamapi.Error{Kind: streamapi.KindNone, Message: "the server ended the stream"}
	}
	delay := n.Wait.Milliseconds()
	o := errorObject(rt, &streamapi.Error{Kind: reason.Kind, Status: reason.Status,
		Message: fmt.Sprintf("%s; reconnecting (attempt %d) in %d ms", reason.Message, n.Attempt, delay)})
	_ = o.Set("attempt", n.Attempt)
	_ = o.Set("delay", delay)
	return o
}

// reconnecting reports whether the request asks libsse to reconnect.
func (a *openArgs) reconnecting() bool {
	switch v := a.extra["reconnect"].(type) {
	case bool:
		return v
	case map[string]any:
		return true
	}
	return false
}
