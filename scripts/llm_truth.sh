#!/usr/bin/env bash
# LLM accuracy benchmark (BENCHMARKS.md, "LLM accuracy"): how far each
# client's TTFT and ITL are from the server's truth, request by request.
#
#   1. builds sse-testserver and the Go clients (go-shim/internal/llmbench,
#      go-shim/internal/jsvu), and installs guidellm (pinned) into a
#      virtualenv in the work directory;
#   2. starts sse-testserver with TTFT 150 ms, 15 ms per token, truth log on;
#   3. at each concurrency level, runs every client in turn, ROUNDS times
#      (alternating, so machine drift hits all clients alike);
#   4. pairs each run with the truth log (`sse-testserver calibrate`) and
#      prints the error distributions and a summary table.
#
# Not run by CI (it is a benchmark). Environment:
#   LEVELS      concurrency levels          (default "1 10 100 400")
#   ROUNDS      runs per client per level   (default 2)
#   CLIENTS     clients, run in this order  (default "native jsfake guidellm",
#               plus k6 when K6 is set)
#   K6          a k6 binary built with k6/x/sse (README.md, "Building k6 with
#               the extension"); this script never builds one
#   MAX_TOKENS  tokens per completion       (default 64)
#   WORK        work directory              (default a new temp directory)
#   GUIDELLM_VERSION                        (default 0.8.1, the peer)
#   CHRT=1      run the server and every client under `chrt -f 10` (real-time
#               priority: what the software does when other jobs on the
#               machine cannot take its cores; needs root)
#
# Adding a client: define `client_NAME LEVEL REQUESTS OUTFILE` below. It must
# send REQUESTS requests with LEVEL streams open at once to $URL (model
# my-model, max tokens $MAX_TOKENS, unique prompts) and write a file
# `sse-testserver calibrate --client` reads: k6's JSON output (`k6 run
# --out json=OUTFILE`, llm_* samples with llm_response_id metadata), a
# guidellm report, or the CSV of docs/testserver.md. Then add NAME to CLIENTS.
#
# The clients:
#   native    libsse's Go binding and go-shim/llm (go-shim/internal/llmbench)
#   jsfake    k6/x/sse's JS layer with the fake host on the Go binding
#             (go-shim/internal/jsvu) running scripts/llm_truth.js
#   k6        real k6 ($K6) running scripts/llm_truth.js, `--out json`
#   guidellm  guidellm from PyPI
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

LEVELS=${LEVELS:-"1 10 100 400"}
ROUNDS=${ROUNDS:-2}
CLIENTS=${CLIENTS:-"native jsfake ${K6:+k6 }guidellm"}
MAX_TOKENS=${MAX_TOKENS:-64}
GUIDELLM_VERSION=${GUIDELLM_VERSION:-0.8.1}
WORK=${WORK:-$(mktemp -d -t llm-truth.XXXXXX)}
mkdir -p "$WORK"
echo "== work directory: $WORK"

echo "== building sse-testserver, libsse and the native client"
# The workspace build (as go-shim/test.sh runs it): libsse.a and the server.
cargo build --release
(cd go-shim && CGO_ENABLED=1 go build -o "$WORK/llmbench" ./internal/llmbench &&
  CGO_ENABLED=1 go build -o "$WORK/jsvu" ./internal/jsvu)
server_bin=$root/target/release/sse-testserver
rt=()
[ "${CHRT:-0}" = 1 ] && rt=(chrt -f 10)

# Requests reported per run: enough to fill the level several times over.
# Each client first sends LEVEL warm-up requests it does not report (they
# open its connections: a connection burst is not what TTFT accuracy is about).
requests_for() { case $1 in 1) echo 60 ;; 10) echo 100 ;; *) echo $(($1 * 4)) ;; esac; }

client_native() { # LEVEL REQUESTS OUT
  "${rt[@]}" "$WORK/llmbench" -url "$URL" -format openai -concurrency "$1" -requests "$2" -warmup "$1" \
    -max-tokens "$MAX_TOKENS" -timeout 10m -out "$3"
}

# The llm_* samples of the requests scripts/llm_truth.js did not tag as
# warm-up, from k6's JSON output (IN) to OUT.
k6_reported() { # IN OUT
  python3 - "$1" "$2" <<'PY'
import json, sys
with open(sys.argv[1]) as f, open(sys.argv[2], "w") as out:
    for line in f:
        p = json.loads(line)
        if p.get("type") == "Point" and p["metric"].startswith("llm_") and p["data"]["tags"].get("phase") == "run":
            out.write(line)
PY
}

