package jsapi

import (
	"context"
	"fmt"
	"testing"

	"github.com/libsse/libsse/go-shim/streamapi"
)

// EventSource's order of open, error and message events when reconnect
// notices come before and around the open, with scripted streams (the
// flows against the real server are in package libsse).

// read is one scripted TryNext result.
type read struct {
	events []streamapi.Event
	st     streamapi.Status
	notice streamapi.Notice
}

// scriptedStream replays reads; TryOpen reports the open once openAt
// reads were taken (as libsse's open can complete before the reader took
// the notices queued ahead of it). An Empty read with reads left calls the
// StartNotify function, as the next arrival would.
type scriptedStream struct {
	reads     []read
	openAt    int
	pos       int
	notice    streamapi.Notice
	ready     func()
	cancelled bool
	notStream bool             // the response is not text/event-stream
	err       *streamapi.Error // what a Failed read failed with
}

func (s *scriptedStream) TryOpen() (bool, error) { return s.cancelled || s.pos >= s.openAt, nil }
func (s *scriptedStream) WaitOpen(context.Context) error {
	if !s.cancelled && s.pos < s.openAt {
		return fmt.Errorf("scriptedStream: WaitOpen before the open")
	}
	return nil
}

func (s *scriptedStream) Response() streamapi.Response {
	return streamapi.Response{Status: 200, EventStream: !s.notStream}
}

func (s *scriptedStream) TryNext(out []streamapi.Event) (int, streamapi.Status) {
	if s.cancelled {
		return 0, streamapi.Cancelled
	}
	if s.pos == len(s.reads) {
		return 0, streamapi.Empty
	}
	r := s.reads[s.pos]
	s.pos++
	s.notice = r.notice
	if r.st == streamapi.Empty && s.pos < len(s.reads) && s.ready != nil {
		s.ready()
	}
	return copy(out, r.events), r.st
}

func (s *scriptedStream) Next(_ context.Context, out []streamapi.Event) (int, streamapi.Status) {
	return s.TryNext(out)
}
func (s *scriptedStream) Notice() streamapi.Notice               { return s.notice }
func (s *scriptedStream) Ready() <-chan struct{}                 { return nil }
func (s *scriptedStream) Err() *streamapi.Error                  { return s.err }
func (s *scriptedStream) Timings() streamapi.Timings             { return streamapi.Timings{Start: 1} }
func (s *scriptedStream) Cancel()                                { s.cancelled = true }
func (s *scriptedStream) Close()                                 { s.cancelled = true }
func (s *scriptedStream) Start([]byte) (streamapi.Stream, error) { return s, nil }
func (s *scriptedStream) StartNotify(_ []byte, ready func()) (streamapi.Stream, error) {
	s.ready = ready
	ready()
	return s, nil
}
func (s *scriptedStream) NowNS() uint64 { return 1 }

// runEventSource runs script as an iteration on a fake VU whose streams are
// s, and returns the global log joined by spaces.
func runEventSource(t *testing.T, s *scriptedStream, script string) string {
	t.Helper()
	e := newEnv(t, nil)
	e.inst.root.newTransport = func([]byte) (streamapi.Transport, error) { return scriptedTransport{s}, nil }
	if err := e.host.rt.Set("EventSource", e.inst.Named()["EventSource"]); err != nil {
		t.Fatal(err)
	}
	err := e.host.Start(func() error { _, err := e.host.rt.RunString(script); return err })
	if err != nil {
		t.Fatal(err)
	}
	if e.host.Pending() != 0 {
		t.Fatal("a callback is still registered")
	}
	return e.mustRun(`log.join(" ")`).String()
}

// scriptedTransport hands out its one stream.
type scriptedTransport struct{ *scriptedStream }

func (scriptedTransport) Close() {}

var _ streamapi.Notifier = scriptedTransport{}

func ids(from, to int) []streamapi.Event {
	var out []streamapi.Event
	for i := from; i <= to; i++ {
		out = append(out, streamapi.Event{ID: fmt.Sprint(i), Data: "d", Retry: -1})
	}
	return out
}

const logAll = `
	var log = [];
	const es = new EventSource("http://h/");
	es.onopen = () => log.push("open" + es.readyState);
	es.onerror = () => log.push("error" + es.readyState);
	es.onmessage = (e) => { log.push(e.lastEventId); if (e.lastEventId === "2") es.close() };`

var (
	lost = read{st: streamapi.NoticeNext, notice: streamapi.Notice{Kind: streamapi.Reconnecting, Attempt: 1}}
	back = read{st: streamapi.NoticeNext, notice: streamapi.Notice{Kind: streamapi.Reconnected, Attempt: 2, Status: 200}}
)

