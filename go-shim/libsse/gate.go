//go:build cgo

package libsse

import "runtime"

// callGate bounds how many goroutines are inside a libsse call at once.
//
// A cgo call that runs longer than a scheduler tick gives its P away and the
// runtime starts a new OS thread to run other goroutines; Go never destroys
// those threads. Thousands of streams waking together (a burst of opens,
// closes or drains) would otherwise leave the process with one thread per
// concurrent call. With the gate, extra callers park as goroutines instead.
var callGate = make(chan struct{}, runtime.GOMAXPROCS(0))

// gated runs f, which makes one libsse call, inside the gate.
func gated[T any](f func() T) T {
	callGate <- struct{}{}
	defer func() { <-callGate }()
	return f()
}
