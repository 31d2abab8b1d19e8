package libsse

import (
	"strings"
	"testing"

	"github.com/libsse/libsse/go-shim/streamapi"
)

// The kind names Go code uses as constants are libsse's own.
func TestGoKindConstantsAreLibsseNames(t *testing.T) {
	if len(namedKinds) == 0 {
		t.Fatal("no kinds to check")
	}
	for name, value := range namedKinds {
		if got := kindName(value); got != name {
			t.Fatalf("Go names kind %d %q, libsse %q", value, name, got)
		}
	}
}

// A call that fails without an error object still gets a kind libsse
// names, chosen by its result code.
func TestFailuresWithoutAnErrorObjectHaveAKind(t *testing.T) {
	// sse_result values, fixed by the ABI (include/sse.h).
	const (
		errStream = 3
		cancelled = 4
		errNull   = 10
		errInval  = 11
		errOpen   = 12
		errPanic  = 13
		errState  = 14
	)
	for result, want := range map[int]streamapi.ErrorKind{
		cancelled: streamapi.KindCancelled, errNull: "invalid_request", errInval: "invalid_request",
		errStream: streamapi.KindInternal, errOpen: streamapi.KindInternal, errPanic: streamapi.KindInternal,
		errState: streamapi.KindInternal,
	} {
		e := failure(result)
		if e.Kind != want || !strings.HasPrefix(e.Message, "libsse: ") || e.Message == "libsse: unknown result" {
			t.Fatalf("result %d: %+v, want kind %q", result, e, want)
		}
	}
	if e := failure(errOpen); e.Message != "libsse: open failed" {
		t.Fatalf("message %q", e.Message)
	}
}
