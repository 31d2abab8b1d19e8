package libsse_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/libsse/libsse/go-shim/internal/testserver"
)

// k6 options reach libsse under the right keys: hosts, blockHostnames,
// blacklistIPs, userAgent.
func TestJSK6NetworkOptions(t *testing.T) {
	u, err := url.Parse(server.URL)
	if err != nil {
		t.Fatal(err)
	}
	h, _ := vu(t)
	h.Opts.Hosts = map[string]string{"sse.test": u.Host}
	h.Opts.BlockHostnames = []string{"*.blocked.test"}
	h.Opts.BlacklistIPs = []string{"10.0.0.0/8"}
	h.Opts.Throw = false
	v := run(t, h, `
		const out = []
		let ua = ""
		const r = sse.open("http://sse.test" + "/echo", c => c.on('event', e => { if (e.name === "headers") ua = JSON.parse(e.data)["user-agent"] }))
		out.push(r.status, ua)
		let k1 = "", k2 = ""
		sse.open("http://x.blocked.test/events", c => c.on('error', e => { k1 = e.kind }))
		sse.open("http://10.1.2.3/events", c => c.on('error', e => { k2 = e.kind }))
		out.push(k1, k2)
		JSON.stringify(out)`)
	if v.String() != `[200,"k6-test/1.0","denied","denied"]` {
		t.Fatal(v.String())
	}
}

// TLS with insecureSkipTLSVerify, and HTTP/2 by ALPN when asked for.
func TestJSTLSAndHTTP2(t *testing.T) {
	tlsServer, err := testserver.Start("--tls")
	if err != nil {
		t.Fatal(err)
	}
	defer tlsServer.Stop()
	if !strings.HasPrefix(tlsServer.URL, "https://") {
		t.Fatalf("url %s", tlsServer.URL)
	}
	h, _ := vu(t)
	h.Opts.Throw = false
	_ = h.RT.Set("TLSBASE", tlsServer.URL)
	v := run(t, h, `
		let kind = ""
		const bad = sse.open(TLSBASE + "/events?count=2", c => c.on('error', e => { kind = e.kind }))
		JSON.stringify([bad.status, kind])`)
	if v.String() != `[0,"tls"]` {
		t.Fatalf("self-signed certificate accepted without insecureSkipTLSVerify: %s", v)
	}
	h.Opts.InsecureSkipTLSVerify = true
	h2, _ := vu(t)
	h2.Opts = h.Opts
	_ = h2.RT.Set("TLSBASE", tlsServer.URL)
	v = run(t, h2, `
		let n = 0
		const r = sse.open(TLSBASE + "/events?count=3", {httpVersion: "http2"}, c => c.on('event', () => n++))
		JSON.stringify([r.status, n, r.timings.tls_handshaking > 0])`)
	if v.String() != `[200,3,true]` {
		t.Fatal(v.String())
	}
	if tls := h2.Samples("http_req_tls_handshaking"); len(tls) != 1 || tls[0].Value <= 0 {
		t.Fatalf("http_req_tls_handshaking %+v", tls)
	}
}
