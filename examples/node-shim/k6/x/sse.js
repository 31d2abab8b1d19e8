// Stand-in for 'k6/x/sse' (same JS API as the real module) that goes through
// libsse's C ABI: sse.open() runs the sse_cat example program (path in the
// SSE_CAT environment variable) with -i, synchronously like the real
// sse.open(), then dispatches what libsse parsed to the script's handlers in
// order. sse_cat prints one JSON line for the response, then one per event;
// on a failure it exits non-zero with the message on stderr.
//
// Differences from the real module: the whole stream is read before the
// handlers run, so client.close() stops the dispatch but not the request
// (fine for finite streams; endless ones end at the timeout), and timings
// are not reported.
//
// EventSource runs sse_cat without waiting, one process per stream, and
// dispatches each line as it comes, on node's event loop. It does not
// reconnect: the end of sse_cat is the end of the stream (an error event,
// readyState CLOSED).
//
// With the `llm` param, the request goes through k6/x/sse's own JS layer
// instead (its Go code on libsse, without k6: go-shim/internal/jsvu, path in
// the SSE_JSVU environment variable): the module reads the LLM chunks in Go,
// so that is the code to run. jsvu prints what the handlers get and writes
// the metric samples the module pushed; the stand-in dispatches the one and
// records the other under their metric names (llm_*, http_*, sse_*), with
// `res.llm` as the module returns it.
import {spawn, spawnSync} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {createInterface} from 'node:readline'
import {metric, registry} from '../registry.js'

// Bound on a request without params.timeout, so a stuck stream fails the
// run instead of hanging it.
const DEFAULT_TIMEOUT_MS = 120000

// params.timeout as k6 takes it: milliseconds, or a duration such as
// "10s", "1m30s", "500ms".
function timeoutMs(t) {
    if (t === undefined || t === null || t === '') return DEFAULT_TIMEOUT_MS
    if (typeof t === 'number') return Math.max(0, Math.round(t))
    const s = String(t)
    if (/^\d+$/.test(s)) return Number(s)
    if (!/^(\d+(\.\d+)?(ms|us|µs|ns|h|m|s))+$/.test(s)) {
        throw new Error(`sse stand-in: timeout ${JSON.stringify(t)} is not a duration`)
    }
    const units = {h: 3600000, m: 60000, s: 1000, ms: 1, us: 1e-3, µs: 1e-3, ns: 1e-6}
    let ms = 0
    for (const [, n, u] of s.matchAll(/(\d+(?:\.\d+)?)(ms|us|µs|ns|h|m|s)/g)) {
        ms += Number(n) * units[u]
    }
    return Math.round(ms)
}

// The sse_cat command line for a request.
function sseCatArgs(url, params) {
    const args = [url, '-i', '-X', params.method || 'GET', '--timeout', String(timeoutMs(params.timeout))]
    for (const [k, v] of Object.entries(params.headers || {})) {
        args.push('-H', `${k}: ${v}`)
    }
    if (params.body !== undefined && params.body !== null) {
        args.push('-d', String(params.body))
    }
    return args
}

// Header names as k6 scripts index them (Content-Type), like the real
// module; sse_cat gives libsse's lower-case names, repeats already joined.
function canonical(name) {
    return name.replace(/(^|-)([a-z])/g, (_, dash, c) => dash + c.toUpperCase())
}

function open(url, params, fn) {
    if (typeof params === 'function') {
        fn = params
        params = {}
    }
    params = params || {}
    const handlers = {open: [], event: [], error: []}
    let closed = false
    const client = {
        on(kind, f) {
            if (typeof f === 'function') (handlers[kind] = handlers[kind] || []).push(f)
        },
        close() {
            closed = true
        },
    }
    fn(client)
    if (params.llm) return openThroughJSLayer(url, params, handlers, () => closed)
    const response = {url, status: 0, headers: {}, error: '', body: ''}
    // After client.close() the real module has dropped the stream, so
    // whatever sse_cat met later (say, the timeout of an endless stream)
    // is not reported.
    const fail = (message) => {
        if (closed) return response
        response.error = message
        for (const h of handlers.error) h({error: () => message})
        return response
    }

    const sseCat = process.env.SSE_CAT
    if (!sseCat) return fail('sse stand-in: SSE_CAT is not set (path of the sse_cat program)')
    const out = spawnSync(sseCat, sseCatArgs(url, params), {encoding: 'utf8', maxBuffer: 1 << 28})
    if (out.error) return fail(`sse stand-in: running ${sseCat}: ${out.error.message}`)

    const lines = out.stdout.split('\n').filter((l) => l !== '')
    if (lines.length > 0) {
        // No response line means the request failed before a response.
        const head = JSON.parse(lines[0])
        response.status = head.status
        for (const [name, value] of Object.entries(head.headers)) {
            response.headers[canonical(name)] = value
        }
        for (const h of handlers.open) h()
    }
    for (const line of lines.slice(1)) {
        if (closed) break
        const ev = JSON.parse(line)
        registry.events++
        for (const h of handlers.event) h({id: ev.id, name: ev.name, data: ev.data, comment: ev.comment})
    }
    if (out.status !== 0) {
        const message = (out.stderr || `sse_cat exited with ${out.status ?? out.signal}`).trim()
        const ok = response.status >= 200 && response.status < 300
        // As k6/x/sse: a non-2xx answer is a response, in `error` handlers
        // only with httpStatusErrors; a 2xx answer that is not an event
        // stream and held no event (sse_cat's exit 1) just ends.
        response.body = (message.match(/^sse_cat: response body: (.*)$/m) || ['', ''])[1]
        if (response.status !== 0 && !ok && !params.httpStatusErrors) {
            response.error = message
            return response
        }
        if (ok && message.includes('held no events')) return response
        return fail(message)
    }
    return response
}

