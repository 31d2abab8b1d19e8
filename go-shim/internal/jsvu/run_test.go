package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/libsse/libsse/go-shim/internal/testserver"
	"github.com/libsse/libsse/go-shim/llm"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// harnessScript is scripts/llm_truth.js, the script the benchmark runs.
func harnessScript(t *testing.T) string {
	_, file, _, _ := runtime.Caller(0)
	src, err := os.ReadFile(filepath.Join(filepath.Dir(file), "..", "..", "..", "scripts", "llm_truth.js"))
	if err != nil {
		t.Fatal(err)
	}
	return string(src)
}

// The benchmark's script on 4 fake VUs, in each format, paired with the
// server's truth by `sse-testserver calibrate` reading the samples as k6's
// JSON output: every reported request pairs, its ITL samples match the
// truth's chunk gaps one for one, and no TTFT error is negative (the client
// cannot start after the server got the request nor see a token before it
// was written).
func TestHarnessScriptPairsWithTheTruth(t *testing.T) {
	dir := t.TempDir()
	truth := filepath.Join(dir, "truth.jsonl")
	srv, err := testserver.Start("--truth-log", truth, "--ttft-ms", "20", "--token-interval-ms", "2")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop()
	formats := []string{"chat", "responses", "anthropic"}
	outs := make([]string, len(formats))
	for i, f := range formats {
		var samples, printed bytes.Buffer
		sum, err := run(config{vus: 4, iterations: 12, timeout: time.Minute, script: harnessScript(t),
			print: &printed, samples: &samples, env: map[string]string{"URL": srv.URL, "MAX_TOKENS": "8", "FORMAT": f}})
		if err != nil || sum.iterations != 12 || sum.failed != 0 {
			t.Fatalf("%s: %+v %v", f, sum, err)
		}
		// The harness's warm-up filter: the VUs' first iterations are tagged.
		var kept bytes.Buffer
		warm := 0
		sc := bufio.NewScanner(&samples)
		for sc.Scan() {
			var p point
			if err := json.Unmarshal(sc.Bytes(), &p); err != nil {
				t.Fatal(err)
			}
			if p.Data.Tags["phase"] == "warmup" {
				if p.Metric == llm.MetricTTFT {
					warm++
				}
				continue
			}
			kept.Write(sc.Bytes())
			kept.WriteByte('\n')
		}
		if warm != 4 {
			t.Fatalf("%s: %d warm-up requests, want one per VU", f, warm)
		}
		outs[i] = filepath.Join(dir, f+".json")
		if err := os.WriteFile(outs[i], kept.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	srv.Stop() // the truth log is complete once the streams are flushed

	for i, f := range formats {
		r, err := testserver.Calibrate(truth, outs[i])
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if r.Paired != 8 || r.UnmatchedClient != 0 || r.ItlCountMismatch != 0 || r.TTFT.Count != 8 ||
			r.ITL.Count != 8*7 || r.TTFT.Min < 0 {
			t.Errorf("%s: %s", f, r.Report)
		}
	}
}

func TestScriptRewrite(t *testing.T) {
	got, err := toPlainScript("import sse from 'k6/x/sse'\nexport const options = {}\nexport default function () { sse.open() }\n")
	if err != nil || got != "var __default;\nconst sse = __sse;\nconst options = {}\n__default = function () { sse.open() }\n" {
		t.Fatalf("%q %v", got, err)
	}
	for _, src := range []string{
		"import sse from 'k6/x/sse'\nimport {check} from 'k6'\nexport default function () {}",
		"import sse from 'k6/x/sse'\nfunction f() {}",
	} {
		if _, err := toPlainScript(src); err == nil {
			t.Errorf("accepted %q", src)
		}
	}
}

// A throwing iteration counts as failed and the VU goes on; print writes lines.
func TestFailedIterationsAndPrint(t *testing.T) {
	var printed bytes.Buffer
	sum, err := run(config{vus: 1, iterations: 5, timeout: time.Minute, print: &printed,
		script: "export default function () { print('it ' + __VU + '.' + __ITER); if (__ITER % 2) throw new Error('no') }"})
	if err != nil || sum.iterations != 5 || sum.failed != 2 {
		t.Fatalf("%+v %v", sum, err)
	}
	if got := printed.String(); got != "it 1.0\nit 1.1\nit 1.2\nit 1.3\nit 1.4\n" {
		t.Fatalf("%q", got)
	}
}

// An iteration runs on the VU's event loop, as in k6: an EventSource's
// listeners run, and the iteration ends once it is closed.
func TestEventSourceIterations(t *testing.T) {
	srv, err := testserver.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop()
	var printed bytes.Buffer
	sum, err := run(config{vus: 1, iterations: 2, timeout: time.Minute, print: &printed, env: map[string]string{"URL": srv.URL},
		script: `import sse from 'k6/x/sse'
export default function () {
	let n = 0
	const es = new sse.EventSource(__ENV.URL + "/events?count=3", {reconnect: false})
	es.onmessage = () => { n++ }
	es.onerror = () => print("events " + n + ", readyState " + es.readyState)
}`})
	if err != nil || sum.iterations != 2 || sum.failed != 0 {
		t.Fatalf("%+v %v", sum, err)
	}
	if got := printed.String(); got != "events 3, readyState 2\nevents 3, readyState 2\n" {
		t.Fatalf("%q", got)
	}
}
