package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/grafana/sobek"
	"github.com/libsse/libsse/go-shim/jsapi"
	"github.com/libsse/libsse/go-shim/jsapi/jsapitest"
	"github.com/libsse/libsse/go-shim/libsse"
)

type config struct {
	vus, iterations int
	timeout         time.Duration
	script          string    // the k6 script's source
	print           io.Writer // print() lines
	samples         io.Writer // k6 JSON output; nil: none
	env             map[string]string
}

type summary struct{ iterations, failed int }

// point is one sample as k6's JSON output writes it.
type point struct {
	Metric string    `json:"metric"`
	Type   string    `json:"type"`
	Data   pointData `json:"data"`
}

type pointData struct {
	Time     time.Time         `json:"time"`
	Value    float64           `json:"value"`
	Tags     map[string]string `json:"tags"`
	Metadata map[string]string `json:"metadata,omitempty"`
}

// output serializes the VUs' writes.
type output struct {
	mu      sync.Mutex
	print   io.Writer
	samples *json.Encoder
	err     error
}

func (o *output) line(s string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if _, err := io.WriteString(o.print, s+"\n"); err != nil && o.err == nil {
		o.err = err
	}
}

func (o *output) write(samples []jsapi.Sample) {
	if o.samples == nil || len(samples) == 0 {
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, s := range samples {
		err := o.samples.Encode(point{Metric: s.Metric, Type: "Point",
			Data: pointData{Time: s.Time, Value: s.Value, Tags: s.Tags, Metadata: s.Metadata}})
		if err != nil && o.err == nil {
			o.err = err
		}
	}
}

// run runs cfg.iterations iterations of the script's default function on
// cfg.vus VUs, one goroutine and JS runtime each, all of them on one
// jsapi.Root (as k6 shares one root module between its VUs).
func run(cfg config) (summary, error) {
	script, err := toPlainScript(cfg.script)
	if err != nil {
		return summary{}, err
	}
	prog, err := sobek.Compile("script.js", script, false)
	if err != nil {
		return summary{}, err
	}
	env := map[string]string{}
	for _, kv := range os.Environ() {
		if k, v, ok := strings.Cut(kv, "="); ok {
			env[k] = v
		}
	}
	for k, v := range cfg.env {
		env[k] = v
	}
	out := &output{print: cfg.print}
	if cfg.samples != nil {
		out.samples = json.NewEncoder(cfg.samples)
	}
	ctx, cancel := context.WithTimeout(context.Background(), cfg.timeout)
	defer cancel()
	root := jsapi.NewRoot(libsse.NewTransport)
	var (
		next   atomic.Int64
		done   atomic.Int64
		failed atomic.Int64
		wg     sync.WaitGroup
		errMu  sync.Mutex
		vuErr  error
	)
	for vu := 1; vu <= cfg.vus; vu++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := runVU(ctx, vu, root, prog, env, out, func() bool {
				return next.Add(1) <= int64(cfg.iterations) && ctx.Err() == nil
			}, func(ok bool) {
				done.Add(1)
				if !ok {
					failed.Add(1)
				}
			})
			if err != nil {
				errMu.Lock()
				vuErr = fmt.Errorf("VU %d: %w", vu, err)
				errMu.Unlock()
			}
		}()
	}
	wg.Wait()
	sum := summary{iterations: int(done.Load()), failed: int(failed.Load())}
	switch {
	case vuErr != nil:
		return sum, vuErr
	case out.err != nil:
		return sum, out.err
	case ctx.Err() != nil:
		return sum, fmt.Errorf("stopped after %v: %w", cfg.timeout, ctx.Err())
	}
	return sum, nil
}

// runVU sets up one VU and runs iterations while more() says so.
func runVU(ctx context.Context, vu int, root *jsapi.Root, prog *sobek.Program, env map[string]string,
	out *output, more func() bool, finished func(ok bool),
) error {
	h := jsapitest.New()
	h.Ctx = ctx
	h.VUTags = map[string]string{"scenario": "default"}
	h.Opts.Throw = false // k6's default
	in, err := root.NewInstance(h)
	if err != nil {
		return err
	}
	defer in.Close()
	rt := h.RT
	for k, v := range map[string]any{"__sse": in.Exports(), "__ENV": env, "__VU": vu, "print": out.line} {
		if err := rt.Set(k, v); err != nil {
			return err
		}
	}
	if _, err := rt.RunProgram(prog); err != nil {
		return err
	}
	fn, ok := sobek.AssertFunction(rt.Get("__default"))
	if !ok {
		return fmt.Errorf("the default export is not a function")
	}
	h.Take() // what the script's init code emitted belongs to no iteration
	for iter := 0; more(); iter++ {
		h.Iter = int64(iter)
		if err := rt.Set("__ITER", iter); err != nil {
			return err
		}
		// On the VU's event loop, as k6 runs an iteration: it ends once
		// the EventSources the script opened are closed.
		_, err := h.Iterate(func() (sobek.Value, error) { return fn(sobek.Undefined()) })
		if err != nil {
			fmt.Fprintf(os.Stderr, "jsvu: VU %d, iteration %d: %v\n", vu, iter, err)
		}
		out.write(h.Take())
		finished(err == nil)
	}
	return nil
}
