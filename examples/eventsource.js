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
            if (id === closeAt) {
                es.close()
                closed++
                if (closed === streams) {
                    // The last stream closed: every listener has run.
                    check(null, {
                        "every stream opened": () => opened === streams,
                        "events in order per stream": () => inOrder === closeAt * streams,
                        "no error": () => errors === 0,
                    })
                }
            }
        }

        es.onerror = (e) => {
            errors++
            console.error(`stream ${i}: ${e.error()} (readyState ${es.readyState})`)
            es.close()
        }
    }
}
