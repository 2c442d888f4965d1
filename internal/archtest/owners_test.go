package archtest

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/impress-dev/impress/internal/config"
	"github.com/impress-dev/impress/internal/testkit"
)

// Two rules of ownership that no import rule can check: exit codes belong
// to the CLI, and the design is cited from the repository's own documents.

// walkRepo calls fn for every file of the repository (module-relative,
// slash-separated path) outside .git, third_party and testdata.
func walkRepo(t *testing.T, fn func(rel, path string)) int {
	t.Helper()
	root := moduleRoot(t)
	n := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if name := d.Name(); path != root && (strings.HasPrefix(name, ".") && name != ".ci" || name == "third_party" || name == "testdata") {
				return filepath.SkipDir
			}
			return nil
		}
		n++
		fn(rel, path)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// exitOwners may speak of exit codes: the CLI, the binary's own tests, and
// programs whose process exit is their own (benchmarks, generators).
var exitOwners = []string{"cli/", "cmd/", "bench/", "internal/gendocs/"}

// exitNames are declarations outside exitOwners allowed to be named for an
// exit code, with the reason.
var exitNames = map[string]string{
	"render/errors.go ExitCode": "ffmpeg's own exit status, not impress's",
}

// exitNumber finds an exit number in text: "exit 5", "exits 2", "exit
// code 7", "(exit 3/130)".
var exitNumber = regexp.MustCompile(`(?i)\bexit(s|ed|ing)?( code| status)?s? ?\(?[0-9]`)

// exitKnowledge returns what a Go file outside the CLI knows of exit codes:
// exit numbers in its comments or strings, and declarations named for
// exit codes (other than os.Exit calls, which are a process's own). The
// strings of a test are not read: they hold stand-in binaries' scripts,
// whose exits are their own.
func exitKnowledge(rel string, f *ast.File) []string {
	isTest := strings.HasSuffix(rel, "_test.go")
	var out []string
	for _, cg := range f.Comments {
		for _, c := range cg.List {
			if m := exitNumber.FindString(c.Text); m != "" && !strings.Contains(c.Text, "os.Exit(") {
				out = append(out, "comment says "+m)
			}
		}
	}
	declared := func(id *ast.Ident) {
		if id == nil || !strings.Contains(strings.ToLower(id.Name), "exit") {
			return
		}
		if _, ok := exitNames[rel+" "+id.Name]; !ok {
			out = append(out, "declares "+id.Name)
		}
	}
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.BasicLit:
			if n.Kind == token.STRING && !isTest {
				if m := exitNumber.FindString(n.Value); m != "" {
					out = append(out, "string says "+m)
				}
			}
		case *ast.FuncDecl:
			declared(n.Name)
		case *ast.ValueSpec:
			for _, id := range n.Names {
				declared(id)
			}
		case *ast.TypeSpec:
			declared(n.Name)
		case *ast.Field:
			for _, id := range n.Names {
				declared(id)
			}
		}
		return true
	})
	return out
}

