package render

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/impress-dev/impress/internal/ffmpegtest"
	"github.com/impress-dev/impress/internal/testkit"
)

// TestLintWarnsPerPreset: the same spec is fine on a story (whose bottom
// zone is 20%) and reaches under the Reels caption area (35%); Lint says
// so without encoding, and a missing file is its spec error.
func TestLintWarnsPerPreset(t *testing.T) {
	tools := ffmpegtest.Require(t)
	if FindFont() == "" {
		t.Skip("no font")
	}
	dir := t.TempDir()
	ffmpegtest.Clip(t, ffmpegtest.Opts{Dir: dir, Name: "a.mp4", Dur: 2 * time.Second})
	srt := ffmpegtest.SRT(t, []ffmpegtest.Cue{{Start: 0, End: time.Second, Text: "hi"}})
	spec := "version: 1\nname: l\nclips:\n  - video: a.mp4\ntexts:\n  - text: Buy now\n    position: {x: 0.5, y: 0.72}\ncaptions:\n  file: " + srt + "\n  style: {position: {x: 0.5, y: 0.5}}\nloudness: -14\n"
	path := filepath.Join(dir, "l.yaml")
	testkit.WriteFile(t, path, spec)
	s, err := LoadSpec(path)
	if err != nil {
		t.Fatal(err)
	}
	req := RenderRequest{Spec: s, FFmpeg: tools.FFmpeg, FFprobe: tools.FFprobe}
	ws, err := Lint(t.Context(), req)
	if err != nil {
		t.Fatal(err)
	}
	if len(ws) != 1 || ws[0].Rule != WarnSafeZone || ws[0].Key != "texts[0].position" || ws[0].Line != 7 {
		t.Errorf("reels: warnings %+v, want the text under the caption area", ws)
	}
	req.Preset = "story"
	if ws, err = Lint(t.Context(), req); err != nil || len(ws) != 0 {
		t.Errorf("story: warnings %+v, %v; want none (its bottom zone starts at 80%%)", ws, err)
	}
	if err := os.Remove(filepath.Join(dir, "a.mp4")); err != nil {
		t.Fatal(err)
	}
	if _, err := Lint(t.Context(), req); !IsMediaError(err) && !IsSpecError(err) {
		t.Errorf("missing clip: %v, want a media or spec error", err)
	}
}
