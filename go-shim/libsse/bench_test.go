package libsse_test

import (
	"bufio"
	"bytes"
	"context"
	"net/http"
	"testing"

	"github.com/libsse/libsse/go-shim/jsapi"
	"github.com/libsse/libsse/go-shim/jsapi/jsapitest"
	"github.com/libsse/libsse/go-shim/libsse"
	"github.com/libsse/libsse/go-shim/streamapi"
)

// benchEvents is the stream every benchmark reads: 100,000 events of 48
// bytes (token-sized), written in coalesced batches.
const benchEvents = 100000

var benchPath = "/events?count=100000&size=48&batch=1"

// BenchmarkBindingEvents reads the stream through the cgo binding
// (netpoller waits, 64-event drains, fields copied into Go strings).
func BenchmarkBindingEvents(b *testing.B) {
	c, err := libsse.NewClient(nil)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	req := []byte(`{"url": "` + server.URL + benchPath + `"}`)
	buf := make([]streamapi.Event, 64)
	drains := 0
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s, err := c.StartStream(req)
		if err != nil {
			b.Fatal(err)
		}
		if err := s.WaitOpen(context.Background()); err != nil {
			b.Fatal(err)
		}
		got := 0
		for {
			n, st := s.Next(context.Background(), buf)
			drains++
			got += n
			if st.Final() {
				break
			}
		}
		s.Close()
		if got != benchEvents {
			b.Fatalf("%d events", got)
		}
	}
	b.ReportMetric(float64(b.N*benchEvents)/b.Elapsed().Seconds(), "events/s")
	// Events per wake-up: how well libsse's queue batches for the reader.
	b.ReportMetric(float64(b.N*benchEvents)/float64(drains), "events/drain")
}

// BenchmarkGoLineReaderEvents is the peer: Go's net/http with a bufio line
// reader and prefix matching, the approach of xk6-sse's reader (written
// here from scratch), on the same stream.
func BenchmarkGoLineReaderEvents(b *testing.B) {
	client := &http.Client{}
	for i := 0; i < b.N; i++ {
		req, _ := http.NewRequest(http.MethodGet, server.URL+benchPath, nil)
		req.Header.Set("Accept", "text/event-stream")
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		r := bufio.NewReader(resp.Body)
		var data bytes.Buffer
		got := 0
		for {
			line, err := r.ReadBytes('\n')
			if err != nil {
				break
			}
			switch {
			case bytes.HasPrefix(line, []byte("data:")):
				data.Write(bytes.TrimPrefix(line[5:], []byte(" ")))
			case len(line) == 1:
				_ = string(bytes.TrimRight(data.Bytes(), "\n"))
				data.Reset()
				got++
			}
		}
		resp.Body.Close()
		if got != benchEvents {
			b.Fatalf("%d events", got)
		}
	}
	b.ReportMetric(float64(b.N*benchEvents)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkJSLayerEvents runs sse.open with a JS handler per event on a
// plain sobek runtime: the cost a k6 script sees.
func BenchmarkJSLayerEvents(b *testing.B) {
	h := jsapitest.New()
	in, err := jsapitest.Install(h, jsapi.NewRoot(libsse.NewTransport))
	if err != nil {
		b.Fatal(err)
	}
	defer in.Close()
	_ = h.RT.Set("URL", server.URL+benchPath)
	prog := `(() => { let n = 0; sse.open(URL, c => c.on('event', e => { n += e.data.length > 0 ? 1 : 0 })); return n })()`
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		v, err := h.RT.RunString(prog)
		if err != nil {
			b.Fatal(err)
		}
		if v.ToInteger() != benchEvents {
			b.Fatalf("%v events", v)
		}
	}
	b.ReportMetric(float64(b.N*benchEvents)/b.Elapsed().Seconds(), "events/s")
}