// TestExitCodesOnlyInCLI: the daemon answers wire codes, package meta
// error classes, and only package cli turns them into exit numbers (its
// errors.go). A table or a comment elsewhere that knows the numbers is a
// second owner, which drifts.
func TestExitCodesOnlyInCLI(t *testing.T) {
	fset := token.NewFileSet()
	seen := walkRepo(t, func(rel, path string) {
		if !strings.HasSuffix(rel, ".go") || rel == "internal/archtest/owners_test.go" ||
			slices.ContainsFunc(exitOwners, func(p string) bool { return strings.HasPrefix(rel, p) }) {
			return
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ParseComments|parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range exitKnowledge(rel, f) {
			t.Errorf("%s %s: exit codes are package cli's (cli/errors.go); name the wire code or the class instead", rel, k)
		}
	})
	if seen < 100 {
		t.Fatalf("walked %d files; is the module root right?", seen)
	}
}

// TestExitKnowledgeCanFail: a table of exit numbers, a helper named for
// them and a comment quoting one are each found; os.Exit is not.
func TestExitKnowledgeCanFail(t *testing.T) {
	src := `package x
// refused (exit 5) when the quota is used.
var exitOf = map[string]int{"rejected": 5}
func ExitCode(err error) int { return 1 }
type T struct{ ExitCode int }
func main() { os.Exit(2) } // os.Exit(1) on failure
var msg = "want exit 2"
`
	f, err := parser.ParseFile(token.NewFileSet(), "x.go", src, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	got := exitKnowledge("daemon/x.go", f)
	want := []string{"comment says exit 5", "declares exitOf", "declares ExitCode", "declares ExitCode", "string says exit 2"}
	if !slices.Equal(got, want) {
		t.Errorf("found %q, want %q", got, want)
	}
	if got := exitKnowledge("render/errors.go", f); slices.Contains(got, "declares ExitCode") {
		t.Errorf("render's ffmpeg ExitCode field is allowed, found %q", got)
	}
}

// outsideDocs are design documents that live outside the repository: a
// successor cannot follow a citation of them. Spelled in pieces so that
// this file does not cite them itself.
var outsideDocs = []string{"product" + ".md", "meta-graph-api" + ".md", "reliability" + ".md", "style" + ".md", "peers" + ".md"}

// citations returns the outside documents text names.
func citations(text string) []string {
	var out []string
	for _, d := range outsideDocs {
		if strings.Contains(text, d) {
			out = append(out, d)
		}
	}
	return out
}

// TestDesignIsCitedFromTheRepo: no file of the repository (code, docs,
// Makefile, scripts, testscripts) cites a design document that is not in
// it. Cite docs/ARCHITECTURE.md, docs/META.md (§N), docs/SECURITY.md (§N)
// or a README section instead.
func TestDesignIsCitedFromTheRepo(t *testing.T) {
	seen := walkRepo(t, func(rel, path string) {
		data := testkit.ReadFile(t, path)
		for _, d := range citations(string(data)) {
			t.Errorf("%s cites %s, which is not in the repository; cite docs/… or README instead", rel, d)
		}
	})
	if seen < 100 {
		t.Fatalf("walked %d files; is the module root right?", seen)
	}
	if got := citations("// Limits (" + outsideDocs[0] + ", " + outsideDocs[1] + " §2.1)"); !slices.Equal(got, outsideDocs[:2]) {
		t.Errorf("citations found %q, want the two cited", got)
	}
}

// configKeyShape finds what looks like a configuration key in text.
var configKeyShape = regexp.MustCompile(`\b(meta|daemon|render|publish|ffmpeg|ffprobe)\.[a-z]+(_[a-z]+)*\b`)

// notConfigKeys have a key's shape and are something else.
var notConfigKeys = map[string]string{
	"daemon.log":   "the daemon's log file",
	"daemon.out":   "the daemon's stdout file",
	"publish.type": "a spec key",
}

// undeclaredKeys returns the key-shaped names in the string literals of f
// that internal/config does not declare.
func undeclaredKeys(f *ast.File) []string {
	var out []string
	ast.Inspect(f, func(n ast.Node) bool {
		if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING {
			for _, name := range configKeyShape.FindAllString(lit.Value, -1) {
				if _, ok := config.LookupKey(name); !ok && notConfigKeys[name] == "" {
					out = append(out, name)
				}
			}
		}
		return true
	})
	return out
}

// TestConfigKeysAreDeclared: code reads settings through internal/config's
// typed handles only (a key named as a string does not compile), and every
// key a message names (a hint, a help text) is one config declares, so a
// typo cannot send the user to a key that does not exist.
func TestConfigKeysAreDeclared(t *testing.T) {
	fset := token.NewFileSet()
	walkRepo(t, func(rel, path string) {
		if !strings.HasSuffix(rel, ".go") || strings.HasSuffix(rel, "_test.go") {
			return
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range undeclaredKeys(f) {
			t.Errorf("%s names config key %q, which internal/config does not declare", rel, name)
		}
	})
	f, err := parser.ParseFile(token.NewFileSet(), "x.go", "package x\nvar hint = \"set publish.poll_intervall and daemon.public_url\"\n", 0)
	if err != nil {
		t.Fatal(err)
	}
	if got := undeclaredKeys(f); !slices.Equal(got, []string{"publish.poll_intervall"}) {
		t.Errorf("undeclaredKeys found %q, want the misspelt key", got)
	}
}
