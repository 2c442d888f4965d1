package archtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
)

const module = "github.com/impress-dev/impress"

// rule says which impress packages the non-test code of the packages under
// root may import. Paths are relative to the module; an allow entry "x/..."
// means x and everything under it. A package is governed by the rule with
// the longest matching root, and may always import packages governed by the
// same rule (render/foo may import render). Test-only helpers are checked
// apart: see testOnly.
type rule struct {
	root  string
	allow []string
	// stdlibOnly forbids third-party imports as well (api is "stdlib
	// only", so any client can vendor it cheaply).
	stdlibOnly bool
	// unshipped: programs that never reach the release binary (benchmark
	// drivers). They may import any impress package, test helpers included.
	unshipped bool
	// exact: the rule governs root itself only, not the packages under it
	// (which then need rules of their own).
	exact bool
}

// rules is docs/ARCHITECTURE.md "Packages" as a table. A package that no rule covers fails the
// test: a new top-level package needs a deliberate line here.
var rules = []rule{
	// Leaves: no other impress package but safeopen, the one way a
	// user's file is opened (render opens specs, media and fonts), and
	// api, stdlib-only itself, whose value lists, Violation and Warning
	// render parses and reports with (one definition, no mirror).
	{root: "api", stdlibOnly: true},
	{root: "store"},
	{root: "render", allow: []string{"internal/safeopen", "api"}},
	{root: "internal/safeopen", stdlibOnly: true},
	{root: "meta"},
	{root: "meta/sandbox"},
	{root: "internal/version", stdlibOnly: true},
	{root: "internal/redact"},
	{root: "internal/config"},
	// Test helpers: leaves too, and reachable from _test.go files only.
	{root: "internal/ffmpegtest", stdlibOnly: true},
	{root: "internal/testkit", stdlibOnly: true},
	// Any other internal package may use its siblings.
	{root: "internal", allow: []string{"internal/..."}},
	// The hub's root: Run, the local API server and the feature table,
	// which wires every feature. Not cli or tui (no cycles back to the
	// front end), not meta/sandbox (the emulator must not leak into the
	// real daemon). Exact: a new package under daemon needs its own rule.
	{root: "daemon", exact: true, allow: []string{"api", "store", "render", "meta", "internal/...", "daemon/..."}},
	// The daemon's features: the leaves and the daemon's shared
	// infrastructure, never another feature (they meet through the seams
	// of daemon/internal/feature, wired by the root) nor the root.
	{root: "daemon/auth", allow: daemonFeature},
	{root: "daemon/projects", allow: daemonFeature},
	{root: "daemon/publish", allow: daemonFeature},
	{root: "daemon/community", allow: daemonFeature},
	{root: "daemon/privacy", allow: daemonFeature},
	// The daemon's shared infrastructure (HTTP helpers, job runner, seams):
	// the leaves and each other, never a feature or the root.
	{root: "daemon/internal", allow: []string{"api", "store", "render", "meta", "internal/..."}},
	// The features' test helpers (test-only, see testOnly) drive the Meta
	// emulator as the features' tests do.
	{root: "daemon/internal/daemontest", allow: []string{"api", "store", "render", "meta", "meta/sandbox", "internal/...", "daemon/internal/..."}},
	// The front end talks to the daemon through api; daemon is there for
	// daemon.Run only, meta/sandbox for `impress sandbox`, the one
	// sanctioned use of the emulator in the shipped binary.
	{root: "cli", allow: []string{"api", "tui", "daemon", "meta/sandbox", "internal/..."}},
	{root: "tui", allow: []string{"api", "internal/..."}},
	{root: "cmd", allow: []string{"cli", "internal/..."}},
	// The man page generator (make man): the command tree, outside the
	// shipped binary so that cobra/doc stays out of it (shipped_test.go).
	{root: "internal/gendocs", allow: []string{"cli", "internal/..."}},
	// Benchmark drivers (go run ./bench/…) measure the parts directly.
	{root: "bench", unshipped: true},
}

// daemonFeature is what a daemon feature package may import.
var daemonFeature = []string{"api", "store", "render", "meta", "internal/...", "daemon/internal/..."}

// testOnly packages may be imported only from _test.go files (or by each
// other): they must never reach the shipped binary.
var testOnly = []string{"internal/ffmpegtest", "internal/testkit", "daemon/internal/daemontest", "tui/tuitest"}

