package jsapi

import "time"

// wallClock converts the transport's monotonic nanoseconds to wall-clock
// time (the clock of JavaScript's Date.now()) from one paired reading, so
// an event's receive time keeps libsse's precision and is never disturbed
// by wall-clock steps between events.
type wallClock struct {
	monoNS uint64
	wall   time.Time
}

func newWallClock(nowNS func() uint64) wallClock {
	// Read the wall clock between two monotonic readings and pair it with
	// their midpoint: the pairing error is at most half the gap.
	a := nowNS()
	w := time.Now()
	b := nowNS()
	return wallClock{monoNS: a + (b-a)/2, wall: w}
}

func (c wallClock) time(monoNS uint64) time.Time {
	return c.wall.Add(time.Duration(int64(monoNS - c.monoNS)))
}

// ms is the Date.now() value (ms since the epoch, fractional) of monoNS.
func (c wallClock) ms(monoNS uint64) float64 {
	base := float64(c.wall.UnixNano()) / 1e6
	return base + float64(int64(monoNS-c.monoNS))/1e6
}