// EventSource as k6/x/sse has it (a browser's, with sse.open's params).
export class EventSource {
    static CONNECTING = 0
    static OPEN = 1
    static CLOSED = 2

    constructor(url, params) {
        params = params || {}
        this.url = url
        this.readyState = EventSource.CONNECTING
        this.lastEventId = ''
        this.onopen = this.onmessage = this.onerror = null
        this._listeners = {}
        const sseCat = process.env.SSE_CAT
        if (!sseCat) throw new Error('sse stand-in: SSE_CAT is not set (path of the sse_cat program)')
        this._child = spawn(sseCat, sseCatArgs(url, params), {stdio: ['ignore', 'pipe', 'pipe']})
        let stderr = ''
        this._child.stderr.on('data', (d) => { stderr += d })
        const lines = createInterface({input: this._child.stdout})
        let first = true
        lines.on('line', (line) => {
            if (this.readyState === EventSource.CLOSED) return
            if (first) {
                first = false
                const head = JSON.parse(line)
                if (head.status < 200 || head.status > 299) return // sse_cat fails next
                this.readyState = EventSource.OPEN
                this._fire('open', {type: 'open'})
                return
            }
            const ev = JSON.parse(line)
            registry.events++
            this.lastEventId = ev.id
            this._fire(ev.type, {type: ev.type, data: ev.data, lastEventId: ev.id, origin: new URL(url).origin})
        })
        const done = new Promise((resolve) => {
            this._child.on('close', () => {
                if (this.readyState !== EventSource.CLOSED) {
                    this.readyState = EventSource.CLOSED
                    const message = stderr.trim() || 'the server ended the stream (the stand-in does not reconnect)'
                    this._fire('error', {type: 'error', error: () => message})
                }
                registry.pending.delete(done)
                resolve()
            })
        })
        registry.pending.add(done)
    }

    addEventListener(type, fn) {
        if (this.readyState === EventSource.CLOSED) {
            throw new Error(`EventSource.addEventListener(${JSON.stringify(type)}) after close()`)
        }
        const list = (this._listeners[type] = this._listeners[type] || [])
        if (!list.includes(fn)) list.push(fn)
    }

    removeEventListener(type, fn) {
        this._listeners[type] = (this._listeners[type] || []).filter((f) => f !== fn)
    }

    close() {
        this.readyState = EventSource.CLOSED
        this._child.kill()
    }

    _fire(type, ev) {
        const handler = this['on' + type]
        if (typeof handler === 'function') handler.call(this, ev)
        for (const fn of [...(this._listeners[type] || [])]) fn.call(this, ev)
    }
}

// The script jsvu runs: the same sse.open, with handlers that print what
// they get, one JSON line each, then the response.
function jsvuScript(url, params) {
    return `import sse from 'k6/x/sse'
export default function () {
    const r = sse.open(${JSON.stringify(url)}, ${JSON.stringify(params)}, (c) => {
        c.on('open', () => print(JSON.stringify({open: true})))
        c.on('event', (e) => print(JSON.stringify({event: e})))
        c.on('error', (e) => print(JSON.stringify({error: e.error()})))
    })
    print(JSON.stringify({response: r}))
}
`
}

function openThroughJSLayer(url, params, handlers, closed) {
    const jsvu = process.env.SSE_JSVU
    if (!jsvu) throw new Error('sse stand-in: SSE_JSVU is not set (path of go-shim/internal/jsvu, for the llm param)')
    const dir = mkdtempSync(join(tmpdir(), 'sse-jsvu-'))
    try {
        writeFileSync(join(dir, 'open.js'), jsvuScript(url, params))
        const out = spawnSync(jsvu, ['-out', join(dir, 'samples.json'), join(dir, 'open.js')],
            {encoding: 'utf8', maxBuffer: 1 << 28})
        if (out.status !== 0) {
            throw new Error(`sse stand-in: jsvu failed (${out.status ?? out.signal}): ${out.error?.message ?? out.stderr}`)
        }
        for (const line of readFileSync(join(dir, 'samples.json'), 'utf8').split('\n')) {
            if (line === '') continue
            const p = JSON.parse(line)
            metric(p.metric, 'module').values.push(p.data.value)
        }
        let response = null
        for (const line of out.stdout.split('\n')) {
            if (line === '') continue
            const m = JSON.parse(line)
            if (m.response) {
                response = m.response
            } else if (closed()) {
                continue // as after client.close() in the module: nothing more reaches the handlers
            } else if (m.open) {
                for (const h of handlers.open) h()
            } else if (m.event) {
                registry.events++
                for (const h of handlers.event) h(m.event)
            } else if (m.error !== undefined) {
                for (const h of handlers.error) h({error: () => m.error})
            }
        }
        if (!response) throw new Error(`sse stand-in: jsvu printed no response: ${out.stdout}`)
        return response
    } finally {
        rmSync(dir, {recursive: true, force: true})
    }
}

export default {open, EventSource}
