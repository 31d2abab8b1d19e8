// Command jsvu runs a k6 script's default function on fake VUs through the
// real JS layer of k6/x/sse (package jsapi on the libsse Go binding, with
// jsapitest's host instead of k6) and writes every metric sample in the
// format of k6's JSON output (`k6 run --out json=FILE`). It imports no k6.
//
//	jsvu -vus 100 -iterations 500 -out samples.json script.js
//
// It is the "JS layer with the fake host" client of scripts/llm_truth.sh
// (whose samples `sse-testserver calibrate` reads as k6's), and the engine of
// the k6/x/sse stand-in that examples/check.sh uses for scripts with the
// `llm` param (examples/node-shim/k6/x/sse.js).
//
// Scripts: the only import may be `import NAME from 'k6/x/sse'`; `export
// default function` is run once per iteration (iterations are shared by the
// VUs, as k6's shared-iterations executor does), on the VU's event loop as
// in k6, so an iteration lasts until the EventSources it opened are closed; `__ENV` (the process
// environment), `__VU` (1-based) and `__ITER` (the VU's iteration, from 0)
// are set as in k6, and `print(text)` writes a line to stdout.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"time"
)

func main() {
	var cfg config
	flag.IntVar(&cfg.vus, "vus", 1, "VUs, each with its own JS runtime and libsse client")
	flag.IntVar(&cfg.iterations, "iterations", 1, "iterations in total, shared by the VUs")
	flag.DurationVar(&cfg.timeout, "timeout", 10*time.Minute, "the whole run's limit")
	out := flag.String("out", "", "k6 JSON output of the samples (default: none)")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: jsvu [-vus N] [-iterations N] [-timeout D] [-out FILE] SCRIPT.js")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() != 1 || cfg.vus < 1 || cfg.iterations < 0 {
		flag.Usage()
		os.Exit(2)
	}
	src, err := os.ReadFile(flag.Arg(0))
	if err != nil {
		fail(err)
	}
	cfg.script = string(src)
	stdout := bufio.NewWriter(os.Stdout)
	cfg.print = stdout
	if *out != "" {
		f, err := os.Create(*out)
		if err != nil {
			fail(err)
		}
		w := bufio.NewWriter(f)
		cfg.samples = w
		defer func() {
			if err := w.Flush(); err != nil {
				fail(err)
			}
			if err := f.Close(); err != nil {
				fail(err)
			}
		}()
	}
	sum, err := run(cfg)
	if ferr := stdout.Flush(); err == nil {
		err = ferr
	}
	fmt.Fprintf(os.Stderr, "jsvu: %d iterations, %d failed\n", sum.iterations, sum.failed)
	if err == nil && sum.failed > 0 {
		err = fmt.Errorf("%d iterations failed", sum.failed)
	}
	if err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "jsvu:", err)
	os.Exit(1)
}