// Attempts that failed before the first response are reported before its
// open, however late the VU gets to read them (libsse's open may be done
// by then): the stream is read before it is asked whether it opened.
func TestEventSourceNoticesBeforeTheOpenComeFirst(t *testing.T) {
	for _, openAt := range []int{0, 2, 3} {
		s := &scriptedStream{openAt: openAt, reads: []read{lost, lost, back, {events: ids(1, 2), st: streamapi.More}}}
		if got := runEventSource(t, s, logAll); got != "error0 error0 open1 1 2" {
			t.Fatalf("open after %d reads: %s", openAt, got)
		}
	}
}

// The open seen by asking the stream (after the notices before it were
// read, and before the notice announcing it was queued) is not announced
// again by that notice.
func TestEventSourceOpenIsAnnouncedOnce(t *testing.T) {
	s := &scriptedStream{openAt: 2, reads: []read{lost, {st: streamapi.Empty}, back, {events: ids(1, 2), st: streamapi.More}}}
	if got := runEventSource(t, s, logAll); got != "error0 open1 1 2" {
		t.Fatal(got)
	}
	// A later reconnect is announced as usual.
	s = &scriptedStream{reads: []read{{events: ids(0, 0), st: streamapi.Empty}, lost, back, {events: ids(1, 2), st: streamapi.More}}}
	if got := runEventSource(t, s, logAll); got != "open1 0 error0 open1 1 2" {
		t.Fatal(got)
	}
}

// A reconnecting stream's 2xx that is not text/event-stream: libsse
// publishes the response, then fails the stream; an open seen in between
// fires no open event, the failure that follows is the one error event.
func TestEventSourceWrongTypeSeenOpenFiresNoOpen(t *testing.T) {
	s := &scriptedStream{notStream: true, reads: []read{{st: streamapi.Empty}, {st: streamapi.Failed}},
		err: &streamapi.Error{Kind: streamapi.KindContentType, Message: "not text/event-stream"}}
	if got := runEventSource(t, s, logAll); got != "error2" {
		t.Fatal(got)
	}
}

// A stream that fails without saying why (Err nil) closes the
// EventSource with an error event of kind io.
func TestEventSourceFailureWithoutErrorIsAnIOError(t *testing.T) {
	s := &scriptedStream{reads: []read{{events: ids(0, 0), st: streamapi.Failed}}}
	script := logAll + `es.addEventListener("error", (e) => log.push(e.kind + ": " + e.message));`
	if got := runEventSource(t, s, script); got != "open1 0 error2 io: stream failed" {
		t.Fatal(got)
	}
}

// sse.open with reconnect: the open seen by asking the stream is not
// announced again by the Reconnected notice read after it; a later
// reconnect is announced as usual.
func TestOpenReconnectingAnnouncesEachConnectionOnce(t *testing.T) {
	const script = `
		var log = [];
		sse.open("http://h/", {reconnect: true}, (c) => {
			c.on("open", () => log.push("open"));
			c.on("error", () => log.push("error"));
			c.on("event", (e) => { log.push(e.id); if (e.id === "2") c.close() });
		});
		log.join(" ")`
	for _, c := range []struct {
		s    *scriptedStream
		want string
	}{
		{&scriptedStream{openAt: 2, reads: []read{lost, {st: streamapi.Empty}, back, {events: ids(1, 2), st: streamapi.More}}},
			"error open 1 2"},
		{&scriptedStream{reads: []read{{events: ids(0, 0), st: streamapi.More}, lost, back, {events: ids(1, 2), st: streamapi.More}}},
			"open 0 error open 1 2"},
	} {
		e := newEnv(t, nil)
		e.inst.root.newTransport = func([]byte) (streamapi.Transport, error) { return scriptedTransport{c.s}, nil }
		if got := e.mustRun(script).String(); got != c.want {
			t.Fatalf("got %q, want %q", got, c.want)
		}
	}
}

// The JS layer alone: a fake stream hands out 100,000 token-sized events
// in batches of 64 to an EventSource whose message listener counts them,
// on the fake VU's event loop (compare BenchmarkOpenCountingHandler).
func BenchmarkEventSourceCountingListener(b *testing.B) {
	const events = 100000
	benchOpen(b, tokenEvents(events), `var n = 0; (() => { const es = new EventSource("http://h/", {reconnect: false});
		es.onmessage = (e) => { n += e.data.length > 0 ? 1 : 0 } })()`, countIs(b, events))
}
