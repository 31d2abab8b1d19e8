package libsse_test

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/libsse/libsse/go-shim/streamapi"
)

// threads reads this process's OS thread count.
func threads(t testing.TB) int {
	t.Helper()
	f, err := os.Open("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "Threads:"); ok {
			n, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
	}
	t.Fatal("no Threads line in /proc/self/status")
	return 0
}

// threadNames counts this process's threads by name (Go's carry the
// binary's name, libsse's tokio workers "sse-worker").
func threadNames() map[string]int {
	names := map[string]int{}
	tasks, _ := filepath.Glob("/proc/self/task/*/comm")
	for _, comm := range tasks {
		if b, err := os.ReadFile(comm); err == nil {
			names[strings.TrimSpace(string(b))]++
		}
	}
	return names
}

// 2,000 streams each wait for an event that never comes: parked in the
// netpoller, they must not hold an OS thread each.
func TestTwoThousandWaitingStreamsFewThreads(t *testing.T) {
	const streams = 2000
	c := newClient(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var ready, done sync.WaitGroup
	ready.Add(streams)
	done.Add(streams)
	errs := make(chan error, streams)
	for i := 0; i < streams; i++ {
		go func() {
			defer done.Done()
			signalled := false
			signal := func() {
				if !signalled {
					signalled = true
					ready.Done()
				}
			}
			defer signal()
			s, err := openStream(ctx, c, `{"url": "`+server.URL+`/fault/stall?after=1"}`)
			if err != nil {
				errs <- err
				return
			}
			defer s.Close()
			buf := make([]streamapi.Event, 2)
			if n, st := s.Next(ctx, buf); n != 1 {
				errs <- &streamapi.Error{Message: "first event missing: " + strconv.Itoa(int(st))}
				return
			}
			signal()
			if n, st := s.Next(ctx, buf); n != 0 || st != streamapi.Cancelled {
				errs <- &streamapi.Error{Message: "stall ended early: " + strconv.Itoa(int(st))}
			}
		}()
	}
	waited := make(chan struct{})
	go func() { ready.Wait(); close(waited) }()
	select {
	case <-waited:
	case <-time.After(60 * time.Second):
		cancel()
		done.Wait()
		t.Fatal("streams did not all receive their first event within 60s")
	}
	time.Sleep(200 * time.Millisecond) // let every goroutine reach its parked wait
	n := threads(t)
	cancel()
	done.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	t.Logf("%d waiting streams, %d OS threads %v", streams, n, threadNames())
	if n >= 64 {
		t.Fatalf("%d OS threads for %d waiting streams, want < 64", n, streams)
	}
}
