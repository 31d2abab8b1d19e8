// Stand-in for 'k6/execution': ../run.mjs sets the iteration counter.
const exec = {
    scenario: {iterationInInstance: 0, name: 'default'},
    vu: {idInTest: 1, iterationInInstance: 0},
}
export default exec
