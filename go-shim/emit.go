package sse

import (
	"reflect"

	"github.com/libsse/libsse/go-shim/jsapi"
	"go.k6.io/k6/v2/lib"
	"go.k6.io/k6/v2/metrics"
)

// Emit pushes one container per call: jsapi calls it once per drained
// batch of events and once at the end of a stream.
func (h *vuHost) Emit(samples []jsapi.Sample) {
	state := h.vu.State()
	if state == nil || len(samples) == 0 {
		return
	}
	out := make(metrics.Samples, 0, len(samples))
	for _, s := range samples {
		m := h.metrics.lookup(state.BuiltinMetrics, s.Metric)
		if m == nil {
			continue
		}
		tags, vuMeta := h.tags.tagSet(h.metrics.rootTags, state, s.Tags)
		out = append(out, metrics.Sample{
			TimeSeries: metrics.TimeSeries{Metric: m, Tags: tags},
			Time:       s.Time,
			Metadata:   h.tags.metadata(vuMeta, s.Metadata),
			Value:      s.Value,
		})
	}
	metrics.PushIfNotDone(h.vu.Context(), state.Samples, out)
}

// sampleTags converts jsapi's tag maps to k6 TagSets and joins the VU's
// metadata with a sample's own. jsapi hands one tag map to every event
// sample of a stream, another to its llm_inter_token_latency samples, and
// never modifies a map it has emitted, so conversions are kept by the map's
// identity: a TagSet is built once per map, not once per batch (the VU's
// metadata is taken with it, as xk6-sse takes it once, at open). A batch
// mixes two or three maps, hence a few entries. Each entry holds its map,
// so a map's address cannot be reused while it is cached.
type sampleTags struct {
	entries [4]tagEntry
	next    int
	// The last join of the VU's metadata (vu) with a sample's own (own).
	vu, own, joined map[string]string
}

type tagEntry struct {
	tags   map[string]string
	set    *metrics.TagSet
	vuMeta map[string]string
}

func sameMap(a, b map[string]string) bool {
	return reflect.ValueOf(a).UnsafePointer() == reflect.ValueOf(b).UnsafePointer()
}

// tagSet returns the TagSet of m and the VU's metadata taken with it.
func (c *sampleTags) tagSet(root *metrics.TagSet, state *lib.State, m map[string]string) (*metrics.TagSet, map[string]string) {
	for i := range c.entries {
		if e := &c.entries[i]; e.set != nil && sameMap(e.tags, m) {
			return e.set, e.vuMeta
		}
	}
	e := &c.entries[c.next]
	c.next = (c.next + 1) % len(c.entries)
	*e = tagEntry{tags: m, set: root.WithTagsFromMap(m), vuMeta: state.Tags.GetCurrentValues().Metadata}
	return e.set, e.vuMeta
}

// metadata is the VU's metadata with a sample's own added (the sample's
// win); no copy when either is empty.
func (c *sampleTags) metadata(vu, own map[string]string) map[string]string {
	switch {
	case len(own) == 0:
		return vu
	case len(vu) == 0:
		return own
	case c.joined != nil && sameMap(c.vu, vu) && sameMap(c.own, own):
		return c.joined
	}
	joined := make(map[string]string, len(vu)+len(own))
	for k, v := range vu {
		joined[k] = v
	}
	for k, v := range own {
		joined[k] = v
	}
	c.vu, c.own, c.joined = vu, own, joined
	return joined
}
