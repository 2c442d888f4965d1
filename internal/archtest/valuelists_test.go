package archtest

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/impress-dev/impress/api"
)

// valueList is one enumeration of the spec and the files allowed to spell
// it out. Everything else must use api's list (or render's, inside render):
// a copy that is not updated with the original is how the TUI came to offer
// five transitions while the parser knew more.
type valueList struct {
	name   string
	values []string
	owners []string // module-relative paths
}

var specOwners = []string{"api/specvalues.go"}

func valueLists() []valueList {
	return []valueList{
		{"fits", api.SpecFits, specOwners},
		{"zooms", api.SpecZooms, specOwners},
		{"transitions", api.SpecTransitions[1:], specOwners}, // "none" alone says nothing
		{"positions", api.SpecPositions, specOwners},
		{"overlay positions", api.SpecOverlayPositions, specOwners},
		{"aligns", api.SpecAligns, specOwners},
		{"text fits", api.SpecTextFits, specOwners},
		// the preset table itself is the owner of the preset names
		{"presets", api.SpecPresets, append(slices.Clone(specOwners), "render/preset.go")},
		{"publish types", api.SpecPublishTypes, specOwners},
	}
}

// copyAllowed are copies that live in code another change owns, each with
// the reason it is still here. Remove a line when its copy goes.
var copyAllowed = map[string]string{}

// literalSets returns, for every composite literal (slice, array or map
// keys) and every case clause of a file, the string constants it spells.
func literalSets(f *ast.File) [][]string {
	var sets [][]string
	str := func(e ast.Expr) (string, bool) {
		if kv, ok := e.(*ast.KeyValueExpr); ok {
			e = kv.Key
		}
		lit, ok := e.(*ast.BasicLit)
		if !ok || lit.Kind != token.STRING {
			return "", false
		}
		s, err := strconv.Unquote(lit.Value)
		return s, err == nil
	}
	collect := func(exprs []ast.Expr) {
		var set []string
		for _, e := range exprs {
			if s, ok := str(e); ok {
				set = append(set, s)
			}
		}
		if len(set) > 1 {
			sets = append(sets, set)
		}
	}
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.CompositeLit:
			collect(n.Elts)
		case *ast.CaseClause:
			collect(n.List)
		}
		return true
	})
	return sets
}

// copies names the lists a set of strings copies: three or more values of
// one list (all of a shorter one) in one literal or case. A set that copies
// a list contained in a longer one (the text positions are part of the
// overlay positions) is named once, by the shorter list, unless it also
// has values only the longer one has.
func copies(set []string, lists []valueList) []valueList {
	in := func(l valueList) []string {
		var got []string
		for _, v := range l.values {
			if slices.Contains(set, v) {
				got = append(got, v)
			}
		}
		return got
	}
	var match []valueList
	for _, l := range lists {
		if n := len(in(l)); n >= min(3, len(l.values)) {
			match = append(match, l)
		}
	}
	var out []valueList
	for _, l := range match {
		covered := slices.ContainsFunc(match, func(m valueList) bool {
			return m.name != l.name && len(m.values) < len(l.values) &&
				!slices.ContainsFunc(in(l), func(v string) bool { return !slices.Contains(m.values, v) })
		})
		if !covered {
			out = append(out, l)
		}
	}
	return out
}

func moduleRoot(t *testing.T) string {
	t.Helper()
	gomod, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		t.Fatalf("go env GOMOD: %v", err)
	}
	return filepath.Dir(strings.TrimSpace(string(gomod)))
}

// TestSpecValueListsHaveOneOwner walks every non-test Go file of the module
// and fails on a literal list (or switch case) that spells out one of the
// spec's value lists outside its owners.
func TestSpecValueListsHaveOneOwner(t *testing.T) {
	root := moduleRoot(t)
	lists := valueLists()
	fset := token.NewFileSet()
	seen := 0
	used := map[string]bool{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); path != root && (strings.HasPrefix(name, ".") || name == "testdata" || name == "bench") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		seen++
		for _, set := range literalSets(f) {
			for _, l := range copies(set, lists) {
				if slices.Contains(l.owners, rel) {
					continue
				}
				if _, ok := copyAllowed[rel+" "+l.name]; ok {
					used[rel+" "+l.name] = true
					continue
				}
				t.Errorf("%s spells out the spec's %s %q: use api.Spec… (or render's list inside render) so that adding a value cannot miss it", rel, l.name, set)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if seen < 50 {
		t.Fatalf("walked %d Go files under %s; is the module root right?", seen, root)
	}
	for k, why := range copyAllowed {
		if !used[k] {
			t.Errorf("copyAllowed[%q] (%s) matches no copy any more: remove the line", k, why)
		}
	}
}

// TestCopiesCanFail: the detector sees lists, map keys and case clauses,
// and ignores a value or two in passing.
func TestCopiesCanFail(t *testing.T) {
	src := `package x
var a = []string{"none", "fade", "slideleft", "dissolve"}
var b = map[string]int{"crop": 1, "pad": 2, "blur": 3}
func f(s string) bool {
	switch s {
	case "top", "center", "bottom":
		return true
	case "fade", "crop":
		return false
	}
	return []string{"left", "x"}[0] == s
}
`
	f, err := parser.ParseFile(token.NewFileSet(), "x.go", src, 0)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, set := range literalSets(f) {
		for _, l := range copies(set, valueLists()) {
			got = append(got, l.name)
		}
	}
	if want := []string{"transitions", "fits", "positions"}; !slices.Equal(got, want) {
		t.Errorf("copies found %q, want %q", got, want)
	}
}
