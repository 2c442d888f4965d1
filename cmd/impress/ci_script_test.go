package main

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/impress-dev/impress/internal/testkit"
	"github.com/rogpeppe/go-internal/testscript"
	"github.com/rogpeppe/go-internal/txtar"
)

// The CI scripts (testdata/script/publish_ci*.txtar) play several CI
// runners against one sandbox account: each runner is a fresh
// IMPRESS_HOME with its own daemon, as an ephemeral CI machine is, and
// what counts is what is live on the account at the end.

// runner switches the commands that follow to a fresh runner: a new
// IMPRESS_HOME ($WORK/runners/NAME) and daemon socket. Its daemon is
// stopped when the script ends: runner NAME
func runner(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 || !regexp.MustCompile(`^[a-z0-9_-]{1,20}$`).MatchString(args[0]) {
		ts.Fatalf("usage: runner NAME (a-z, 0-9, _ and -)")
	}
	home := ts.MkAbs(filepath.Join("runners", args[0]))
	if _, err := os.Stat(home); err == nil {
		ts.Fatalf("runner %s exists: a runner starts empty", args[0])
	}
	ts.Check(os.MkdirAll(home, 0o700))
	sockDir, err := os.MkdirTemp("", "impr")
	ts.Check(err)
	sock := filepath.Join(sockDir, "d.sock")
	ts.Defer(func() { stopDaemon(sock); os.RemoveAll(sockDir) })
	ts.Setenv("IMPRESS_HOME", home)
	ts.Setenv("IMPRESS_SOCKET", sock)
}

// sandboxGet reads an admin endpoint of the script's sandbox as JSON.
func sandboxGet(ts *testscript.TestScript, path string, out any) {
	resp, err := http.Get(strings.TrimRight(ts.Getenv("IMPRESS_META_ENDPOINT"), "/") + path)
	ts.Check(err)
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	ts.Check(err)
	if resp.StatusCode != http.StatusOK {
		ts.Fatalf("GET %s: %s: %s", path, resp.Status, data)
	}
	ts.Check(json.Unmarshal(data, out))
}

// liveCount checks how many posts are live on the sandbox's accounts,
// whoever made them (impress, "elsewhere"), stories included, not counting
// the ones there at `live mark` (the sandbox seeds a few); with CAPTION,
// only those with that exact caption: live mark | live N [CAPTION]
func liveCount(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 1 || len(args) > 2 {
		ts.Fatalf("usage: live mark | live N [CAPTION]")
	}
	var out struct {
		Media []struct {
			Caption string `json:"caption"`
		} `json:"media"`
	}
	sandboxGet(ts, "/_sandbox/live", &out)
	if args[0] == "mark" {
		ts.Setenv("LIVE_MARK", strconv.Itoa(len(out.Media)))
		return
	}
	want, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("live: bad count %q", args[0])
	}
	got := 0
	if len(args) == 1 {
		mark, _ := strconv.Atoi(ts.Getenv("LIVE_MARK"))
		got = len(out.Media) - mark
	} else {
		for _, m := range out.Media {
			if m.Caption == args[1] {
				got++
			}
		}
	}
	if (got == want) == neg {
		ts.Fatalf("%d posts live%s, want %s%d", got, map[bool]string{true: " with that caption", false: " (new since live mark)"}[len(args) == 2],
			map[bool]string{true: "not ", false: ""}[neg], want)
	}
}

