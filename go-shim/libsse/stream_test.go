package libsse_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/libsse/libsse/go-shim/libsse"
	"github.com/libsse/libsse/go-shim/streamapi"
)

func newClient(t *testing.T) *libsse.Client {
	t.Helper()
	c, err := libsse.NewClient(nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

func request(t *testing.T, fields map[string]any) []byte {
	t.Helper()
	b, err := json.Marshal(fields)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func start(t *testing.T, c *libsse.Client, fields map[string]any) *libsse.Stream {
	t.Helper()
	s, err := c.StartStream(request(t, fields))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// drain reads every event until the stream stops, in bounded time.
func drain(t *testing.T, s *libsse.Stream) ([]streamapi.Event, streamapi.Status) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := s.WaitOpen(ctx); err != nil {
		t.Fatalf("open: %v", err)
	}
	var all []streamapi.Event
	buf := make([]streamapi.Event, 16)
	for {
		n, st := s.Next(ctx, buf)
		if n == 0 {
			return all, st
		}
		all = append(all, buf[:n]...)
	}
}

func TestEventsInOrderWithIDsAndTimes(t *testing.T) {
	c := newClient(t)
	s := start(t, c, map[string]any{"url": server.URL + "/events?count=100&ids=1&event=tick"})
	evs, st := drain(t, s)
	if st != streamapi.End || len(evs) != 100 {
		t.Fatalf("status %v, %d events", st, len(evs))
	}
	var prev uint64
	for i, e := range evs {
		if e.ID != fmt.Sprint(i+1) || e.Type != "tick" || !strings.HasPrefix(e.Data, fmt.Sprintf("%d:", i+1)) || len(e.Data) != 16 {
			t.Fatalf("event %d: %+v", i, e)
		}
		if e.TimeNS == 0 || e.TimeNS < prev {
			t.Fatalf("event %d time %d after %d", i, e.TimeNS, prev)
		}
		prev = e.TimeNS
	}
	if r := s.Response(); r.Status != 200 || !r.EventStream {
		t.Fatalf("response %+v", r)
	}
	tm := s.Timings()
	if tm.Start == 0 || tm.RequestSent < tm.Start || tm.Headers < tm.RequestSent || tm.End < tm.Headers ||
		tm.BytesRead == 0 || tm.BytesWritten == 0 || tm.Events != 100 {
		t.Fatalf("timings %+v", tm)
	}
}

func TestMultiLineDataAndLineEndings(t *testing.T) {
	for _, eol := range []string{"lf", "crlf", "cr"} {
		c := newClient(t)
		s := start(t, c, map[string]any{"url": server.URL + "/events?count=3&lines=3&size=30&eol=" + eol})
		evs, st := drain(t, s)
		if st != streamapi.End || len(evs) != 3 {
			t.Fatalf("%s: status %v, %d events", eol, st, len(evs))
		}
		for i, e := range evs {
			if strings.Count(e.Data, "\n") != 2 || strings.ContainsRune(e.Data, '\r') ||
				len(strings.ReplaceAll(e.Data, "\n", "")) != 30 || !strings.HasPrefix(e.Data, fmt.Sprintf("%d:", i+1)) {
				t.Fatalf("%s: event %d data %q", eol, i, e.Data)
			}
		}
	}
}

func TestPostEcho(t *testing.T) {
	c := newClient(t)
	s := start(t, c, map[string]any{"url": server.URL + "/echo", "method": "POST", "body": `{"ping":true}`,
		"headers": [][2]string{{"X-Test", "yes"}}})
	evs, st := drain(t, s)
	if st != streamapi.End || len(evs) != 3 {
		t.Fatalf("status %v, events %+v", st, evs)
	}
	got := map[string]string{}
	for _, e := range evs {
		got[e.Type] = e.Data
	}
	if got["method"] != "POST" || got["body"] != `{"ping":true}` || !strings.Contains(strings.ToLower(got["headers"]), `"x-test"`) {
		t.Fatalf("echo %v", got)
	}
}

func TestNon2xxIsAStreamError(t *testing.T) {
	c := newClient(t)
	s := start(t, c, map[string]any{"url": server.URL + "/status/503?body=busy"})
	evs, st := drain(t, s)
	if len(evs) != 0 || st != streamapi.Failed {
		t.Fatalf("status %v, events %d", st, len(evs))
	}
	if s.Response().Status != 503 {
		t.Fatalf("status %d", s.Response().Status)
	}
	e := s.Err()
	if e == nil || e.Kind != streamapi.KindHTTPStatus || e.Status != 503 || !strings.Contains(e.Body, "busy") {
		t.Fatalf("error %+v", e)
	}
}

// A stream cancelled before its headers reports the cancellation, with
// the kind libsse names.
func TestCancelBeforeHeadersIsCancelled(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	held := make(chan net.Conn, 1)
	go func() {
		if conn, err := ln.Accept(); err == nil {
			held <- conn // accepted, never answered
		}
		close(held)
	}()
	s := start(t, newClient(t), map[string]any{"url": "http://" + ln.Addr().String() + "/"})
	if conn, ok := <-held; ok {
		defer conn.Close()
	}
	s.Cancel()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err = s.WaitOpen(ctx)
	e, ok := streamapi.AsError(err)
	if !ok || e.Kind != streamapi.KindCancelled {
		t.Fatalf("got %v (%+v)", err, e)
	}
}

func TestConnectionRefused(t *testing.T) {
	c := newClient(t)
	s := start(t, c, map[string]any{"url": "http://127.0.0.1:1/events"})
	err := s.WaitOpen(context.Background())
	e, ok := streamapi.AsError(err)
	if !ok || e.Kind != "connect" || e.Message == "" {
		t.Fatalf("got %v", err)
	}
}

func TestInvalidOptionsFailAtStart(t *testing.T) {
	c := newClient(t)
	_, err := c.Start([]byte(`{"url": "http://127.0.0.1:1/", "no_such_key": 1}`))
	if err == nil || !strings.Contains(err.Error(), "no_such_key") {
		t.Fatalf("got %v", err)
	}
	if _, err := libsse.NewClient([]byte(`{"connect_timeout_ms": "soon"}`)); err == nil {
		t.Fatal("ill-typed client option accepted")
	}
}

func TestContextCancelsAParkedWait(t *testing.T) {
	c := newClient(t)
	s := start(t, c, map[string]any{"url": server.URL + "/fault/stall?after=1"})
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	if err := s.WaitOpen(ctx); err != nil {
		t.Fatal(err)
	}
	buf := make([]streamapi.Event, 4)
	n, _ := s.Next(ctx, buf)
	if n != 1 {
		t.Fatalf("first event: %d", n)
	}
	n, st := s.Next(ctx, buf)
	if n != 0 || st != streamapi.Cancelled {
		t.Fatalf("after the deadline: n=%d status=%v", n, st)
	}
}

func TestCancelFromAnotherGoroutineAndIdempotentClose(t *testing.T) {
	c := newClient(t)
	s, err := c.StartStream(request(t, map[string]any{"url": server.URL + "/fault/stall?after=0"}))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.WaitOpen(context.Background()); err != nil {
		t.Fatal(err)
	}
	done := make(chan streamapi.Status)
	go func() {
		_, st := s.Next(context.Background(), make([]streamapi.Event, 1))
		done <- st
	}()
	time.Sleep(50 * time.Millisecond)
	s.Cancel()
	s.Cancel()
	select {
	case st := <-done:
		if st != streamapi.Cancelled {
			t.Fatalf("status %v", st)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Cancel did not wake the parked Next")
	}
	s.Close()
	s.Close()
	s.Cancel() // after Close: a no-op, not a crash
	if n, st := s.Next(context.Background(), make([]streamapi.Event, 1)); n != 0 || st != streamapi.Cancelled {
		t.Fatalf("Next after Close: %d %v", n, st)
	}
}

func TestClockAndVersion(t *testing.T) {
	a := libsse.NowNS()
	time.Sleep(2 * time.Millisecond)
	b := libsse.NowNS()
	if b-a < uint64(2*time.Millisecond) || b-a > uint64(2*time.Second) {
		t.Fatalf("clock step %d ns", b-a)
	}
	if v := libsse.Version(); !strings.HasPrefix(v, "0.") {
		t.Fatalf("version %q", v)
	}
}

func TestStreamOutlivesItsClient(t *testing.T) {
	c, err := libsse.NewClient(nil)
	if err != nil {
		t.Fatal(err)
	}
	s, err := c.StartStream(request(t, map[string]any{"url": server.URL + "/events?count=5&interval_ms=10"}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	c.Close()
	c.Close()
	if _, err := c.Start(request(t, map[string]any{"url": server.URL + "/events"})); err == nil {
		t.Fatal("Start on a closed client must fail")
	}
	evs, st := drain(t, s)
	if st != streamapi.End || len(evs) != 5 {
		t.Fatalf("after the client closed: status %v, %d events", st, len(evs))
	}
}

func TestResponseReportsPeerIPAndProto(t *testing.T) {
	c := newClient(t)
	for i := 0; i < 2; i++ { // the second stream reuses the pooled connection
		s := start(t, c, map[string]any{"url": server.URL + "/events?count=1"})
		evs, st := drain(t, s)
		if st != streamapi.End || len(evs) != 1 {
			t.Fatalf("stream %d: status %v, %d events", i, st, len(evs))
		}
		if r := s.Response(); r.RemoteIP != "127.0.0.1" || r.Proto != "HTTP/1.1" {
			t.Fatalf("stream %d: response %+v", i, r)
		}
		if reused := s.Timings().ReusedConnection; reused != (i == 1) {
			t.Fatalf("stream %d: reused %v", i, reused)
		}
	}
}
