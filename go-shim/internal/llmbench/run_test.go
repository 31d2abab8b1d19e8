package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/libsse/libsse/go-shim/internal/testserver"
	"github.com/libsse/libsse/go-shim/libsse"
	"github.com/libsse/libsse/go-shim/llm"
	"github.com/libsse/libsse/go-shim/streamapi"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// Every format through libsse and package llm, paired with the server's
// truth by `sse-testserver calibrate`: every request pairs, the chunk counts
// agree, and no error is negative (the client cannot see a token before the
// server wrote it, nor start after the server received the request).
func TestEveryFormatPairsWithTheTruth(t *testing.T) {
	dir := t.TempDir()
	truth := filepath.Join(dir, "truth.jsonl")
	srv, err := testserver.Start("--truth-log", truth, "--ttft-ms", "20", "--token-interval-ms", "2")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop() // also when a check fails early; Stop twice is harmless
	formats := []llm.Format{llm.FormatOpenAI, llm.FormatOpenAIResponses, llm.FormatAnthropic}
	csvs := make([]string, len(formats))
	for i, f := range formats {
		cfg := config{baseURL: srv.URL, format: f, concurrency: 4, requests: 12, maxTokens: 8, timeout: 30 * time.Second}
		var out bytes.Buffer
		sum, err := run(cfg, &out)
		if err != nil || sum.ok != 12 {
			t.Fatalf("%v: %+v %v", f, sum, err)
		}
		csvs[i] = filepath.Join(dir, f.String()+".csv")
		if err := os.WriteFile(csvs[i], out.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	srv.Stop() // the truth log is complete once the streams are flushed

	for i, f := range formats {
		r, err := testserver.Calibrate(truth, csvs[i])
		if err != nil {
			t.Fatalf("%v: %v", f, err)
		}
		if r.Paired != 12 || r.UnmatchedClient != 0 || r.ItlCountMismatch != 0 {
			t.Errorf("%v: %s", f, r.Report)
		}
		if r.TTFT.Count != 12 || r.ITL.Count == 0 || r.Send.Count != 12 || r.Receive.Count != 12 {
			t.Errorf("%v: counts %s", f, r.Report)
		}
		if r.TTFT.Min < 0 || r.Send.Min < 0 || r.Receive.Min < 0 {
			t.Errorf("%v: negative error: %s", f, r.Report)
		}
	}
}

// The server's stream shapes, read by package llm through libsse, in every
// format: what each knob does to the figures.
func TestStreamShapesThroughLibsse(t *testing.T) {
	srv, err := testserver.Start("--ttft-ms", "30", "--token-interval-ms", "1")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop()
	client, err := libsse.NewClient(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cases := []struct {
		name  string
		extra map[string]any
		check func(t *testing.T, res llm.Result, err error)
	}{{
		name:  "role chunk at once, first token at TTFT",
		extra: map[string]any{"role_ms": 0, "empty_deltas": 2, "completion_tokens": 3},
		check: func(t *testing.T, res llm.Result, err error) {
			ttft, ok := res.TTFT()
			if err != nil || !ok || ttft < 30*time.Millisecond || res.ContentChunks != 3 || !res.Done {
				t.Errorf("%v %v %+v", err, ttft, res)
			}
		},
	}, {
		name:  "no content at all",
		extra: map[string]any{"completion_tokens": 0},
		check: func(t *testing.T, res llm.Result, err error) {
			if _, ok := res.TTFT(); ok || err != nil || res.ContentChunks != 0 || res.FinishReason != llm.FinishStop {
				t.Errorf("%v %+v", err, res)
			}
		},
	}, {
		name:  "error after two chunks",
		extra: map[string]any{"error_after": 2, "completion_tokens": 5},
		check: func(t *testing.T, res llm.Result, err error) {
			if err == nil || res.Err == nil || res.ContentChunks != 2 || res.FinishReason != llm.FinishError {
				t.Errorf("%v %+v", err, res)
			}
		},
	}, {
		name:  "cut by max tokens, no terminator",
		extra: map[string]any{"completion_tokens": 20, "done": 0},
		check: func(t *testing.T, res llm.Result, err error) {
			if err != nil || res.FinishReason != llm.FinishLength || res.OutputTokens != 8 {
				t.Errorf("%v %+v", err, res)
			}
		},
	}}
	buf := make([]streamapi.Event, 64)
	for _, f := range []llm.Format{llm.FormatOpenAI, llm.FormatOpenAIResponses, llm.FormatAnthropic} {
		for i, c := range cases {
			t.Run(f.String()+"/"+c.name, func(t *testing.T) {
				cfg := config{baseURL: srv.URL, format: f, maxTokens: 8, extra: c.extra}
				reader := llm.NewReader(f, 0)
				rec, err := one(ctx, client, cfg, i, reader, buf)
				res := rec.res
				if err != nil {
					res = reader.Result()
				}
				c.check(t, res, err)
				if res.ID == "" {
					t.Error("no response id")
				}
			})
		}
	}
}
