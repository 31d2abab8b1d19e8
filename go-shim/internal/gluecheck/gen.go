// Package gluecheck keeps the k6 glue in one Go module per k6 major and the
// rest of go-shim free of k6 (AGPL, never a dependency here). xk6 resolves an
// extension with go get / go mod tidy, which read every file whatever its
// build tags, so a module whose files name two k6 majors drags the other
// major into the user's build. The layout:
//
//   - go-shim (github.com/libsse/libsse/go-shim): the k6 v2 glue in its root
//     package, plus the k6-free packages (jsapi, libsse, llm, streamapi, internal);
//   - go-shim/k6v1 (github.com/libsse/libsse/go-shim/k6v1): the k6 v1.x glue,
//     generated here from the k6 v2 glue by rewriting its k6 import paths.
//
// The glue imports k6 and is never compiled in this repository, so the
// checks (gluecheck_test.go) read the sources. To regenerate go-shim/k6v1
// after editing the glue: go test ./internal/gluecheck -update
package gluecheck

import (
	"bytes"
	"fmt"
	"go/format"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

const (
	// K6Module is k6's v0/v1 module path; major N ≥ 2 is K6Module + "/vN".
	K6Module = "go.k6.io/k6"
	// K6v1Dir is the k6 v1 glue module's directory, relative to go-shim.
	K6v1Dir = "k6v1"
	// K6v1Module is the k6 v1 glue module's path.
	K6v1Module = "github.com/libsse/libsse/go-shim/k6v1"
)

// GlueMajor maps each glue directory (relative to go-shim) to the one k6
// major it imports.
var GlueMajor = map[string]int{".": 2, K6v1Dir: 1}

// K6Major returns the k6 major version an import path belongs to, or 0 when
// the path is not part of k6.
func K6Major(path string) int {
	if path != K6Module && !strings.HasPrefix(path, K6Module+"/") {
		return 0
	}
	rest := strings.TrimPrefix(path, K6Module)
	elem, _, _ := strings.Cut(strings.TrimPrefix(rest, "/"), "/")
	if n, err := strconv.Atoi(strings.TrimPrefix(elem, "v")); err == nil && strings.HasPrefix(elem, "v") && n >= 2 {
		return n
	}
	return 1
}

// generatedHeader starts every generated file; its first line follows Go's
// convention for generated code ("^// Code generated .* DO NOT EDIT\.$").
const generatedHeader = "// Code generated from go-shim/%s by go-shim/internal/gluecheck; DO NOT EDIT.\n" +
	"// Edit go-shim/%s, then run in go-shim: go test ./internal/gluecheck -update\n\n"

// GenerateK6v1 returns the k6 v1 glue (file name → content) made from the
// k6 v2 glue, the non-test .go files of shimDir: each k6 v2 import path
// (go.k6.io/k6/v2/...) becomes its k6 v1 path (go.k6.io/k6/...); nothing
// else changes. The glue uses only API the two majors share.
func GenerateK6v1(shimDir string) (map[string][]byte, error) {
	names, err := GoFiles(shimDir)
	if err != nil {
		return nil, err
	}
	out := map[string][]byte{}
	for _, name := range names {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := os.ReadFile(filepath.Join(shimDir, name))
		if err != nil {
			return nil, err
		}
		gen, err := rewriteK6Imports(name, src)
		if err != nil {
			return nil, err
		}
		out[name] = gen
	}
	return out, nil
}

// rewriteK6Imports replaces the k6 v2 import paths of one file, in place in
// the source text (comments and layout kept), and adds the header.
func rewriteK6Imports(name string, src []byte) ([]byte, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, name, src, parser.ImportsOnly|parser.ParseComments)
	if err != nil {
		return nil, err
	}
	type edit struct {
		start, end int
		text       string
	}
	var edits []edit
	for _, im := range f.Imports {
		p, err := strconv.Unquote(im.Path.Value)
		if err != nil {
			return nil, err
		}
		switch K6Major(p) {
		case 0:
			continue
		case 2:
			v1 := K6Module + strings.TrimPrefix(p, K6Module+"/v2")
			edits = append(edits, edit{
				start: fset.Position(im.Path.Pos()).Offset,
				end:   fset.Position(im.Path.End()).Offset,
				text:  strconv.Quote(v1),
			})
		default:
			return nil, fmt.Errorf("%s imports %s: the k6 v2 glue may import only k6 v2", name, p)
		}
	}
	sort.Slice(edits, func(i, j int) bool { return edits[i].start > edits[j].start })
	body := append([]byte(nil), src...)
	for _, e := range edits {
		body = append(body[:e.start], append([]byte(e.text), body[e.end:]...)...)
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, generatedHeader, name, name)
	b.Write(body)
	return format.Source(b.Bytes())
}

// GoFiles lists the .go files of one directory (not its subdirectories), in
// name order.
func GoFiles(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range entries {
		if !e.IsDir() && strings.HasSuffix(e.Name(), ".go") {
			out = append(out, e.Name())
		}
	}
	return out, nil
}
