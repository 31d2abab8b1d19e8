package libsse_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/libsse/libsse/go-shim/libsse"
	"github.com/libsse/libsse/go-shim/streamapi"
)

// The boundaries of the binding's wake-ups: many streams parked at once,
// each woken for its own events; a parked read stopped by Cancel, Close or
// its context; the final state delivered with the last batch; and the
// non-blocking way in (TryOpen/TryNext with Ready or a StartNotify
// function).

// silentServer accepts connections and never answers, so an open stays
// pending. It stops with the test.
func silentServer(t *testing.T) string {
	t.Helper()
	return rawServer(t, nil) + "/events"
}

// parked runs f on its own goroutine and returns a channel that receives
// its result; the caller fails if f returns within settle (it must park).
func parked[T any](t *testing.T, settle time.Duration, f func() T) <-chan T {
	t.Helper()
	done := make(chan T, 1)
	go func() { done <- f() }()
	select {
	case v := <-done:
		t.Fatalf("returned without parking: %v", v)
	case <-time.After(settle):
	}
	return done
}

func await[T any](t *testing.T, what string, done <-chan T) T {
	t.Helper()
	select {
	case v := <-done:
		return v
	case <-time.After(10 * time.Second):
		t.Fatalf("%s did not wake the parked call", what)
		panic("unreachable")
	}
}

