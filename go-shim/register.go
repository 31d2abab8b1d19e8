package sse

func init() {
	k6Register("k6/x/sse", New())
}
