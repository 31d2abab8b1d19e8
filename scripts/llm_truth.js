// The k6 client of scripts/llm_truth.sh: streams completions with the `llm`
// param, so k6/x/sse pushes llm_time_to_first_token and
// llm_inter_token_latency with the response id as sample metadata, which
// `sse-testserver calibrate` pairs with the server's truth log. The same
// file runs on real k6 (`k6 run --out json=…`) and on the JS layer with the
// fake host (go-shim/internal/jsvu), so the two clients differ only in
// what runs around the module.
//
// Environment: URL (the server's base URL), MAX_TOKENS (default 64),
// FORMAT (chat, responses or anthropic; default chat). Each VU's first
// iteration carries the tag phase=warmup (it opens the VU's connection);
// the harness leaves those requests out, as guidellm leaves out its warm-up.
import sse from 'k6/x/sse'

const maxTokens = parseInt(__ENV.MAX_TOKENS || '64')
const format = __ENV.FORMAT || 'chat'
const endpoint = {
    chat: ['/v1/chat/completions', 'openai'],
    responses: ['/v1/responses', 'openai-responses'],
    anthropic: ['/v1/messages', 'anthropic'],
}[format]

export default function () {
    const prompt = `Request ${__VU}-${__ITER}: how do server-sent events carry tokens?`
    // ignore_eos (as guidellm asks vLLM): exactly maxTokens tokens.
    const body = {model: 'my-model', stream: true, ignore_eos: true}
    if (format === 'responses') {
        Object.assign(body, {input: prompt, max_output_tokens: maxTokens})
    } else {
        Object.assign(body, {messages: [{role: 'user', content: prompt}], max_tokens: maxTokens})
    }
    if (format === 'chat') {
        Object.assign(body, {stream_options: {include_usage: true}})
    }
    const res = sse.open(__ENV.URL + endpoint[0], {
        method: 'POST', body: JSON.stringify(body), headers: {'content-type': 'application/json'},
        llm: endpoint[1], tags: {phase: __ITER === 0 ? 'warmup' : 'run'},
    }, () => {})
    if (res.status !== 200 || res.llm.error !== '') {
        throw new Error(`request failed: ${res.status} ${res.error} ${res.llm.error}`)
    }
}
