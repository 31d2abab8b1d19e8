// Package gluecheck keeps the k6 glue (the module's root package) written
// once for every k6 version: only k6v2.go (k6 v2, the default) and k6v1.go
// (build tag k6v1) import k6, they declare the same identifiers, and the
// shared glue names k6 only through them. The glue imports k6 and is never
// compiled here, so these checks read the sources.
package gluecheck

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

const k6Module = "go.k6.io/k6"

// root is the go-shim module directory.
var root = filepath.Join("..", "..")

// versionFiles maps each per-version file to its build constraint.
var versionFiles = map[string]string{
	"k6v2.go": "//go:build !k6v1",
	"k6v1.go": "//go:build k6v1",
}

func isK6(path string) bool {
	return path == k6Module || strings.HasPrefix(path, k6Module+"/")
}

func isK6v2(path string) bool {
	return path == k6Module+"/v2" || strings.HasPrefix(path, k6Module+"/v2/")
}

func parse(t *testing.T, path string, mode parser.Mode) *ast.File {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), path, nil, mode|parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func importPaths(t *testing.T, f *ast.File) []string {
	t.Helper()
	var out []string
	for _, im := range f.Imports {
		p, err := strconv.Unquote(im.Path.Value)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, p)
	}
	return out
}

// buildLines are the file's build constraint lines (before the package clause).
func buildLines(f *ast.File) []string {
	var out []string
	for _, g := range f.Comments {
		if g.Pos() >= f.Package {
			break
		}
		for _, c := range g.List {
			if strings.HasPrefix(c.Text, "//go:build") || strings.HasPrefix(c.Text, "// +build") {
				out = append(out, c.Text)
			}
		}
	}
	return out
}

// Only k6v1.go and k6v2.go import k6, each its own version, behind its
// build tag; the shared glue has no build tag; nothing else imports k6, so
// everything CI compiles stays k6-free.
func TestOnlyVersionFilesImportK6(t *testing.T) {
	seen := map[string]bool{}
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") {
			return err
		}
		f := parse(t, path, parser.ImportsOnly)
		imports := importPaths(t, f)
		name := filepath.Base(path)
		want, isVersionFile := versionFiles[name]
		if filepath.Dir(path) != root || !isVersionFile {
			for _, p := range imports {
				if isK6(p) {
					t.Errorf("%s imports %s: only k6v1.go and k6v2.go may import k6", path, p)
				}
			}
			if filepath.Dir(path) == root {
				if lines := buildLines(f); len(lines) > 0 {
					t.Errorf("%s has a build constraint %q: the shared glue builds for every k6 version", path, lines)
				}
			}
			return nil
		}
		seen[name] = true
		if lines := buildLines(f); len(lines) != 1 || lines[0] != want {
			t.Errorf("%s: build constraints %q, want exactly %q", name, lines, want)
		}
		k6Imports := 0
		for _, p := range imports {
			if !isK6(p) {
				continue
			}
			k6Imports++
			if (name == "k6v2.go") != isK6v2(p) {
				t.Errorf("%s imports %s, a package of the other k6 version", name, p)
			}
		}
		if k6Imports == 0 {
			t.Errorf("%s imports no k6 package", name)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for name := range versionFiles {
		if !seen[name] {
			t.Errorf("%s is missing from the module root", name)
		}
	}
}

// topLevel lists a file's package-level declarations as "kind name".
func topLevel(f *ast.File) []string {
	var out []string
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			out = append(out, "func "+d.Name.Name)
		case *ast.GenDecl:
			for _, s := range d.Specs {
				switch s := s.(type) {
				case *ast.TypeSpec:
					out = append(out, d.Tok.String()+" "+s.Name.Name)
				case *ast.ValueSpec:
					for _, n := range s.Names {
						out = append(out, d.Tok.String()+" "+n.Name)
					}
				}
			}
		}
	}
	sort.Strings(out)
	return out
}

func missingFrom(a, b []string) []string {
	in := map[string]bool{}
	for _, s := range b {
		in[s] = true
	}
	var out []string
	for _, s := range a {
		if !in[s] {
			out = append(out, s)
		}
	}
	return out
}

// Both versions give the shared glue the same names, and every name is used
// (the compiler does not flag an unused package-level declaration).
func TestVersionFilesDeclareTheSameIdentifiers(t *testing.T) {
	v2 := topLevel(parse(t, filepath.Join(root, "k6v2.go"), 0))
	v1 := topLevel(parse(t, filepath.Join(root, "k6v1.go"), 0))
	if len(v2) == 0 {
		t.Fatal("k6v2.go declares nothing")
	}
	if m := missingFrom(v2, v1); len(m) > 0 {
		t.Errorf("declared in k6v2.go but not in k6v1.go: %q", m)
	}
	if m := missingFrom(v1, v2); len(m) > 0 {
		t.Errorf("declared in k6v1.go but not in k6v2.go: %q", m)
	}

	used := map[string]bool{}
	shared, err := filepath.Glob(filepath.Join(root, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range shared {
		if _, ok := versionFiles[filepath.Base(path)]; ok {
			continue
		}
		ast.Inspect(parse(t, path, 0), func(n ast.Node) bool {
			if id, ok := n.(*ast.Ident); ok {
				used[id.Name] = true
			}
			return true
		})
	}
	for _, d := range v2 {
		name := d[strings.IndexByte(d, ' ')+1:]
		if !used[name] {
			t.Errorf("%s (k6v1.go, k6v2.go) is not used by the shared glue", d)
		}
	}
}

func TestGoModDoesNotMentionK6(t *testing.T) {
	for _, name := range []string{"go.mod", "go.sum"} {
		b, err := os.ReadFile(filepath.Join(root, name))
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(b), k6Module) {
			t.Errorf("%s mentions %s: k6 (AGPL) is never a dependency of this module", name, k6Module)
		}
	}
}
