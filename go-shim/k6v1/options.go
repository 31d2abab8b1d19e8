// Code generated from go-shim/options.go by go-shim/internal/gluecheck; DO NOT EDIT.
// Edit go-shim/options.go, then run in go-shim: go test ./internal/gluecheck -update

package sse

import (
	"crypto/tls"
	"encoding/json"

	"github.com/libsse/libsse/go-shim/jsapi"
	"go.k6.io/k6/lib"
)

// mapOptions translates the k6 options libsse honours.
func mapOptions(o lib.Options, warnf func(string, ...any)) jsapi.Options {
	out := jsapi.Options{
		Throw:                 o.Throw.Bool,
		InsecureSkipTLSVerify: o.InsecureSkipTLSVerify.Bool,
		NoConnectionReuse:     o.NoConnectionReuse.Bool,
		NoVUConnectionReuse:   o.NoVUConnectionReuse.Bool,
		SystemTags:            map[string]bool{},
	}
	// k6 keeps its default user agent in a not-Valid null.String: use the
	// value either way, as k6/http does.
	out.UserAgent = o.UserAgent.String
	if o.SystemTags != nil {
		for k, v := range o.SystemTags.Map() {
			out.SystemTags[k] = v
		}
	}
	for _, a := range o.TLSAuth {
		if a == nil {
			continue
		}
		if a.Password.Valid {
			warnf("k6/x/sse: tlsAuth with an encrypted key (password) is not supported; that certificate is not sent")
			continue
		}
		out.TLSAuth = append(out.TLSAuth, jsapi.TLSAuth{Domains: a.Domains, CertPEM: a.Cert, KeyPEM: a.Key})
	}
	if o.TLSVersion != nil {
		out.TLSVersionMin = tlsVersion(int(o.TLSVersion.Min), warnf)
		out.TLSVersionMax = tlsVersion(int(o.TLSVersion.Max), warnf)
	}
	if o.Hosts.Valid {
		// NullHosts marshals to {"host": "ip" | "ip:port"}, libsse's format.
		if b, err := json.Marshal(o.Hosts); err == nil {
			_ = json.Unmarshal(b, &out.Hosts)
		}
	}
	for _, n := range o.BlacklistIPs {
		if n != nil {
			out.BlacklistIPs = append(out.BlacklistIPs, n.String())
		}
	}
	if o.BlockedHostnames.Valid {
		out.BlockHostnames = o.BlockedHostnames.Source()
	}
	if o.MaxRedirects.Valid {
		out.MaxRedirects = &o.MaxRedirects.Int64
	}
	return out
}

// tlsVersion maps a k6 TLS version (crypto/tls numbers) to libsse's; libsse
// (rustls) speaks TLS 1.2 and 1.3 only.
func tlsVersion(v int, warnf func(string, ...any)) string {
	switch v {
	case 0:
		return ""
	case tls.VersionTLS12:
		return "1.2"
	case tls.VersionTLS13:
		return "1.3"
	default:
		warnf("k6/x/sse: tlsVersion below 1.2 is not supported by libsse; using 1.2")
		return "1.2"
	}
}
