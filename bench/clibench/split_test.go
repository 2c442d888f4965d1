package main

import (
	"slices"
	"testing"

	"github.com/impress-dev/impress/render"
)

// The daemon logs a render's command with render.ShellJoin; the benchmark
// must get the very argv back to replay it.
func TestShellSplitUndoesShellJoin(t *testing.T) {
	argv := []string{"/usr/bin/ffmpeg", "-i", "file:/tmp/a b/it's.mp4", "-filter_complex", "[0:v]crop=w=min(iw\\,ih):h=1[s0];[s0]null", "", "-y", "x=1,y=2"}
	got, err := shellSplit(render.ShellJoin(argv))
	if err != nil || !slices.Equal(got, argv) {
		t.Fatalf("shellSplit(ShellJoin(%q)) = %q, %v", argv, got, err)
	}
	if _, err := shellSplit("ffmpeg 'unterminated"); err == nil {
		t.Error("an unterminated quote split without an error")
	}
}
