package render

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/impress-dev/impress/internal/ffmpegtest"
)

func TestGraphOptionFor(t *testing.T) {
	for _, c := range []struct {
		version string
		help    string
		want    string
	}{
		{"ffmpeg version 5.1.9-0+deb12u1 Copyright (c) 2000-2026", "", GraphOptionScript},
		{"ffmpeg version 4.4.2-0ubuntu0.22.04.1", "", GraphOptionScript},
		{"ffmpeg version 6.1.1", "", GraphOptionScript},
		{"ffmpeg version 7.0.2", "", GraphOptionFile},
		{"ffmpeg version n7.1 Copyright", "", GraphOptionFile},
		{"ffmpeg version 8.0", "", GraphOptionFile},
		// git snapshots: the help decides
		{"ffmpeg version N-113042-g1a2b3c", "-filter_complex graph\n-filter_complex_script filename  read …\n", GraphOptionScript},
		{"ffmpeg version N-120000-gdeadbe", "-filter_complex graph_description  create a complex filtergraph\n", GraphOptionFile},
	} {
		var help []byte
		if c.help != "" {
			help = []byte(c.help)
		}
		if got := GraphOptionFor(c.version, help); got != c.want {
			t.Errorf("GraphOptionFor(%q) = %q, want %q", c.version, got, c.want)
		}
	}
}

// TestGraphToFile: the graph leaves argv for a private file next to the
// output, named as the installed ffmpeg wants, and goes when Run ends.
func TestGraphToFile(t *testing.T) {
	dir := t.TempDir()
	graph := strings.Repeat("[0:v:0]null[s0];", 1) + "[s0]null"
	cmd := &Command{Output: filepath.Join(dir, "out.mp4"), GraphOption: GraphOptionFile}
	args := []string{"-i", "file:/in.mp4", "-filter_complex", graph, "-map", "[s1]", "file:" + cmd.Output}
	got, drop, err := graphToFile(cmd, args)
	if err != nil {
		t.Fatal(err)
	}
	i := slices.Index(got, GraphOptionFile)
	if i < 0 || slices.Contains(got, graph) || slices.Contains(got, "-filter_complex") {
		t.Fatalf("args = %q: want the graph replaced by %s FILE", got, GraphOptionFile)
	}
	file := strings.TrimPrefix(got[i+1], "file:")
	if filepath.Dir(file) != dir {
		t.Errorf("graph file %s, want it beside the output in %s", file, dir)
	}
	data, err := os.ReadFile(file)
	if err != nil || string(data) != graph {
		t.Fatalf("graph file = %q, %v", data, err)
	}
	if fi, _ := os.Stat(file); fi.Mode().Perm() != 0o600 {
		t.Errorf("graph file mode %v, want 0600", fi.Mode().Perm())
	}
	if args[2] != "-filter_complex" {
		t.Error("graphToFile changed its caller's args")
	}
	drop()
	if _, err := os.Stat(file); !os.IsNotExist(err) {
		t.Errorf("graph file left behind: %v", err)
	}
}

// TestGraphScriptOptionRuns: the option chosen for the installed ffmpeg
// is one it runs a graph file with.
func TestGraphScriptOptionRuns(t *testing.T) {
	tools := ffmpegtest.Require(t)
	opt, err := GraphScriptOption(t.Context(), tools.FFmpeg)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "o.mp4")
	cmd := &Command{Op: "test", Output: out, GraphOption: opt, Args: []string{
		"-f", "lavfi", "-i", "color=c=red:s=64x64:r=30:d=0.2",
		"-filter_complex", "[0:v:0]format=pix_fmts=yuv420p[s0]", "-map", "[s0]", "-f", "mp4", "file:" + out}}
	if err := Run(t.Context(), tools.FFmpeg, cmd, nil); err != nil {
		t.Fatalf("%s: %v", opt, err)
	}
	if fi, err := os.Stat(out); err != nil || fi.Size() == 0 {
		t.Fatalf("no output: %v", err)
	}
	left, _ := filepath.Glob(filepath.Join(filepath.Dir(out), ".*graph*"))
	if len(left) > 0 {
		t.Errorf("graph files left: %q", left)
	}
}
