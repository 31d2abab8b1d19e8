package gluecheck

import (
	"bytes"
	"flag"
	"fmt"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite go-shim/k6v1 from the k6 v2 glue")

var (
	shimDir = filepath.Join("..", "..")       // go-shim
	repoDir = filepath.Join("..", "..", "..") // the repository root
)

// goFile is one .go file of go-shim read as go mod tidy reads it: every
// build tag, tests included.
type goFile struct {
	rel     string   // path relative to go-shim
	module  string   // directory of its module's go.mod, relative to go-shim
	imports []string // import paths
	build   []string // build constraint lines
}

// skipDir mirrors the directories the go command ignores.
func skipDir(name string) bool {
	return name == "testdata" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")
}

// readShim parses every .go file under go-shim and attributes it to the
// innermost directory holding a go.mod.
func readShim(t *testing.T) []goFile {
	t.Helper()
	var modules []string
	var files []goFile
	err := filepath.WalkDir(shimDir, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(shimDir, path)
		if err != nil {
			return err
		}
		if d.IsDir() {
			if rel != "." && skipDir(d.Name()) {
				return filepath.SkipDir
			}
			if _, err := os.Stat(filepath.Join(path, "go.mod")); err == nil {
				modules = append(modules, rel)
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") {
			return nil
		}
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly|parser.ParseComments)
		if err != nil {
			return err
		}
		gf := goFile{rel: rel}
		for _, im := range f.Imports {
			p, err := strconv.Unquote(im.Path.Value)
			if err != nil {
				return err
			}
			gf.imports = append(gf.imports, p)
		}
		for _, g := range f.Comments {
			if g.Pos() >= f.Package {
				break
			}
			for _, c := range g.List {
				if strings.HasPrefix(c.Text, "//go:build") || strings.HasPrefix(c.Text, "// +build") {
					gf.build = append(gf.build, c.Text)
				}
			}
		}
		files = append(files, gf)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// WalkDir visits parents first: the last module that contains the
	// file's directory is the innermost one.
	for i := range files {
		dir := filepath.Dir(files[i].rel)
		for _, m := range modules {
			if m == "." || dir == m || strings.HasPrefix(dir, m+string(filepath.Separator)) {
				files[i].module = m
			}
		}
	}
	if len(files) == 0 {
		t.Fatal("no .go files found under go-shim")
	}
	return files
}

// No module's files, read with every build tag, import more than one k6
// major; each glue module imports exactly its own.
func TestEachModuleImportsOneK6Major(t *testing.T) {
	majors := map[string]map[int][]string{} // module → major → files
	for _, f := range readShim(t) {
		seen := map[int]bool{}
		for _, p := range f.imports {
			if m := K6Major(p); m != 0 && !seen[m] {
				seen[m] = true
				if majors[f.module] == nil {
					majors[f.module] = map[int][]string{}
				}
				majors[f.module][m] = append(majors[f.module][m], f.rel)
			}
		}
	}
	for mod, byMajor := range majors {
		if len(byMajor) > 1 {
			t.Errorf("module go-shim/%s imports k6 majors %v: one module per k6 major, or xk6 drags the other into the build",
				mod, byMajor)
		}
	}
	for dir, want := range GlueMajor {
		got := majors[dir]
		if len(got) != 1 || got[want] == nil {
			t.Errorf("glue module go-shim/%s imports k6 majors %v, want only v%d", dir, got, want)
		}
	}
}

// Only the glue packages import k6; everything CI compiles stays k6-free.
// The glue picks its major by module, never by a build tag.
func TestOnlyGlueImportsK6(t *testing.T) {
	for _, f := range readShim(t) {
		_, isGlue := GlueMajor[filepath.Dir(f.rel)]
		if !isGlue || strings.HasSuffix(f.rel, "_test.go") {
			for _, p := range f.imports {
				if K6Major(p) != 0 {
					t.Errorf("%s imports %s: only the k6 glue (go-shim/*.go, go-shim/k6v1/*.go) may import k6", f.rel, p)
				}
			}
			continue
		}
		if len(f.build) > 0 {
			t.Errorf("%s has build constraints %q: the glue's module, not a build tag, picks the k6 major", f.rel, f.build)
		}
	}
}

// No go.mod, go.sum or go.work of the repository names k6 (AGPL).
func TestNoGoModNamesK6(t *testing.T) {
	checked := 0
	err := filepath.WalkDir(repoDir, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path != repoDir && (skipDir(d.Name()) || d.Name() == "target" || d.Name() == "node_modules") {
				return filepath.SkipDir
			}
			return nil
		}
		switch d.Name() {
		case "go.mod", "go.sum", "go.work", "go.work.sum":
		default:
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		checked++
		if bytes.Contains(b, []byte(K6Module)) {
			t.Errorf("%s names %s: k6 (AGPL) is never a dependency of this repository", path, K6Module)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 2 {
		t.Errorf("found %d go.mod/go.sum files, want at least go-shim's", checked)
	}
}

// requires reads a go.mod's module path and its require lines (path → version).
func requires(t *testing.T, path string) (string, map[string]string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	module, reqs := "", map[string]string{}
	inBlock := false
	for _, line := range strings.Split(string(b), "\n") {
		line, _, _ = strings.Cut(line, "//")
		f := strings.Fields(line)
		switch {
		case len(f) == 2 && f[0] == "module":
			module = f[1]
		case len(f) >= 2 && f[0] == "require" && f[1] == "(":
			inBlock = true
		case inBlock && len(f) == 1 && f[0] == ")":
			inBlock = false
		case inBlock && len(f) == 2:
			reqs[f[0]] = f[1]
		case len(f) == 3 && f[0] == "require":
			reqs[f[1]] = f[2]
		}
	}
	return module, reqs
}

// The k6 v1 glue module is go-shim/k6v1; it requires the parent module (a
// user's xk6 build --replaces it with ./go-shim) and every other module at
// the parent's version, so both majors' builds get the same sobek.
func TestK6v1GoMod(t *testing.T) {
	parent, parentReqs := requires(t, filepath.Join(shimDir, "go.mod"))
	module, reqs := requires(t, filepath.Join(shimDir, K6v1Dir, "go.mod"))
	if module != K6v1Module {
		t.Errorf("go-shim/%s/go.mod: module %q, want %q", K6v1Dir, module, K6v1Module)
	}
	if _, ok := reqs[parent]; !ok {
		t.Errorf("go-shim/%s/go.mod does not require %s", K6v1Dir, parent)
	}
	for mod, v := range reqs {
		if mod != parent && parentReqs[mod] != v {
			t.Errorf("go-shim/%s/go.mod requires %s %s; go-shim/go.mod has %q", K6v1Dir, mod, v, parentReqs[mod])
		}
	}
	if len(reqs) < 2 {
		t.Errorf("go-shim/%s/go.mod requires %v: want %s and the glue's own imports (sobek)", K6v1Dir, reqs, parent)
	}
}

// go-shim/k6v1 holds exactly the generated copy of the k6 v2 glue.
func TestK6v1GlueIsGenerated(t *testing.T) {
	want, err := GenerateK6v1(shimDir)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(shimDir, K6v1Dir)
	have, err := GoFiles(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for name := range want {
		names = append(names, name)
	}
	sort.Strings(names)
	if len(names) == 0 {
		t.Fatal("no glue files in go-shim")
	}
	for _, name := range names {
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil || !bytes.Equal(got, want[name]) {
			t.Errorf("go-shim/%s/%s is not the generated copy of go-shim/%s: run in go-shim: go test ./internal/gluecheck -update",
				K6v1Dir, name, name)
		}
	}
	for _, name := range have {
		if _, ok := want[name]; !ok {
			t.Errorf("go-shim/%s/%s has no source in go-shim: run in go-shim: go test ./internal/gluecheck -update", K6v1Dir, name)
		}
	}
}

// TestMain regenerates go-shim/k6v1 first when run with -update, so that
// every check reads the new copy.
func TestMain(m *testing.M) {
	flag.Parse()
	if *update {
		if err := writeK6v1(); err != nil {
			fmt.Fprintln(os.Stderr, "gluecheck -update:", err)
			os.Exit(1)
		}
	}
	os.Exit(m.Run())
}

// writeK6v1 makes go-shim/k6v1's .go files exactly the generated ones.
func writeK6v1() error {
	files, err := GenerateK6v1(shimDir)
	if err != nil {
		return err
	}
	dir := filepath.Join(shimDir, K6v1Dir)
	old, err := GoFiles(dir)
	if err != nil {
		return err
	}
	for _, name := range old {
		if _, keep := files[name]; !keep {
			if err := os.Remove(filepath.Join(dir, name)); err != nil {
				return err
			}
		}
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			return err
		}
	}
	return nil
}

func TestK6Major(t *testing.T) {
	for path, want := range map[string]int{
		"go.k6.io/k6":                    1,
		"go.k6.io/k6/js/modules":         1,
		"go.k6.io/k6/v2":                 2,
		"go.k6.io/k6/v2/js/modules":      2,
		"go.k6.io/k6/v3/lib":             3,
		"go.k6.io/k6/vendor/x":           1,
		"go.k6.io/k6extra":               0,
		"go.k6.io/xk6":                   0,
		"github.com/grafana/sobek":       0,
		"github.com/phymbert/xk6-sse/v2": 0,
	} {
		if got := K6Major(path); got != want {
			t.Errorf("K6Major(%q) = %d, want %d", path, got, want)
		}
	}
}