// pkg is the part of `go list -json` output the rules need.
type pkg struct {
	ImportPath   string
	Imports      []string
	TestImports  []string
	XTestImports []string
	Error        *struct{ Err string }
}

func under(path, root string) bool {
	return path == root || strings.HasPrefix(path, root+"/")
}

// rel returns path relative to the module, and whether it is in the module.
func rel(path string) (string, bool) {
	if path == module {
		return ".", true
	}
	return strings.CutPrefix(path, module+"/")
}

func ruleFor(rules []rule, relPath string) (rule, bool) {
	best, found := rule{}, false
	for _, r := range rules {
		if r.exact && relPath != r.root {
			continue
		}
		if under(relPath, r.root) && (!found || len(r.root) > len(best.root)) {
			best, found = r, true
		}
	}
	return best, found
}

func allowed(r rule, relPath string) bool {
	for _, a := range r.allow {
		if base, ok := strings.CutSuffix(a, "/..."); ok {
			if under(relPath, base) {
				return true
			}
		} else if relPath == a {
			return true
		}
	}
	return false
}

func isTestOnly(testOnly []string, relPath string) bool {
	return slices.ContainsFunc(testOnly, func(h string) bool { return under(relPath, h) })
}

// isStdlib: standard-library paths have no dot in their first element.
func isStdlib(path string) bool {
	first, _, _ := strings.Cut(path, "/")
	return !strings.Contains(first, ".")
}

// checkGraph returns one message per broken rule, naming the importing
// package and the offending import. Only non-test imports are checked:
// tests may use helpers and fakes freely.
func checkGraph(pkgs []pkg, rules []rule, testOnly []string) []string {
	var out []string
	for _, p := range pkgs {
		from, ok := rel(p.ImportPath)
		if !ok {
			continue
		}
		r, ok := ruleFor(rules, from)
		if !ok {
			out = append(out, from+" has no dependency rule: add one to internal/archtest (docs/ARCHITECTURE.md)")
			continue
		}
		if r.unshipped {
			continue
		}
		for _, imp := range p.Imports {
			if imp == "C" {
				out = append(out, from+` imports "C": releases are built with CGO_ENABLED=0`)
				continue
			}
			to, inModule := rel(imp)
			if !inModule {
				if r.stdlibOnly && !isStdlib(imp) {
					out = append(out, from+" imports "+imp+", but "+from+" may import the standard library only")
				}
				continue
			}
			if isTestOnly(testOnly, to) {
				if !isTestOnly(testOnly, from) {
					out = append(out, from+" imports "+imp+" from non-test code: "+to+" is a test helper, import it from _test.go files only")
				}
				continue
			}
			if tr, ok := ruleFor(rules, to); ok && tr.root == r.root {
				continue
			}
			if !allowed(r, to) {
				may := "no other impress package"
				if len(r.allow) > 0 {
					may = "only " + strings.Join(r.allow, ", ")
				}
				out = append(out, from+" imports "+imp+", but "+from+" may import "+may+" (docs/ARCHITECTURE.md)")
			}
		}
	}
	sort.Strings(out)
	return out
}

// goList is `go list ARGS` at the module's root, as the release builds
// for goos (arm64, CGO_ENABLED=0).
func goList(t *testing.T, goos string, args ...string) *exec.Cmd {
	t.Helper()
	gomod, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		t.Fatalf("go env GOMOD: %v", err)
	}
	cmd := exec.CommandContext(t.Context(), "go", append([]string{"list"}, args...)...)
	cmd.Dir = filepath.Dir(strings.TrimSpace(string(gomod)))
	cmd.Env = append(os.Environ(), "GOOS="+goos, "GOARCH=arm64", "CGO_ENABLED=0")
	return cmd
}

// listPackages runs `go list` over the whole module as the release builds
// it for goos (CGO_ENABLED=0), so files behind build tags count too.
func listPackages(t *testing.T, goos string) []pkg {
	t.Helper()
	cmd := goList(t, goos, "-e", "-json=ImportPath,Imports,TestImports,XTestImports,Error", "./...")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list (GOOS=%s): %v\n%s", goos, err, stderr.Bytes())
	}
	var pkgs []pkg
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p pkg
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("decode go list output: %v", err)
		}
		if p.Error != nil {
			// A package that does not build fails its own tests; its
			// imports are still listed, so the rules are checked anyway.
			t.Logf("go list: %s: %s", p.ImportPath, p.Error.Err)
		}
		pkgs = append(pkgs, p)
	}
	return pkgs
}

