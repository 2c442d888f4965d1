package archtest

import (
	"go/parser"
	"go/token"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// fileOwners are third-party modules that one file of impress owns: no
// other file may import them. ffmpeg-go builds the ffmpeg argv in
// render/args.go and nowhere else, so its API (and the patched copy in
// third_party/, see third_party/README.md) stays behind the builder's own
// graph type.
var fileOwners = map[string]string{
	"github.com/u2takey/ffmpeg-go": "render/args.go",
}

// importsOf returns the import paths of a Go source file.
func importsOf(t *testing.T, fset *token.FileSet, name string, src any) []string {
	t.Helper()
	f, err := parser.ParseFile(fset, name, src, parser.ImportsOnly)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, imp := range f.Imports {
		p, err := strconv.Unquote(imp.Path.Value)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, p)
	}
	return out
}

// TestOneFileOwnsFFmpegGo: the owner imports the module (so the rule
// is not about a module nobody uses) and no other file of the repository
// does, tests included.
func TestOneFileOwnsFFmpegGo(t *testing.T) {
	fset := token.NewFileSet()
	found := map[string][]string{}
	seen := walkRepo(t, func(rel, path string) {
		if !strings.HasSuffix(rel, ".go") {
			return
		}
		for _, imp := range importsOf(t, fset, path, nil) {
			for mod := range fileOwners {
				if under(imp, mod) {
					found[mod] = append(found[mod], rel)
				}
			}
		}
	})
	if seen < 100 {
		t.Fatalf("walked %d files; is the module root right?", seen)
	}
	for mod, owner := range fileOwners {
		if !slices.Equal(found[mod], []string{owner}) {
			t.Errorf("%s is imported by %q; only %s may import it (build argv through render's graph)", mod, found[mod], owner)
		}
	}
}
