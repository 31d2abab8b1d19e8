// POST a JSON body to an event stream. The bundled server's /echo answers with
// three events: `method`, `headers` (a JSON object) and `body`.
//
//   cargo run --release -p sse-testserver -- --port 8080 &
//   ./k6 run examples/sse_post.js
// SSE_POST_URL points it at another server.
import sse from "k6/x/sse"
import {check} from "k6"

const url = __ENV.SSE_POST_URL ? __ENV.SSE_POST_URL : "http://127.0.0.1:8080/echo"

export default function () {
    const body = JSON.stringify({"ping": "pong", "n": __ITER})
    const params = {
        method: 'POST',
        body: body,
        headers: {
            "Content-Type": "application/json",
            "Authorization": "Bearer XXXX"
        },
        tags: {"my_k6s_tag": "hello sse post"}
    }

    const seen = {}
    const response = sse.open(url, params, function (client) {
        client.on('event', function (event) {
            console.log(`event name=${event.name}, data=${event.data}`)
            seen[event.name] = event.data
        })

        client.on('error', function (e) {
            console.log('An unexpected error occurred: ', e.error())
        })
    })

    check(response, {"status is 200": (r) => r && r.status === 200})
    check(seen, {
        "method echoed": (s) => s.method === 'POST',
        "body echoed": (s) => s.body === body,
    })
}
