package libsse_test

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/libsse/libsse/go-shim/internal/testserver"
	"github.com/libsse/libsse/go-shim/jsapi"
	"github.com/libsse/libsse/go-shim/jsapi/jsapitest"
	"github.com/libsse/libsse/go-shim/libsse"
)

// BenchmarkEventSourceManyStreams holds VUS fake VUs × STREAMS streams
// each (default 100 × 100 = 10,000) in this one process, every stream a
// steady flow of token-sized events (EVERY_MS apart, default 200), for
// HOLD (default 20s) once all are open, then stops the VUs. Each VU runs
// its iteration on its own goroutine and event loop, as k6 does. It
// reports the OS threads before, when all are open and at the end, the
// memory per stream (Go's, and the rest of the process's RSS: libsse's),
// and the events delivered per second; it fails if a stream's events came
// out of order or an error event fired. With TLS=1 the streams go to a
// TLS server of their own, where libsse speaks HTTP/2 (ALPN) and each VU's
// streams share a connection. HEAP_PROFILE=path writes a heap profile
// (finely sampled) once every stream is open, for where Go's part goes.
// Run it once:
//
//	go test ./libsse -run XXX -bench EventSourceManyStreams -benchtime 1x
func BenchmarkEventSourceManyStreams(b *testing.B) {
	vus, perVU := envInt("VUS", 100), envInt("STREAMS", 100)
	every, hold := envInt("EVERY_MS", 200), time.Duration(envInt("HOLD_S", 20))*time.Second
	base, tls := server.URL, os.Getenv("TLS") == "1"
	if tls {
		s, err := testserver.Start("--tls")
		if err != nil {
			b.Fatal(err)
		}
		defer s.Stop()
		base = s.URL
	}
	url := fmt.Sprintf("%s/events?count=0&interval_ms=%d&size=32&ids=1", base, every)
	for i := 0; i < b.N; i++ {
		manyStreams(b, url, vus, perVU, hold, tls)
	}
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// memory is the process's RSS and what Go holds of it.
type memory struct{ rss, goHeld, goLive uint64 }

func readMemory(b *testing.B) memory {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	st, err := os.ReadFile("/proc/self/status")
	if err != nil {
		b.Fatal(err)
	}
	var rss uint64
	for _, line := range strings.Split(string(st), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseUint(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			rss = kb * 1024
		}
	}
	return memory{rss: rss, goHeld: m.Sys - m.HeapReleased, goLive: m.HeapAlloc}
}

func manyStreams(b *testing.B, url string, vus, perVU int, hold time.Duration, tls bool) {
	streams := vus * perVU
	profile := os.Getenv("HEAP_PROFILE")
	if profile != "" {
		runtime.MemProfileRate = 4096
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var opened, delivered atomic.Int64
	allOpen := make(chan struct{})
	root := jsapi.NewRoot(libsse.NewTransport)
	hosts := make([]*jsapitest.Host, vus)
	threads0, mem0 := threads(b), readMemory(b)
	var wg sync.WaitGroup
	errs := make(chan error, vus)
	began := time.Now()
	for v := range hosts {
		h := jsapitest.New()
		h.Ctx = ctx
		h.Opts.InsecureSkipTLSVerify = tls // the test server's own certificate
		h.OnEmit = func(samples []jsapi.Sample) {
			for _, s := range samples {
				if s.Metric == jsapi.MetricSSEEvent {
					delivered.Add(int64(s.Value))
				}
			}
		}
		in, err := jsapitest.Install(h, root)
		if err != nil {
			b.Fatal(err)
		}
		defer in.Close()
		_ = h.RT.Set("URL", url)
		_ = h.RT.Set("opened", func() {
			if opened.Add(1) == int64(streams) {
				close(allOpen)
			}
		})
		hosts[v] = h
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := h.RunIteration(fmt.Sprintf(`
				var events = 0, bad = 0, errors = 0;
				for (let s = 0; s < %d; s++) {
					let last = 0;
					const es = new EventSource(URL);
					es.onopen = () => opened();
					es.onmessage = (e) => {
						const id = +e.lastEventId;
						if (id !== last + 1) bad++;
						last = id;
						events++;
					};
					es.onerror = () => errors++;
				}`, perVU))
			errs <- err
		}()
	}
	select {
	case <-allOpen:
	case <-time.After(120 * time.Second):
		b.Fatalf("only %d of %d streams open after 120s", opened.Load(), streams)
	}
	openTook := time.Since(began)
	time.Sleep(2 * time.Second) // every stream past its first events
	threads1, mem1 := threads(b), readMemory(b)
	if profile != "" {
		writeHeapProfile(b, profile)
	}
	t0, d0 := time.Now(), delivered.Load()
	time.Sleep(hold)
	held, rate := time.Since(t0), float64(delivered.Load()-d0)/time.Since(t0).Seconds()
	threads2 := threads(b)
	cancel()
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			b.Fatal(err)
		}
	}
	var events, bad, errors int64
	for _, h := range hosts {
		v := run(b, h, `[events, bad, errors].join()`)
		var e, x, r int64
		fmt.Sscanf(v.String(), "%d,%d,%d", &e, &x, &r)
		events, bad, errors = events+e, bad+x, errors+r
	}
	if bad != 0 || errors != 0 {
		b.Fatalf("%d events out of order, %d error events", bad, errors)
	}
	perStream := func(a, z uint64) float64 { return float64(int64(z)-int64(a)) / float64(streams) / 1024 }
	goKiB, liveKiB := perStream(mem0.goHeld, mem1.goHeld), perStream(mem0.goLive, mem1.goLive)
	rssKiB := perStream(mem0.rss, mem1.rss)
	b.Logf("%d streams on %d VUs open in %v; OS threads %d before, %d all open, %d after %v; "+
		"per stream: %.1f KiB RSS = %.1f KiB Go (%.1f KiB live) + %.1f KiB the rest (libsse); %d events, all in order; %.0f events/s while held",
		streams, vus, openTook.Round(time.Millisecond), threads0, threads1, threads2, held.Round(time.Second),
		rssKiB, goKiB, liveKiB, rssKiB-goKiB, events, rate)
	b.ReportMetric(float64(threads1), "threads-open")
	b.ReportMetric(float64(threads2), "threads-end")
	b.ReportMetric(rssKiB, "KiB-RSS/stream")
	b.ReportMetric(goKiB, "KiB-Go/stream")
	b.ReportMetric(liveKiB, "KiB-Go-live/stream")
	b.ReportMetric(rate, "events/s")
}

func writeHeapProfile(b *testing.B, path string) {
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	if err := pprof.WriteHeapProfile(f); err != nil {
		b.Fatal(err)
	}
}
