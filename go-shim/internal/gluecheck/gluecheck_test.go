// Package gluecheck keeps the k6 v1.x glue (k6v1_*.go in the module root)
// identical to the k6 v2 glue except for the build tag and import paths.
// The glue itself imports k6 and is never compiled here.
package gluecheck

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// k6ImportPrefix is how an import of k6 starts (built so that this file
// does not match itself).
var k6ImportPrefix = `"` + k6Module

const k6Module = "go." + "k6.io/k6"

var glue = []string{"register", "module", "metrics", "options"}

// v1Of is the k6 v1.x version of a v2 glue file.
func v1Of(name, v2 string) string {
	s := strings.Replace(v2, "//go:build !k6v1\n", "//go:build k6v1\n", 1)
	s = strings.ReplaceAll(s, k6Module+"/v2/", k6Module+"/")
	return "// Code generated from " + name + ".go for k6 v1.x (import paths without /v2). DO NOT EDIT.\n\n" + s
}

func TestK6v1GlueMatchesV2(t *testing.T) {
	root := filepath.Join("..", "..")
	for _, name := range glue {
		v2, err := os.ReadFile(filepath.Join(root, name+".go"))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(string(v2), "//go:build !k6v1\n") {
			t.Fatalf("%s.go must start with //go:build !k6v1", name)
		}
		v1, err := os.ReadFile(filepath.Join(root, "k6v1_"+name+".go"))
		if err != nil {
			t.Fatal(err)
		}
		if string(v1) != v1Of(name, string(v2)) {
			t.Fatalf("k6v1_%s.go is out of date: regenerate it from %s.go (see README.md, 'k6 v1.x')", name, name)
		}
		if strings.Contains(string(v1), k6Module+"/v2") {
			t.Fatalf("k6v1_%s.go imports k6 v2", name)
		}
	}
}

// Only the glue may import k6: everything CI compiles stays k6-free.
func TestNoK6ImportOutsideTheGlue(t *testing.T) {
	root := filepath.Join("..", "..")
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") {
			return err
		}
		if filepath.Dir(path) == root {
			return nil // the glue
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if strings.Contains(string(b), k6ImportPrefix) {
			t.Errorf("%s imports k6", path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	mod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(mod), k6Module) {
		t.Fatal("go.mod must not require go.k6.io/k6")
	}
}
