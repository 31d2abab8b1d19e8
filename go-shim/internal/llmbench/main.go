// Command llmbench is the native client of the LLM accuracy benchmark
// (scripts/llm_truth.sh): it streams completions from an LLM server through
// the Go binding of libsse, reads them with package llm, and writes each
// request's figures as the CSV that `sse-testserver calibrate` reads. Times
// are libsse's own stamps: request start from the stream's timings, each
// content chunk from its event's TimeNS. It imports no k6.
//
//	llmbench -url http://127.0.0.1:PORT -format openai -concurrency 100 -requests 1000 -warmup 100 -out ours.csv
package main

import (
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/libsse/libsse/go-shim/llm"
)

func main() {
	var cfg config
	format := flag.String("format", "openai", "openai | openai-responses | anthropic")
	flag.StringVar(&cfg.baseURL, "url", "http://127.0.0.1:8080", "server base URL")
	flag.IntVar(&cfg.concurrency, "concurrency", 1, "streams open at once")
	flag.IntVar(&cfg.requests, "requests", 10, "requests in total")
	flag.IntVar(&cfg.warmup, "warmup", 0, "first requests not reported (opens the pool's connections)")
	flag.IntVar(&cfg.maxTokens, "max-tokens", 64, "max_tokens of each request")
	flag.DurationVar(&cfg.timeout, "timeout", 2*time.Minute, "whole run's limit")
	out := flag.String("out", "", "CSV output (default stdout)")
	flag.Parse()
	f, err := llm.ParseFormat(*format)
	if err != nil || f == llm.FormatAuto {
		fmt.Fprintln(os.Stderr, "llmbench: -format must be openai, openai-responses or anthropic")
		os.Exit(2)
	}
	cfg.format = f
	w := os.Stdout
	if *out != "" {
		file, err := os.Create(*out)
		if err != nil {
			fmt.Fprintln(os.Stderr, "llmbench:", err)
			os.Exit(1)
		}
		defer file.Close()
		w = file
	}
	sum, err := run(cfg, w)
	fmt.Fprintf(os.Stderr, "llmbench: %d requests, %d failed, %d without content\n", sum.ok+sum.failed, sum.failed, sum.noContent)
	if err != nil {
		fmt.Fprintln(os.Stderr, "llmbench:", err)
		os.Exit(1)
	}
}