client_jsfake() { # LEVEL REQUESTS OUT
  URL=$URL MAX_TOKENS=$MAX_TOKENS "${rt[@]}" "$WORK/jsvu" -vus "$1" -iterations "$(($1 + $2))" \
    -timeout 10m -out "$3.all" scripts/llm_truth.js
  k6_reported "$3.all" "$3" && rm -f "$3.all"
}

client_k6() { # LEVEL REQUESTS OUT
  [ -x "${K6:-}" ] || { echo "CLIENTS names k6: set K6 to a k6 binary built with k6/x/sse" >&2; exit 1; }
  URL=$URL MAX_TOKENS=$MAX_TOKENS "${rt[@]}" "$K6" run -q --no-summary --no-usage-report \
    --vus "$1" --iterations "$(($1 + $2))" --out json="$3.all" scripts/llm_truth.js >"$3.log" 2>&1
  k6_reported "$3.all" "$3" && rm -f "$3.all"
}

client_guidellm() { # LEVEL REQUESTS OUT
  if [ ! -x "$WORK/venv/bin/guidellm" ]; then
    python3 -m venv "$WORK/venv"
    "$WORK/venv/bin/pip" install -q "guidellm==$GUIDELLM_VERSION"
  fi
  # Unique prompts; output_tokens_count becomes max_completion_tokens (with
  # ignore_eos, so every completion has exactly MAX_TOKENS tokens).
  local data=$WORK/prompts-$2.jsonl
  python3 - "$(($1 + $2))" "$MAX_TOKENS" >"$data" <<'PY'
import json, sys
n, out = int(sys.argv[1]), int(sys.argv[2])
for i in range(n):
    print(json.dumps({"prompt": f"Request {i}: how do server-sent events carry tokens?",
                      "output_tokens_count": out}))
PY
  "${rt[@]}" "$WORK/venv/bin/guidellm" run \
    --backend "kind=openai_http,target=$URL,model=my-model" \
    --profile "kind=concurrent,streams=$1,warmup=$1" \
    --constraint "kind=max_requests,count=$(($1 + $2))" \
    --data "kind=json_file,path=$data" \
    --output "kind=json,path=$3" \
    --disable-console >"$3.log" 2>&1
}

truth=$WORK/truth.jsonl
"${rt[@]}" "$server_bin" --port 0 --ttft-ms 150 --token-interval-ms 15 --truth-log "$truth" >"$WORK/server.out" &
server_pid=$!
trap 'kill "$server_pid" 2>/dev/null || true' EXIT
for _ in $(seq 50); do grep -q '^listening on ' "$WORK/server.out" && break; sleep 0.1; done
URL=$(sed -n 's/^listening on //p' "$WORK/server.out")
[ -n "$URL" ] || { echo "server did not start"; exit 1; }
echo "== server $URL (pid $server_pid), TTFT 150 ms, 15 ms per token; $(date -u +%FT%TZ)"

summary=$WORK/summary.tsv
printf 'level\tclient\tround\tpaired\tttft_p50\tttft_p99\tttft_max\titl_p50\titl_p99\tsend_p50\tsend_p99\treceive_p50\treceive_p99\n' >"$summary"
for level in $LEVELS; do
  reqs=$(requests_for "$level")
  for round in $(seq "$ROUNDS"); do
    for c in $CLIENTS; do
      # guidellm picks its report format from the extension.
      out=$WORK/$c-$level-$round.json
      echo "== level $level, round $round: $c ($reqs requests)"
      "client_$c" "$level" "$reqs" "$out"
      "$server_bin" calibrate --truth "$truth" --client "$out" --label "$c@$level#$round"
      "$server_bin" calibrate --truth "$truth" --client "$out" --json >"$out.report"
      python3 - "$out.report" "$level" "$c" "$round" >>"$summary" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
itl = r["itl"] if r["itl"]["count"] else r["itl_mean"]
f = lambda d, k: f'{d[k]:.3f}' if d["count"] else "-"
print("\t".join([sys.argv[2], sys.argv[3], sys.argv[4], str(r["paired"]),
                 f(r["ttft"], "p50"), f(r["ttft"], "p99"), f(r["ttft"], "max"),
                 f(itl, "p50"), f(itl, "p99"),
                 f(r["send"], "p50"), f(r["send"], "p99"), f(r["receive"], "p50"), f(r["receive"], "p99")]))
PY
    done
  done
done
echo "== summary (ms, client − truth; guidellm's ITL is its per-request mean)"
column -t -s $'\t' "$summary"