func TestImportRules(t *testing.T) {
	for _, goos := range []string{"linux", "darwin"} {
		t.Run(goos, func(t *testing.T) {
			t.Parallel()
			pkgs := listPackages(t, goos)
			// Guard against checking an empty or wrong graph (and passing).
			seen := map[string]bool{}
			for _, p := range pkgs {
				seen[p.ImportPath] = true
			}
			for _, want := range []string{"api", "cli", "daemon", "store", "cmd/impress"} {
				if !seen[module+"/"+want] {
					t.Fatalf("go list did not report %s/%s; is the module path still %s?", module, want, module)
				}
			}
			for _, v := range checkGraph(pkgs, rules, testOnly) {
				t.Error(v)
			}

			// The same graph with one forbidden edge added must fail,
			// naming it: the check above is able to fail on real data.
			before := len(checkGraph(pkgs, rules, testOnly))
			for _, edge := range [][2]string{{"cli", "store"}, {"daemon/publish", "daemon/auth"}, {"daemon/internal/feature", "daemon/projects"}} {
				mutated := slices.Clone(pkgs)
				found := false
				for i, p := range mutated {
					if p.ImportPath == module+"/"+edge[0] {
						mutated[i].Imports = append(slices.Clone(p.Imports), module+"/"+edge[1])
						found = true
					}
				}
				if !found {
					t.Fatalf("go list did not report %s", edge[0])
				}
				after := checkGraph(mutated, rules, testOnly)
				if len(after) != before+1 || !slices.ContainsFunc(after, func(v string) bool {
					return strings.HasPrefix(v, edge[0]+" imports "+module+"/"+edge[1]+",")
				}) {
					t.Errorf("adding %s -> %s to the real graph: got %q, want one more violation naming it", edge[0], edge[1], after)
				}
			}
		})
	}
}

