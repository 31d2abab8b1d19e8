// The reconnect benchmark, peer side: the same client as
// tests/c/bench_reconnect.c on npm `eventsource` (Node), printing the same
// line. benches/reconnect/run.sh installs the package and runs both.
//
//   node peer_eventsource.mjs URL COUNT      (EVENTSOURCE_MODULE: its entry file)
const [url, countText] = process.argv.slice(2)
const count = Number(countText)
const { EventSource } = await import(process.env.EVENTSOURCE_MODULE)

const started = performance.now()
const cpuStart = process.cpuUsage()
let last = 0
let lost = 0
let dup = 0
let events = 0
let reconnects = 0
let opens = 0
let afterKill = false
let lastAt = 0
const gaps = []
const es = new EventSource(url)
es.onopen = () => {
  if (opens++ > 0) {
    reconnects++
    afterKill = true
  }
}
es.onmessage = (e) => {
  const now = performance.now()
  const v = Number(e.lastEventId)
  events++
  if (v <= last) dup++
  if (v > last + 1) lost += v - last - 1
  if (v > last) last = v
  if (afterKill) gaps.push(now - lastAt)
  afterKill = false
  lastAt = now
  if (last >= count) finish(0)
}
// Bounded: give up after 10 s without an event.
let watchdog = setInterval(() => {
  if (performance.now() - lastAt > 10_000 && performance.now() - started > 10_000) finish(1)
}, 1000)

function finish(code) {
  es.close()
  clearInterval(watchdog)
  const elapsed = performance.now() - started
  const cpu = process.cpuUsage(cpuStart)
  gaps.sort((a, b) => a - b)
  const at = (q) => (gaps.length ? gaps[Math.floor(gaps.length * q)] : 0)
  console.log(
    `eventsource: events=${events} reconnects=${reconnects} lost=${lost} dup=${dup} ` +
      `elapsed_ms=${elapsed.toFixed(0)} gap_p50_ms=${at(0.5).toFixed(2)} ` +
      `gap_p99_ms=${at(0.99).toFixed(2)} cpu_ms=${((cpu.user + cpu.system) / 1000).toFixed(0)}`,
  )
  process.exit(code)
}
