// Open an event stream with headers and tags, log every event, close on event id 4.
//
//   cargo run --release -p sse-testserver -- --port 8080 &
//   ./k6 run examples/sse.js
// SSE_URL points it at another server.
import sse from "k6/x/sse"
import {check} from "k6"

const url = __ENV.SSE_URL ? __ENV.SSE_URL : "http://127.0.0.1:8080/events?count=10&interval_ms=100&ids=1"

export default function () {
    const params = {
        method: 'GET',
        headers: {
            "Authorization": "Bearer XXXX"
        },
        tags: {"my_k6s_tag": "hello sse"}
    }

    const response = sse.open(url, params, function (client) {
        client.on('open', function open() {
            console.log('connected')
        })

        client.on('event', function (event) {
            console.log(`event id=${event.id}, name=${event.name}, data=${event.data}`)
            if (parseInt(event.id) === 4) {
                client.close()
            }
        })

        client.on('error', function (e) {
            console.log('An unexpected error occurred: ', e.error())
        })
    })

    check(response, {"status is 200": (r) => r && r.status === 200})
}
