package main

import (
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestPackageDependencies holds the house's dependency rules
// (docs/architecture.md) over the production code of every package:
// tests may wire anything, production code may not.
func TestPackageDependencies(t *testing.T) {
	t.Parallel()
	imports := moduleImports(t, filepath.Join("..", ".."))
	own := func(pkg string) []string {
		var out []string
		for _, imp := range imports[pkg] {
			if rest, ok := strings.CutPrefix(imp, "parceltrack/"); ok {
				out = append(out, rest)
			}
		}
		return out
	}
	inSandbox := func(p string) bool { return p == "sandbox" || strings.HasPrefix(p, "sandbox/") }
	for pkg := range imports {
		for _, imp := range own(pkg) {
			if inSandbox(imp) && !inSandbox(pkg) && !strings.HasPrefix(pkg, "cmd/") {
				t.Errorf("%s imports %s: only cmd/ wires the sandbox in", pkg, imp)
			}
		}
	}
	// only lists everything of ours a package may import; refuse what it
	// must not.
	rules := []struct {
		pkg          string
		only, refuse []string
		why          string
	}{
		{pkg: "tracking", only: []string{}, why: "the domain core is pure"},
		{pkg: "insales", only: []string{"retryafter"}, why: "the platform client knows nothing of the app"},
		{pkg: "jobs", only: []string{}, why: "the job vocabulary is shared by producers, storage and workers"},
		{pkg: "billing", only: []string{"ru"}, why: "the ledger's rules stand alone (amounts are written by ru)"},
		{pkg: "carriers", only: []string{"tracking"}, why: "a carrier speaks the state model's terms"},
		{pkg: "notify", only: []string{"retryafter", "tracking", "ru"}, why: "messages follow the domain core's states; channels carry them, whatever they say"},
		{pkg: "handlers", refuse: []string{"storage", "workers"}, why: "the web layer talks to the domain"},
		{pkg: "workers", refuse: []string{"storage", "handlers", "shopapp", "onboarding"}, why: "workers schedule and claim through interfaces they declare"},
		{pkg: "shopapp", refuse: []string{"storage", "handlers", "workers", "onboarding"}, why: "the domain declares its stores"},
		{pkg: "messages", only: []string{"shopapp", "notify", "billing", "tracking"}, why: "the outbox is domain: it declares its stores and runs nothing by itself"},
		{pkg: "onboarding", refuse: []string{"storage", "handlers", "workers"}, why: "the domain declares its stores"},
		{pkg: "storage", refuse: []string{"handlers", "workers"}, why: "storage implements what the domain declares"},
	}
	for _, r := range rules {
		if _, ok := imports[r.pkg]; !ok {
			t.Errorf("package %s not found", r.pkg)
			continue
		}
		for _, imp := range own(r.pkg) {
			refused := slices.ContainsFunc(r.refuse, func(p string) bool { return imp == p || strings.HasPrefix(imp, p+"/") })
			if refused || (r.only != nil && !slices.Contains(r.only, imp)) {
				t.Errorf("%s imports parceltrack/%s: %s", r.pkg, imp, r.why)
			}
		}
	}
}

// moduleImports maps every package directory of the module below root
// ("shopapp", "carriers/russianpost") to what its non-test files import.
func moduleImports(t *testing.T, root string) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); path != root && (strings.HasPrefix(name, ".") || name == "testdata" || name == "data" || name == "node_modules") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, filepath.Dir(path))
		if err != nil {
			return err
		}
		pkg := filepath.ToSlash(rel)
		for _, imp := range f.Imports {
			p, err := strconv.Unquote(imp.Path.Value)
			if err != nil {
				return err
			}
			if !slices.Contains(out[pkg], p) {
				out[pkg] = append(out[pkg], p)
			}
		}
		if _, ok := out[pkg]; !ok {
			out[pkg] = nil
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("module root: %v", err)
	}
	return out
}

// TestEveryCommandIsDocumented: the usage text and the README's table of
// commands name every command the binary has.
func TestEveryCommandIsDocumented(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	for name := range commands() {
		if !strings.Contains(usage, "\n  "+name+" ") {
			t.Errorf("the usage text does not list %q", name)
		}
		if !strings.Contains(string(readme), "`parceltrack "+name) {
			t.Errorf("README.md does not list `parceltrack %s`", name)
		}
	}
}
