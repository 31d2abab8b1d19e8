//go:build cgo

package libsse

import "runtime"

// cgoGate bounds how many goroutines are inside a libsse call (or one of
// the fd syscalls around a stream) at once.
//
// A goroutine in a C call keeps its OS thread; when the call outlasts a few
// tens of microseconds (a busy machine deschedules it), the Go scheduler
// hands the goroutine's P to a new thread, and threads made that way are
// never given back. Thousands of streams starting or waking together would
// each grab one. Behind this gate, waiting is a channel receive — a parked
// goroutine, no thread — so the process keeps about GOMAXPROCS threads in C.
var cgoGate = make(chan struct{}, max(2, runtime.GOMAXPROCS(0)))

func enterC() { cgoGate <- struct{}{} }
func leaveC() { <-cgoGate }
