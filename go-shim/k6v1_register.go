// Code generated from register.go for k6 v1.x (import paths without /v2). DO NOT EDIT.

//go:build k6v1

package sse

import "go.k6.io/k6/js/modules"

func init() {
	modules.Register("k6/x/sse", New())
}
