module github.com/libsse/libsse/go-shim/k6v1

go 1.23.0

require (
	github.com/grafana/sobek v0.0.0-20250320150027-203dc85b6d98
	github.com/libsse/libsse/go-shim v0.0.0-00010101000000-000000000000
)

// For tools run inside this directory only: the go command ignores a
// dependency's replace directives, so a k6 build passes its own
// (xk6 build --replace github.com/libsse/libsse/go-shim=./go-shim).
replace github.com/libsse/libsse/go-shim => ../
