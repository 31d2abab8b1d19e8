package libsse_test

import (
	"net"
	"sync"
	"testing"
)

// rawServer accepts TCP connections on 127.0.0.1 and hands the n-th (from
// 0) to handle on its own goroutine; a nil handle only holds them open.
// It stops with the test: the listener and every connection are closed,
// then the handlers are waited for. It returns "http://host:port".
func rawServer(t *testing.T, handle func(n int, c net.Conn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	wg.Add(1)
	go func() {
		defer wg.Done()
		for n := 0; ; n++ {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			if handle != nil {
				wg.Add(1)
				go func(n int) {
					defer wg.Done()
					handle(n, c)
				}(n)
			}
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return "http://" + ln.Addr().String()
}
