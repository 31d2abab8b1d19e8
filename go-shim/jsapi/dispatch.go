package jsapi

import (
	"github.com/grafana/sobek"
	"github.com/libsse/libsse/go-shim/streamapi"
)

// eventBatch is how many events one wake-up drains from libsse.
const eventBatch = 64

// eventDelivery is the one path a stream's events take to the script, the
// same for sse.open and EventSource: per drained batch, one event object
// each (of the API's shape), the event's samples counted as it is handed
// over, and the batch's samples pushed in one container.
type eventDelivery struct {
	rt      *sobek.Runtime
	clock   wallClock
	shape   *eventShape
	samples eventSamples
	argv    [1]sobek.Value // the handlers' argument, reused for every event
}

// deliver hands the events of one drained batch to handle, in order, while
// it returns true, then pushes the samples of those handed over. handle
// receives the event and its object, as argv for the script's handlers
// (valid during the call only).
func (d *eventDelivery) deliver(events []streamapi.Event, handle func(e *streamapi.Event, argv []sobek.Value) bool) {
	if len(events) == 0 {
		return
	}
	objs := newEventObjects(d, events)
	for i := range objs {
		d.samples.count(&events[i])
		d.argv[0] = objs[i].value()
		if !handle(&events[i], d.argv[:]) {
			break
		}
	}
	d.argv[0] = nil
	d.samples.push()
}
