// Many streams on one VU with EventSource, as in a browser: 50 streams open
// at once, each closed by its own listener at event id 10. The iteration
// ends when the last one is closed.
//
//   cargo run --release -p sse-testserver -- --port 8080 &
//   ./k6 run examples/eventsource.js
// SSE_URL points it at another server, STREAMS changes how many streams,
// CLOSE_AT the event id at which each is closed.
import {EventSource} from "k6/x/sse"
import {check} from "k6"

const url = __ENV.SSE_URL ? __ENV.SSE_URL : "http://127.0.0.1:8080/events?count=20&interval_ms=50&ids=1"
const streams = __ENV.STREAMS ? parseInt(__ENV.STREAMS) : 50
const closeAt = __ENV.CLOSE_AT ? parseInt(__ENV.CLOSE_AT) : 10

export default function () {
    let opened = 0, closed = 0, inOrder = 0, errors = 0
    // Each stream is closed once, by its listener or on its first error;
    // after the last one every listener has run, so the checks see it all
    // (a stream that failed counts too, or "no error" could never fail).
    const done = new Set()
    const closeOne = (es) => {
        es.close()
        if (done.has(es)) return
        done.add(es)
        closed++
        if (closed === streams) {
            check(null, {
                "every stream opened": () => opened === streams,
                "events in order per stream": () => inOrder === closeAt * streams,
                "no error": () => errors === 0,
            })
        }
    }

    for (let i = 0; i < streams; i++) {
        // sse.open's params (method, headers, body, tags, timeouts...) plus
        // reconnect: on by default, as in browsers.
        const es = new EventSource(url, {tags: {group: `g${i % 5}`}})
        let last = 0

        es.onopen = () => opened++

        es.onmessage = (e) => {
            const id = parseInt(e.lastEventId)
            if (id === last + 1) inOrder++
            last = id
            if (id === closeAt) closeOne(es)
        }

        es.onerror = (e) => {
            errors++
            console.error(`stream ${i}: ${e.error()} (readyState ${es.readyState})`)
            closeOne(es)
        }
    }
}
