// examples/llm.js with k6/x/sse's built-in LLM metrics: the `llm` param makes
// the module read the chunks (in Go, stamped by libsse when they arrived) and
// push, per request, llm_time_to_first_token, llm_inter_token_latency,
// llm_time_per_output_token, llm_output_tokens, llm_input_tokens and
// llm_output_tokens_per_second, tagged with the finish reason
// (go-shim/README.md, "LLM metrics"). The script sends prompts, derives
// prompt processing speed and truncation from res.llm, and states thresholds.
//
//   cargo run --release -p sse-testserver -- --port 8080 --ttft-ms 80 --token-interval-ms 20 &
//   ./k6 run --vus 5 --duration 20s examples/llm_native.js
import sse from 'k6/x/sse'
import {check, sleep} from 'k6'
import {SharedArray} from 'k6/data'
import {Rate, Trend} from 'k6/metrics'
import exec from 'k6/execution'

const url = `${__ENV.SERVER_BENCH_URL || 'http://127.0.0.1:8080/v1'}/chat/completions`
const model = __ENV.SERVER_BENCH_MODEL_ALIAS || 'my-model'
const maxTokens = parseInt(__ENV.SERVER_BENCH_MAX_TOKENS || '512')

// The first human turn of each conversation of llm.js's dataset.
const prompts = new SharedArray('prompts', () =>
    JSON.parse(open(__ENV.SERVER_BENCH_DATASET || './data/sharegpt_synthetic.json'))
        .filter((c) => c.conversations.length >= 2 && c.conversations[0].from === 'human')
        .map((c) => c.conversations[0].value))

const promptTokensPerSecond = new Trend('llm_prompt_tokens_per_second')
const truncated = new Rate('llm_completions_truncated_rate')

export const options = {
    vus: 8,
    duration: '10m',
    thresholds: {
        llm_time_to_first_token: ['p(95) < 5000'],
        llm_output_tokens_per_second: ['med > 10'],
        http_req_failed: ['rate < 0.01'],
        // More than 80% of completions cut by max_tokens aborts the test.
        llm_completions_truncated_rate: [{threshold: 'rate < 0.8', abortOnFail: true, delayAbortEval: '1m'}],
    },
}

export default function () {
    const prompt = prompts[exec.scenario.iterationInTest % prompts.length]
    const body = {
        model, stream: true, stream_options: {include_usage: true}, seed: 42, max_tokens: maxTokens,
        stop: ['<|im_end|>'],
        messages: [{role: 'system', content: 'You are ChatGPT, an AI assistant.'}, {role: 'user', content: prompt}],
    }
    const res = sse.open(url, {method: 'POST', body: JSON.stringify(body), llm: 'openai'}, () => {})
    check(res, {'success completion': (r) => r.status === 200 && r.llm.error === '' && r.llm.outputTokens > 0})
    if (res.llm.inputTokens !== null && res.llm.timeToFirstToken > 0) {
        promptTokensPerSecond.add(res.llm.inputTokens / (res.llm.timeToFirstToken / 1e3))
    }
    truncated.add(res.llm.finishReason === 'length')
    sleep(0.3)
}