// openStream starts req on c and waits for its response headers, for
// goroutines (which cannot call t.Fatal); a stream that failed to open is
// closed.
func openStream(ctx context.Context, c *libsse.Client, req string) (*libsse.Stream, error) {
	s, err := c.StartStream([]byte(req))
	if err != nil {
		return nil, err
	}
	if err := s.WaitOpen(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

type readResult struct {
	n  int
	st streamapi.Status
}

// openStall starts /fault/stall?after=n and reads its n events, leaving
// the stream running and empty.
func openStall(t *testing.T, c *libsse.Client, n int) *libsse.Stream {
	t.Helper()
	s := start(t, c, map[string]any{"url": fmt.Sprintf("%s/fault/stall?after=%d", server.URL, n)})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.WaitOpen(ctx); err != nil {
		t.Fatal(err)
	}
	buf := make([]streamapi.Event, 8)
	for got := 0; got < n; {
		k, st := s.Next(ctx, buf)
		if st.Final() {
			t.Fatalf("stall stream stopped after %d events: %v", got, st)
		}
		got += k
	}
	return s
}

func TestManyParkedStreamsEachWokenForItsEvents(t *testing.T) {
	const streams, events = 200, 20
	c := newClient(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	errs := make(chan error, streams)
	for i := 0; i < streams; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			// Interleaved intervals: the streams turn ready at different moments.
			s, err := openStream(ctx, c, fmt.Sprintf(`{"url": "%s/events?count=%d&ids=1&interval_ms=%d"}`,
				server.URL, events, 2+i%7))
			if err != nil {
				errs <- err
				return
			}
			defer s.Close()
			buf := make([]streamapi.Event, 4)
			next := 1
			for {
				n, st := s.Next(ctx, buf)
				for _, e := range buf[:n] {
					if e.ID != fmt.Sprint(next) {
						errs <- fmt.Errorf("stream %d: event id %s, want %d", i, e.ID, next)
						return
					}
					next++
				}
				if st.Final() {
					if st != streamapi.End || next != events+1 {
						errs <- fmt.Errorf("stream %d: %v after %d events", i, st, next-1)
					}
					return
				}
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

// stop ends a parked call on s the way how names: Cancel, Close, or the
// cancel of the call's context.
func stop(how string, s *libsse.Stream, cancel context.CancelFunc) {
	switch how {
	case "cancel":
		s.Cancel()
	case "close":
		s.Close()
	case "ctx":
		cancel()
	}
}

func TestParkedNextWokenByCancelCloseAndContext(t *testing.T) {
	c := newClient(t)
	for _, how := range []string{"cancel", "close", "ctx"} {
		s := openStall(t, c, 1)
		ctx, cancel := context.WithCancel(context.Background())
		done := parked(t, 100*time.Millisecond, func() readResult {
			n, st := s.Next(ctx, make([]streamapi.Event, 4))
			return readResult{n, st}
		})
		stop(how, s, cancel)
		r := await(t, how, done)
		cancel()
		if r.n != 0 || r.st != streamapi.Cancelled {
			t.Fatalf("%s: %+v", how, r)
		}
		// The stream stays stopped for later reads.
		if n, st := s.TryNext(make([]streamapi.Event, 1)); n != 0 || st != streamapi.Cancelled {
			t.Fatalf("%s: TryNext after: %d %v", how, n, st)
		}
	}
}

// A done context stops a stream whose events never stop coming: Next
// checks it even when it does not park.
func TestContextDoneStopsABusyStream(t *testing.T) {
	c := newClient(t)
	s := start(t, c, map[string]any{"url": server.URL + "/events?count=0&interval_ms=0"})
	ctx, cancel := context.WithCancel(context.Background())
	if err := s.WaitOpen(ctx); err != nil {
		t.Fatal(err)
	}
	buf := make([]streamapi.Event, 64)
	for i := 0; i < 3; i++ {
		if _, st := s.Next(ctx, buf); st.Final() {
			t.Fatalf("endless stream stopped: %v", st)
		}
	}
	cancel()
	if n, st := s.Next(ctx, buf); n != 0 || st != streamapi.Cancelled {
		t.Fatalf("after ctx done: %d %v", n, st)
	}
}

func TestParkedWaitOpenWokenByCancelCloseAndContext(t *testing.T) {
	url := silentServer(t)
	c := newClient(t)
	for _, how := range []string{"cancel", "close", "ctx"} {
		s := start(t, c, map[string]any{"url": url})
		ctx, cancel := context.WithCancel(context.Background())
		done := parked(t, 100*time.Millisecond, func() error { return s.WaitOpen(ctx) })
		stop(how, s, cancel)
		err := await(t, how, done)
		cancel()
		if err == nil {
			t.Fatalf("%s: WaitOpen returned nil", how)
		}
		if how == "ctx" && !errors.Is(err, context.Canceled) {
			t.Fatalf("ctx: %v", err)
		}
	}
}

// waitFinished waits (bounded) until libsse has stamped the stream's end,
// so everything it will ever deliver is queued.
func waitFinished(t *testing.T, s *libsse.Stream) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for s.Timings().End == 0 {
		if time.Now().After(deadline) {
			t.Fatal("stream did not finish")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// finished starts a request and waits until libsse has queued all it will
// ever deliver, so that the next read sees the last batch and the end.
func finished(t *testing.T, c *libsse.Client, url string) *libsse.Stream {
	t.Helper()
	s := start(t, c, map[string]any{"url": url})
	if err := s.WaitOpen(context.Background()); err != nil {
		t.Fatal(err)
	}
	waitFinished(t, s)
	return s
}

func TestEndComesWithTheLastBatch(t *testing.T) {
	s := finished(t, newClient(t), server.URL+"/events?count=5")
	buf := make([]streamapi.Event, 16)
	if n, st := s.Next(context.Background(), buf); n != 5 || st != streamapi.End || !strings.HasPrefix(buf[4].Data, "5:") {
		t.Fatalf("one read: %d events, %v", n, st)
	}
	// The final state stays.
	if n, st := s.TryNext(buf); n != 0 || st != streamapi.End {
		t.Fatalf("after the end: %d %v", n, st)
	}
}

func TestFailureComesWithTheLastBatch(t *testing.T) {
	s := finished(t, newClient(t), server.URL+"/fault/bad-chunked")
	buf := make([]streamapi.Event, 16)
	n, st := s.Next(context.Background(), buf)
	if n != 1 || st != streamapi.Failed || buf[0].Data != "1" {
		t.Fatalf("one read: %d events %+v, %v", n, buf[:n], st)
	}
	if e := s.Err(); e == nil || e.Kind != "protocol" {
		t.Fatalf("error %+v", e)
	}
}

// readWithoutParking reads s the non-blocking way: TryOpen, then TryNext
// until the stream stops, waiting on ready whenever it has nothing. It
// returns the events, the final state and how many times it waited after
// an Empty read.
func readWithoutParking(t *testing.T, s streamapi.Stream, ready <-chan struct{}) ([]streamapi.Event, streamapi.Status, int) {
	t.Helper()
	timeout := time.After(10 * time.Second)
	wait := func() {
		select {
		case <-ready:
		case <-timeout:
			t.Fatal("no wake-up")
		}
	}
	for {
		done, err := s.TryOpen()
		if err != nil {
			t.Fatal(err)
		}
		if done {
			break
		}
		wait()
	}
	var all []streamapi.Event
	buf := make([]streamapi.Event, 64)
	empties := 0
	for {
		n, st := s.TryNext(buf)
		all = append(all, buf[:n]...)
		if st.Final() {
			return all, st, empties
		}
		if st == streamapi.Empty {
			empties++
			wait()
		}
	}
}

// The same events as a parked reader, read without parking: TryNext until
// Empty, then wait on Ready.
func TestTryNextWithReady(t *testing.T) {
	s := start(t, newClient(t), map[string]any{"url": server.URL + "/events?count=30&ids=1&interval_ms=2"})
	evs, st, empties := readWithoutParking(t, s, s.Ready())
	if st != streamapi.End || len(evs) != 30 {
		t.Fatalf("%v after %d events", st, len(evs))
	}
	for i, e := range evs {
		if e.ID != fmt.Sprint(i+1) {
			t.Fatalf("event %s, want %d", e.ID, i+1)
		}
	}
	if empties == 0 {
		t.Fatal("a paced stream never ran empty: the test did not wait on Ready")
	}
}

// A StartNotify function is called when the stream turns ready, from the
// poller's goroutine; the reader reads without parking.
func TestStartNotifyCallsTheFunction(t *testing.T) {
	c := newClient(t)
	var calls atomic.Int64
	ready := make(chan struct{}, 1)
	s, err := c.StartNotify([]byte(`{"url": "`+server.URL+`/events?count=10&interval_ms=3"}`), func() {
		calls.Add(1)
		select {
		case ready <- struct{}{}:
		default:
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	evs, st, empties := readWithoutParking(t, s, ready)
	if st != streamapi.End || len(evs) != 10 {
		t.Fatalf("%v after %d events", st, len(evs))
	}
	// Each wait after an Empty read took a value only a call sends.
	if calls.Load() < int64(max(1, empties)) {
		t.Fatalf("%d calls for %d waits", calls.Load(), empties)
	}
}

// fds counts this process's open file descriptors.
func fds(t *testing.T) int {
	t.Helper()
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	return len(entries)
}

// A parked stream costs its socket and no other fd: the poller's one fd is
// shared by all of them.
func TestParkedStreamsHoldOnlyTheirSockets(t *testing.T) {
	const streams = 300
	c := newClient(t)
	// The poller's fd exists once any stream was started.
	openStall(t, c, 0).Close()
	before := fds(t)
	all := make([]*libsse.Stream, streams)
	for i := range all {
		all[i] = openStall(t, c, 1)
	}
	during := fds(t)
	for _, s := range all {
		s.Close()
	}
	t.Logf("fds: %d before, %d with %d parked streams", before, during, streams)
	if extra := during - before - streams; extra > 2 || extra < -2 {
		t.Fatalf("%d streams added %d fds (%d beyond one socket each)", streams, during-before, extra)
	}
}

// pollerRunning reports whether the poller's goroutine exists.
func pollerRunning() bool {
	buf := make([]byte, 1<<20)
	return strings.Contains(string(buf[:runtime.Stack(buf, true)]), "libsse.(*poller).run")
}

// The poller's goroutine runs while streams are open, stops after the last
// one closed, and starts again for the next stream.
func TestPollerGoroutineLivesWhileStreamsAreOpen(t *testing.T) {
	c := newClient(t)
	for round := 0; round < 3; round++ {
		s := openStall(t, c, 1)
		if !pollerRunning() {
			t.Fatalf("round %d: no poller goroutine with a stream open", round)
		}
		s.Close()
		deadline := time.Now().Add(5 * time.Second)
		for pollerRunning() {
			if time.Now().After(deadline) {
				t.Fatalf("round %d: the poller goroutine outlived the last stream", round)
			}
			time.Sleep(time.Millisecond)
		}
	}
}

// With libsse's reconnect option, reads report each reconnect notice in
// order among the events (NoticeNext, then Notice): the loss with the
// last event ID the attempt sends, then the new connection, whose
// response becomes the stream's; the resumed events follow in order. (The
// stream reconnects for ever after its last event: the reads stop there.)
func TestReconnectNoticesInOrder(t *testing.T) {
	c := newClient(t)
	s := start(t, c, map[string]any{
		"url":       server.URL + "/fault/reset?after=2&ids=1&count=6&reset_ms=0",
		"reconnect": map[string]any{"max_attempts": 5, "default_retry_ms": 0},
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.WaitOpen(ctx); err != nil {
		t.Fatal(err)
	}
	var got []string
	buf := make([]streamapi.Event, 8)
	for len(got) == 0 || got[len(got)-1] != "6" {
		n, st := s.Next(ctx, buf)
		for _, e := range buf[:n] {
			got = append(got, e.ID)
		}
		if st == streamapi.NoticeNext {
			switch nt := s.Notice(); nt.Kind {
			case streamapi.Reconnecting:
				if nt.Reason == nil || nt.Attempt != 1 || nt.SinceNS == 0 {
					t.Fatalf("reconnecting notice %+v", nt)
				}
				got = append(got, "lost@"+nt.LastEventID)
			case streamapi.Reconnected:
				if nt.Status != 200 || nt.DowntimeNS() == 0 || s.Response().Status != 200 {
					t.Fatalf("reconnected notice %+v", nt)
				}
				got = append(got, "back")
			}
		}
		if st.Final() {
			break
		}
	}
	if got := strings.Join(got, ","); got != "1,2,lost@2,back,3,4,lost@4,back,5,6" {
		t.Fatalf("reads %s", got)
	}
}

// A park and its wake-up allocate nothing: each Next on a paced stream
// (one event per wake-up) allocates only its batch's string buffer.
func TestAWakeUpAllocatesOnlyTheBatch(t *testing.T) {
	c := newClient(t)
	s := start(t, c, map[string]any{"url": server.URL + "/events?count=0&interval_ms=2&size=8"})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.WaitOpen(ctx); err != nil {
		t.Fatal(err)
	}
	buf := make([]streamapi.Event, 64)
	s.Next(ctx, buf) // the first read: nothing left over from the open
	drained := 0     // reads that left the stream empty: the next Next parks
	allocs := testing.AllocsPerRun(100, func() {
		n, st := s.Next(ctx, buf)
		if n == 0 || st.Final() {
			t.Fatalf("paced stream: %d events, %v", n, st)
		}
		if st == streamapi.Empty {
			drained++
		}
	})
	if drained == 0 {
		t.Fatal("no read drained the paced stream: nothing parked")
	}
	if allocs > 1 {
		t.Fatalf("%.2f allocations per wake-up, want at most the batch's buffer", allocs)
	}
}
