#!/usr/bin/env bash
# Checks the examples without k6: every k6 script parses as an ES module
# (node --check), and the synthetic dataset is what its generator writes and
# passes llm.js's filters.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
fail=0
passed=0
for js in "$here"/*.js; do
    if node --check --input-type=module < "$js"; then
        passed=$((passed + 1))
    else
        echo "FAIL: $js does not parse" >&2
        fail=$((fail + 1))
    fi
done
if python3 "$here/data/generate.py" --check; then
    passed=$((passed + 1))
else
    fail=$((fail + 1))
fi
# The dataset passes llm.js's filters (same tokenizer and limits as llm.js).
if node --input-type=module -e '
import {readFileSync} from "node:fs"
const tokenizer = (m) => m.split(/[\s,'"'"'".?]/)
const data = JSON.parse(readFileSync(process.argv[1], "utf8"))
const kept = data.filter(d => d.conversations.length >= 2 && d.conversations[0].from === "human")
  .map(d => [tokenizer(d.conversations[0].value).length, tokenizer(d.conversations[1].value).length])
  .filter(([p, c]) => p >= 4 && c >= 4 && p <= 1024 && p + c <= 2048)
if (kept.length < 200) { console.error(`only ${kept.length} usable conversations`); process.exit(1) }
' "$here/data/sharegpt_synthetic.json"; then
    passed=$((passed + 1))
else
    echo "FAIL: dataset has too few conversations usable by llm.js" >&2
    fail=$((fail + 1))
fi
echo "examples: $passed passed, $fail failed"
[ "$fail" -eq 0 ]
