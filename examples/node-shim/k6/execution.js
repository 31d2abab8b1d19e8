// Stand-in for 'k6/execution': ../run.mjs sets the iteration counters. One
// process runs the whole test, so the iteration in the test is the one in
// the instance.
const exec = {
    scenario: {iterationInInstance: 0, iterationInTest: 0, name: 'default'},
    vu: {idInTest: 1, iterationInInstance: 0},
}
export default exec
