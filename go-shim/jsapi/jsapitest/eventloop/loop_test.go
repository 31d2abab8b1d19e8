package eventloop

import (
	"errors"
	"runtime"
	"strings"
	"testing"
	"time"
)

// goid is the running goroutine's id, to check where callbacks run.
func goid() string {
	buf := make([]byte, 64)
	return strings.Fields(string(buf[:runtime.Stack(buf, false)]))[1]
}

// Work queued from other goroutines runs on the loop's goroutine in the
// order queued, and Start returns only once every registered callback was
// queued and run.
func TestCallbacksRunOnTheLoopInOrder(t *testing.T) {
	l := New()
	me := goid()
	var got []int
	err := l.Start(func() error {
		enqueue := make([]func(func() error), 3)
		for i := range enqueue {
			enqueue[i] = l.RegisterCallback()
		}
		go func() {
			for i, f := range enqueue {
				time.Sleep(5 * time.Millisecond)
				f(func() error {
					if goid() != me {
						t.Error("a callback ran off the loop's goroutine")
					}
					got = append(got, i)
					return nil
				})
			}
		}()
		return nil
	})
	if err != nil || len(got) != 3 || got[0] != 0 || got[2] != 2 || l.Pending() != 0 {
		t.Fatalf("err %v, ran %v, %d pending", err, got, l.Pending())
	}
}

// A callback's error stops Start with the rest of the queue kept;
// WaitOnRegistered runs it and waits for what is still registered.
func TestAnErrorStopsStartAndWaitOnRegisteredFinishes(t *testing.T) {
	l := New()
	var ran []string
	late := make(chan func(func() error), 1)
	err := l.Start(func() error {
		a, b := l.RegisterCallback(), l.RegisterCallback()
		late <- l.RegisterCallback()
		a(func() error { ran = append(ran, "a"); return errors.New("stop") })
		b(func() error { ran = append(ran, "b"); return nil })
		return nil
	})
	if err == nil || err.Error() != "stop" || len(ran) != 1 {
		t.Fatalf("err %v, ran %v", err, ran)
	}
	f := <-late
	go f(func() error { ran = append(ran, "late"); return nil })
	l.WaitOnRegistered()
	if strings.Join(ran, ",") != "a,b,late" || l.Pending() != 0 {
		t.Fatalf("ran %v, %d pending", ran, l.Pending())
	}
}

func TestEnqueueingTwicePanics(t *testing.T) {
	l := New()
	f := l.RegisterCallback()
	f(func() error { return nil })
	defer func() {
		if recover() == nil {
			t.Fatal("no panic")
		}
	}()
	f(func() error { return nil })
}
