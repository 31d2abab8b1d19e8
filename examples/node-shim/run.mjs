// Runs a k6 example script under node with the stand-in modules in ./k6:
//   node run.mjs SCRIPT.mjs SCRIPT_DIR ITERATIONS
// (check.sh prepares SCRIPT.mjs and a node_modules/k6 link beside it.)
// Fails (exit 1) when a check fails, a threshold is crossed, or no event
// reached the script.
import {readFileSync} from 'node:fs'
import {resolve} from 'node:path'
import {pathToFileURL} from 'node:url'

const [script, scriptDir, iterations] = process.argv.slice(2)
globalThis.__ENV = process.env
globalThis.__VU = 1
globalThis.__ITER = 0
// Like k6: open() paths are relative to the script's directory.
globalThis.open = (p) => readFileSync(resolve(scriptDir, p), 'utf8')

const mod = await import(pathToFileURL(script).href)
// The same module instances the script got through node_modules/k6 (node
// resolves that link to these real paths).
const {registry, idle} = await import('./k6/registry.js')
const exec = (await import('./k6/execution.js')).default

const data = mod.setup ? mod.setup() : undefined
for (let i = 0; i < Number(iterations); i++) {
    globalThis.__ITER = i
    exec.scenario.iterationInInstance = i
    exec.scenario.iterationInTest = i
    exec.vu.iterationInInstance = i
    mod.default(data)
    await idle() // an iteration lasts until its EventSources are closed
}

let failed = 0
const failedChecks = registry.checks.filter(c => !c.ok)
for (const c of failedChecks) {
    console.error(`check failed: ${c.name}`)
    failed++
}
// Thresholds of the form 'AGG OP X', AGG one of k6's: rate, avg, min, max,
// med, p(N), count (a Counter's sum); no tag selectors.
const thresholds = (mod.options && mod.options.thresholds) || {}
const aggregate = (agg, values) => {
    const sorted = [...values].sort((a, b) => a - b)
    // k6's percentile: linear between the closest ranks.
    const pct = (p) => {
        if (!sorted.length) return 0
        const i = (p / 100) * (sorted.length - 1)
        const lo = Math.floor(i)
        return sorted[lo] + (sorted[Math.min(lo + 1, sorted.length - 1)] - sorted[lo]) * (i - lo)
    }
    const sum = values.reduce((a, b) => a + b, 0)
    const mean = values.length ? sum / values.length : 0 // a Rate's rate is its mean too
    const p = agg.match(/^p\((\d+(?:\.\d+)?)\)$/)
    if (p) return pct(Number(p[1]))
    return {
        rate: mean, avg: mean, min: sorted[0] ?? 0, max: sorted[sorted.length - 1] ?? 0, med: pct(50), count: sum,
    }[agg]
}
for (const [name, list] of Object.entries(thresholds)) {
    const m = registry.metrics.get(name)
    if (!m) {
        console.error(`threshold on ${name}: no such metric was pushed`)
        failed++
        continue
    }
    for (const t of list) {
        const expr = typeof t === 'string' ? t : t.threshold
        const [, agg, op, num] = expr.match(/^([\w().]+)\s*([<>]=?)\s*([\d.]+)$/) || []
        const value = agg === undefined ? undefined : aggregate(agg, m.values)
        if (value === undefined) {
            console.error(`threshold not understood by the stand-in: ${name}: ${expr}`)
            failed++
            continue
        }
        const x = Number(num)
        const ok = {'<': value < x, '<=': value <= x, '>': value > x, '>=': value >= x}[op]
        console.log(`threshold ${name} '${expr}': ${agg}=${value.toFixed(3)} ${ok ? 'ok' : 'CROSSED'}`)
        if (!ok) failed++
    }
}
if (registry.events === 0) {
    console.error('no event reached the script')
    failed++
}
const summary = [...registry.metrics.entries()]
    .map(([n, m]) => `${n}: n=${m.values.length}`)
    .join(', ')
console.log(`${registry.checks.length} checks, ${registry.events} events; ${summary}`)
process.exit(failed ? 1 : 0)
