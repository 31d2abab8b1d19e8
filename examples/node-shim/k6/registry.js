// What the stand-in modules record, read by ../run.mjs after the iterations.
export const registry = {
    checks: [],          // {name, ok}
    metrics: new Map(),  // name -> {type, values: []}
    events: 0,           // SSE events dispatched to scripts
}

export function metric(name, type) {
    if (!registry.metrics.has(name)) {
        registry.metrics.set(name, {type, values: []})
    }
    return registry.metrics.get(name)
}
