// Stand-in for 'k6/x/sse' (same JS API as the real module): the request is
// made with curl, synchronously like the real sse.open(), then the events are
// parsed (WHATWG rules for LF/CR/CRLF, data/event/id, comments) and dispatched
// to the script's handlers in order. Timings are not meaningful here.
import {spawnSync} from 'node:child_process'
import {registry} from '../registry.js'

function parseHead(text) {
    // With -i, curl prints each response head (1xx included) before the body.
    let rest = text
    let status = 0
    const headers = {}
    for (;;) {
        const end = rest.search(/\r?\n\r?\n/)
        if (end < 0) {
            return {status, headers, body: ''}
        }
        const head = rest.slice(0, end)
        rest = rest.slice(end).replace(/^\r?\n\r?\n/, '')
        const lines = head.split(/\r?\n/)
        status = parseInt(lines[0].split(' ')[1], 10)
        if (status >= 200) {
            for (const l of lines.slice(1)) {
                const i = l.indexOf(':')
                if (i > 0) {
                    headers[l.slice(0, i).trim()] = l.slice(i + 1).trim()
                }
            }
            return {status, headers, body: rest}
        }
    }
}

function* events(body) {
    let data = [], name = '', id = '', comment = []
    let lastId = ''
    for (const line of body.split(/\r\n|\r|\n/)) {
        if (line === '') {
            if (data.length > 0) {
                yield {id: lastId, name: name, data: data.join('\n'), comment: comment.join('\n')}
            }
            data = []
            name = ''
            comment = []
            continue
        }
        if (line.startsWith(':')) {
            comment.push(line.slice(1).replace(/^ /, ''))
            continue
        }
        const i = line.indexOf(':')
        const field = i < 0 ? line : line.slice(0, i)
        const value = i < 0 ? '' : line.slice(i + 1).replace(/^ /, '')
        if (field === 'data') data.push(value)
        else if (field === 'event') name = value
        else if (field === 'id' && !value.includes('\0')) lastId = id = value
    }
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
            (handlers[kind] = handlers[kind] || []).push(f)
        },
        close() {
            closed = true
        },
    }
    fn(client)
    const args = ['-sS', '-i', '-N', '--max-time', '120', '-X', params.method || 'GET']
    for (const [k, v] of Object.entries(params.headers || {})) {
        args.push('-H', `${k}: ${v}`)
    }
    if (params.body !== undefined && params.body !== null) {
        args.push('--data-binary', '@-')
    }
    args.push(url)
    const out = spawnSync('curl', args, {input: params.body || '', encoding: 'utf8', maxBuffer: 1 << 28})
    const response = {url, status: 0, headers: {}, error: ''}
    if (out.status !== 0) {
        response.error = (out.stderr || String(out.error || 'curl failed')).trim()
        for (const h of handlers.error) h({error: () => response.error})
        return response
    }
    const {status, headers, body} = parseHead(out.stdout)
    response.status = status
    response.headers = headers
    if (status < 200 || status >= 300) {
        response.error = `unexpected HTTP status ${status}`
        for (const h of handlers.error) h({error: () => response.error})
        return response
    }
    for (const h of handlers.open) h()
    for (const ev of events(body)) {
        if (closed) break
        registry.events++
        for (const h of handlers.event) h(ev)
    }
    return response
}

export default {open}
