package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"sync"
	"time"

	"github.com/libsse/libsse/go-shim/libsse"
	"github.com/libsse/libsse/go-shim/llm"
	"github.com/libsse/libsse/go-shim/streamapi"
)

type config struct {
	baseURL     string
	format      llm.Format
	concurrency int
	requests    int
	warmup      int // the first requests, not reported
	maxTokens   int
	timeout     time.Duration
	// extra fields for every request body (the server's knobs, in tests).
	extra map[string]any
}

type summary struct{ ok, failed, noContent int }

// record is what one request reports: the figures calibrate pairs with the
// truth, in the stamps' own nanoseconds.
type record struct {
	res  llm.Result
	gaps []uint64
	// sentNS is when libsse had written the request (the send side's split).
	sentNS uint64
}

// endpoint and body of one request in cfg.format; i makes each prompt unique.
func (cfg config) request(i int) ([]byte, error) {
	prompt := fmt.Sprintf("Request %d: how do server-sent events carry tokens?", i)
	msgs := []map[string]any{{"role": "user", "content": prompt}}
	var path string
	body := map[string]any{"model": "my-model", "stream": true}
	switch cfg.format {
	case llm.FormatOpenAIResponses:
		path = "/v1/responses"
		body["input"] = prompt
		body["max_output_tokens"] = cfg.maxTokens
	case llm.FormatAnthropic:
		path = "/v1/messages"
		body["messages"] = msgs
		body["max_tokens"] = cfg.maxTokens
	default:
		path = "/v1/chat/completions"
		body["messages"] = msgs
		body["max_tokens"] = cfg.maxTokens
		body["stream_options"] = map[string]any{"include_usage": true}
		// As guidellm asks vLLM: exactly max_tokens tokens, so both clients
		// stream the same lengths.
		body["ignore_eos"] = true
	}
	for k, v := range cfg.extra {
		body[k] = v
	}
	b, err := json.Marshal(body)
	if err != nil {
		return nil, err
	}
	return json.Marshal(map[string]any{
		"url": cfg.baseURL + path, "method": "POST", "body": string(b),
		"headers": map[string]string{"Content-Type": "application/json"},
	})
}

// run sends cfg.warmup + cfg.requests requests, cfg.concurrency at a time,
// and writes the CSV of every reported request that streamed content.
func run(cfg config, w io.Writer) (summary, error) {
	client, err := libsse.NewClient(nil)
	if err != nil {
		return summary{}, err
	}
	defer client.Close()
	ctx, cancel := context.WithTimeout(context.Background(), cfg.timeout)
	defer cancel()
	next := make(chan int)
	go func() {
		defer close(next)
		for i := 0; i < cfg.warmup+cfg.requests; i++ {
			select {
			case next <- i:
			case <-ctx.Done():
				return
			}
		}
	}()
	var (
		mu      sync.Mutex
		records []record
		sum     summary
		wg      sync.WaitGroup
	)
	for range cfg.concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			reader := llm.NewReader(cfg.format, 0)
			buf := make([]streamapi.Event, 64)
			for i := range next {
				rec, err := one(ctx, client, cfg, i, reader, buf)
				mu.Lock()
				switch {
				case i < cfg.warmup && err == nil:
				case err != nil:
					sum.failed++
				case rec.res.FirstContentNS == 0:
					sum.noContent++
				default:
					sum.ok++
					records = append(records, rec)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if err := writeCSV(w, records); err != nil {
		return sum, err
	}
	if sum.failed > 0 {
		return sum, fmt.Errorf("%d requests failed", sum.failed)
	}
	return sum, ctx.Err()
}

// one runs request i to its end.
func one(ctx context.Context, client *libsse.Client, cfg config, i int, reader *llm.Reader, buf []streamapi.Event) (record, error) {
	opts, err := cfg.request(i)
	if err != nil {
		return record{}, err
	}
	s, err := client.StartStream(opts)
	if err != nil {
		return record{}, err
	}
	defer s.Close()
	// libsse stamped the start inside sse_start: read it before any event.
	reader.Reset(cfg.format, s.Timings().Start)
	if err := s.WaitOpen(ctx); err != nil {
		return record{}, err
	}
	if st := s.Response().Status; st != 200 {
		return record{}, fmt.Errorf("status %d", st)
	}
	var gaps []uint64
	for {
		n, status := s.Next(ctx, buf)
		for k := range buf[:n] {
			if st := reader.Event(&buf[k]); st.Kind == llm.StepContent && !st.First {
				gaps = append(gaps, st.GapNS)
			}
		}
		if n == 0 {
			if status == streamapi.Failed {
				return record{}, s.Err()
			}
			if status != streamapi.End {
				return record{}, fmt.Errorf("stream stopped: %d", status)
			}
			break
		}
	}
	res := reader.Result()
	if res.Err != nil {
		return record{}, res.Err
	}
	return record{res: res, gaps: gaps, sentNS: s.Timings().RequestSent}, nil
}

// writeCSV writes calibrate's CSV (docs/testserver.md): id,metric,value.
func writeCSV(w io.Writer, records []record) error {
	bw := bufio.NewWriter(w)
	bw.WriteString("id,metric,value\n")
	msStr := func(ns uint64) string { return strconv.FormatFloat(float64(ns)/1e6, 'f', 6, 64) }
	for _, r := range records {
		id := r.res.ID
		ttft, _ := r.res.TTFT()
		fmt.Fprintf(bw, "%s,ttft_ms,%s\n", id, msStr(uint64(ttft)))
		for _, g := range r.gaps {
			fmt.Fprintf(bw, "%s,itl_ms,%s\n", id, msStr(g))
		}
		fmt.Fprintf(bw, "%s,start_mono_ns,%d\n", id, r.res.StartNS)
		if r.sentNS != 0 {
			fmt.Fprintf(bw, "%s,request_sent_mono_ns,%d\n", id, r.sentNS)
		}
		fmt.Fprintf(bw, "%s,first_content_mono_ns,%d\n", id, r.res.FirstContentNS)
	}
	return bw.Flush()
}