func TestCheckGraph(t *testing.T) {
	m := func(p string) string { return module + "/" + p }
	// star is a graph that keeps every rule; cases add to it.
	star := []pkg{
		{ImportPath: m("api"), Imports: []string{"context", "net/http"}},
		{ImportPath: m("store"), Imports: []string{"go.etcd.io/bbolt"}},
		{ImportPath: m("render"), Imports: []string{"github.com/u2takey/ffmpeg-go", "gopkg.in/yaml.v3"}, TestImports: []string{m("internal/ffmpegtest")}},
		{ImportPath: m("render/filters"), Imports: []string{m("render")}},
		{ImportPath: m("meta"), Imports: []string{"golang.org/x/oauth2"}, XTestImports: []string{m("meta/sandbox"), m("internal/testkit")}},
		{ImportPath: m("meta/sandbox"), Imports: []string{"net/http"}},
		{ImportPath: m("internal/testkit"), Imports: []string{"sync", "time"}},
		{ImportPath: m("internal/ffmpegtest"), Imports: []string{"os/exec", "testing"}},
		{ImportPath: m("internal/config"), Imports: []string{"github.com/spf13/viper"}},
		{ImportPath: m("internal/redact")},
		{ImportPath: m("internal/version"), Imports: []string{"runtime/debug"}},
		{ImportPath: m("internal/keys"), Imports: []string{m("internal/redact")}},
		{ImportPath: m("daemon"), Imports: []string{m("api"), m("store"), m("internal/config"), m("internal/redact"),
			m("daemon/auth"), m("daemon/projects"), m("daemon/publish"), m("daemon/community"), m("daemon/privacy"),
			m("daemon/internal/feature"), m("daemon/internal/jobs")},
			TestImports: []string{m("meta/sandbox"), m("internal/ffmpegtest"), m("daemon/internal/daemontest")}},
		{ImportPath: m("daemon/auth"), Imports: []string{m("api"), m("store"), m("meta"), m("internal/secrets"), m("daemon/internal/feature")},
			TestImports: []string{m("meta/sandbox"), m("daemon/internal/daemontest")}},
		{ImportPath: m("daemon/projects"), Imports: []string{m("api"), m("store"), m("render"), m("daemon/internal/feature"), m("daemon/internal/mediastore")}},
		{ImportPath: m("daemon/publish"), Imports: []string{m("api"), m("store"), m("render"), m("meta"), m("daemon/internal/feature")},
			TestImports: []string{m("daemon/auth"), m("daemon/projects"), m("daemon/community"), m("daemon/internal/daemontest")}},
		{ImportPath: m("daemon/community"), Imports: []string{m("api"), m("store"), m("meta"), m("daemon/internal/feature"), m("daemon/internal/records")}},
		{ImportPath: m("daemon/privacy"), Imports: []string{m("api"), m("store"), m("daemon/internal/feature"), m("daemon/internal/records")}},
		{ImportPath: m("daemon/internal/feature"), Imports: []string{m("api"), m("store"), m("render"), m("meta"), m("internal/config"), m("daemon/internal/jobs")}},
		{ImportPath: m("daemon/internal/jobs"), Imports: []string{m("api"), m("store"), m("daemon/internal/httpx")}},
		{ImportPath: m("daemon/internal/httpx"), Imports: []string{m("api"), m("store"), m("internal/redact")}},
		{ImportPath: m("daemon/internal/mediastore"), Imports: []string{m("store")}},
		{ImportPath: m("daemon/internal/records"), Imports: []string{m("api")}},
		{ImportPath: m("daemon/internal/daemontest"), Imports: []string{m("api"), m("meta/sandbox"), m("daemon/internal/feature"), m("internal/ffmpegtest")}},
		{ImportPath: m("tui"), Imports: []string{m("api"), "github.com/charmbracelet/bubbletea"}},
		{ImportPath: m("cli"), Imports: []string{m("api"), m("tui"), m("daemon"), m("meta/sandbox"), m("internal/version"), "github.com/spf13/cobra"}},
		{ImportPath: m("cmd/impress"), Imports: []string{m("cli")}, TestImports: []string{m("internal/testkit"), m("internal/ffmpegtest"), m("api")}},
	}
	with := func(extra ...pkg) []pkg {
		out := slices.Clone(star)
		for _, e := range extra {
			i := slices.IndexFunc(out, func(p pkg) bool { return p.ImportPath == e.ImportPath })
			if i < 0 {
				out = append(out, e)
				continue
			}
			out[i].Imports = append(slices.Clone(out[i].Imports), e.Imports...)
		}
		return out
	}
	cases := []struct {
		name string
		pkgs []pkg
		want []string // each violation must start with one of these, in sorted order
	}{
		{"the star keeps every rule", star, nil},
		{"leaf imports leaf", with(pkg{ImportPath: m("store"), Imports: []string{m("api")}}),
			[]string{"store imports " + m("api") + ", but store may import no other impress package"}},
		{"render imports meta", with(pkg{ImportPath: m("render"), Imports: []string{m("meta")}}),
			[]string{"render imports " + m("meta") + ","}},
		{"render imports api", with(pkg{ImportPath: m("render"), Imports: []string{m("api")}}), nil},
		{"meta imports its emulator", with(pkg{ImportPath: m("meta"), Imports: []string{m("meta/sandbox")}}),
			[]string{"meta imports " + m("meta/sandbox") + ","}},
		{"sandbox imports meta", with(pkg{ImportPath: m("meta/sandbox"), Imports: []string{m("meta")}}),
			[]string{"meta/sandbox imports " + m("meta") + ","}},
		{"internal/config imports internal/redact", with(pkg{ImportPath: m("internal/config"), Imports: []string{m("internal/redact")}}),
			[]string{"internal/config imports " + m("internal/redact") + ","}},
		{"api imports a third-party module", with(pkg{ImportPath: m("api"), Imports: []string{"github.com/google/uuid"}}),
			[]string{"api imports github.com/google/uuid, but api may import the standard library only"}},
		{"daemon imports cli", with(pkg{ImportPath: m("daemon"), Imports: []string{m("cli")}}),
			[]string{"daemon imports " + m("cli") + ", but daemon may import only api, store, render, meta, internal/..."}},
		{"daemon imports tui", with(pkg{ImportPath: m("daemon"), Imports: []string{m("tui")}}),
			[]string{"daemon imports " + m("tui") + ","}},
		{"daemon imports the emulator", with(pkg{ImportPath: m("daemon"), Imports: []string{m("meta/sandbox")}}),
			[]string{"daemon imports " + m("meta/sandbox") + ","}},
		{"a daemon feature imports another", with(pkg{ImportPath: m("daemon/publish"), Imports: []string{m("daemon/auth")}}),
			[]string{"daemon/publish imports " + m("daemon/auth") + ", but daemon/publish may import only api, store, render, meta, internal/..., daemon/internal/..."}},
		{"a daemon feature imports the daemon's root", with(pkg{ImportPath: m("daemon/community"), Imports: []string{m("daemon")}}),
			[]string{"daemon/community imports " + m("daemon") + ","}},
		{"daemon infrastructure imports a feature", with(pkg{ImportPath: m("daemon/internal/feature"), Imports: []string{m("daemon/projects")}}),
			[]string{"daemon/internal/feature imports " + m("daemon/projects") + ", but daemon/internal/feature may import only api, store, render, meta, internal/..."}},
		{"daemon infrastructure imports the daemon's root", with(pkg{ImportPath: m("daemon/internal/jobs"), Imports: []string{m("daemon")}}),
			[]string{"daemon/internal/jobs imports " + m("daemon") + ","}},
		{"a daemon feature uses the daemon's test helpers", with(pkg{ImportPath: m("daemon/auth"), Imports: []string{m("daemon/internal/daemontest")}}),
			[]string{"daemon/auth imports " + m("daemon/internal/daemontest") + " from non-test code"}},
		{"a new package under daemon", with(pkg{ImportPath: m("daemon/billing"), Imports: []string{m("daemon/internal/feature")}}),
			[]string{"daemon/billing has no dependency rule"}},
		{"a subpackage of a feature is part of it", with(pkg{ImportPath: m("daemon/publish/state"), Imports: []string{m("daemon/publish"), m("daemon/internal/jobs")}}), nil},
		{"cli imports store", with(pkg{ImportPath: m("cli"), Imports: []string{m("store")}}),
			[]string{"cli imports " + m("store") + ","}},
		{"cli imports render and meta", with(pkg{ImportPath: m("cli"), Imports: []string{m("render"), m("meta")}}),
			[]string{"cli imports " + m("meta") + ",", "cli imports " + m("render") + ","}},
		{"tui imports daemon", with(pkg{ImportPath: m("tui"), Imports: []string{m("daemon")}}),
			[]string{"tui imports " + m("daemon") + ", but tui may import only api, internal/..."}},
		{"cmd imports daemon", with(pkg{ImportPath: m("cmd/impress"), Imports: []string{m("daemon")}}),
			[]string{"cmd/impress imports " + m("daemon") + ","}},
		{"ffmpegtest in non-test code", with(pkg{ImportPath: m("render"), Imports: []string{m("internal/ffmpegtest")}}),
			[]string{"render imports " + m("internal/ffmpegtest") + " from non-test code"}},
		{"testkit in the daemon", with(pkg{ImportPath: m("daemon"), Imports: []string{m("internal/testkit")}}),
			[]string{"daemon imports " + m("internal/testkit") + " from non-test code"}},
		{"a helper may use another helper", with(pkg{ImportPath: m("internal/testkit"), Imports: []string{m("internal/ffmpegtest")}}), nil},
		{"unknown top-level package", with(pkg{ImportPath: m("util"), Imports: []string{m("api")}}),
			[]string{"util has no dependency rule"}},
		{"package at the module root", with(pkg{ImportPath: module}),
			[]string{". has no dependency rule"}},
		{"cgo", with(pkg{ImportPath: m("daemon"), Imports: []string{"C"}}),
			[]string{`daemon imports "C"`}},
		{"a benchmark driver may import anything", with(pkg{ImportPath: m("bench/renderbench"),
			Imports: []string{m("render"), m("daemon"), m("store"), m("internal/ffmpegtest")}}), nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := checkGraph(tc.pkgs, rules, testOnly)
			ok := len(got) == len(tc.want)
			for i := 0; ok && i < len(got); i++ {
				ok = strings.HasPrefix(got[i], tc.want[i])
			}
			if !ok {
				t.Errorf("violations:\n got  %q\n want %q", got, tc.want)
			}
		})
	}
}
