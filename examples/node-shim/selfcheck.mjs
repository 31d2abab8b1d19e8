// Checks the k6/x/sse stand-in itself against the bundled server, so the
// example runs prove something: the response line, event fields, comments,
// client.close(), a non-2xx status (with and without httpStatusErrors), a
// refused connection, and EventSource.
//   SSE_CAT=path/to/sse_cat node selfcheck.mjs BASE_URL
// Prints one line per failed expectation and exits 1 if any failed.
import assert from 'node:assert/strict'
import sse, {EventSource} from './k6/x/sse.js'
import {registry, idle} from './k6/registry.js'

const base = process.argv[2]
let failed = 0
function expect(name, f) {
    try {
        f()
    } catch (e) {
        console.error(`stand-in ${name}: ${e.message}`)
        failed++
    }
}

// Collects what the handlers saw, in order.
function run(url, params, closeWhen) {
    const seen = []
    const res = sse.open(url, params, (client) => {
        client.on('open', () => seen.push(['open']))
        client.on('event', (ev) => {
            seen.push(['event', ev])
            if (closeWhen && closeWhen(ev)) client.close()
        })
        client.on('error', (e) => seen.push(['error', e.error()]))
    })
    return {res, seen}
}

expect('events, comments and close', () => {
    const before = registry.events
    const {res, seen} = run(`${base}/events?count=5&size=9&ids=1&event=tick&comment_every=2`, {},
        (ev) => ev.id === '3')
    assert.equal(res.status, 200)
    assert.equal(res.error, '')
    assert.equal(res.headers['Content-Type'], 'text/event-stream')
    assert.equal(res.headers['Cache-Control'], 'no-cache')
    assert.deepEqual(seen.map((s) => s[0]), ['open', 'event', 'event', 'event'])
    assert.deepEqual(seen[2][1], {id: '2', name: 'tick', data: '2:xxxxxxx', comment: 'comment 2'})
    assert.deepEqual(seen[1][1], {id: '1', name: 'tick', data: '1:xxxxxxx', comment: ''})
    assert.equal(registry.events - before, 3)
})

expect('unnamed events have an empty name', () => {
    const {seen} = run(`${base}/events?count=1&size=9`)
    assert.deepEqual(seen[1], ['event', {id: '', name: '', data: '1:xxxxxxx', comment: ''}])
})

expect('method, headers and body reach the server', () => {
    const body = 'q"b\\s\tt é'
    const {res, seen} = run(`${base}/echo`, {method: 'PUT', body, headers: {'X-Test': 'a "b"'}, timeout: '10s'})
    assert.equal(res.status, 200)
    const data = Object.fromEntries(seen.filter((s) => s[0] === 'event').map((s) => [s[1].name, s[1].data]))
    assert.equal(data.method, 'PUT')
    assert.equal(data.body, body)
    assert.equal(JSON.parse(data.headers)['x-test'], 'a "b"')
})

expect('a non-2xx status is a response, as in k6/x/sse', () => {
    const {res, seen} = run(`${base}/status/503?body=busy`)
    assert.equal(res.status, 503)
    assert.deepEqual(seen.map((s) => s[0]), ['open'])
    assert.match(res.error, /503/)
    assert.match(res.error, /busy/)
    assert.equal(res.body, 'busy')
})

expect('httpStatusErrors sends a non-2xx status to the error handler', () => {
    const {res, seen} = run(`${base}/status/503?body=busy`, {httpStatusErrors: true})
    assert.deepEqual(seen.map((s) => s[0]), ['open', 'error'])
    assert.match(seen[1][1], /503/)
    assert.equal(res.error, seen[1][1])
})

expect('a refused connection reaches the error handler', () => {
    const {res, seen} = run('http://127.0.0.1:1/')
    assert.equal(res.status, 0)
    assert.deepEqual(seen.map((s) => s[0]), ['error'])
    assert.match(seen[0][1], /connect/)
})

expect('params.timeout ends a stalled stream', () => {
    const {res, seen} = run(`${base}/fault/stall?after=1`, {timeout: '1s'})
    assert.equal(res.status, 200)
    assert.deepEqual(seen.map((s) => s[0]), ['open', 'event', 'error'])
    assert.match(seen[2][1], /total_timeout/)
})

// EventSource: events in order to listeners of their type, lastEventId,
// close() from a listener, and the end of the iteration once every stream
// is closed; a refused connection is an error event with readyState CLOSED.
{
    const seen = []
    const a = new EventSource(`${base}/events?count=5&ids=1&event=tick&interval_ms=5`)
    a.onopen = () => seen.push('open' + a.readyState)
    a.addEventListener('tick', (e) => {
        seen.push(e.type + e.lastEventId)
        if (a.lastEventId === '3') a.close()
    })
    a.onmessage = () => seen.push('message')
    const b = new EventSource('http://127.0.0.1:1/')
    b.onerror = (e) => seen.push('error' + b.readyState + (/connect/.test(e.error()) ? ':connect' : ''))
    await idle()
    expect('EventSource', () => {
        assert.deepEqual(seen.filter((s) => !s.startsWith('error')), ['open1', 'tick1', 'tick2', 'tick3'])
        assert.deepEqual(seen.filter((s) => s.startsWith('error')), ['error2:connect'])
        assert.equal(registry.pending.size, 0)
    })
}
expect('the llm param runs the module: res.llm and the llm_* samples', () => {
    const before = registry.events
    const count = (name) => registry.metrics.get(name)?.values.length ?? 0
    const ttft = count('llm_time_to_first_token'), itl = count('llm_inter_token_latency')
    const body = JSON.stringify({model: 'm', stream: true, max_tokens: 5, stream_options: {include_usage: true},
        messages: [{role: 'user', content: 'hi'}], completion_tokens: 9, ttft_ms: 30})
    const {res, seen} = run(`${base}/v1/chat/completions`, {method: 'POST', body, llm: 'openai'})
    assert.equal(res.status, 200)
    assert.equal(res.llm.format, 'openai')
    assert.match(res.llm.id, /^chatcmpl-/)
    assert.equal(res.llm.finishReason, 'length')
    assert.equal(res.llm.outputTokens, 5)
    assert.equal(res.llm.tokensSource, 'usage')
    assert.ok(res.llm.timeToFirstToken >= 30, `time to first token ${res.llm.timeToFirstToken}`)
    // role, 5 tokens, finish, usage, [DONE]
    assert.deepEqual(seen.map((s) => s[0]), ['open', ...Array(9).fill('event')])
    assert.equal(seen[9][1].data, '[DONE]')
    assert.equal(registry.events - before, 9)
    const values = registry.metrics.get('llm_time_to_first_token').values
    assert.equal(values.length, ttft + 1)
    assert.equal(values[values.length - 1], res.llm.timeToFirstToken)
    assert.equal(count('llm_inter_token_latency'), itl + 4) // one per token after the first
})

process.exit(failed ? 1 : 0)