// waitSandbox polls the sandbox (10 s deadline) until it holds at least N
// of WHAT: "processing" (containers whose bytes all arrived and that Meta
// is still processing) or "published" (media made by media_publish, ever):
// waitsandbox WHAT N
func waitSandbox(ts *testscript.TestScript, neg bool, args []string) {
	checkUsage(ts, neg, args, 2, 2, "waitsandbox processing|published N")
	want, err := strconv.Atoi(args[1])
	if err != nil {
		ts.Fatalf("waitsandbox: bad count %q", args[1])
	}
	count := func() int {
		switch args[0] {
		case "processing":
			var st struct {
				Containers []struct {
					StatusCode string `json:"status_code"`
					Upload     *struct {
						FileSize int64 `json:"file_size"`
						Received int64 `json:"received"`
					} `json:"upload"`
				} `json:"containers"`
			}
			sandboxGet(ts, "/_sandbox/state", &st)
			n := 0
			for _, c := range st.Containers {
				if c.StatusCode == "IN_PROGRESS" && c.Upload != nil && c.Upload.FileSize > 0 && c.Upload.Received == c.Upload.FileSize {
					n++
				}
			}
			return n
		case "published":
			var out struct {
				Count int `json:"count"`
			}
			sandboxGet(ts, "/_sandbox/published", &out)
			return out.Count
		}
		ts.Fatalf("waitsandbox: %q: want processing or published", args[0])
		return 0
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		got := count()
		if got >= want {
			return
		}
		if time.Now().After(deadline) {
			ts.Fatalf("the sandbox holds %d %s after 10 s, want %d", got, args[0], want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// ciScripts are the scripts that run docs/ci.md.
var ciScripts = []string{"testdata/script/publish_ci.txtar", "testdata/script/publish_ci_reruns.txtar"}

// TestCIDocCommands holds docs/ci.md to its promise that every impress
// command it shows runs in the CI scripts: each command of its code blocks
// and inline code appears in one of them as an exec line — the same
// command, with the CI's variables written as the script sets them (the
// token comes on stdin, not through printenv's pipe; results are copied
// from stdout, not redirected). Its example manifest is the script's.
func TestCIDocCommands(t *testing.T) {
	doc := testkit.ReadFile(t, "../../docs/ci.md")
	var scripts strings.Builder
	var manifest []byte
	for _, name := range ciScripts {
		a, err := txtar.ParseFile(name)
		if err != nil {
			t.Fatal(err)
		}
		scripts.Write(a.Comment)
		for _, f := range a.Files {
			if name == ciScripts[0] && f.Name == "content/manifest.yaml" {
				manifest = f.Data
			}
		}
	}
	execs := map[string]bool{}
	for _, line := range strings.Split(scripts.String(), "\n") {
		line = strings.TrimSpace(line)
		if cmd, ok := strings.CutPrefix(line, "exec "); ok {
			execs[cmd] = true
		}
		if f := strings.Fields(line); len(f) > 2 && f[0] == "exitcode" {
			execs[strings.Join(f[2:], " ")] = true
		}
	}

	invocation := regexp.MustCompile(`(?:^|[\s|])(impress\s+[a-z].*)$`)
	inline := regexp.MustCompile("`(impress [a-z][^`]*)`")
	normalise := func(cmd string) string {
		cmd = regexp.MustCompile(`\s+>\s.*$`).ReplaceAllString(cmd, "")
		cmd = strings.ReplaceAll(cmd, "${{ matrix.shard }}", "$MATRIX_SHARD")
		cmd = strings.ReplaceAll(cmd, `"`, "")
		return strings.Join(strings.Fields(cmd), " ")
	}
	var cmds []string
	var docManifest []string
	var prose strings.Builder // inline code may wrap across lines
	inBlock, inManifest := false, false
	for _, line := range strings.Split(string(doc), "\n") {
		if strings.HasPrefix(line, "```") {
			inBlock, inManifest = !inBlock, false
			continue
		}
		switch {
		case inBlock && strings.TrimSpace(line) == "# content/manifest.yaml":
			inManifest = true
		case inManifest:
			docManifest = append(docManifest, line)
		case inBlock:
			if m := invocation.FindStringSubmatch(line); m != nil {
				cmds = append(cmds, normalise(m[1]))
			}
		default:
			prose.WriteString(line + " ")
		}
	}
	for _, m := range inline.FindAllStringSubmatch(prose.String(), -1) {
		cmds = append(cmds, normalise(m[1]))
	}
	if len(cmds) < 5 {
		t.Fatalf("found only %d commands in docs/ci.md: %q", len(cmds), cmds)
	}
	for _, c := range cmds {
		if !execs[c] {
			t.Errorf("docs/ci.md shows `%s`, which no CI script runs (%s)", c, strings.Join(ciScripts, ", "))
		}
	}
	if got, want := strings.TrimSpace(strings.Join(docManifest, "\n")), strings.TrimSpace(string(manifest)); got != want {
		t.Errorf("docs/ci.md's manifest differs from publish_ci.txtar's content/manifest.yaml:\n%s\n---\n%s", got, want)
	}
}
