package render

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/impress-dev/impress/internal/ffmpegtest"
	"github.com/impress-dev/impress/internal/testkit"
)

// TestRenderAtTheLimits: a spec at the documented limits (clips, texts,
// overlays, audio tracks) renders. On b62770a its graph, one argument of
// some 400 KB, failed ffmpeg's exec with "argument list too long". The
// clips are one frame each so the test stays short.
func TestRenderAtTheLimits(t *testing.T) {
	t.Parallel() // the longest test of the package: overlap it
	tools := ffmpegtest.Require(t)
	font := FindFont()
	if font == "" {
		t.Skip("no font for titles (install fonts-dejavu-core)")
	}
	dir := t.TempDir()
	ffmpegtest.Clip(t, ffmpegtest.Opts{Dir: dir, Name: "v.mp4", Dur: time.Second, Audio: true})
	ffmpegtest.ImageFile(t, 64, 64, filepath.Join(dir, "p.png"))
	ffmpegtest.Clip(t, ffmpegtest.Opts{Dir: dir, Name: "m.mp4", Dur: time.Second, Audio: true})

	var b strings.Builder
	b.WriteString("version: 1\nname: limits\npreset: preview\nclips:\n")
	frame := 1.0 / 30
	for i := range MaxClips {
		if i%2 == 0 {
			// a one-frame range, a different one for each clip: each is
			// an input of its own, as a cut list of one video would be
			fmt.Fprintf(&b, "  - video: v.mp4\n    in: %s\n    out: %s\n", secs(float64(i/2%25)*frame), secs(float64(i/2%25+1)*frame))
		} else {
			fmt.Fprintf(&b, "  - image: p.png\n    duration: %s\n", secs(frame))
		}
	}
	total := float64(MaxClips) * frame
	b.WriteString("texts:\n")
	for i := range MaxTexts {
		at := float64(i) * total / MaxTexts
		fmt.Fprintf(&b, "  - text: \"title %d\"\n    start: %s\n    end: %s\n    size: 24\n", i, secs(at), secs(at+frame))
	}
	b.WriteString("overlays:\n")
	for i := range MaxOverlays {
		fmt.Fprintf(&b, "  - image: p.png\n    size: 0.05\n    position: {x: %s, y: 0.5}\n", num(0.05+0.045*float64(i)))
	}
	b.WriteString("audio:\n")
	for range MaxAudioTracks {
		b.WriteString("  - file: m.mp4\n    volume: 0.05\n")
	}
	specPath := filepath.Join(dir, "limits.yaml")
	testkit.WriteFile(t, specPath, b.String())
	spec, err := LoadSpec(specPath)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out.mp4")
	res, err := Render(t.Context(), RenderRequest{Spec: spec, FFmpeg: tools.FFmpeg, FFprobe: tools.FFprobe,
		Output: out, TempDir: dir, FontFile: font}, nil)
	if err != nil {
		t.Fatal(err)
	}
	graph := res.Command[len(res.Command)-1]
	for i, a := range res.Command {
		if a == "-filter_complex" {
			graph = res.Command[i+1]
		}
	}
	if len(graph) < 128<<10 {
		t.Errorf("the graph is %d bytes: the spec no longer tests a graph past one argument's limit", len(graph))
	}
	f := ffmpegtest.ProbeFacts(t, out)
	if want := float64(MaxClips) * frame; f.VideoDuration < want-0.05 || f.VideoDuration > want+0.05 {
		t.Errorf("video %.3fs, want %.3fs", f.VideoDuration, want)
	}
}
