// Package eventloop is an event loop with the contract of k6's (a VU's
// RegisterCallback), for tests that run the JS layer without k6: work
// queued from any goroutine runs on the goroutine that runs the loop, in
// the order it was queued, and the loop returns once nothing is queued and
// no registered callback is outstanding.
package eventloop

import "sync"

// Loop is one VU's event loop. The zero value is not usable: call New.
type Loop struct {
	mu      sync.Mutex
	queue   []func() error
	pending int           // callbacks registered and not enqueued yet
	wake    chan struct{} // capacity 1: "something was enqueued"
}

// New returns an empty loop.
func New() *Loop { return &Loop{wake: make(chan struct{}, 1)} }

// RegisterCallback reserves one callback: the loop does not return until
// the returned function has been called, exactly once, from any goroutine,
// with the work to run on the loop. Call RegisterCallback itself only from
// the loop's goroutine (as k6 requires).
func (l *Loop) RegisterCallback() func(func() error) {
	l.mu.Lock()
	l.pending++
	l.mu.Unlock()
	used := false
	return func(f func() error) {
		l.mu.Lock()
		if used {
			l.mu.Unlock()
			panic("eventloop: a registered callback was enqueued twice")
		}
		used = true
		l.pending--
		l.queue = append(l.queue, f)
		l.mu.Unlock()
		select {
		case l.wake <- struct{}{}:
		default:
		}
	}
}

// Pending is the number of registered callbacks not enqueued yet.
func (l *Loop) Pending() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.pending
}

// next takes the queued work, waiting for some while callbacks are
// outstanding; nil when the loop is done.
func (l *Loop) next() []func() error {
	for {
		l.mu.Lock()
		q, pending := l.queue, l.pending
		l.queue = nil
		l.mu.Unlock()
		if len(q) > 0 {
			return q
		}
		if pending == 0 {
			return nil
		}
		<-l.wake
	}
}

// Start runs first, then the queued work, until nothing is queued or
// outstanding, or a callback returns an error: then the rest of the queue
// is kept (WaitOnRegistered runs it) and the error returned.
func (l *Loop) Start(first func() error) error {
	l.mu.Lock()
	l.queue = append([]func() error{first}, l.queue...)
	l.mu.Unlock()
	for q := l.next(); q != nil; q = l.next() {
		for i, f := range q {
			if err := f(); err != nil {
				l.mu.Lock()
				l.queue = append(q[i+1:len(q):len(q)], l.queue...)
				l.mu.Unlock()
				return err
			}
		}
	}
	return nil
}

// WaitOnRegistered runs the queued work until nothing is queued or
// outstanding, ignoring errors: what k6 does after an iteration ended (its
// context is cancelled first, so that outstanding work finishes).
func (l *Loop) WaitOnRegistered() {
	for q := l.next(); q != nil; q = l.next() {
		for _, f := range q {
			_ = f()
		}
	}
}
