package render

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// The filter graph of a long spec is far larger than argv allows (Linux
// caps one argument at 128 KiB; a 300-clip graph is past that, and the
// spec limits allow more), so [Run] hands it to ffmpeg in a file. The
// builder keeps "-filter_complex GRAPH" in Command.Args — the argv stays a
// pure function of the spec, and Command.String a command a human can
// paste — and Run swaps the pair for the option that reads a file.
//
// ffmpeg 5 and 6 read it with -filter_complex_script; ffmpeg 7 deprecated
// that for the generic "-/filter_complex FILE" (an option name prefixed
// with "/" reads its value from a file), which older ffmpeg does not know.
// [GraphScriptOption] tells which one a binary takes.

// Graph file options.
const (
	GraphOptionScript = "-filter_complex_script" // ffmpeg ≤ 6 (deprecated in 7)
	GraphOptionFile   = "-/filter_complex"       // ffmpeg ≥ 7
)

// ffmpegMajor reads the major release from the first line of `ffmpeg
// -version` ("ffmpeg version 5.1.9-0+deb12u1", "ffmpeg version n7.1");
// false for a git snapshot ("ffmpeg version N-113042-g…"). No regexp:
// package init stays light.
func ffmpegMajor(version string) (int, bool) {
	v, ok := strings.CutPrefix(version, "ffmpeg version ")
	if !ok {
		return 0, false
	}
	v = strings.TrimPrefix(v, "n")
	digits, rest, ok := strings.Cut(v, ".")
	if !ok || digits == "" {
		return 0, false
	}
	n, err := strconv.Atoi(digits)
	if err != nil || rest == "" {
		return 0, false
	}
	return n, true
}

// GraphOptionFor picks the graph file option from the first line of
// `ffmpeg -version` and, for builds whose version is not a release number
// (git snapshots say "N-113042-g…"), the text of `ffmpeg -h long`.
func GraphOptionFor(version string, help []byte) string {
	if major, ok := ffmpegMajor(version); ok {
		if major >= 7 {
			return GraphOptionFile
		}
		return GraphOptionScript
	}
	if help != nil && !strings.Contains(string(help), GraphOptionScript+" ") {
		return GraphOptionFile
	}
	return GraphOptionScript
}

// GraphScriptOption asks the ffmpeg binary which graph file option it
// takes (see [GraphOptionFor]), once per binary ([MemoTool], through
// [VersionLine]); [Render] asks when RenderRequest.GraphOption is empty.
func GraphScriptOption(ctx context.Context, ffmpeg string) (string, error) {
	first, err := VersionLine(ctx, ffmpeg)
	if err != nil {
		return "", fmt.Errorf("ffmpeg -version: %w", err)
	}
	if _, ok := ffmpegMajor(first); ok {
		return GraphOptionFor(first, nil), nil
	}
	return MemoTool(ctx, ffmpeg, "graph-option", func(ctx context.Context, p string) (string, error) {
		help, err := runCapture(ctx, p, []string{"-hide_banner", "-h", "long"})
		if err != nil {
			return "", fmt.Errorf("ffmpeg -h long: %w", err)
		}
		return GraphOptionFor(first, help), nil
	})
}

// graphToFile writes the value of args' -filter_complex to a private file
// and returns args with the pair replaced by the command's graph file
// option and that file, and the function that removes the file. Args
// without a graph come back as they are.
func graphToFile(cmd *Command, args []string) ([]string, func(), error) {
	i := slices.Index(args, "-filter_complex")
	if i < 0 || i+1 >= len(args) {
		return args, func() {}, nil
	}
	dir, pattern := os.TempDir(), "impress-graph-*.txt"
	switch {
	case cmd.Output != "":
		// beside the temporary output: the daemon's per-job work dir
		dir, pattern = filepath.Dir(cmd.Output), "."+filepath.Base(cmd.Output)+".graph-*.txt"
	case cmd.WorkDir != "" && len(cmd.Files) > 0:
		dir = cmd.WorkDir
	}
	f, err := os.CreateTemp(dir, pattern) // 0600
	if err != nil {
		return nil, nil, fmt.Errorf("graph file: %w", err)
	}
	drop := func() { os.Remove(f.Name()) }
	if _, err := f.WriteString(args[i+1]); err != nil {
		f.Close()
		drop()
		return nil, nil, fmt.Errorf("graph file: %w", err)
	}
	if err := f.Close(); err != nil {
		drop()
		return nil, nil, fmt.Errorf("graph file: %w", err)
	}
	opt := cmd.GraphOption
	if opt == "" {
		opt = GraphOptionScript
	}
	out := slices.Clone(args)
	// file: like every input: a directory name with a colon is not a protocol
	out[i], out[i+1] = opt, "file:"+f.Name()
	return out, drop, nil
}
