package daemon

import (
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/internal/ffmpegtest"
	"github.com/impress-dev/impress/internal/testkit"
)

func TestPreviewFrame(t *testing.T) {
	c, p := ffmpegDaemon(t)
	ctx := t.Context()
	clip := ffmpegtest.Clip(t, ffmpegtest.Opts{Dur: time.Second})
	pr, err := c.CreateProject(ctx, api.NewProjectRequest{Name: "pv", Clips: []string{clip}})
	if err != nil {
		t.Fatal(err)
	}
	media := pr.Assets[0].Path

	f, err := c.PreviewFrame(ctx, api.PreviewRequest{Path: media, At: 0.5, Width: 18, Height: 32})
	if err != nil {
		t.Fatalf("preview: %v", err)
	}
	if f.Width != 18 || f.Height != 32 || len(f.RGB) != 18*32*3 {
		t.Fatalf("frame %dx%d with %d bytes", f.Width, f.Height, len(f.RGB))
	}
	// testsrc2 is colourful: a frame of one value means ffmpeg gave us
	// nothing real.
	if slices.Min(f.RGB) == slices.Max(f.RGB) {
		t.Errorf("frame is flat")
	}
	// pad letterboxes the square source into the tall frame: black on top.
	f, err = c.PreviewFrame(ctx, api.PreviewRequest{Path: media, Width: 18, Height: 32, Fit: "pad"})
	if err != nil {
		t.Fatalf("preview pad: %v", err)
	}
	if top := f.RGB[:18*3]; slices.Max(top) > 20 {
		t.Errorf("pad: top row is not black: %v", top)
	}

	outside := filepath.Join(t.TempDir(), "x.mp4")
	testkit.WriteFile(t, outside, "x")
	for name, req := range map[string]api.PreviewRequest{
		"outside the store": {Path: clip, Width: 8, Height: 8},
		"escape by dots":    {Path: filepath.Join(p.DataDir, "media", "..", "..", "x.mp4"), Width: 8, Height: 8},
		"relative":          {Path: "media/x.mp4", Width: 8, Height: 8},
		"too big":           {Path: media, Width: 4000, Height: 8},
		"bad fit":           {Path: media, Width: 8, Height: 8, Fit: "zoom"},
		"negative time":     {Path: media, At: -1, Width: 8, Height: 8},
	} {
		if _, err := c.PreviewFrame(ctx, req); !api.HasCode(err, api.CodeInvalid) {
			t.Errorf("%s: err = %v, want invalid_input", name, err)
		}
	}
	if _, err := c.PreviewFrame(ctx, api.PreviewRequest{Path: media, At: 30, Width: 8, Height: 8}); err == nil {
		t.Errorf("a time past the end gave a frame")
	}
}
