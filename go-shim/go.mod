module github.com/libsse/libsse/go-shim

go 1.23.0

require (
	github.com/grafana/sobek v0.0.0-20250320150027-203dc85b6d98
	go.uber.org/goleak v1.3.0
)

require (
	github.com/dlclark/regexp2 v1.11.5 // indirect
	github.com/go-sourcemap/sourcemap v2.1.4+incompatible // indirect
	github.com/google/pprof v0.0.0-20230207041349-798e818bf904 // indirect
	golang.org/x/text v0.3.8 // indirect
)
