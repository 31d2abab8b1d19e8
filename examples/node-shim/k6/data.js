// Stand-in for 'k6/data': a SharedArray is the array its function returns.
export class SharedArray {
    constructor(_name, fn) {
        return fn()
    }
}
