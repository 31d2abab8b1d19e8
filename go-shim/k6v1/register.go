// Code generated from go-shim/register.go by go-shim/internal/gluecheck; DO NOT EDIT.
// Edit go-shim/register.go, then run in go-shim: go test ./internal/gluecheck -update

package sse

import "go.k6.io/k6/js/modules"

func init() {
	modules.Register("k6/x/sse", New())
}
