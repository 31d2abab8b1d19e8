#!/usr/bin/env python3
"""Writes sharegpt_synthetic.json: synthetic conversations in the ShareGPT
shape that examples/llm.js reads, so the LLM example runs with no download.

Deterministic: the same script always writes the same bytes (fixed seed, no
clock, sorted output). Every first human turn has 8..160 words and every gpt
turn 8..200 words, inside llm.js's default filters (prompt >= 4 and <= 1024
tokens, prompt + completion <= 2048).

    python3 examples/data/generate.py            # rewrites the file beside this script
    python3 examples/data/generate.py --check    # exit 1 if the file is stale
"""

import json
import random
import sys
from pathlib import Path

SEED = 20261129
CONVERSATIONS = 300
OUT = Path(__file__).with_name("sharegpt_synthetic.json")

TOPICS = [
    "server-sent events", "load testing", "time to first token", "HTTP/2 streams",
    "connection pools", "TLS handshakes", "rate limiting", "queue depth",
    "tail latency", "token throughput", "keep-alive timeouts", "backpressure",
    "retry policies", "chunked encoding", "event parsing", "benchmark design",
]
ASKS = [
    "Can you explain {t} in simple terms?",
    "What are common mistakes when measuring {t}?",
    "Write a short checklist for reviewing {t} in a production service.",
    "How would you compare two systems on {t}?",
    "Summarise the trade-offs of {t} for a streaming API.",
    "Give me three questions to ask before tuning {t}.",
]
WORDS = (
    "the a client server stream event token request response latency figure "
    "measure every second minute thread core socket buffer queue chunk header "
    "body connection retry timeout steady careful simple clear short long fast "
    "slow first next last many few each some we you it this that should can "
    "will must may often always never also only then again here there and or "
    "but with without for from to in on at by of over under after before"
).split()


def sentence(rng: random.Random, lo: int, hi: int) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(lo, hi))]
    words[0] = words[0].capitalize()
    return " ".join(words) + "."


def paragraph(rng: random.Random, min_words: int, max_words: int) -> str:
    target = rng.randint(min_words, max_words)
    out, n = [], 0
    while n < target:
        s = sentence(rng, 4, 14)
        out.append(s)
        n += len(s.split())
    return " ".join(out)


def conversation(rng: random.Random, i: int) -> dict:
    topic = rng.choice(TOPICS)
    ask = rng.choice(ASKS).format(t=topic)
    context = paragraph(rng, 0, 150) if rng.random() < 0.7 else ""
    human = (context + " " + ask).strip()
    turns = [
        {"from": "human", "value": human},
        {"from": "gpt", "value": paragraph(rng, 8, 200)},
    ]
    if rng.random() < 0.3:
        turns.append({"from": "human", "value": "Thanks. " + rng.choice(ASKS).format(t=topic)})
        turns.append({"from": "gpt", "value": paragraph(rng, 8, 120)})
    return {"id": f"synthetic-{i:04d}", "conversations": turns}


def render() -> str:
    rng = random.Random(SEED)
    data = [conversation(rng, i) for i in range(CONVERSATIONS)]
    return json.dumps(data, indent=1, ensure_ascii=False) + "\n"


def main() -> int:
    text = render()
    if "--check" in sys.argv[1:]:
        if OUT.read_text(encoding="utf-8") != text:
            print(f"{OUT} is stale: run {Path(__file__).name}", file=sys.stderr)
            return 1
        return 0
    OUT.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
