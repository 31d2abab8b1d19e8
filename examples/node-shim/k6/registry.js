// What the stand-in modules record, read by ../run.mjs after the iterations.
export const registry = {
    checks: [],          // {name, ok}
    metrics: new Map(),  // name -> {type, values: []}
    events: 0,           // SSE events dispatched to scripts
    pending: new Set(),  // promises of the EventSources still open (the iteration waits for them)
}

// Resolves once every EventSource opened so far is closed, as a k6
// iteration ends only then.
export async function idle() {
    while (registry.pending.size > 0) {
        await Promise.all([...registry.pending])
    }
}

export function metric(name, type) {
    if (!registry.metrics.has(name)) {
        registry.metrics.set(name, {type, values: []})
    }
    return registry.metrics.get(name)
}
