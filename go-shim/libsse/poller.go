//go:build cgo

package libsse

/*
#include "sse.h"
*/
import "C"

import (
	"os"
	"sync"
	"syscall"
	"time"

	"github.com/libsse/libsse/go-shim/streamapi"
)

// How a parked stream wakes up. Every stream of the process is attached to
// one libsse poller (sse_poller) with a token of its own. While any stream
// is open, one goroutine parks on the poller's fd in Go's netpoller; when
// streams turn ready it takes their tokens (sse_poller_wait) and wakes each
// stream's reader: a send on the stream's channel (Stream.Ready, what a
// parked Next waits on) and, for StartNotify streams, a call to its
// function. So a parked stream holds no thread, no fd and no goroutine of
// its own, and the process holds one fd for all of them.

// tokenBatch is how many ready tokens one sse_poller_wait takes.
const tokenBatch = 128

// waker is what a token wakes: the stream's channel (capacity 1; a full
// channel already holds a wake-up) and its StartNotify function, if any.
type waker struct {
	ch     chan struct{}
	notify func()
}

func (w waker) wake() {
	select {
	case w.ch <- struct{}{}:
	default:
	}
	if w.notify != nil {
		w.notify()
	}
}

// poller is the process's one libsse poller and its goroutine.
type poller struct {
	once sync.Once
	p    *C.sse_poller
	// file holds the poller's fd in Go's netpoller. It is never closed:
	// the poller lives as long as the process. Nil when the fd could not
	// be polled; then the goroutine blocks in sse_poller_wait instead (one
	// OS thread while streams are open).
	file *os.File
	raw  syscall.RawConn
	err  error // why the poller could not be made; reported by Start

	// Used by the goroutine only: the token buffer and count C writes
	// (fields, so that passing them to C allocates nothing per wake-up),
	// and the wakers of one batch.
	tokens [tokenBatch]C.uint64_t
	n      C.size_t
	woken  []waker

	mu      sync.Mutex
	wakers  map[uint64]waker // token -> waker, for every open stream
	next    uint64           // last token handed out
	running bool             // the goroutine runs (or is about to)
}

var thePoller poller

// get returns the process's poller, made on first use.
func (p *poller) get() (*poller, error) {
	p.once.Do(p.init)
	return p, p.err
}

func (p *poller) init() {
	p.wakers = map[uint64]waker{}
	enterC()
	r := C.sse_poller_new(&p.p)
	leaveC()
	if r != C.SSE_OK {
		p.err = &streamapi.Error{Kind: streamapi.KindIO, Message: "libsse: cannot make a poller: " + resultName(r)}
		return
	}
	enterC()
	fd := int(C.sse_poller_fd(p.p))
	leaveC()
	if fd < 0 {
		return
	}
	// libsse made the fd non-blocking, so os.NewFile registers it in the
	// netpoller. The File is kept for the process's life and never closed
	// (libsse owns the fd), so its finalizer never runs.
	f := os.NewFile(uintptr(fd), "libsse-poller")
	raw, err := f.SyscallConn()
	if err != nil || f.SetReadDeadline(time.Time{}) != nil {
		return // not pollable: the blocking fallback
	}
	p.file, p.raw = f, raw
}

// add registers a stream's waker and returns its token (never reused, so a
// token taken just before its stream closed wakes nobody).
func (p *poller) add(w waker) uint64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.next++
	p.wakers[p.next] = w
	if !p.running {
		p.running = true
		if p.file != nil {
			_ = p.file.SetReadDeadline(time.Time{}) // undo the stop request of remove
		}
		go p.run()
	}
	return p.next
}

// remove forgets a closed stream's token. When no stream is left, the
// goroutine is asked to stop (a deadline in the past wakes it).
func (p *poller) remove(token uint64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.wakers, token)
	if len(p.wakers) == 0 && p.running && p.file != nil {
		_ = p.file.SetReadDeadline(time.Unix(1, 0))
	}
}

// idle ends the goroutine when no stream is open: it reports true after
// marking it stopped, under the lock add checks.
func (p *poller) idle() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.wakers) == 0 {
		p.running = false
		return true
	}
	if p.file != nil {
		_ = p.file.SetReadDeadline(time.Time{})
	}
	return false
}

// run is the poller's goroutine.
func (p *poller) run() {
	if p.raw == nil {
		p.runBlocking()
		return
	}
	for {
		// The fd is edge-triggered in the netpoller: take tokens until the
		// ready list is empty, then park until libsse writes the fd again
		// (it does on each empty to non-empty turn of the list).
		err := p.raw.Read(func(uintptr) bool {
			for p.take(0) == tokenBatch {
			}
			return false
		})
		if err != nil && p.idle() {
			return
		}
	}
}

// runBlocking is run without a pollable fd: it waits in libsse, a short
// while at a time so that it notices when no stream is left.
func (p *poller) runBlocking() {
	for {
		if p.take(100) == 0 && p.idle() {
			return
		}
	}
}

// take takes up to tokenBatch ready tokens (waiting up to waitMS for the
// first) and wakes their streams. It returns how many it took: fewer than
// tokenBatch means it took the last one, which made the fd unreadable
// (sse.h, sse_poller_fd), so the next token writes the fd again.
func (p *poller) take(waitMS int32) int {
	var r C.enum_sse_result
	if waitMS == 0 {
		enterC()
		r = C.sse_poller_wait(p.p, 0, &p.tokens[0], tokenBatch, &p.n)
		leaveC()
	} else {
		// The blocking fallback waits outside the gate.
		r = C.sse_poller_wait(p.p, C.int32_t(waitMS), &p.tokens[0], tokenBatch, &p.n)
	}
	if r != C.SSE_OK {
		return 0
	}
	w := p.woken[:0]
	p.mu.Lock()
	for _, t := range p.tokens[:p.n] {
		if x, ok := p.wakers[uint64(t)]; ok {
			w = append(w, x)
		}
	}
	p.mu.Unlock()
	// Outside the lock: a StartNotify function may start or close streams.
	for _, x := range w {
		x.wake()
	}
	clear(w) // drop the references until the next wake-up
	p.woken = w
	return int(p.n)
}

// attach attaches a new stream to the poller under a new token.
func (p *poller) attach(s *C.sse_stream, w waker) uint64 {
	token := p.add(w)
	enterC()
	C.sse_stream_attach(s, p.p, C.uint64_t(token))
	leaveC()
	return token
}
