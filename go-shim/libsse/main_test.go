package libsse_test

import (
	"fmt"
	"os"
	"testing"

	"github.com/libsse/libsse/go-shim/internal/testserver"
	"go.uber.org/goleak"
)

// server is the package's sse-testserver, started once in TestMain.
var server *testserver.Server

func TestMain(m *testing.M) {
	s, err := testserver.Start()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	server = s
	code := m.Run()
	s.Stop()
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintln(os.Stderr, "goroutines left behind:", err)
			code = 1
		}
	}
	os.Exit(code)
}
