// Package testserver starts the project's sse-testserver binary for Go
// tests: one process per test package, on 127.0.0.1 and a port the server
// picks, stopped when the package's tests end.
package testserver

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"
)

// Server is a running sse-testserver.
type Server struct {
	URL string // http://127.0.0.1:PORT
	cmd *exec.Cmd
}

// Binary is the sse-testserver path: $SSE_TESTSERVER, or
// target/release/sse-testserver at the repository root.
func Binary() string {
	if p := os.Getenv("SSE_TESTSERVER"); p != "" {
		return p
	}
	_, file, _, _ := runtime.Caller(0)
	root := filepath.Join(filepath.Dir(file), "..", "..", "..")
	return filepath.Join(root, "target", "release", "sse-testserver")
}

// Start runs the server with --port 0 plus args and waits for its
// "listening on URL" line.
func Start(args ...string) (*Server, error) {
	bin := Binary()
	if _, err := os.Stat(bin); err != nil {
		return nil, fmt.Errorf("sse-testserver not found at %s (build it: cargo build --release -p sse-testserver, or set SSE_TESTSERVER): %w", bin, err)
	}
	cmd := exec.Command(bin, append([]string{"--host", "127.0.0.1", "--port", "0"}, args...)...)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	// Die with the test process even if Stop is never reached.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		if sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
		// Keep draining so the server never blocks on a full pipe.
		for sc.Scan() {
		}
	}()
	s := &Server{cmd: cmd}
	select {
	case line, ok := <-lines:
		url, found := strings.CutPrefix(line, "listening on ")
		if !ok || !found {
			s.Stop()
			return nil, fmt.Errorf("sse-testserver: unexpected first line %q", line)
		}
		s.URL = strings.TrimSpace(url)
		return s, nil
	case <-time.After(20 * time.Second):
		s.Stop()
		return nil, errors.New("sse-testserver: no 'listening on' line within 20s")
	}
}

// Stop ends the server (SIGTERM, then SIGKILL after 5s) and waits for it.
func (s *Server) Stop() {
	if s.cmd.Process == nil {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		_ = s.cmd.Process.Kill()
		<-done
	}
}
