package jsapi

import (
	"net/textproto"

	"github.com/grafana/sobek"
	"github.com/libsse/libsse/go-shim/streamapi"
)

// eventObject is what `client.on('event', fn)` handlers receive. id, name,
// data and comment are xk6-sse's fields; receivedAt (ms on the Date.now()
// clock, sub-ms precision, stamped by libsse when the event's last byte was
// parsed) and retry are ours.
func (s *session) eventObject(e *streamapi.Event) *sobek.Object {
	o := s.rt.NewObject()
	_ = o.Set("id", e.ID)
	_ = o.Set("name", e.Type)
	_ = o.Set("data", e.Data)
	_ = o.Set("comment", e.Comment)
	_ = o.Set("receivedAt", s.clock.ms(e.TimeNS))
	if e.Retry >= 0 {
		_ = o.Set("retry", e.Retry)
	}
	return o
}

// errorObject is what `client.on('error', fn)` handlers receive: like
// xk6-sse's, `e.error()` returns the message; kind and status are ours.
func errorObject(rt *sobek.Runtime, err error) *sobek.Object {
	o := rt.NewObject()
	msg := scriptMessage(err.Error())
	kind := streamapi.KindIO
	status := 0
	if e, ok := streamapi.AsError(err); ok {
		kind = e.Kind
		status = e.Status
	}
	_ = o.Set("error", func() string { return msg })
	_ = o.Set("toString", func() string { return msg })
	_ = o.Set("message", msg)
	_ = o.Set("kind", string(kind))
	_ = o.Set("status", status)
	return o
}

// responseObject is what sse.open returns: {url, status, headers, error}
// as in xk6-sse, plus the first bytes of a non-2xx answer's body (as k6's
// http response names it, `body`; empty otherwise) and the k6-style timings
// of the request in ms.
func responseObject(rt *sobek.Runtime, url string, status int, headers []streamapi.Header,
	errMsg, body string, p phases,
) *sobek.Object {
	o := rt.NewObject()
	_ = o.Set("url", url)
	_ = o.Set("status", status)
	_ = o.Set("headers", headerMap(headers))
	_ = o.Set("error", errMsg)
	_ = o.Set("body", body)
	t := rt.NewObject()
	_ = t.Set("blocked", p.blocked)
	_ = t.Set("connecting", p.connecting)
	_ = t.Set("tls_handshaking", p.tls)
	_ = t.Set("sending", p.sending)
	_ = t.Set("waiting", p.waiting)
	_ = t.Set("receiving", p.receiving)
	_ = t.Set("duration", p.duration())
	_ = o.Set("timings", t)
	return o
}

// headerMap joins repeated headers with ", " under Go's canonical names
// (Content-Type, X-Request-Id), which is what xk6-sse scripts index by;
// libsse reports names in lower case as HTTP/2 requires.
func headerMap(headers []streamapi.Header) map[string]any {
	m := make(map[string]any, len(headers))
	for _, h := range headers {
		name := textproto.CanonicalMIMEHeaderKey(h.Name)
		if prev, ok := m[name]; ok {
			m[name] = prev.(string) + ", " + h.Value
		} else {
			m[name] = h.Value
		}
	}
	return m
}

// client object: on(event, fn) and close().
func (s *session) clientObject() *sobek.Object {
	o := s.rt.NewObject()
	_ = o.Set("on", func(name string, fn sobek.Value) {
		cb, ok := sobek.AssertFunction(fn)
		if !ok {
			return // xk6-sse ignores non-functions too
		}
		switch name {
		case "open", "event", "error":
		default:
			s.in.root.warnOnce(s.in.host, "on:"+name,
				"sse client.on(%q): unknown event name, the handler will never run (known: open, event, error)", name)
		}
		s.handlers[name] = append(s.handlers[name], cb)
	})
	_ = o.Set("close", func() { s.closed = true })
	return o
}
