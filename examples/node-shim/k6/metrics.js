// Stand-ins for 'k6/metrics': every add() is kept for ../run.mjs.
import {metric} from './registry.js'

class Metric {
    constructor(name, type) {
        this.m = metric(name, type)
    }

    add(value) {
        this.m.values.push(typeof value === 'boolean' ? (value ? 1 : 0) : Number(value))
    }
}

export class Trend extends Metric {
    constructor(name) {
        super(name, 'trend')
    }
}

export class Counter extends Metric {
    constructor(name) {
        super(name, 'counter')
    }
}

export class Rate extends Metric {
    constructor(name) {
        super(name, 'rate')
    }
}

export class Gauge extends Metric {
    constructor(name) {
        super(name, 'gauge')
    }
}
